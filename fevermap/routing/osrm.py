"""OSRM's route, table and nearest services as plain functions: request in, OSRM's response JSON (a dict) out.

Used by ``fevermap.api.routes_osrm`` (which only parses the URL and serialises), and usable without FastAPI. Errors
are :class:`fevermap.errors.OsrmRequestError` with OSRM's own ``code``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.errors import FevermapError, NoRouteError, OsrmRequestError, SnapError
from fevermap.geo import polyline
from fevermap.routing.alternatives import alternatives
from fevermap.routing.annotations import DATASOURCE_NAMES, annotation
from fevermap.routing.directions import Guidance, Leg, encode, step_object
from fevermap.routing.matrix import table
from fevermap.routing.osrm_legs import route_legs
from fevermap.routing.osrm_options import RouteOptions, approaches, bearings, exclude, radiuses, route_options
from fevermap.routing.osrm_snap import class_mask, narrow, snap_all
from fevermap.routing.router import Route, Router
from fevermap.routing.simplify import simplify
from fevermap.routing.snapping import Snap
from fevermap.routing.state import MetricState

#: For a request, a function from its snapped waypoints to more road edges to close (a mask over road edges) and
#: the key its side metric is cached under, or None (e.g. fevermap's risk areas, ``exclude=sealed``).
ClosedFor = Callable[[list[Snap]], tuple[npt.NDArray[np.bool_], Hashable] | None]


def _code(exc: FevermapError) -> str:
    if isinstance(exc, OsrmRequestError):
        return exc.code
    if isinstance(exc, SnapError):
        return "NoSegment"
    if isinstance(exc, NoRouteError):
        return "NoRoute"
    return "InvalidValue"


def parse_coordinates(text: str, limit: int) -> list[tuple[float, float]]:
    """Parse OSRM's coordinate list ``lon,lat;lon,lat``, ``polyline(...)`` or ``polyline6(...)`` (``.json`` allowed)."""
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
        raise OsrmRequestError("InvalidUrl", f"coordinates must be lon,lat;lon,lat or polyline(...): {exc}") from None
    if len(coords) > limit:
        raise OsrmRequestError("TooBig", f"{len(coords)} coordinates: at most {limit} are allowed in one request")
    for lon, lat in coords:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise OsrmRequestError(
                "InvalidValue", f"coordinate {lon},{lat} is out of range (lon -180..180, lat -90..90)"
            )
    return coords


def waypoint(snap: Snap) -> dict[str, Any]:
    """OSRM's waypoint object."""
    return {"hint": "", "distance": round(snap.distance_m, 6), "name": snap.name, "location": list(snap.location)}


def _route_object(g: Guidance, legs: list[Leg], opts: RouteOptions) -> dict[str, Any]:
    duration = sum(leg.duration_s for leg in legs)
    distance = sum(leg.distance_m for leg in legs)
    leg_objects = []
    for leg in legs:
        obj: dict[str, Any] = {
            "steps": [step_object(g, leg, s, opts.geometries) for s in leg.steps] if opts.steps else [],
            "summary": g.summary(leg) if opts.steps else "",
            "weight": round(leg.duration_s, 1),
            "duration": round(leg.duration_s, 1),
            "distance": round(leg.distance_m, 1),
        }
        if opts.annotations and leg.pieces is not None:
            obj["annotation"] = annotation(leg.pieces, opts.annotations) | {
                "metadata": {"datasource_names": DATASOURCE_NAMES}
            }
        leg_objects.append(obj)
    route: dict[str, Any] = {
        "legs": leg_objects,
        "weight_name": "duration",
        "weight": round(duration, 1),
        "duration": round(duration, 1),
        "distance": round(distance, 1),
    }
    if opts.overview != "false":
        full = np.concatenate([legs[0].coordinates] + [leg.coordinates[1:] for leg in legs[1:]])
        route["geometry"] = encode(simplify(full) if opts.overview == "simplified" else full, opts.geometries)
    return route


