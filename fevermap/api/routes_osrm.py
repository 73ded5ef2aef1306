"""OSRM-compatible endpoints: ``/route/v1``, ``/nearest/v1`` and ``/table/v1`` in OSRM's request and response shapes.

Existing OSRM clients (Leaflet Routing Machine, osrm-text-instructions) work against fevermap unchanged. The handlers
only parse the URL, call :mod:`fevermap.routing.osrm` and serialise; options fevermap does not support are refused
with OSRM's own error code (``NotImplemented``) and a message.

Every option is read from the query string as text (:mod:`fevermap.routing.osrm_options` checks it), so the query
parameters are documented in the OpenAPI operation (:data:`QUERY_DOCS`) rather than declared as handler arguments:
FastAPI would otherwise validate each of them on every request, which cost as much as the route itself. A light
route or nearest request (:func:`light`: two waypoints without overview, steps, alternatives, annotations or
constraints; one nearest segment) is answered on the event loop, measured at under 1 ms at p99 on Porto; the rest,
and every table, run on a worker thread, which costs a thread hop (about 0.12 ms) but keeps a long answer from
holding up the worker's other requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from fevermap.api.http_errors import OsrmError
from fevermap.api.json_response import JSONResponse
from fevermap.api.region_scope import served_region, sole_region
from fevermap.errors import FevermapError, NotFoundError, OsrmRequestError
from fevermap.regions.selection import ServedRegion
from fevermap.risk.closures import closure_mask
from fevermap.routing import osrm

routes = APIRouter(tags=["OSRM-compatible"])

Coordinates = Annotated[
    str, Path(description="{lon},{lat};{lon},{lat}[;...] or polyline({polyline}) / polyline6({polyline6})")
]
_BEARINGS = "bearing,range in degrees per coordinate, ';'-separated (empty: any)"
_APPROACHES = "curb, opposite or unrestricted per coordinate, ';'-separated (empty: unrestricted)"
_EXCLUDE = "road classes to avoid: toll, motorway, ferry (and sealed, controlled with date)"
#: The documented query options of each service (name: description, None for none), all optional text.
QUERY_DOCS: dict[str, dict[str, str | None]] = {
    "route": {
        "overview": "simplified (default), full or false",
        "geometries": "polyline (default), polyline6 or geojson",
        "steps": "true: one step per maneuver",
        "annotations": "true or duration,distance,speed,nodes,weight,datasources",
        "alternatives": "true or a number up to 3",
        "radiuses": "metres per coordinate, ';'-separated",
        "bearings": _BEARINGS,
        "approaches": _APPROACHES,
        "exclude": _EXCLUDE,
        "continue_straight": "default (= true): no U-turn at via points; false: legs may start with one",
    },
    "nearest": {
        "number": "how many nearest road segments (1..100)",
        "radiuses": None,
        "bearings": _BEARINGS,
        "approaches": _APPROACHES,
        "exclude": _EXCLUDE,
    },
    "table": {
        "sources": None,
        "destinations": None,
        "annotations": "duration (default), distance or duration,distance",
        "fallback_speed": "m/s for pairs without a route",
        "scale_factor": "multiplies durations",
        "radiuses": None,
        "bearings": _BEARINGS,
        "approaches": _APPROACHES,
        "exclude": _EXCLUDE,
    },
}


def _query_docs(service: str) -> dict[str, Any]:
    """``openapi_extra`` for a service: its optional text query parameters, as FastAPI would document them."""
    params = []
    for name, description in QUERY_DOCS[service].items():
        schema: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
        if description is not None:
            schema["description"] = description
        schema["title"] = name.replace("_", " ").title()
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
        if description is not None:
            param["description"] = description
        params.append(param)
    return {"parameters": params}


#: Options that make a route request more than one plain query (closures, filtered snaps, geometry, guidance).
_HEAVY_ROUTE = ("steps", "alternatives", "annotations")
_CONSTRAINTS = ("exclude", "radiuses", "bearings", "approaches")


def light(service: str, coordinates: str, params: Mapping[str, str]) -> bool:
    """Whether a request is cheap enough to answer on the event loop: a route between two plain coordinates with
    ``overview=false`` and neither steps, alternatives, annotations nor constraints; a nearest request for one
    segment without constraints."""
    if any(k in params for k in _CONSTRAINTS) or coordinates.startswith("polyline"):
        return False
    if service == "nearest":
        return params.get("number", "1") == "1"
    return (
        service == "route"
        and coordinates.count(";") == 1
        and params.get("overview") == "false"
        and all(params.get(k, "false") == "false" for k in _HEAVY_ROUTE)
    )


def _risk_closed_for(router_: Any, risk: Any, params: dict[str, str]) -> osrm.ClosedFor | None:
    """For ``exclude=sealed`` / ``controlled`` (fevermap's risk levels, on fevermap's ``date``): a function from the
    snapped waypoints to the roads inside those areas (the waypoints' own roads stay open, so a waypoint inside an
    area can leave or enter it). Takes the risk levels out of ``exclude`` (and ``date`` out of ``params``); the road
    classes stay there for :mod:`fevermap.routing.osrm`, which refuses an unknown class as OSRM does."""
    exclude = params.get("exclude")
    if not exclude or risk is None:
        return None
    try:
        names = risk.engine.rules.names
    except NotFoundError:  # no case data served in this region: no risk levels to exclude
        return None
    wanted = [x.strip() for x in exclude.split(",")]
    levels = [x for x in wanted if x in names]
    if not levels:
        return None
    rest = [x for x in wanted if x not in names]
    if rest:
        params["exclude"] = ",".join(rest)
    else:
        params.pop("exclude")
    closure = risk.closure(params.pop("date", None), ",".join(levels), None)
    if closure is None:
        return None
    return lambda snaps: closure_mask(router_, closure, [p.edge for s in snaps for p in s.positions])


def _answer(call: Callable[[], dict[str, Any]]) -> JSONResponse:
    try:
        return JSONResponse(call())
    except OsrmRequestError as exc:
        raise OsrmError(exc.code, str(exc)) from None


def _risk(request: Request, served: ServedRegion) -> Any:
    """The served region's risk service, else the default one (as :func:`fevermap.api.routes_risk.get_risk`)."""
    risk = served.services.get("risk")
    return risk if risk is not None else request.app.state.risk


