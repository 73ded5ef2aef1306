"""The nearest-clinics lane: a plain ``GET /clinics/nearest`` answered before FastAPI, exactly as the app answers it;
everything else (other spellings, errors, ``avoid``) answered by the app; a status written is seen at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.api.nearest_lane import light_query
from fevermap.api.osrm_lane import OsrmLane
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate, StatusUpdate
from fevermap.routing.region import Region

from .conftest import Service, make_settings
from .test_osrm_lane import call_lane

A, B, FAR = "121.4737,31.2304", "121.4997,31.2397", "100.0,10.0"
P = "1.5218,42.5063"  # Andorra la Vella: the second region
NOW = datetime(2026, 11, 25, 15, 40, tzinfo=UTC)
T = "time=2026-11-25T15:40:00Z"
#: (path and query, answered by the lane?)
REQUESTS = [
    (f"/clinics/nearest?at={A}&{T}", True),
    (f"/clinics/nearest?at={P}&{T}&limit=5", True),  # the other region, by the point
    (f"/clinics/nearest?at={B}&{T}&limit=1&with_slots=true", True),
    (f"/clinics/nearest?at={A}&{T}&limit=50&open_now=1&night=0", True),
    (f"/clinics/nearest?at={A}&{T}&night=true&strict=true&with_slots=true", True),
    (f"/clinics/nearest?at={A}&{T}&rank=time_to_care&open_now=true", True),
    (f"/clinics/nearest?at={A}&time=2026-11-25T23:40:00%2B08:00&with_slots=false&date=2026-11-25", True),
    (f"/clinics/nearest?at={A}&{T}&foo=bar", True),  # an unknown parameter is ignored, as the app ignores it
    (f"/clinics/nearest?at={A}&{T}&limit=03", False),  # other spellings: the app's validation
    (f"/clinics/nearest?at={A}&{T}&with_slots=yes", False),
    (f"/clinics/nearest?at={A}&{T}&with_slots=maybe", False),  # 422
    (f"/clinics/nearest?at={A}&{T}&limit=0", False),  # 422
    (f"/clinics/nearest?at={A}&{T}&limit=51", False),  # 422
    (f"/clinics/nearest?at={A}&{T}&rank=fastest", False),  # 422
    (f"/clinics/nearest?at={A}&at={B}&{T}", False),  # repeated
    (f"/clinics/nearest?at={A}&{T}&limit=", False),  # blank
    (f"/clinics/nearest?at={A}&{T}&avoid=sealed", False),  # closures: the app
    (f"/clinics/nearest?{T}", False),  # no origin: 422
    (f"/clinics/nearest?at={FAR}&{T}", False),  # a point in no region: the app's 4xx
    ("/clinics/nearest?at=31.2304,121.4737", False),  # swapped: the app's 4xx with the hint
    ("/clinics/nearest?at=121.47;31.23", False),  # malformed
    (f"/clinics/nearest?at={A}&time=2026-11-25T23:40", False),  # no UTC offset: the app's 4xx naming the field
]


@pytest.fixture(scope="module")
def clients(
    shanghai: Region, andorra: Region, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('lane') / 'fevermap.sqlite3'}"
    both: dict[str, Any] = {"region": shanghai.path, "region_list": [andorra.path]}
    with ClinicRegistry.open(url, make_settings(url)) as registry:
        rows = [  # (region, lon, lat, hours, night, slots, status age in minutes)
            (shanghai, 121.4737, 31.2304, "Mo-Su 08:00-20:00", True, 5, 10),
            (shanghai, 121.4800, 31.2350, None, None, 0, 5),
            (shanghai, 121.4650, 31.2250, "24/7", False, 12, 600),
            (shanghai, 121.4900, 31.2280, "Mo-Fr 09:00-17:00", None, None, None),
            (andorra, 1.5218, 42.5063, "Mo-Su 08:00-20:00", True, 3, 20),
            (andorra, 1.5330, 42.5100, None, None, 7, 1),
        ]
        for i, (region, lon, lat, hours, night, slots, age) in enumerate(rows):
            clinic = ClinicCreate(name=f"lane test clinic {i}", lon=lon, lat=lat, opening_hours=hours,
                                  night_emergency=night, phones=["+8621000000" + str(i)])  # fmt: skip
            cid = registry.add(region.name, clinic, timezone=region.timezone).id
            if age is not None:
                update = StatusUpdate(slots=slots, waiting_patients=i, observed_at=NOW - timedelta(minutes=age))
                registry.update_status(cid, update, now=NOW)
    with (
        TestClient(create_app(make_settings(url, **both))) as lane,
        TestClient(create_app(make_settings(url, **both, nearest_lane=False))) as plain,
    ):
        yield lane, plain


@pytest.mark.parametrize(("path", "light"), REQUESTS)
def test_the_lane_answers_as_the_app_does(clients: tuple[TestClient, TestClient], path: str, light: bool) -> None:
    lane, plain = clients
    a, b = lane.get(path), plain.get(path)
    assert a.status_code == b.status_code
    for header in ("content-type", "content-encoding", "vary", "content-length"):
        assert a.headers.get(header) == b.headers.get(header), header
    assert a.content == b.content
    if light:
        assert a.status_code == 200 and a.json()["clinics"], a.text


@pytest.mark.parametrize(("path", "light"), REQUESTS)
def test_light_requests_never_reach_the_app_and_the_rest_always_do(
    clients: tuple[TestClient, TestClient], path: str, light: bool
) -> None:
    reached: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    route, _, query = path.partition("?")
    sent = call_lane(OsrmLane(inner), clients[0].app, route, query)
    assert (reached == []) == light and (sent != []) == light
    if light:
        assert sent[0]["status"] == 200 and json.loads(sent[1]["body"])["clinics"]
    assert call_lane(OsrmLane(inner), clients[1].app, route, query) == []  # nearest_lane=False: the app


def test_light_query_reads_the_handlers_parameters() -> None:
    q = light_query(b"at=1,2&limit=7&rank=time_to_care&with_slots=1&open_now=false&night=true&time=2026-11-25T15%3A40Z")
    assert q == {"at": "1,2", "limit": 7, "rank_by": "time_to_care", "time": "2026-11-25T15:40Z", "with_slots": True,
                 "open_now": False, "night": True, "strict": False}  # fmt: skip
    plain = {"at": "1,2", "limit": 3, "rank_by": "drive", "time": None}
    assert light_query(b"at=1,2") == {**plain, "with_slots": False, "open_now": False, "night": False, "strict": False}
    for other in (b"", b"limit=3", b"at=1,2&avoid=", b"at=1,2&strict=TRUE", b"at=1,2&limit=100", b"at=1,2&at=1,2"):
        assert light_query(other) is None, other


def test_a_status_written_is_in_the_next_answer_of_the_lane(clients: tuple[TestClient, TestClient]) -> None:
    lane, _plain = clients
    app: Any = lane.app
    path = f"/clinics/nearest?at={P}&limit=5"
    answer = lane.get(path).json()
    first = answer["clinics"][0]
    locator = app.state.regions.get(answer["region"]).services["locator"]
    assert not locator.snapshot_due()  # just refreshed: answered from memory
    key = create_key(app.state.sessions, "clinic", clinic_id=first["id"])
    body = {"slots": 31, "observed_at": datetime.now(UTC).isoformat()}
    put = lane.put(f"/clinics/{first['id']}/status", json=body, headers={"X-API-Key": key})
    assert put.status_code == 200 and put.json()["applied"], put.text
    assert locator.snapshot_due()  # this process wrote: the next query reads the database (on a thread)
    again = {c["id"]: c for c in lane.get(path).json()["clinics"]}
    assert again[first["id"]]["slots"] == 31
    assert not locator.snapshot_due()


def test_the_lane_sees_a_status_at_once_on_both_databases(service: Service) -> None:
    """SQLite answers a query due a snapshot read on the event loop, PostgreSQL on a worker thread: both see the
    status just acknowledged to this worker."""
    client, cid = service.client, service.clinic_ids[0]
    clinic = client.get(f"/clinics/{cid}").json()
    path = f"/clinics/nearest?at={clinic['lon']},{clinic['lat']}&limit=50"
    assert cid in {c["id"] for c in client.get(path).json()["clinics"]}
    for slots in (17, 4):
        body = {"slots": slots, "observed_at": datetime.now(UTC).isoformat()}
        put = client.put(f"/clinics/{cid}/status", json=body, headers=service.h("clinic"))
        assert put.status_code == 200 and put.json()["applied"], put.text
        assert {c["id"]: c["slots"] for c in client.get(path).json()["clinics"]}[cid] == slots
    wrong = client.put(f"/clinics/{cid}/status", json=body, headers=service.h("clinic_other"))
    assert wrong.status_code == 403  # roles: a key bound to another clinic
    assert client.put(f"/clinics/{cid}/status", json=body).status_code == 401
