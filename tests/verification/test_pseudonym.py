"""Pseudonyms: E.164 normalisation (the same person however the number is written) and HMAC-SHA-256 ids."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from fevermap.errors import InputError, PhoneNumberError
from fevermap.verification.pseudonym import check_id, e164, pseudonym


@pytest.mark.parametrize("written", ["138 0013 8000", "+86 138-0013-8000", "(+86)13800138000", "8613800138000"])
def test_one_number_written_many_ways_has_one_e164_form(written: str) -> None:
    assert e164(written if not written.startswith("86") else "+" + written) == "+8613800138000"


def test_pseudonym_is_hmac_sha256_hex_of_the_e164_form() -> None:
    key = b"shared secret of two authorities"
    expect = hmac.new(key, b"+8613800138000", hashlib.sha256).hexdigest()
    assert pseudonym("+8613800138000", key) == expect and len(expect) == 64
    assert pseudonym("+8613800138000", b"another key") != expect


def test_bad_numbers_and_ids_are_refused_without_echoing_them() -> None:
    with pytest.raises(PhoneNumberError):
        e164("12")
    assert check_id("AB" * 32) == "ab" * 32
    with pytest.raises(InputError, match="64 hex digits") as err:
        check_id("+8613800138000")
    assert "13800138000" not in str(err.value)
