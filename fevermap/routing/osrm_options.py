"""OSRM request options: parsed from the query string, checked, with OSRM's own error codes for what is refused.

Options fevermap cannot honour are refused with ``NotImplemented`` and a message, never silently ignored; ``hints``
are accepted and not used, as OSRM does with hints it cannot use. ``exclude`` takes the road classes of OSRM's car
profile (``toll``, ``motorway``, ``ferry``), in any combination (OSRM's car profile allows one at a time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from fevermap.errors import OsrmRequestError
from fevermap.routing.annotations import ANNOTATIONS

MAX_ALTERNATIVES = 3
_GEOMETRIES = ("polyline", "polyline6", "geojson")
_OVERVIEWS = ("simplified", "full", "false")
#: Road classes ``exclude`` can name (OSRM car profile's ``excludable``).
EXCLUDABLE = ("toll", "motorway", "ferry")
APPROACHES = ("unrestricted", "curb", "opposite")
_ROUTE_KEYS = {"overview", "geometries", "steps", "alternatives", "annotations", "continue_straight", "radiuses",
               "bearings", "approaches", "exclude", "hints", "generate_hints", "skip_waypoints", "waypoints",
               "snapping"}  # fmt: skip


def _bool(params: Mapping[str, str], key: str, default: bool) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise OsrmRequestError("InvalidOptions", f"{key} must be true or false, not {value!r}")


def _choice(params: Mapping[str, str], key: str, choices: tuple[str, ...]) -> str:
    value = params.get(key, choices[0])
    if value not in choices:
        raise OsrmRequestError("InvalidOptions", f"{key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def radiuses(text: str | None, n: int, default: float) -> list[float]:
    """``radiuses=r;r;...`` in metres (``unlimited`` or empty: the service's snap limit), capped at that limit."""
    if not text:
        return [default] * n
    parts = text.split(";")
    if len(parts) != n:
        raise OsrmRequestError("InvalidOptions", f"radiuses has {len(parts)} values for {n} coordinates")
    out = []
    for p in parts:
        if p in ("", "unlimited"):
            out.append(default)
            continue
        try:
            value = float(p)
        except ValueError:
            raise OsrmRequestError("InvalidOptions", f"radius {p!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise OsrmRequestError("InvalidOptions", f"radius {p!r} must be a non-negative number of metres")
        out.append(min(value, default))
    return out


def bearings(text: str | None, n: int) -> list[tuple[float, float] | None]:
    """``bearings=b,r;b,r;...``: per coordinate a direction of travel (degrees 0..360) and a tolerance (0..180), or
    empty for any direction."""
    if not text:
        return [None] * n
    parts = text.split(";")
    if len(parts) != n:
        raise OsrmRequestError("InvalidOptions", f"bearings has {len(parts)} values for {n} coordinates")
    out: list[tuple[float, float] | None] = []
    for p in parts:
        if not p:
            out.append(None)
            continue
        try:
            b, r = (float(x) for x in p.split(","))
        except ValueError:
            raise OsrmRequestError("InvalidOptions", f"bearing {p!r} must be bearing,range in degrees") from None
        if not (0 <= b <= 360 and 0 <= r <= 180):
            raise OsrmRequestError("InvalidOptions", f"bearing {p!r}: bearing 0..360 and range 0..180 degrees")
        out.append((b, r))
    return out


def approaches(text: str | None, n: int) -> list[str]:
    """``approaches=a;a;...``: per coordinate ``curb`` (arrive and leave with the point on the driving side's kerb),
    ``opposite`` (on the other side) or ``unrestricted`` (empty: unrestricted)."""
    if not text:
        return ["unrestricted"] * n
    parts = text.split(";")
    if len(parts) != n:
        raise OsrmRequestError("InvalidOptions", f"approaches has {len(parts)} values for {n} coordinates")
    bad = [p for p in parts if p and p not in APPROACHES]
    if bad:
        raise OsrmRequestError("InvalidOptions", f"approach {bad[0]!r}: choose from {', '.join(APPROACHES)}")
    return [p or "unrestricted" for p in parts]


def exclude(text: str | None, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``exclude=class,class``: road classes of :data:`EXCLUDABLE` (and ``extra`` ones the caller handles), sorted.

    Raises
    ------
    OsrmRequestError
        ``InvalidValue`` for a class fevermap does not have, as OSRM answers.
    """
    if not text:
        return ()
    classes = {c.strip() for c in text.split(",")}
    bad = sorted(classes - set(EXCLUDABLE) - set(extra))
    if bad:
        raise OsrmRequestError("InvalidValue", f"Exclude flag combination is not supported: no class {bad[0]!r} "
                               f"(classes: {', '.join(EXCLUDABLE + extra)})")  # fmt: skip
    return tuple(sorted(classes))


@dataclass(frozen=True)
class RouteOptions:
    """The options of one ``/route/v1`` request."""

    overview: str = "simplified"
    geometries: str = "polyline"
    steps: bool = False
    alternatives: int = 0
    annotations: tuple[str, ...] = ()
    radiuses: tuple[float, ...] = ()
    bearings: tuple[tuple[float, float] | None, ...] = ()
    skip_waypoints: bool = False
    approaches: tuple[str, ...] = ()
    continue_straight: bool = True
    exclude: tuple[str, ...] = ()


def route_options(params: Mapping[str, str], n: int, max_snap_m: float) -> RouteOptions:
    """Parse the query options of a route request with ``n`` coordinates.

    Raises
    ------
    OsrmRequestError
        ``InvalidOptions`` for a malformed value, ``NotImplemented`` for an option fevermap does not support.
    """
    unknown = sorted(set(params) - _ROUTE_KEYS)
    if unknown:
        raise OsrmRequestError("InvalidOptions", f"unknown option {unknown[0]!r} for the route service")
    alt_text = params.get("alternatives", "false")
    if alt_text in ("true", "false"):
        alternatives = 1 if alt_text == "true" else 0
    elif alt_text.isdigit():
        alternatives = int(alt_text)
    else:
        raise OsrmRequestError("InvalidOptions", f"alternatives must be true, false or a number, not {alt_text!r}")
    if alternatives > MAX_ALTERNATIVES:
        raise OsrmRequestError("InvalidOptions", f"alternatives={alternatives}: at most {MAX_ALTERNATIVES}")
    ann_text = params.get("annotations", "false")
    if ann_text in ("true", "false"):
        annotations: tuple[str, ...] = ANNOTATIONS if ann_text == "true" else ()
    else:
        annotations = tuple(a for a in ann_text.split(","))
        bad = [a for a in annotations if a not in ANNOTATIONS]
        if bad:
            raise OsrmRequestError("InvalidOptions", f"annotation {bad[0]!r}: choose from {', '.join(ANNOTATIONS)}")
    cs = params.get("continue_straight", "default")
    if cs not in ("default", "false", "true"):
        raise OsrmRequestError("InvalidOptions", "continue_straight must be default, true or false")
    if params.get("waypoints"):
        raise OsrmRequestError("NotImplemented", "the waypoints option is not supported by this service")
    if params.get("snapping", "default") != "default":
        raise OsrmRequestError("NotImplemented", "only snapping=default is supported")
    if n < 2:
        raise OsrmRequestError("InvalidQuery", "a route needs at least two coordinates")
    _bool(params, "generate_hints", True)
    return RouteOptions(
        overview=_choice(params, "overview", _OVERVIEWS),
        geometries=_choice(params, "geometries", _GEOMETRIES),
        steps=_bool(params, "steps", False),
        alternatives=alternatives,
        annotations=annotations,
        radiuses=tuple(radiuses(params.get("radiuses"), n, max_snap_m)),
        bearings=tuple(bearings(params.get("bearings"), n)),
        skip_waypoints=_bool(params, "skip_waypoints", False),
        approaches=tuple(approaches(params.get("approaches"), n)),
        continue_straight=cs != "false",  # default: OSRM car.lua's continue_straight_at_waypoint = true
        exclude=exclude(params.get("exclude")),
    )
