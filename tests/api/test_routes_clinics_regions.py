"""POST /clinics on a two-region service: a clinic belongs to the region its location lies in (or none), shown in
ClinicPublic and the GeoJSON layer of its region; an anonymous caller is refused before the body is read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.routing.region import Region

from .conftest import make_settings


@pytest.fixture(scope="module")
def two(shanghai: Region, andorra: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('two') / 'fevermap.sqlite3'}"
    with TestClient(create_app(make_settings(url, region=shanghai.path, region_list=[andorra.path]))) as client:
        yield client


def test_post_clinic_assigns_the_region_of_its_location(two: TestClient, shanghai: Region, andorra: Region) -> None:
    key = {"X-API-Key": create_key(two.app.state.sessions, "admin")}  # type: ignore[attr-defined]
    body = {"name": "Centre de salut", "lon": 1.56, "lat": 42.51, "opening_hours": "Mo-Su 08:00-20:00"}
    assert two.post("/clinics", json={"name": "x"}).status_code == 401  # authenticate first, then validate
    got = two.post("/clinics", json=body, headers=key)
    assert got.status_code == 200, got.text
    clinic = got.json()
    assert (clinic["region"], clinic["timezone"]) == (andorra.name, andorra.timezone)
    sea = two.post("/clinics", json={**body, "name": "Ship", "lon": 5.0, "lat": 41.0}, headers=key).json()
    assert sea["region"] is None
    assert two.get(f"/clinics/{sea['id']}").json()["region"] is None
    layer = two.get(f"/clinics.geojson?region={andorra.name}").json()
    names = {f["properties"]["name"]: f["properties"]["region"] for f in layer["features"]}
    assert names == {"Centre de salut": andorra.name}
    near = two.get("/clinics/nearest?at=1.5218,42.5063&limit=5").json()
    assert [c["id"] for c in near["clinics"]] == [clinic["id"]] and near["region"] == andorra.name
    assert two.post("/clinics", json={**body, "lat": 142.0}, headers=key).status_code == 422
    assert two.delete(f"/clinics/{sea['id']}").status_code == 401
    assert two.delete(f"/clinics/{sea['id']}", headers=key).json() == {"deleted": sea["id"]}
    assert two.get(f"/clinics/{sea['id']}").status_code == 404
    assert two.delete(f"/clinics/{sea['id']}", headers=key).status_code == 404


def test_a_time_without_offset_is_refused_naming_the_field(two: TestClient) -> None:
    r = two.get("/clinics/nearest?at=1.5218,42.5063&time=2026-11-25T23:40")
    assert 400 <= r.status_code < 500 and "time '2026-11-25T23:40' has no UTC offset" in r.text, r.text
    ok = two.get("/clinics/nearest?at=1.5218,42.5063&time=2026-11-25T23:40%2B01:00")
    assert ok.status_code == 200 and ok.json()["at_local"] == "2026-11-25T23:40:00+01:00"