def _state(router: Router, snaps: list[Snap], classes: tuple[str, ...], closed_for: ClosedFor | None,
           ) -> MetricState | None:  # fmt: skip
    """The side metric with the excluded classes' edges and ``closed_for``'s closed, or None for the live one."""
    mask = class_mask(router, classes) if classes else None
    key: tuple[Hashable, ...] = ("exclude", classes)
    more = closed_for(snaps) if closed_for is not None else None
    if more is not None:
        mask = more[0] if mask is None else mask | more[0]
        key = (*key, more[1])
    return None if mask is None else router.state_with_closed_edges(mask, key)


def route_response(
    router: Router,
    coordinates: str,
    params: Mapping[str, str],
    *,
    max_coordinates: int,
    max_snap_m: float,
    closed_for: ClosedFor | None = None,
) -> dict[str, Any]:
    """Answer ``/route/v1/{profile}/{coordinates}?{params}`` in OSRM's shape.

    Parameters
    ----------
    router : Router
    coordinates : str
        The URL's coordinate part.
    params : mapping
        The query options (see :func:`fevermap.routing.osrm_options.route_options`).
    max_coordinates, max_snap_m : int, float
        The service's limits.
    closed_for : callable, optional
        More roads to close for the snapped waypoints (e.g. around risk areas, see :data:`ClosedFor`), on top of the
        ``exclude`` classes. Alternatives are not offered when any road is closed so.
    """
    coords = parse_coordinates(coordinates, max_coordinates)
    opts = route_options(params, len(coords), max_snap_m)
    excluded = class_mask(router, opts.exclude) if opts.exclude else None
    snaps = snap_all(router, coords, list(opts.radiuses), opts.bearings, opts.approaches, excluded)
    g = Guidance.of(router)
    try:
        state = _state(router, snaps, opts.exclude, closed_for)
        best = route_legs(router, snaps, continue_straight=opts.continue_straight, state=state)
        routes: list[list[list[Route]]] = [[[leg] for leg in best]]
        if opts.alternatives and len(snaps) == 2 and state is None:
            routes += [[parts] for parts in alternatives(router, snaps[0], snaps[1], best[0], opts.alternatives)]
    except FevermapError as exc:
        raise OsrmRequestError(_code(exc), str(exc)) from None
    need = bool(opts.annotations)
    objects = [
        _route_object(g, [g.leg(r, router, steps=opts.steps, pieces=need) for r in legs], opts) for legs in routes
    ]
    out: dict[str, Any] = {"code": "Ok", "routes": objects}
    if not opts.skip_waypoints:
        out["waypoints"] = [waypoint(s) for s in snaps]
    return out


def nearest_response(router: Router, coordinates: str, params: Mapping[str, str], *, max_snap_m: float,
                     ) -> dict[str, Any]:  # fmt: skip
    """Answer ``/nearest/v1``: the ``number`` nearest road segments (1..100) within the radius, nearest first, each
    with the OSM node ids of its ends; ``bearings``, ``approaches`` and ``exclude`` filter them as for a route."""
    coords = parse_coordinates(coordinates, 1)
    if len(coords) != 1:
        raise OsrmRequestError("InvalidQuery", "nearest takes exactly one coordinate")
    number_text = params.get("number", "1")
    if not number_text.isdigit() or not 1 <= int(number_text) <= 100:
        raise OsrmRequestError("InvalidOptions", f"number must be an integer 1..100, not {number_text!r}")
    radius = radiuses(params.get("radiuses"), 1, max_snap_m)
    want, approach = bearings(params.get("bearings"), 1), approaches(params.get("approaches"), 1)
    classes = exclude(params.get("exclude"))
    excluded = class_mask(router, classes) if classes else None
    snap_all(router, coords, radius, want, approach, excluded)  # NoSegment when nothing is near enough
    g = router.graph
    found: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for cand in router.index.candidates(*coords[0], radius[0]):
        kept = narrow(router, cand, want=want[0], approach=approach[0], excluded=excluded)
        if kept is None:
            continue
        for pos in kept.positions:
            s = int(g.seg_off[pos.edge]) + pos.seg
            u, v = int(g.seg_u_osm[s]), int(g.seg_v_osm[s])
            if (min(u, v), max(u, v)) not in seen:
                seen.add((min(u, v), max(u, v)))
                found.append(waypoint(kept) | {"nodes": [u, v]})
        if len(found) >= int(number_text):
            break
    return {"code": "Ok", "waypoints": found[: int(number_text)]}


