"""HTTP routing endpoints: /route, /health and the OSRM-compatible services, against the engine."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fevermap.api.app import create_app
from fevermap.config import Settings
from fevermap.geo import polyline
from fevermap.routing.region import Region
from fevermap.routing.router import Router

A, B, C = (121.4737, 31.2304), (121.4997, 31.2397), (121.4800, 31.2200)


@pytest.fixture(scope="module")
def client(shanghai: Region) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(region=shanghai.path))) as c:
        yield c


@pytest.fixture(scope="module")
def engine(shanghai: Region) -> Router:
    return Router(shanghai)


def _q(*pts: tuple[float, float]) -> str:
    return ";".join(f"{lon},{lat}" for lon, lat in pts)


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["region"] == "shanghai" and body["nodes"] > 3000
    assert body["worker_pid"] == os.getpid()  # the test client runs the app in this process
    assert body["metric_version"] >= 1 and body["traffic_version"] >= 0


def test_route_matches_engine(client: TestClient, engine: Router) -> None:
    r = client.get("/route", params={"from": f"{A[0]},{A[1]}", "to": f"{B[0]},{B[1]}"})
    assert r.status_code == 200
    body = r.json()
    expected = engine.route(A, B)
    assert body["duration_s"] == pytest.approx(expected.duration_s, abs=1e-3)
    assert body["distance_m"] == pytest.approx(expected.distance_m, abs=0.01)
    assert body["geometry"]["type"] == "LineString"
    assert body["geometry"]["coordinates"][0] == pytest.approx(list(expected.origin.location))
    assert body["from"]["snap_distance_m"] >= 0 and "OpenStreetMap" in body["attribution"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"from": "121.47,91", "to": "121.49,31.23"}, "latitude 91.0 is out of range"),
        ({"from": "31.23,121.47", "to": "121.49,31.23"}, "did you swap"),
        ({"from": "122.4,31.0", "to": "121.49,31.23"}, "from the nearest road"),
        ({"from": "abc", "to": "121.49,31.23"}, "must be LON,LAT"),
    ],
)
def test_route_bad_input_is_4xx_with_message(client: TestClient, params: dict[str, str], fragment: str) -> None:
    r = client.get("/route", params=params)
    assert 400 <= r.status_code < 500
    assert fragment in r.json()["detail"]


def test_osrm_route_agrees_with_route_and_engine(client: TestClient, engine: Router) -> None:
    r = client.get(f"/route/v1/driving/{_q(A, B)}", params={"overview": "full", "geometries": "geojson"})
    body = r.json()
    assert r.status_code == 200 and body["code"] == "Ok"
    route = body["routes"][0]
    expected = engine.route(A, B)
    assert route["duration"] == pytest.approx(expected.duration_s, abs=0.05)
    assert route["distance"] == pytest.approx(expected.distance_m, abs=0.05)
    assert route["weight_name"] == "duration" and len(route["legs"]) == 1
    assert route["geometry"]["coordinates"] == [list(p) for p in expected.coordinates.tolist()]
    assert [w["location"] for w in body["waypoints"]] == [
        list(expected.origin.location),
        list(expected.destination.location),
    ]


def test_osrm_route_polyline_and_multileg(client: TestClient, engine: Router) -> None:
    body = client.get(f"/route/v1/driving/{_q(A, C, B)}", params={"overview": "full"}).json()
    route = body["routes"][0]
    assert len(route["legs"]) == 2
    legs = [engine.route(A, C), engine.route(C, B)]
    assert route["duration"] == pytest.approx(sum(leg.duration_s for leg in legs), abs=0.1)
    decoded = polyline.decode(route["geometry"])
    assert decoded[0] == pytest.approx(tuple(np.round(legs[0].coordinates[0], 5)), abs=1e-5)
    assert decoded[-1] == pytest.approx(tuple(np.round(legs[1].coordinates[-1], 5)), abs=1e-5)


def test_osrm_route_accepts_polyline_coordinates(client: TestClient) -> None:
    enc = polyline.encode([A, B])
    direct = client.get(f"/route/v1/driving/{_q(A, B)}").json()
    via_polyline = client.get(f"/route/v1/driving/polyline({enc})").json()
    assert via_polyline["routes"][0]["duration"] == pytest.approx(direct["routes"][0]["duration"], abs=1.0)


def test_osrm_table_agrees_with_route(client: TestClient, engine: Router) -> None:
    pts = [A, B, C]
    body = client.get(f"/table/v1/driving/{_q(*pts)}", params={"annotations": "duration,distance"}).json()
    assert body["code"] == "Ok"
    for i, p in enumerate(pts):
        for j, q in enumerate(pts):
            expected = engine.route(p, q)  # OSRM rounds durations to 0.1 s: an error of 0.05 s (and float noise)
            assert body["durations"][i][j] == pytest.approx(expected.duration_s, abs=0.05 + 1e-9)
            assert body["distances"][i][j] == pytest.approx(expected.distance_m, abs=0.05)
    sub = client.get(f"/table/v1/driving/{_q(*pts)}", params={"sources": "0", "destinations": "1;2"}).json()
    assert np.shape(sub["durations"]) == (1, 2)
    assert sub["durations"][0] == pytest.approx(body["durations"][0][1:], abs=1e-6)


def test_osrm_nearest(client: TestClient, engine: Router) -> None:
    body = client.get(f"/nearest/v1/driving/{_q(A)}").json()
    snap = engine.snap(*A)
    assert body["code"] == "Ok"
    assert body["waypoints"][0]["location"] == list(snap.location)
    assert body["waypoints"][0]["distance"] == pytest.approx(snap.distance_m, abs=1e-3)
    assert len(body["waypoints"][0]["nodes"]) == 2


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"/route/v1/driving/{_q(A, (122.4, 31.0))}", "NoSegment"),
        (f"/route/v1/driving/{_q(A)}", "InvalidQuery"),
        ("/route/v1/driving/121.4,31.2;abc", "InvalidUrl"),
        (f"/route/v1/driving/{_q(A, (121.47, 95.0))}", "InvalidValue"),
        (f"/table/v1/driving/{_q(A, B)}?sources=5", "InvalidOptions"),
        (f"/route/v1/driving/{_q(A, B)}?radiuses=1;x", "InvalidOptions"),
        (f"/route/v1/driving/{_q(*([A] * 30))}", "TooBig"),
    ],
)
def test_osrm_errors_use_osrm_codes(client: TestClient, path: str, code: str) -> None:
    r = client.get(path)
    assert r.status_code == 400
    assert r.json()["code"] == code and r.json()["message"]


def test_osrm_radius_limits_snapping(client: TestClient, engine: Router) -> None:
    far = (A[0] + 0.002, A[1] + 0.002)
    d = engine.snap(*far).distance_m
    ok = client.get(f"/route/v1/driving/{_q(far, B)}", params={"radiuses": f"{d + 5:.0f};unlimited"})
    assert ok.status_code == 200
    refused = client.get(f"/route/v1/driving/{_q(far, B)}", params={"radiuses": f"{max(d - 5, 0):.0f};unlimited"})
    assert refused.json()["code"] == "NoSegment"


def test_openapi_and_body_limit(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/route/v1/{profile}/{coordinates}" in schema["paths"]
    r = client.post("/route", content=b"x" * 10, headers={"content-length": str(10**9)})
    assert r.status_code == 413
