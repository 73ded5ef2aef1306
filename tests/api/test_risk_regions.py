"""Risk areas per served region and from stored case tracks: each region's areas come from its own case records
(the case file's and the investigators' case tracks, those inside its footprint), its routes close its own sealed
areas, and posting a case track gives a new risk-area version with the new place sealed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.routing.region import Region

from .conftest import make_settings

DAY = "2026-11-20"
SH_CASE = (121.4800, 31.2300)
AD_FROM, AD_TO = "1.5218,42.5063", "1.5340,42.5450"


def _stop(p: tuple[float, float], tz: str, hour: int = 9) -> dict[str, Any]:
    start = datetime(2026, 11, 20, hour, 0, tzinfo=ZoneInfo(tz))
    return {"lon": p[0], "lat": p[1], "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
            "place": "home"}  # fmt: skip


@pytest.fixture(scope="module")
def app_client(shanghai: Region, andorra: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("riskregions")
    # the Andorra case sits on the plain route between the two Andorra points (a point of its geometry)
    with TestClient(create_app(make_settings(f"sqlite:///{tmp / 'a.sqlite3'}", region=andorra.path))) as c:
        coords = c.get("/route", params={"from": AD_FROM, "to": AD_TO}).json()["geometry"]["coordinates"]
    ad_case = tuple(coords[len(coords) // 2])
    cases = tmp / "cases.json"
    cases.write_text(json.dumps({"declarations": [
        {"id": "sh-1", "stops": [_stop(SH_CASE, "Asia/Shanghai")]},
        {"id": "ad-1", "stops": [_stop(ad_case, "Europe/Andorra")]},
    ]}))  # fmt: skip
    settings = make_settings(f"sqlite:///{tmp / 'fevermap.sqlite3'}", region=shanghai.path, region_list=[andorra.path],
                             risk_cases=cases, risk_tracks_check_s=0.0)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        client.ad_case = ad_case  # type: ignore[attr-defined]
        yield client


def _sealed(client: TestClient, region: str) -> dict[str, Any]:
    r = client.get("/risk-areas", params={"date": DAY, "level": "sealed", "region": region})
    assert r.status_code == 200, r.text
    fc: dict[str, Any] = r.json()
    return fc


def test_each_region_has_its_own_areas(app_client: TestClient) -> None:
    sh, ad = _sealed(app_client, "shanghai"), _sealed(app_client, "andorra")
    assert len(sh["features"]) == 1 and len(ad["features"]) == 1
    assert shape(sh["features"][0]["geometry"]).contains(shapely.Point(SH_CASE))
    assert shape(ad["features"][0]["geometry"]).contains(shapely.Point(app_client.ad_case))  # type: ignore[attr-defined]
    assert sh["version"] != ad["version"]
    # the prefixed path and the coordinates of a route pick the same region's areas
    r = app_client.get("/route", params={"from": AD_FROM, "to": AD_TO, "exclude": "sealed", "date": DAY})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["avoided"] == [ad["features"][0]["properties"]["id"]] and body["extra_duration_s"] > 0
    assert not shape(body["geometry"]).intersects(shape(ad["features"][0]["geometry"]))


def test_posted_case_tracks_make_a_new_version(app_client: TestClient) -> None:
    before = _sealed(app_client, "andorra")
    key = create_key(app_client.app.state.sessions, "investigator")  # type: ignore[attr-defined]
    new_place = (1.5300, 42.5200)
    track = [{"id": "ad-track-1", "visits": [_stop(new_place, "Europe/Andorra", 15)], "legs": []}]
    assert app_client.post("/case-tracks", json=track, headers={"X-API-Key": key}).status_code == 200
    after = _sealed(app_client, "andorra")
    assert after["version"] != before["version"] and len(after["features"]) == 2
    assert shapely.union_all([shape(f["geometry"]) for f in after["features"]]).contains(shapely.Point(new_place))
    assert "ad-track-1" not in json.dumps(after)  # public: no case ids
    # the Shanghai region is unchanged: the track lies outside its footprint
    assert _sealed(app_client, "shanghai")["features"] == _sealed(app_client, "shanghai")["features"]
    assert len(_sealed(app_client, "shanghai")["features"]) == 1
