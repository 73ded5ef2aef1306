"""Snapping OSRM waypoints under their constraints: ``radiuses``, ``bearings``, ``approaches`` and excluded classes.

Without constraints a waypoint snaps to the nearest road (:meth:`fevermap.routing.router.Router.snap`). With them, as
OSRM's geospatial query does, the candidates are every road segment within the radius, nearest first, and the first
one with a road direction that passes all the filters wins, keeping only those directions:

- ``bearings=b,r``: the direction of travel (rounded to whole degrees) lies within ``r`` degrees of ``b``
  (clockwise from north);
- ``approaches=curb``: the waypoint lies on the kerb side of the direction (right where traffic keeps right, left in
  a left-hand-traffic region), ``opposite`` on the other side; a one-way road's direction always passes (it has no
  other), and so does a waypoint exactly on the road's line;
- ``exclude``: the road is not of an excluded class (``toll``, ``motorway``, ``ferry``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import numpy as np
import numpy.typing as npt

from fevermap.errors import FevermapError, OsrmRequestError, SnapError
from fevermap.routing.guidance.geometry import bearing
from fevermap.routing.router import Router
from fevermap.routing.snapping import EdgePosition, Snap

BoolArray = npt.NDArray[np.bool_]
_MOTORWAY = ("motorway", "motorway_link")


def class_mask(router: Router, classes: Sequence[str]) -> BoolArray:
    """Per road edge, whether it belongs to one of ``classes`` (``toll``: tagged ``toll`` other than ``no``;
    ``motorway``: ``highway=motorway|motorway_link``; ``ferry``: ``route=ferry``), cached on the router."""
    masks: dict[tuple[str, ...], BoolArray] = router.__dict__.setdefault("_osrm_class_masks", {})
    key = tuple(sorted(classes))
    if key in masks:
        return masks[key]
    g = router.graph
    mask = np.zeros(g.edge_count, dtype=bool)
    if "toll" in classes:
        mask |= g.edge_toll
    if "motorway" in classes:
        mask |= np.isin(np.asarray(g.edge_highway, dtype=object), _MOTORWAY)
    if "ferry" in classes:
        mask |= g.edge_ferry
    masks[key] = mask
    return mask


def _heading(router: Router, pos: EdgePosition) -> tuple[float, float, float, float]:
    """``(lon0, lat0, lon1, lat1)`` of the segment ``pos`` lies on, in driving order."""
    g = router.graph
    row = int(g.seg_off[pos.edge]) + pos.edge + pos.seg
    a, b = g.coords[row], g.coords[row + 1]
    return float(a[0]), float(a[1]), float(b[0]), float(b[1])


def _fits_bearing(router: Router, pos: EdgePosition, want: tuple[float, float]) -> bool:
    x0, y0, x1, y1 = _heading(router, pos)
    heading = round(bearing((x0, y0), (x1, y1))) % 360  # whole degrees, as OSRM compares them
    return abs((heading - want[0] + 180.0) % 360.0 - 180.0) <= want[1]


def _fits_approach(router: Router, snap: Snap, pos: EdgePosition, approach: str) -> bool:
    if approach == "unrestricted" or int(router.graph.edge_twin[pos.edge]) < 0:
        return True
    x0, y0, x1, y1 = _heading(router, pos)
    k = math.cos(math.radians(snap.location[1]))
    qx, qy = (snap.query[0] - snap.location[0]) * k, snap.query[1] - snap.location[1]
    cross = (x1 - x0) * k * qy - (y1 - y0) * qx  # > 0: the waypoint is left of the direction of travel
    if cross == 0.0:
        return True
    kerb_left = router.region.profile.left_hand_driving
    return (cross > 0) == kerb_left if approach == "curb" else (cross > 0) != kerb_left


def narrow(
    router: Router,
    snap: Snap,
    *,
    want: tuple[float, float] | None,
    approach: str,
    excluded: BoolArray | None,
) -> Snap | None:
    """``snap`` with only the road directions that pass the filters (see the module), or None when none does."""
    keep = tuple(
        p
        for p in snap.positions
        if (excluded is None or not excluded[p.edge])
        and (want is None or _fits_bearing(router, p, want))
        and _fits_approach(router, snap, p, approach)
    )
    if not keep:
        return None
    if keep == snap.positions:
        return snap
    return snap._replace(positions=keep, name=router.graph.edge_name[keep[0].edge])


def snap_all(
    router: Router,
    coords: list[tuple[float, float]],
    radii: list[float],
    headings: Sequence[tuple[float, float] | None] = (),
    approaches: Sequence[str] = (),
    excluded: BoolArray | None = None,
) -> list[Snap]:
    """Snap every coordinate under its constraints (see the module).

    Raises
    ------
    OsrmRequestError
        ``NoSegment`` naming the first coordinate with no road within its radius (or none passing its filters).
    """
    snaps = []
    for i, ((lon, lat), radius) in enumerate(zip(coords, radii, strict=True)):
        want = headings[i] if headings else None
        approach = approaches[i] if approaches else "unrestricted"
        try:
            snap = router.snap(lon, lat)
        except FevermapError as exc:
            code = "NoSegment" if isinstance(exc, SnapError) else "InvalidValue"
            raise OsrmRequestError(code, f"coordinate {i} ({lon},{lat}): {exc}") from None
        if snap.distance_m > radius:
            raise OsrmRequestError("NoSegment", f"coordinate {i} ({lon},{lat}) is {snap.distance_m:.0f} m from a "
                                   f"road, beyond its radius of {radius:g} m")  # fmt: skip
        if want is not None or excluded is not None or approach != "unrestricted":
            found = router.index.snap_where(lon, lat, radius, partial(narrow, router, want=want, approach=approach,
                                                                      excluded=excluded))  # fmt: skip
            if found is None:
                raise OsrmRequestError("NoSegment", _refusal(i, lon, lat, radius, want, approach, excluded))
            snap = found
        snaps.append(snap)
    return snaps


def _refusal(i: int, lon: float, lat: float, radius: float, want: tuple[float, float] | None, approach: str,
             excluded: BoolArray | None) -> str:  # fmt: skip
    why = []
    if want is not None:
        why.append(f"runs within {want[1]:g} degrees of bearing {want[0]:g}")
    if excluded is not None:
        why.append("is of a class not excluded")
    if approach != "unrestricted":
        why.append(f"has a direction with the point on its {approach} side")
    return f"coordinate {i} ({lon},{lat}): no road within {radius:g} m " + " and ".join(why)
