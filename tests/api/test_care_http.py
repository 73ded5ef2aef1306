"""Care endpoints over HTTP on the demo region: isochrones, catchments, coverage, and bad input as 4xx."""

from __future__ import annotations

from pathlib import Path

import h3
import pytest

from fevermap.db.testing import sqlite_url
from tests.api.conftest import Service

AT = "121.4737,31.2304"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the care answers do not depend on the database backend (the clinic filters are tested on both)."""
    return sqlite_url(tmp_path)


def test_isochrone(service: Service) -> None:
    r = service.client.get("/isochrone", params={"at": AT, "minutes": "2,5"})
    assert r.status_code == 200
    fc = r.json()
    assert [f["properties"]["minutes"] for f in fc["features"]] == [5, 2]
    assert fc["features"][0]["geometry"]["type"] == "MultiPolygon"
    back = service.client.get("/isochrone", params={"at": AT, "minutes": "5", "reverse": "true"}).json()
    assert back["features"][0]["properties"]["reverse"] is True
    assert fc["smoothing"]["rule"] == "cells" and fc["smoothing"]["buffer_m"] == 40
    assert [f["properties"]["cell_m"] for f in fc["features"]] == fc["smoothing"]["cell_m"][::-1]


@pytest.mark.parametrize(
    ("params", "fix"),
    [
        ({"at": AT, "minutes": "1,2,3,4,5"}, "1 to 4"),
        ({"at": AT, "minutes": "121"}, "<= 120"),
        ({"at": AT, "minutes": "0"}, "> 0"),
        ({"at": "2.0,41.0", "minutes": "5"}, "outside the region"),
        ({"at": "31.2304,121.4737", "minutes": "5"}, "lat"),
        ({"at": AT, "minutes": "five"}, "numbers separated by commas"),
    ],
)
def test_isochrone_bad_input(service: Service, params: dict[str, str], fix: str) -> None:
    r = service.client.get("/isochrone", params=params)
    assert r.status_code == 422
    assert fix in r.text


def test_catchments(service: Service) -> None:
    r = service.client.get("/clinics/catchments", params={"minutes": 10})
    assert r.status_code == 200
    feats = r.json()["features"]
    assert len(feats) >= 5  # the routable demo clinics
    assert {f["properties"]["clinic_id"] for f in feats} <= set(service.clinic_ids)
    assert service.client.get("/clinics/catchments", params={"minutes": 500}).status_code == 422


def test_coverage(service: Service) -> None:
    r = service.client.get("/coverage", params={"minutes": 5, "resolution": 8})
    assert r.status_code == 200
    body = r.json()
    s = body["summary"]
    assert s["cells"] == len(body["features"]) > 0
    assert s["weight_kind"] == "case_addresses"
    gaps = [f for f in body["features"] if f["properties"]["gap"]]
    assert s["gap_cells"] == len(gaps)
    assert s["gap_weight"] == pytest.approx(sum(f["properties"]["weight"] for f in gaps), abs=0.5)
    reachable = [f for f in gaps if f["properties"]["minutes"] is not None]  # a gap some clinic reaches, late
    if reachable:
        far = max(reachable, key=lambda f: f["properties"]["minutes"])
        lat, lon = h3.cell_to_latlng(far["properties"]["h3"])
        what = service.client.get("/coverage", params={"minutes": 5, "resolution": 8, "candidate": f"{lon},{lat}"})
        assert what.status_code == 200, what.text
        assert what.json()["summary"]["candidate"]["gap_weight_removed"] > 0
    strict = service.client.get("/coverage", params={"minutes": 5, "resolution": 8, "with_slots": "true",
                                                     "strict": "true"}).json()  # fmt: skip
    assert strict["summary"]["clinics"] == 0  # no demo clinic has reported slots
    assert strict["summary"]["gap_cells"] == strict["summary"]["cells"]


@pytest.mark.parametrize(
    ("params", "fix"),
    [
        ({"resolution": 12}, "too fine for this region"),
        ({"resolution": 2}, "between 5 and 12"),
        ({"minutes": 0}, "greater than 0"),
        ({"candidate": "2.0,41.0"}, "outside the region"),
    ],
)
def test_coverage_bad_input(service: Service, params: dict[str, object], fix: str) -> None:
    r = service.client.get("/coverage", params=params)
    assert r.status_code == 422
    assert fix in r.text


def test_planner_page(service: Service) -> None:
    r = service.client.get("/planner")
    assert r.status_code == 200
    assert "planner.js" in r.text
