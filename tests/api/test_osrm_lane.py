"""The OSRM lane: light route and nearest requests answered before FastAPI's routing, exactly as the app answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fevermap.api.app import create_app
from fevermap.api.osrm_lane import OsrmLane
from fevermap.config import Settings
from fevermap.routing.region import Region

A, B, FAR = "121.4737,31.2304", "121.4997,31.2397", "100.0,10.0"
P, Q = "1.5218,42.5063", "1.5330,42.5100"  # Andorra la Vella: the second region
REQUESTS = [
    f"/route/v1/driving/{P};{Q}?overview=false",  # the other region: chosen by the coordinates
    f"/nearest/v1/driving/{Q}",
    f"/route/v1/driving/{A};{Q}?overview=false",  # points in two regions: the app's NoRoute
    f"/route/v1/driving/{A};{B}?overview=false",
    f"/route/v1/car/{B};{A}?overview=false&steps=false",
    f"/route/v1/driving/{A};{B}?overview=false&annotations=false&alternatives=false",
    f"/nearest/v1/driving/{A}",
    f"/nearest/v1/driving/{B}?number=1",
    f"/route/v1/driving/{A};{FAR}?overview=false",  # a point in no region: the app's error
    "/route/v1/driving/1,2,3;4?overview=false",  # malformed: the app's error
    f"/route/v1/driving/{A};{B}?overview=false&radiuses=1;1",  # not light: the app
    f"/route/v1/driving/{A};{B}",  # overview=simplified: not light
    f"/regions/shanghai/route/v1/driving/{A};{B}?overview=false",  # a region's prefix: the app
]


OK = {REQUESTS[i] for i in (0, 1, 3, 4, 5, 6, 7, 11, 12)}


@pytest.fixture(scope="module")
def clients(shanghai: Region, andorra: Region) -> Iterator[tuple[TestClient, TestClient]]:
    both = {"region": shanghai.path, "region_list": [andorra.path]}
    with (
        TestClient(create_app(Settings(**both))) as lane,
        TestClient(create_app(Settings(**both, osrm_lane=False))) as plain,
    ):
        yield lane, plain


@pytest.mark.parametrize("path", REQUESTS)
def test_the_lane_answers_as_the_app_does(clients: tuple[TestClient, TestClient], path: str) -> None:
    lane, plain = clients
    a, b = lane.get(path), plain.get(path)
    assert a.status_code == b.status_code
    for header in ("content-type", "content-encoding", "vary", "content-length"):
        assert a.headers.get(header) == b.headers.get(header), header
    assert a.content == b.content
    if path in OK:
        assert a.status_code == 200, a.text


def call_lane(lane: OsrmLane, app: Any, path: str, query: str) -> list[dict[str, Any]]:
    """The ASGI messages ``lane`` sends for a GET of ``path?query`` (none when it hands the request to the app)."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "query_string": query.encode(),
             "headers": [], "app": app}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(lane(scope, receive, send))
    return sent


def test_light_requests_never_reach_the_app_and_the_rest_always_do(clients: tuple[TestClient, TestClient]) -> None:
    reached: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    lane = OsrmLane(inner)
    app = clients[0].app
    sent = call_lane(lane, app, f"/route/v1/driving/{A};{B}", "overview=false")
    assert reached == [] and sent[0]["status"] == 200
    assert json.loads(sent[1]["body"])["code"] == "Ok"
    assert call_lane(lane, app, f"/nearest/v1/driving/{A}", "") and reached == []
    error = call_lane(lane, app, f"/route/v1/driving/{A};{FAR}", "overview=false")  # the app's handler, not the app
    assert reached == [] and error[0]["status"] == 400 and json.loads(error[1]["body"])["code"] == "NoSegment"
    for path, query in [(f"/route/v1/driving/{A};{B}", ""), (f"/table/v1/driving/{A};{B}", ""), ("/health", "")]:
        assert call_lane(lane, app, path, query) == []
    assert reached == [f"/route/v1/driving/{A};{B}", f"/table/v1/driving/{A};{B}", "/health"]
    off = clients[1].app
    assert call_lane(lane, off, f"/route/v1/driving/{A};{B}", "overview=false") == []  # osrm_lane=False: the app


def test_a_large_answer_is_gzipped_as_the_app_would(
    clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Light answers are small; one of 2 KB or more (many long names, say) gets the app's gzip on both ways."""
    from fevermap.api import routes_osrm
    from fevermap.api.json_response import JSONResponse
    from fevermap.api.osrm_lane import GZIP_MIN_BYTES

    answer = routes_osrm.answer_light

    def padded(*args: Any) -> JSONResponse:
        body = json.loads(answer(*args).body)
        return JSONResponse({**body, "padding": "x" * GZIP_MIN_BYTES})

    monkeypatch.setattr(routes_osrm, "answer_light", padded)  # the handler and the lane both call it
    lane, plain = clients
    path = f"/route/v1/driving/{A};{B}?overview=false"
    a, b = lane.get(path), plain.get(path)
    assert a.status_code == b.status_code == 200
    assert a.headers.get("content-encoding") == b.headers.get("content-encoding") == "gzip"
    assert a.headers.get("vary") == b.headers.get("vary")
    assert a.content == b.content and len(a.content) > GZIP_MIN_BYTES
