"""Phone numbers: validation to E.164 and ``tel:`` URIs (RFC 3966), with Google's libphonenumber rules.

Examples
--------
>>> normalise_phone("021-63240090")
'+862163240090'
>>> tel_uri("+862163240090")
'tel:+86-21-6324-0090'
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from fevermap.errors import PhoneNumberError

_SPLIT = re.compile(r"[;,、，；|/]")


def normalise_phone(raw: str, default_region: str = "CN") -> str:
    """Return ``raw`` as an E.164 string (``+862163240090``).

    Parameters
    ----------
    raw : str
        A phone number as written (``021-63240090``, ``+86 21 6324 0090``...).
    default_region : str
        ISO 3166 alpha-2 country for numbers without a country code.

    Raises
    ------
    PhoneNumberError
        When ``raw`` is not a valid phone number; the message quotes it.
    """
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError(f"malformed phone number {raw!r}: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberError(
            f"invalid phone number {raw!r}: not a valid number in {default_region} "
            "(give the area code, e.g. 021-63240090, or +86 21 6324 0090)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def split_phones(raw: str) -> list[str]:
    """Split a cell holding several numbers (``;``, ``,``, ``、``, ``/``) into their texts, empty parts dropped."""
    return [part for part in _SPLIT.split(raw.strip()) if part.strip()]


def normalise_phones(raw: str | list[str] | None, default_region: str = "CN") -> list[str]:
    """Validate one cell (or a list) of phone numbers; return E.164 strings without duplicates, in order."""
    if raw is None:
        return []
    parts = split_phones(raw) if isinstance(raw, str) else [p for p in raw if p and p.strip()]
    out: list[str] = []
    for part in parts:
        e164 = normalise_phone(part, default_region)
        if e164 not in out:
            out.append(e164)
    return out


@lru_cache(maxsize=65536)
def tel_uri(e164: str) -> str:
    """The RFC 3966 ``tel:`` URI of an E.164 number (``tel:+86-21-6324-0090``)."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)


@lru_cache(maxsize=65536)
def display_phone(e164: str) -> str:
    """The international display form (``+86 21 6324 0090``)."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
