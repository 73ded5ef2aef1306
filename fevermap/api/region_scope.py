"""Which served region answers a request: from the path's region prefix, else from the request's coordinates.

One resolution for every handler: :func:`served_region` looks at ``/regions/{region_name}/...`` first, then at the
coordinates the request carries (OSRM's ``{coordinates}`` path segment, or the ``from``/``to``/``at`` query
parameters), and picks the region by :class:`fevermap.regions.selection.RegionSet`'s rule; a request without
coordinates (``/clinics``, ``/map/config``...) goes to ``?region=`` or the default region. The result is kept on
``request.state`` so the router and locator dependencies of one request agree. Errors on OSRM paths are answered in
OSRM's shape (``NoSegment``, ``NoRoute``); elsewhere as fevermap 4xx.

:func:`sole_region` is the shortcut of a handler that snaps the request's points itself: when only one region's
bounding box holds them, the region is known without snapping them (:meth:`RegionSet.sole_candidate`).
"""

from __future__ import annotations

from fastapi import Request

from fevermap.api.http_errors import OsrmError
from fevermap.errors import FevermapError, NoRouteError, SnapError
from fevermap.geo.lonlat import parse_lonlat
from fevermap.regions.selection import RegionSet, ServedRegion
from fevermap.routing.osrm import parse_coordinates

#: Path segments of the OSRM-compatible services (errors there use OSRM's shape).
OSRM_SERVICES = ("/route/v1/", "/table/v1/", "/nearest/v1/", "/trip/v1/", "/match/v1/")
#: Query parameters that carry a LON,LAT point, in the order they are considered.
POINT_PARAMS = ("from", "to", "at")


def _points(request: Request) -> list[tuple[float, float]]:
    """The coordinates the request carries, or [] when it has none that parse (the handler then says what to fix)."""
    coords = request.path_params.get("coordinates")
    if isinstance(coords, str):
        try:
            return parse_coordinates(coords, 10_000)
        except (FevermapError, ValueError):
            return []
    out = []
    for name in POINT_PARAMS:
        text = request.query_params.get(name)
        if text is None:
            continue
        try:
            out.append(parse_lonlat(text, name))
        except FevermapError:
            return []
    return out


def served_region(request: Request) -> ServedRegion:
    """The region that answers ``request`` (cached on ``request.state``)."""
    cached: ServedRegion | None = getattr(request.state, "served_region", None)
    if cached is not None:
        return cached
    regions: RegionSet = request.app.state.regions
    name = request.path_params.get("region_name") or None
    if name is not None:
        served = regions.get(str(name))  # 404 listing the known regions
    elif regions.only is not None:
        served = regions.only
    else:
        points = _points(request)
        if points:
            try:
                served, _snaps = regions.pick(points)
            except (SnapError, NoRouteError) as exc:
                if any(s in request.url.path for s in OSRM_SERVICES):
                    raise OsrmError("NoSegment" if isinstance(exc, SnapError) else "NoRoute", str(exc)) from None
                raise
        else:
            default = request.query_params.get("region")
            served = regions.get(default) if default else request.app.state.default_region
    request.state.served_region = served
    return served


def sole_region(request: Request) -> ServedRegion | None:
    """The region :func:`served_region` answers with when only one region's box holds the request's coordinates,
    found without snapping them; None otherwise (one region or a path prefix: :func:`served_region` is as cheap).

    Unverified and not cached: the handler's own snapping in it checks that the region holds the points, and when
    the handler fails it calls :func:`served_region` first, whose error (a point in no region) comes before the
    handler's as it does without the shortcut.
    """
    regions: RegionSet = request.app.state.regions
    if regions.only is not None or request.path_params.get("region_name"):
        return None
    points = _points(request)
    return regions.sole_candidate(points) if points else None
