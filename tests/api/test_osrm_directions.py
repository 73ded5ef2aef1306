"""Directions over HTTP and the CLI: OSRM steps and annotations, fevermap's /route steps in zh and en, OSRM's error
codes for options that are refused, table and nearest options."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from fevermap.api.app import create_app
from fevermap.api.cli import app as cli_app
from fevermap.config import Settings
from fevermap.routing.region import Region

A, B = (121.4737, 31.2304), (121.4997, 31.2397)
Q = f"{A[0]},{A[1]};{B[0]},{B[1]}"


@pytest.fixture(scope="module")
def client(shanghai: Region) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(region=shanghai.path))) as c:
        yield c


def test_osrm_steps_have_osrm_fields(client: TestClient) -> None:
    body = client.get(f"/route/v1/driving/{Q}", params={"steps": "true", "annotations": "true"}).json()
    leg = body["routes"][0]["legs"][0]
    steps = leg["steps"]
    assert len(steps) > 4 and steps[0]["maneuver"]["type"] == "depart" and steps[-1]["maneuver"]["type"] == "arrive"
    for s in steps:
        assert {"distance", "duration", "weight", "name", "mode", "driving_side", "geometry", "maneuver"} <= set(s)
        assert {"type", "location", "bearing_before", "bearing_after"} <= set(s["maneuver"])
        for i in s["intersections"]:
            assert len(i["bearings"]) == len(i["entry"]) and {"location", "bearings", "entry"} <= set(i)
    turns = [s for s in steps if s["maneuver"]["type"] == "turn"]
    assert turns and all("modifier" in s["maneuver"] for s in turns)
    assert set(leg["annotation"]) >= {"duration", "distance", "speed", "nodes", "weight", "datasources", "metadata"}
    assert leg["summary"]


#: English steps use the road's name:en where OSM tags one (河南南路 is tagged South Henan Road), Chinese its name.
STEP = [("en", "Turn right onto South Henan Road"), ("zh", "右转，驶入河南南路")]


@pytest.mark.parametrize(("lang", "fragment"), STEP)
def test_route_steps_in_the_residents_language(client: TestClient, lang: str, fragment: str) -> None:
    body = client.get("/route", params={"from": f"{A[0]},{A[1]}", "to": f"{B[0]},{B[1]}", "steps": "true",
                                        "lang": lang}).json()  # fmt: skip
    texts = [s["instruction"] for s in body["steps"]]
    assert fragment in texts
    assert all(t for t in texts)
    assert "announcement" in body["steps"][1]
    assert sum(s["distance_m"] for s in body["steps"]) == pytest.approx(body["distance_m"], abs=1.0)


def test_route_steps_refuse_an_unknown_language(client: TestClient) -> None:
    r = client.get("/route", params={"from": f"{A[0]},{A[1]}", "to": f"{B[0]},{B[1]}", "steps": "true", "lang": "fr"})
    assert r.status_code == 422 and "use zh or en" in r.json()["detail"]


def test_cli_route_steps_in_chinese(shanghai: Region) -> None:
    out = CliRunner().invoke(cli_app, ["route", "--from", f"{A[0]},{A[1]}", "--to", f"{B[0]},{B[1]}", "--region",
                                       str(shanghai.path), "--steps", "--lang", "zh"])  # fmt: skip
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["steps"][0]["instruction"].startswith("出发向")
    assert "您已到达" in body["steps"][-1]["instruction"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"bearings": "10,20"}, "InvalidOptions"),
        ({"bearings": "400,20;"}, "InvalidOptions"),
        ({"exclude": "tolls"}, "InvalidValue"),
        ({"exclude": "toll,bridge"}, "InvalidValue"),
        ({"approaches": "curb"}, "InvalidOptions"),
        ({"approaches": "kerb;curb"}, "InvalidOptions"),
        ({"continue_straight": "yes"}, "InvalidOptions"),
        ({"waypoints": "0;1"}, "NotImplemented"),
        ({"alternatives": "7"}, "InvalidOptions"),
        ({"annotations": "speed,colour"}, "InvalidOptions"),
        ({"geometries": "wkt"}, "InvalidOptions"),
        ({"overview": "some"}, "InvalidOptions"),
        ({"steps": "yes"}, "InvalidOptions"),
        ({"frobnicate": "1"}, "InvalidOptions"),
    ],
)
def test_refused_route_options_get_osrm_codes(client: TestClient, params: dict[str, str], code: str) -> None:
    r = client.get(f"/route/v1/driving/{Q}", params=params)
    assert r.status_code == 400
    assert r.json()["code"] == code and r.json()["message"]


def test_route_geometries_and_overview(client: TestClient) -> None:
    full = client.get(f"/route/v1/driving/{Q}", params={"overview": "full", "geometries": "geojson"}).json()
    simple = client.get(f"/route/v1/driving/{Q}", params={"geometries": "geojson"}).json()
    none = client.get(f"/route/v1/driving/{Q}", params={"overview": "false"}).json()
    p6 = client.get(f"/route/v1/driving/{Q}", params={"geometries": "polyline6"}).json()
    n_full = len(full["routes"][0]["geometry"]["coordinates"])
    assert 2 <= len(simple["routes"][0]["geometry"]["coordinates"]) < n_full
    assert "geometry" not in none["routes"][0]
    assert isinstance(p6["routes"][0]["geometry"], str)


def test_table_options(client: TestClient) -> None:
    base = client.get(f"/table/v1/driving/{Q}").json()
    scaled = client.get(f"/table/v1/driving/{Q}", params={"scale_factor": "2"}).json()
    assert scaled["durations"][0][1] == pytest.approx(2 * base["durations"][0][1], abs=0.2)
    fb = client.get(f"/table/v1/driving/{Q}", params={"fallback_speed": "10", "annotations": "distance"}).json()
    assert fb["code"] == "Ok" and "durations" not in fb and fb["distances"][0][0] == 0
    bad = client.get(f"/table/v1/driving/{Q}", params={"scale_factor": "-1"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidOptions"


def test_nearest_number(client: TestClient) -> None:
    body = client.get(f"/nearest/v1/driving/{A[0]},{A[1]}", params={"number": "2"}).json()
    assert body["code"] == "Ok" and len(body["waypoints"]) == 2
    first, second = body["waypoints"]
    assert first["distance"] <= second["distance"] and first["nodes"] != second["nodes"]
    assert client.get(f"/nearest/v1/driving/{A[0]},{A[1]}", params={"number": "0"}).json()["code"] == "InvalidOptions"


def test_bearings_pick_the_direction_of_travel(client: TestClient, shanghai: Region) -> None:
    from fevermap.routing.guidance.geometry import bearing
    from fevermap.routing.router import Router

    router = Router(shanghai)
    snap = router.snap(*A)
    g = router.graph
    pos = snap.positions[0]
    row = int(g.seg_off[pos.edge]) + pos.edge + pos.seg
    heading = bearing(tuple(g.coords[row]), tuple(g.coords[row + 1]))
    ways = []
    for b in (heading, (heading + 180) % 360):
        r = client.get(f"/route/v1/driving/{Q}", params={"bearings": f"{b:.0f},20;", "steps": "true"})
        ways.append(r.json())
    fits = [w for w in ways if w["code"] == "Ok"]
    assert fits, ways
    for w in fits:
        first = w["routes"][0]["legs"][0]["steps"][0]["maneuver"]["bearing_after"]
        assert first is not None
    if len(fits) == 2:  # a two-way road: the two directions start differently
        starts = [w["routes"][0]["legs"][0]["steps"][0]["maneuver"]["bearing_after"] for w in fits]
        assert abs((starts[0] - starts[1] + 180) % 360 - 180) > 90
    else:
        refused = next(w for w in ways if w["code"] != "Ok")
        assert refused["code"] == "NoSegment"


def test_waypoint_options_over_http(client: TestClient) -> None:
    mid = (121.4867, 31.2351)
    three = f"{A[0]},{A[1]};{mid[0]},{mid[1]};{B[0]},{B[1]}"
    straight = client.get(f"/route/v1/driving/{three}", params={"continue_straight": "true"}).json()
    default = client.get(f"/route/v1/driving/{three}").json()
    turning = client.get(f"/route/v1/driving/{three}", params={"continue_straight": "false"}).json()
    assert straight["code"] == default["code"] == turning["code"] == "Ok"
    assert default["routes"][0]["duration"] == straight["routes"][0]["duration"]  # OSRM's car default
    assert straight["routes"][0]["duration"] >= turning["routes"][0]["duration"] - 0.1
    kerb = client.get(f"/route/v1/driving/{Q}", params={"approaches": "curb;curb"}).json()
    plain = client.get(f"/route/v1/driving/{Q}").json()
    assert kerb["code"] == "Ok" and kerb["routes"][0]["duration"] >= plain["routes"][0]["duration"] - 0.1
    table = client.get(f"/table/v1/driving/{Q}", params={"approaches": "curb;curb"}).json()
    assert table["durations"][0][1] == pytest.approx(kerb["routes"][0]["duration"], abs=0.11)
    near = client.get(f"/nearest/v1/driving/{A[0]},{A[1]}", params={"number": "3", "exclude": "ferry"}).json()
    assert near["code"] == "Ok" and len(near["waypoints"]) == 3
    bad = client.get(f"/table/v1/driving/{Q}", params={"exclude": "bridges"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidValue"
