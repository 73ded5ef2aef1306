"""Declared stops against the sealed areas of a real risk engine (a real case file): recent stops inside count, old
ones and ones outside do not, unreadable stops are skipped, a service without case data has no areas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fevermap.risk.service import RiskService
from fevermap.verification.places import Stops, sealed_areas

TZ = "Asia/Shanghai"
CASE = (121.4800, 31.2400)
NOW = datetime.now(UTC)


@pytest.fixture
def risk(tmp_path: Path) -> RiskService:
    start, end = NOW - timedelta(days=1), NOW - timedelta(hours=23)
    (tmp_path / "cases.csv").write_text(
        f"id,lon,lat,start,end\ncase-1,{CASE[0]},{CASE[1]},{start.isoformat()},{end.isoformat()}\n"
    )
    return RiskService(tmp_path / "cases.csv", "default", TZ)


def _stop(lon: float, lat: float, days_ago: float) -> dict[str, object]:
    start = NOW - timedelta(days=days_ago)
    return {"lon": lon, "lat": lat, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def test_recent_stops_inside_a_sealed_area_are_found(risk: RiskService) -> None:
    forms = [
        {"stops": [_stop(CASE[0] + 0.0003, CASE[1], 0.5)]},  # about 29 m east, today: inside the 50 m area
        {"stops": [_stop(CASE[0] + 0.0008, CASE[1], 0.5)]},  # about 76 m: outside
        {"stops": [_stop(*CASE, 20)]},  # inside, but 20 days ago: not recent
        {"stops": [{"lon": CASE[0], "lat": CASE[1], "start": "not a time", "end": "x"}]},  # unreadable: skipped
        {},
    ]
    stops = Stops.from_rows((k, Stops.rows_of(f)) for k, f in enumerate(forms))
    assert stops.owner.tolist() == [0, 1, 2]
    areas = sealed_areas(risk, ["sealed"])
    assert areas.day == datetime.now(ZoneInfo(TZ)).date() and len(areas.polygons) == 1
    assert areas.owners_inside(stops) == {0}
    assert areas.owners_inside(stops, recent_days=30) == {0, 2}
    on_edge = sealed_areas(risk, ["sealed"], on=areas.day + timedelta(days=10))  # the sealed level lasts 7 days
    assert on_edge.polygons == [] and on_edge.owners_inside(stops) == set()
    assert sealed_areas(risk, ["controlled"]).version != areas.version  # levels are part of the version


def test_no_case_data_or_unknown_level_means_no_areas(risk: RiskService) -> None:
    none = sealed_areas(RiskService(None, "default", TZ), ["sealed"])
    assert none.polygons == [] and none.version == "no-case-data"
    assert sealed_areas(risk, ["no such level"]).polygons == []
    assert Stops.from_rows([]).owner.size == 0
