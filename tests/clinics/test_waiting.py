"""Fewest waiting patients: fresh reports only, ties by wait then name."""

from __future__ import annotations

from fevermap.clinics.schemas import ClinicPublic, StatusPublic
from fevermap.clinics.waiting import fewest_waiting


def _clinic(cid: str, waiting: int | None, minutes: int | None = None, *, stale: bool = False) -> ClinicPublic:
    status = StatusPublic(known=True, stale=stale, waiting_patients=None if stale else waiting, waiting_minutes=minutes)
    return ClinicPublic(id=cid, region="r", timezone="UTC", name=cid, kind="fever_clinic", address=None, district=None,
                        phones=[], phones_display=[], tel=None, lon=0.0, lat=0.0, opening_hours=None,
                        night_emergency=None, source=None, status=status)  # fmt: skip


def test_order_and_exclusions() -> None:
    clinics = [_clinic("a", 5, 30), _clinic("b", 2), _clinic("c", 2, 10), _clinic("d", 0, stale=True),
               _clinic("e", None), _clinic("f", 1, 60)]  # fmt: skip
    assert [c.id for c in fewest_waiting(clinics, 10)] == ["f", "c", "b", "a"]
    assert [c.id for c in fewest_waiting(clinics, 2)] == ["f", "c"]
    assert fewest_waiting(clinics, 0) == []
