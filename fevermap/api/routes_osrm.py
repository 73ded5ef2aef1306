"""OSRM-compatible endpoints: ``/route/v1``, ``/nearest/v1`` and ``/table/v1`` in OSRM's request and response shapes.

Existing OSRM clients (and Leaflet Routing Machine's OSRM v1 router) work against fevermap unchanged. Supported
options: ``overview`` (simplified, full, false), ``geometries`` (polyline, polyline6, geojson), ``steps`` (false;
``true`` answers with depart/arrive steps only), ``alternatives`` (accepted; one route is returned), ``radiuses``,
``number`` (nearest), ``sources``, ``destinations`` and ``annotations`` (duration, distance) for tables. Options
fevermap does not implement (``bearings``, ``hints``, ``approaches``, ``exclude``) are accepted and ignored, as OSRM
does for hints it cannot use.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import shapely
from fastapi import APIRouter, Path, Query

from fevermap.api.deps import RouterDep, SettingsDep
from fevermap.api.http_errors import OsrmError, classify
from fevermap.api.json_response import JSONResponse
from fevermap.errors import FevermapError
from fevermap.geo import polyline
from fevermap.geo.lonlat import check_lonlat
from fevermap.routing.matrix import route_via, table
from fevermap.routing.router import Route, Router
from fevermap.routing.snapping import Snap

router = APIRouter(tags=["OSRM-compatible"])

Coordinates = Annotated[
    str, Path(description="{lon},{lat};{lon},{lat}[;...] or polyline({polyline}) / polyline6({polyline6})")
]


def parse_coordinates(text: str, limit: int) -> list[tuple[float, float]]:
    """Parse OSRM's coordinate list (``.json`` suffix allowed)."""
    text = text.removesuffix(".json")
    try:
        if text.startswith("polyline6(") and text.endswith(")"):
            coords = polyline.decode(text[10:-1], precision=6)
        elif text.startswith("polyline(") and text.endswith(")"):
            coords = polyline.decode(text[9:-1], precision=5)
        else:
            coords = []
            for part in text.split(";"):
                lon_s, lat_s = part.split(",")
                coords.append((float(lon_s), float(lat_s)))
    except (ValueError, FevermapError) as exc:
        raise OsrmError("InvalidUrl", f"coordinates must be lon,lat;lon,lat or polyline(...): {exc}") from None
    if len(coords) > limit:
        raise OsrmError("TooBig", f"{len(coords)} coordinates: at most {limit} are allowed in one request")
    for lon, lat in coords:
        try:
            check_lonlat(lon, lat)
        except FevermapError as exc:
            raise OsrmError("InvalidValue", f"coordinate {lon},{lat}: {exc}") from None
    return coords