def _indices(text: str | None, name: str) -> list[int] | None:
    if text is None or text == "all":
        return None
    try:
        return [int(p) for p in text.split(";")]
    except ValueError:
        raise OsrmRequestError("InvalidOptions", f"{name} must be 'all' or indices separated by ';'") from None


def table_response(
    router: Router,
    coordinates: str,
    params: Mapping[str, str],
    *,
    max_coordinates: int,
    max_snap_m: float,
    closed_for: ClosedFor | None = None,
) -> dict[str, Any]:
    """Answer ``/table/v1``: ``durations`` (s) and/or ``distances`` (m) between sources and destinations.

    ``fallback_speed`` (m/s) fills unreachable pairs with crow-flies estimates (``fallback_coordinate`` input or
    snapped); ``scale_factor`` multiplies durations; ``radiuses``, ``bearings``, ``approaches`` and ``exclude`` as
    for :func:`route_response` (``closed_for`` too).
    """
    coords = parse_coordinates(coordinates, max_coordinates)
    ann = params.get("annotations", "duration")
    parts = set(ann.split(","))
    if not parts or not parts <= {"duration", "distance"}:
        raise OsrmRequestError("InvalidOptions", f"annotations must be duration, distance or both, not {ann!r}")
    scale = _positive(params, "scale_factor")
    fallback = _positive(params, "fallback_speed")
    fb_coord = params.get("fallback_coordinate", "input")
    if fb_coord not in ("input", "snapped"):
        raise OsrmRequestError("InvalidOptions", "fallback_coordinate must be input or snapped")
    n = len(coords)
    classes = exclude(params.get("exclude"))
    excluded = class_mask(router, classes) if classes else None
    radii, heads = radiuses(params.get("radiuses"), n, max_snap_m), bearings(params.get("bearings"), n)
    snaps = snap_all(router, coords, radii, heads, approaches(params.get("approaches"), n), excluded)
    try:
        src = _indices(params.get("sources"), "sources")
        dst = _indices(params.get("destinations"), "destinations")
        state = _state(router, snaps, classes, closed_for)
        result = table(router, snaps, src, dst, with_distance="distance" in parts, state=state)
    except FevermapError as exc:
        raise OsrmRequestError("InvalidOptions", str(exc)) from None
    durations = result.durations * (scale or 1.0)
    distances = result.distances
    out: dict[str, Any] = {
        "code": "Ok",
        "sources": [waypoint(snaps[i]) for i in result.sources],
        "destinations": [waypoint(snaps[j]) for j in result.destinations],
    }
    if fallback:
        pick = (lambda s: s.location) if fb_coord == "snapped" else (lambda s: s.query)
        crow = _crow_matrix([pick(snaps[i]) for i in result.sources], [pick(snaps[j]) for j in result.destinations])
        unreachable = ~np.isfinite(durations)
        durations = np.where(unreachable, crow / fallback * (scale or 1.0), durations)
        if distances is not None:
            distances = np.where(unreachable, crow, distances)
        if unreachable.any():
            out["fallback_speed_cells"] = [[int(i), int(j)] for i, j in zip(*np.nonzero(unreachable), strict=True)]
    if "duration" in parts:
        out["durations"] = _matrix(durations)
    if distances is not None:
        out["distances"] = _matrix(distances)
    return out


def _positive(params: Mapping[str, str], key: str) -> float | None:
    text = params.get(key)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise OsrmRequestError("InvalidOptions", f"{key} must be a positive number, not {text!r}")
    return value


def _crow_matrix(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> np.ndarray:
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            out[i, j] = geod.inv(p[0], p[1], q[0], q[1])[2]
    return out


def _matrix(values: np.ndarray) -> list[list[float | None]]:
    return [[round(float(v), 1) if np.isfinite(v) else None for v in row] for row in values]
