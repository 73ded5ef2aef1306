"""Time to care as a pure function: where the wait comes from, stale = unknown, and the ranking rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fevermap.clinics.status import StatusRecord
from fevermap.clinics.time_to_care import (
    DEFAULT_MINUTES_PER_PATIENT,
    UNKNOWN_WAIT_RANK_MIN,
    Wait,
    expected_wait,
    minutes_per_patient,
    order,
    rank_seconds,
    time_to_care_min,
)

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def status(minutes: int | None = None, patients: int | None = None, age_min: float = 1.0) -> StatusRecord:
    return StatusRecord(3, patients, minutes, True, None, NOW - timedelta(minutes=age_min), "operator")


def test_wait_sources() -> None:
    assert expected_wait(status(minutes=15, patients=40), NOW, 1800) == Wait(15.0, "reported_minutes")
    assert expected_wait(status(patients=4), NOW, 1800) == Wait(4 * DEFAULT_MINUTES_PER_PATIENT, "waiting_patients")
    assert expected_wait(status(patients=4), NOW, 1800, 6.0) == Wait(24.0, "waiting_patients")
    assert expected_wait(status(), NOW, 1800) == Wait(None, "unknown")
    assert expected_wait(None, NOW, 1800) == Wait(None, "unknown")


def test_stale_wait_is_unknown_and_never_better() -> None:
    stale = expected_wait(status(minutes=0, age_min=45), NOW, 1800)
    assert stale == Wait(None, "stale")
    assert rank_seconds(600, stale) > rank_seconds(600, Wait(30.0, "reported_minutes"))
    assert time_to_care_min(600, stale) is None


def test_minutes_per_patient_attribute() -> None:
    assert minutes_per_patient({"minutes_per_patient": 4}) == 4.0
    assert minutes_per_patient({"minutes_per_patient": "7.5"}) == 7.5
    for bad in ({}, {"minutes_per_patient": "x"}, {"minutes_per_patient": -1}, {"minutes_per_patient": None}):
        assert minutes_per_patient(bad) == DEFAULT_MINUTES_PER_PATIENT


def test_order() -> None:
    ids = ["a", "b", "c", "d"]
    drive = [600.0, 300.0, 900.0, 300.0]
    waits = [Wait(5.0, "reported_minutes"), Wait(40.0, "waiting_patients"), Wait(None, "unknown"), Wait(40.0, "x")]
    # a: 10 + 5 = 15 min; b, d: 5 + 40 = 45 (tie by id); c: 15 + 60 (assumed) = 75
    assert order(ids, drive, waits) == [0, 1, 3, 2]
    assert order(ids, drive, waits, rank="drive") == [1, 3, 0, 2]
    assert time_to_care_min(600, waits[0]) == pytest.approx(15.0)
    assert UNKNOWN_WAIT_RANK_MIN == 60.0
