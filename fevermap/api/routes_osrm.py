"""OSRM-compatible endpoints: ``/route/v1``, ``/nearest/v1`` and ``/table/v1`` in OSRM's request and response shapes.

Existing OSRM clients (Leaflet Routing Machine, osrm-text-instructions) work against fevermap unchanged. The handlers
only parse the URL, call :mod:`fevermap.routing.osrm` and serialise (the declared query parameters document the API;
every option is read from the query string); options fevermap does not support are refused with OSRM's own error
code (``NotImplemented``) and a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from fevermap.api.deps import RouterDep, SettingsDep
from fevermap.api.http_errors import OsrmError
from fevermap.api.json_response import JSONResponse
from fevermap.api.routes_risk import RiskDep
from fevermap.errors import NotFoundError, OsrmRequestError
from fevermap.risk.closures import closure_mask
from fevermap.routing import osrm

routes = APIRouter(tags=["OSRM-compatible"])

Coordinates = Annotated[
    str, Path(description="{lon},{lat};{lon},{lat}[;...] or polyline({polyline}) / polyline6({polyline6})")
]
Opt = Annotated[str | None, Query()]
Bearings = Annotated[
    str | None, Query(description="bearing,range in degrees per coordinate, ';'-separated (empty: any)")
]
Approaches = Annotated[
    str | None, Query(description="curb, opposite or unrestricted per coordinate, ';'-separated (empty: unrestricted)")
]
Exclude = Annotated[
    str | None, Query(description="road classes to avoid: toll, motorway, ferry (and sealed, controlled with date)")
]


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


@routes.get("/route/v1/{profile}/{coordinates}")
def osrm_route(
    request: Request,
    router_: RouterDep,
    settings: SettingsDep,
    risk: RiskDep,
    profile: str,
    coordinates: Coordinates,
    overview: Annotated[str | None, Query(description="simplified (default), full or false")] = None,
    geometries: Annotated[str | None, Query(description="polyline (default), polyline6 or geojson")] = None,
    steps: Annotated[str | None, Query(description="true: one step per maneuver")] = None,
    annotations: Annotated[
        str | None, Query(description="true or duration,distance,speed,nodes,weight,datasources")
    ] = None,
    alternatives: Annotated[str | None, Query(description="true or a number up to 3")] = None,
    radiuses: Annotated[str | None, Query(description="metres per coordinate, ';'-separated")] = None,
    bearings: Bearings = None,
    approaches: Approaches = None,
    exclude: Exclude = None,
    continue_straight: Annotated[
        str | None, Query(description="default (= true): no U-turn at via points; false: legs may start with one")
    ] = None,
) -> JSONResponse:
    """OSRM route service: the fastest route through the coordinates in order (and alternatives); ``exclude=sealed``
    (or ``controlled``) with ``date`` drives around fevermap's risk areas of that day."""
    params = dict(request.query_params)
    closed_for = _risk_closed_for(router_, risk, params)
    return _answer(lambda: osrm.route_response(router_, coordinates, params,
                                               max_coordinates=settings.max_route_coordinates,
                                               max_snap_m=settings.max_snap_m, closed_for=closed_for))  # fmt: skip


@routes.get("/nearest/v1/{profile}/{coordinates}")
def osrm_nearest(
    request: Request,
    router_: RouterDep,
    settings: SettingsDep,
    profile: str,
    coordinates: Coordinates,
    number: Annotated[str | None, Query(description="how many nearest road segments (1..100)")] = None,
    radiuses: Opt = None,
    bearings: Bearings = None,
    approaches: Approaches = None,
    exclude: Exclude = None,
) -> JSONResponse:
    """OSRM nearest service: the point on the road network nearest to one coordinate."""
    params = dict(request.query_params)
    return _answer(lambda: osrm.nearest_response(router_, coordinates, params, max_snap_m=settings.max_snap_m))


@routes.get("/table/v1/{profile}/{coordinates}")
def osrm_table(
    request: Request,
    router_: RouterDep,
    settings: SettingsDep,
    risk: RiskDep,
    profile: str,
    coordinates: Coordinates,
    sources: Opt = None,
    destinations: Opt = None,
    annotations: Annotated[str | None, Query(description="duration (default), distance or duration,distance")] = None,
    fallback_speed: Annotated[str | None, Query(description="m/s for pairs without a route")] = None,
    scale_factor: Annotated[str | None, Query(description="multiplies durations")] = None,
    radiuses: Opt = None,
    bearings: Bearings = None,
    approaches: Approaches = None,
    exclude: Exclude = None,
) -> JSONResponse:
    """OSRM table service: travel times (and distances) between sources and destinations; ``exclude=sealed`` (or
    ``controlled``) with ``date`` around fevermap's risk areas of that day."""
    params = dict(request.query_params)
    closed_for = _risk_closed_for(router_, risk, params)
    return _answer(lambda: osrm.table_response(router_, coordinates, params,
                                               max_coordinates=settings.max_table_coordinates,
                                               max_snap_m=settings.max_snap_m, closed_for=closed_for))  # fmt: skip
