"""Pseudonyms shared with a partner jurisdiction: HMAC-SHA-256 of the E.164 form of a phone number.

Both authorities normalise a number the same way (``phonenumbers``: parsed with a default country, checked valid,
formatted E.164 such as ``+8613812345678``) and compute ``hmac_sha256(key, e164.encode("ascii")).hexdigest()``; the
64 lower-case hex digits are the id. Neither side sends a number in clear, and without the key an id cannot be
recomputed from a guessed number.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers

from fevermap.errors import InputError, PhoneNumberError

ID_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def e164(phone: str, region: str = "CN") -> str:
    """The E.164 form of ``phone`` (``region``: ISO 3166 alpha-2 country for numbers without a country code).

    Raises
    ------
    PhoneNumberError
        A number that does not parse or is not a valid number.
    """
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError(f"phone number {phone!r} does not parse: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberError(f"phone number {phone!r} is not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def pseudonym(phone_e164: str, key: bytes) -> str:
    """HMAC-SHA-256 of an E.164 number under the shared ``key``, as 64 lower-case hex digits."""
    return hmac.new(key, phone_e164.encode("ascii"), hashlib.sha256).hexdigest()


def check_id(value: str) -> str:
    """``value`` lower-cased if it is 64 hex digits.

    Raises
    ------
    InputError
        Saying what an id must look like (the value itself is not repeated: it may be a phone number in clear).
    """
    v = value.strip().lower()
    if not ID_PATTERN.match(v):
        raise InputError("an id must be the 64 hex digits of HMAC-SHA-256(shared key, E.164 phone number)")
    return v
