"""The OSRM handlers' plumbing: every query option documented as FastAPI would document a declared one, light
requests (answered on the event loop) told from the rest, and both paths giving the same answers."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient

from fevermap.api.app import create_app
from fevermap.api.routes_osrm import QUERY_DOCS, light
from fevermap.config import Settings
from fevermap.routing.region import Region

A, B, C = (121.4737, 31.2304), (121.4997, 31.2397), (121.4800, 31.2200)


@pytest.fixture(scope="module")
def client(shanghai: Region) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(region=shanghai.path))) as c:
        yield c


def _declared(service: str) -> list[dict[str, object]]:
    """The query parameters FastAPI documents for the options declared as optional text arguments."""

    def handler(**kwargs: str | None) -> None:  # pragma: no cover - never called
        return None

    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                              annotation=Annotated[str | None, Query(description=d) if d else Query()])
            for name, d in QUERY_DOCS[service].items()
        ]
    )  # fmt: skip
    app = FastAPI()
    app.get("/x")(handler)
    params: list[dict[str, object]] = app.openapi()["paths"]["/x"]["get"]["parameters"]
    return params


@pytest.mark.parametrize("service", ["route", "nearest", "table"])
def test_options_are_documented_as_declared_ones_would_be(client: TestClient, service: str) -> None:
    schema = client.get("/openapi.json").json()
    for path in (
        f"/{service}/v1/{{profile}}/{{coordinates}}",
        f"/regions/{{region_name}}/{service}/v1/{{profile}}/{{coordinates}}",
    ):
        params = schema["paths"][path]["get"]["parameters"]
        assert [p for p in params if p["in"] == "query"] == _declared(service), path
        assert {p["name"] for p in params if p["in"] == "path"} >= {"profile", "coordinates"}


def test_light_requests() -> None:
    two = "1,2;3,4"
    assert light("route", two, {"overview": "false"})
    assert light(
        "route", two, {"overview": "false", "steps": "false", "alternatives": "false", "geometries": "geojson"}
    )
    assert not light("route", two, {})  # the simplified overview: geometry work
    assert not light("route", two, {"overview": "false", "steps": "true"})
    assert not light("route", two, {"overview": "false", "alternatives": "2"})
    assert not light("route", two, {"overview": "false", "annotations": "true"})
    assert not light("route", two, {"overview": "false", "exclude": "sealed"})
    assert not light("route", two, {"overview": "false", "radiuses": "5;5"})
    assert not light("route", "1,2;3,4;5,6", {"overview": "false"})
    assert not light("route", "polyline(abc)", {"overview": "false"})
    assert light("nearest", "1,2", {}) and light("nearest", "1,2", {"number": "1"})
    assert not light("nearest", "1,2", {"number": "3"}) and not light("nearest", "1,2", {"bearings": "0,90"})
    assert not light("table", two, {})


def test_light_and_threaded_requests_answer_alike(client: TestClient) -> None:
    pts = ";".join(f"{x},{y}" for x, y in (A, B))
    light_route = client.get(f"/route/v1/driving/{pts}?overview=false")
    threaded = client.get(f"/route/v1/driving/{pts}?overview=false&radiuses=unlimited;unlimited")
    assert light_route.status_code == threaded.status_code == 200
    assert light_route.content == threaded.content
    one = f"{C[0]},{C[1]}"
    assert (
        client.get(f"/nearest/v1/driving/{one}").content
        == client.get(f"/nearest/v1/driving/{one}?radiuses=unlimited").content
    )
    bad = client.get(f"/route/v1/driving/{pts}?overview=false&continue_straight=maybe")
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidOptions"
