"""Phone numbers (E.164, tel: URIs) and opening hours in the region's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fevermap.clinics.hours import is_open, validate_opening_hours
from fevermap.clinics.phones import display_phone, normalise_phone, normalise_phones, tel_uri
from fevermap.errors import InputError, PhoneNumberError

SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("021-63240090", "+862163240090"),
        ("+86 21 6324 0090", "+862163240090"),
        ("(021) 6437 0045", "+862164370045"),
        ("13800138000", "+8613800138000"),
    ],
)
def test_phones_normalise_to_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "abc", "021-6324009", "+999 1234", ""])
def test_malformed_phone_is_refused_with_the_number_quoted(raw: str) -> None:
    with pytest.raises(PhoneNumberError, match="phone number"):
        normalise_phone(raw)


def test_tel_uri_and_display() -> None:
    assert tel_uri("+862163240090") == "tel:+86-21-6324-0090"
    assert display_phone("+862163240090") == "+86 21 6324 0090"


def test_several_numbers_in_one_cell_deduplicated() -> None:
    assert normalise_phones("021-63240090; 021 6324 0090 / 021-64370045") == ["+862163240090", "+862164370045"]
    assert normalise_phones(None) == []


def test_hours_are_evaluated_in_the_region_time_zone() -> None:
    hours = "Mo-Fr 08:00-17:00"
    # 2026-11-25 is a Wednesday. 09:00 UTC = 17:00 Shanghai (closed at 17:00); 08:30 UTC = 16:30 Shanghai (open)
    assert is_open(hours, datetime(2026, 11, 25, 8, 30, tzinfo=UTC), SHANGHAI) is True
    assert is_open(hours, datetime(2026, 11, 25, 9, 0, tzinfo=UTC), SHANGHAI) is False
    # the same instant given with another offset gives the same answer
    ny = timezone(timedelta(hours=-5))
    assert is_open(hours, datetime(2026, 11, 25, 3, 30, tzinfo=ny), SHANGHAI) is True


def test_hours_across_midnight() -> None:
    night = "Mo-Su 18:00-02:00"
    sh = timezone(timedelta(hours=8))
    assert is_open(night, datetime(2026, 11, 25, 23, 40, tzinfo=sh), SHANGHAI) is True
    assert is_open(night, datetime(2026, 11, 26, 1, 59, tzinfo=sh), SHANGHAI) is True
    assert is_open(night, datetime(2026, 11, 26, 2, 1, tzinfo=sh), SHANGHAI) is False
    assert is_open(night, datetime(2026, 11, 26, 12, 0, tzinfo=sh), SHANGHAI) is False
    assert is_open("24/7", datetime(2026, 11, 26, 3, 0, tzinfo=sh), SHANGHAI) is True


def test_unknown_hours_are_unknown_not_closed() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert is_open(None, now, SHANGHAI) is None
    assert is_open("Mo-Su unknown", now, SHANGHAI) is None


def test_bad_hours_and_naive_times_are_refused() -> None:
    with pytest.raises(InputError, match="not valid OSM opening_hours"):
        validate_opening_hours("Mo-Fr 8 to 5")
    with pytest.raises(InputError, match=r"time .* has no UTC offset"):
        is_open("24/7", datetime(2026, 11, 25, 12), SHANGHAI)
