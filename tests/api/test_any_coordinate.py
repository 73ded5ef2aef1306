"""Any valid ``(lon, lat)`` on Earth, on every HTTP endpoint and CLI command that takes coordinates: a 4xx that names
the distance (OSRM's ``NoSegment`` on the OSRM-compatible endpoints), never a 500 or a crash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fevermap.api.app import create_app
from fevermap.api.cli import app as cli_app
from fevermap.config import Settings
from fevermap.db.testing import sqlite_url
from fevermap.routing.region import Region

#: Both ends of the valid range included; the demo region (central Shanghai) is a speck in it.
LON = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
LAT = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)
#: The point of issue 10: a transverse Mercator centred on Shanghai answers inf at (30, 0).
FAR = [(0.0, 0.0), (0.001, 0.001), (30.0, 0.0), (-58.5, 0.0), (180.0, 90.0), (-180.0, -90.0)]
ROAD = (121.4737, 31.2304)
#: "is 12,960,919 m from the nearest road", "is 12,961 km from the region"
DISTANCE = re.compile(r"is [\d,]+ k?m from")


def _far(lon: float, lat: float) -> bool:
    return not (121.3 <= lon <= 121.7 and 31.0 <= lat <= 31.4)


@pytest.fixture(scope="module")
def client(shanghai: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = sqlite_url(tmp_path_factory.mktemp("any-coordinate"))
    with TestClient(create_app(Settings(region=shanghai.path, database_url=db))) as c:
        yield c


def _check_http(client: TestClient, lon: float, lat: float) -> None:
    pt, road = f"{lon},{lat}", f"{ROAD[0]},{ROAD[1]}"
    for url, osrm in [
        (f"/route/v1/driving/{pt};{road}", True),
        (f"/route/v1/driving/{road};{pt}", True),
        (f"/nearest/v1/driving/{pt}", True),
        (f"/table/v1/driving/{road};{pt}", True),
        (f"/route?from={pt}&to={road}", False),
        (f"/route?from={road}&to={pt}", False),
        (f"/clinics/nearest?at={pt}", False),
    ]:
        r = client.get(url)
        assert r.status_code < 500, (url, r.status_code, r.text)
        if _far(lon, lat):
            body = r.json()
            if osrm:
                assert (r.status_code, body["code"]) == (400, "NoSegment"), (url, body)
                assert DISTANCE.search(body["message"]), (url, body)
            else:
                assert r.status_code == 422 and body["code"] in ("NoSegment", "InvalidValue"), (url, body)
                assert DISTANCE.search(body["detail"]), (url, body)


@pytest.mark.parametrize(("lon", "lat"), FAR)
def test_far_points_http(client: TestClient, lon: float, lat: float) -> None:
    _check_http(client, lon, lat)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lon=LON, lat=LAT)
def test_any_point_http(client: TestClient, lon: float, lat: float) -> None:
    _check_http(client, lon, lat)


def _check_cli(region: Path, lon: float, lat: float, tmp: Path) -> None:
    pt, road = f"{lon},{lat}", f"{ROAD[0]},{ROAD[1]}"
    pairs = tmp / "pairs.csv"
    pairs.write_text(f"from_lon,from_lat,to_lon,to_lat\n{lon},{lat},{ROAD[0]},{ROAD[1]}\n", encoding="utf-8")
    env = {"FEVERMAP_DATABASE_URL": sqlite_url(tmp)}
    runner = CliRunner()
    for args in [
        ["route", "--region", str(region), "--from", pt, "--to", road],
        ["route", "--region", str(region), "--pairs", str(pairs)],
        ["clinics", "nearest", "--region", str(region), "--at", pt],
    ]:
        res = runner.invoke(cli_app, args, env=env)
        assert res.exception is None or isinstance(res.exception, SystemExit), (args, repr(res.exception))
        if _far(lon, lat):
            text = res.output
            assert DISTANCE.search(text), (args, text)
            if "--pairs" not in args:
                assert res.exit_code == 2, (args, res.exit_code, text)


def test_far_points_cli(shanghai: Region, tmp_path: Path) -> None:
    for lon, lat in FAR:
        _check_cli(shanghai.path, lon, lat, tmp_path)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lon=LON, lat=LAT)
def test_any_point_cli(shanghai: Region, tmp_path: Path, lon: float, lat: float) -> None:
    _check_cli(shanghai.path, lon, lat, tmp_path)