def _radiuses(text: str | None, n: int, default: float) -> list[float]:
    if not text:
        return [default] * n
    parts = text.split(";")
    if len(parts) != n:
        raise OsrmError("InvalidOptions", f"radiuses has {len(parts)} values for {n} coordinates")
    out = []
    for p in parts:
        if p in ("", "unlimited"):
            out.append(default)
            continue
        try:
            value = float(p)
        except ValueError:
            raise OsrmError("InvalidOptions", f"radius {p!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise OsrmError("InvalidOptions", f"radius {p!r} must be a non-negative number of metres")
        out.append(min(value, default))
    return out


def _snap_all(router_: Router, coords: list[tuple[float, float]], radiuses: list[float]) -> list[Snap]:
    snaps = []
    for i, ((lon, lat), radius) in enumerate(zip(coords, radiuses, strict=True)):
        try:
            snap = router_.snap(lon, lat)
        except FevermapError as exc:
            _, code = classify(exc)
            raise OsrmError(code, f"coordinate {i} ({lon},{lat}): {exc}") from None
        if snap.distance_m > radius:
            raise OsrmError("NoSegment", f"coordinate {i} ({lon},{lat}) is {snap.distance_m:.0f} m from a road, "
                            f"beyond its radius of {radius:g} m")  # fmt: skip
        snaps.append(snap)
    return snaps


def _waypoint(snap: Snap) -> dict[str, Any]:
    return {"hint": "", "distance": round(snap.distance_m, 6), "name": snap.name, "location": list(snap.location)}


def _geometry(coords: np.ndarray, overview: str, geometries: str) -> Any:
    if overview == "simplified" and coords.shape[0] > 2:
        coords = shapely.get_coordinates(shapely.simplify(shapely.linestrings(coords), 1e-5))
    pts = np.asarray(coords, dtype=float).tolist()
    if geometries == "geojson":
        return {"type": "LineString", "coordinates": pts}
    return polyline.encode(pts, precision=6 if geometries == "polyline6" else 5)


def _steps(leg: Route, geometries: str) -> list[dict[str, Any]]:
    def step(kind: str, loc: tuple[float, float], duration: float, distance: float) -> dict[str, Any]:
        geom = np.array([loc, loc]) if distance == 0 else leg.coordinates
        return {
            "distance": round(distance, 1),
            "duration": round(duration, 1),
            "weight": round(duration, 1),
            "name": leg.origin.name if kind == "depart" else leg.destination.name,
            "mode": "driving",
            "driving_side": "right",
            "geometry": _geometry(geom, "full", geometries),
            "maneuver": {"type": kind, "location": list(loc), "bearing_before": 0, "bearing_after": 0},
            "intersections": [],
        }

    return [
        step("depart", leg.origin.location, leg.duration_s, leg.distance_m),
        step("arrive", leg.destination.location, 0.0, 0.0),
    ]


@router.get("/route/v1/{profile}/{coordinates}")
def osrm_route(
    router_: RouterDep,
    settings: SettingsDep,
    profile: str,
    coordinates: Coordinates,
    overview: Annotated[str, Query(pattern="^(simplified|full|false)$")] = "simplified",
    geometries: Annotated[str, Query(pattern="^(polyline|polyline6|geojson)$")] = "polyline",
    steps: bool = False,
    alternatives: str = "false",
    radiuses: str | None = None,
) -> JSONResponse:
    """OSRM route service: the fastest route through the coordinates in order."""
    coords = parse_coordinates(coordinates, settings.max_route_coordinates)
    if len(coords) < 2:
        raise OsrmError("InvalidQuery", "a route needs at least two coordinates")
    snaps = _snap_all(router_, coords, _radiuses(radiuses, len(coords), settings.max_snap_distance_m))
    try:
        legs = route_via(router_, snaps)
    except FevermapError as exc:
        _, code = classify(exc)
        raise OsrmError(code, str(exc)) from None
    duration = sum(leg.duration_s for leg in legs)
    distance = sum(leg.distance_m for leg in legs)
    full = np.concatenate([legs[0].coordinates] + [leg.coordinates[1:] for leg in legs[1:]])
    route: dict[str, Any] = {
        "legs": [
            {
                "distance": round(leg.distance_m, 1),
                "duration": round(leg.duration_s, 1),
                "weight": round(leg.duration_s, 1),
                "summary": leg.origin.name,
                "steps": _steps(leg, geometries) if steps else [],
            }
            for leg in legs
        ],
        "distance": round(distance, 1),
        "duration": round(duration, 1),
        "weight_name": "duration",
        "weight": round(duration, 1),
    }
    if overview != "false":
        route["geometry"] = _geometry(full, overview, geometries)
    return JSONResponse({"code": "Ok", "routes": [route], "waypoints": [_waypoint(s) for s in snaps]})


@router.get("/nearest/v1/{profile}/{coordinates}")
def osrm_nearest(
    router_: RouterDep,
    settings: SettingsDep,
    profile: str,
    coordinates: Coordinates,
    number: Annotated[int, Query(ge=1, le=100)] = 1,
    radiuses: str | None = None,
) -> dict[str, Any]:
    """OSRM nearest service: the point on the road network nearest to one coordinate."""
    coords = parse_coordinates(coordinates, 1)
    if len(coords) != 1:
        raise OsrmError("InvalidQuery", "nearest takes exactly one coordinate")
    snap = _snap_all(router_, coords, _radiuses(radiuses, 1, settings.max_snap_distance_m))[0]
    g = router_.graph
    pos = snap.positions[0]
    nodes = [int(g.node_osm[g.edge_tail[pos.edge]]), int(g.node_osm[g.edge_head[pos.edge]])]
    return {"code": "Ok", "waypoints": [_waypoint(snap) | {"nodes": nodes}]}


def _indices(text: str | None, n: int, name: str) -> list[int] | None:
    if text is None or text == "all":
        return None
    try:
        return [int(p) for p in text.split(";")]
    except ValueError:
        raise OsrmError("InvalidOptions", f"{name} must be 'all' or indices separated by ';'") from None


@router.get("/table/v1/{profile}/{coordinates}")
def osrm_table(
    router_: RouterDep,
    settings: SettingsDep,
    profile: str,
    coordinates: Coordinates,
    sources: str | None = None,
    destinations: str | None = None,
    annotations: Annotated[
        str, Query(pattern="^(duration|distance|duration,distance|distance,duration)$")
    ] = "duration",
    radiuses: str | None = None,
) -> dict[str, Any]:
    """OSRM table service: travel times (and distances) between sources and destinations."""
    coords = parse_coordinates(coordinates, settings.max_table_coordinates)
    snaps = _snap_all(router_, coords, _radiuses(radiuses, len(coords), settings.max_snap_distance_m))
    src = _indices(sources, len(coords), "sources")
    dst = _indices(destinations, len(coords), "destinations")
    try:
        result = table(router_, snaps, src, dst, with_distance="distance" in annotations)
    except FevermapError as exc:
        raise OsrmError("InvalidOptions", str(exc)) from None

    def matrix(values: np.ndarray) -> list[list[float | None]]:
        return [[round(float(v), 1) if np.isfinite(v) else None for v in row] for row in values]

    out: dict[str, Any] = {
        "code": "Ok",
        "sources": [_waypoint(snaps[i]) for i in result.sources],
        "destinations": [_waypoint(snaps[j]) for j in result.destinations],
    }
    if "duration" in annotations:
        out["durations"] = matrix(result.durations)
    if result.distances is not None:
        out["distances"] = matrix(result.distances)
    return out