def _in_region(request: Request, answer: Callable[[ServedRegion], JSONResponse]) -> JSONResponse:
    """``answer`` in the region that serves the request, found without snapping where one region's box holds the
    coordinates (:func:`fevermap.api.region_scope.sole_region`); on an error the region selection's own comes first."""
    sole = sole_region(request)
    if sole is None:
        return answer(served_region(request))
    try:
        return answer(sole)
    except (OsrmError, FevermapError):
        served_region(request)  # raises when no region holds the points, as before the handler ran
        raise


def _around_risk(
    request: Request,
    coordinates: str,
    params: dict[str, str],
    respond: Callable[..., dict[str, Any]],
    max_coordinates: int,
) -> JSONResponse:
    """``respond`` (:func:`osrm.route_response` or :func:`osrm.table_response`) in the points' region, around its risk
    areas when ``params`` ask for it."""
    max_snap_m = request.app.state.settings.max_snap_m

    def answer(served: ServedRegion) -> JSONResponse:
        closed_for = _risk_closed_for(served.router, _risk(request, served), params)
        return _answer(lambda: respond(served.router, coordinates, params, max_coordinates=max_coordinates,
                                       max_snap_m=max_snap_m, closed_for=closed_for))  # fmt: skip

    return _in_region(request, answer)


def _route(request: Request, coordinates: str, params: dict[str, str]) -> JSONResponse:
    max_coordinates = request.app.state.settings.max_route_coordinates
    return _around_risk(request, coordinates, params, osrm.route_response, max_coordinates)


def _nearest(request: Request, coordinates: str, params: dict[str, str]) -> JSONResponse:
    max_snap_m = request.app.state.settings.max_snap_m
    return _in_region(request, lambda served: _answer(
        lambda: osrm.nearest_response(served.router, coordinates, params, max_snap_m=max_snap_m)))  # fmt: skip


def answer_light(request: Request, service: str, coordinates: str, params: dict[str, str]) -> JSONResponse:
    """The answer to a :func:`light` ``route`` or ``nearest`` request (the handlers' and
    :mod:`fevermap.api.osrm_lane`'s)."""
    return _route(request, coordinates, params) if service == "route" else _nearest(request, coordinates, params)


@routes.get("/route/v1/{profile}/{coordinates}", openapi_extra=_query_docs("route"))
async def osrm_route(request: Request, profile: str, coordinates: Coordinates) -> JSONResponse:
    """OSRM route service: the fastest route through the coordinates in order (and alternatives); ``exclude=sealed``
    (or ``controlled``) with ``date`` drives around fevermap's risk areas of that day."""
    params = dict(request.query_params)
    if light("route", coordinates, params):
        return answer_light(request, "route", coordinates, params)
    return await run_in_threadpool(_route, request, coordinates, params)


@routes.get("/nearest/v1/{profile}/{coordinates}", openapi_extra=_query_docs("nearest"))
async def osrm_nearest(request: Request, profile: str, coordinates: Coordinates) -> JSONResponse:
    """OSRM nearest service: the point on the road network nearest to one coordinate."""
    params = dict(request.query_params)
    if light("nearest", coordinates, params):
        return answer_light(request, "nearest", coordinates, params)
    return await run_in_threadpool(_nearest, request, coordinates, params)


@routes.get("/table/v1/{profile}/{coordinates}", openapi_extra=_query_docs("table"))
def osrm_table(request: Request, profile: str, coordinates: Coordinates) -> JSONResponse:
    """OSRM table service: travel times (and distances) between sources and destinations; ``exclude=sealed`` (or
    ``controlled``) with ``date`` around fevermap's risk areas of that day."""
    params = dict(request.query_params)
    max_coordinates = request.app.state.settings.max_table_coordinates
    return _around_risk(request, coordinates, params, osrm.table_response, max_coordinates)
