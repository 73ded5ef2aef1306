"""Isochrones in current traffic, forward and reverse.

The area reached from a point within each of up to four times, or (reverse) the area from which the point is reached
(a clinic's catchment).

Times are read off at road samples (:mod:`fevermap.care.samples`): a sample on edge ``e`` is reached after the time
to the start of ``e`` (turns included) plus the time along ``e`` to the sample, so partial edges at the boundary
count up to the exact point where the time runs out. Reached samples become polygons as :mod:`fevermap.care.raster`
states (grid, closing, unreached road cut out, marching squares; holes kept); with ``exact=True`` road not reached
that shares cells with reached road is cut out too (:mod:`fevermap.care.cut`), so that at least 95 % of the road
length inside a polygon is reached within its time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.care import cut, raster, reach
from fevermap.care.samples import Samples, node_xy, region_projection, samples_of, spacing_for
from fevermap.errors import InputError
from fevermap.geo.lonlat import check_in_bbox
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]

#: Limits of an isochrone request.
MAX_CONTOURS = 4
MAX_MINUTES = 120.0


@dataclass(frozen=True)
class Isochrone:
    """Polygons per contour (``minutes`` ascending; each a list of polygons, each a list of ``(lon, lat)`` rings,
    outer first), the snapped point and how many road nodes each contour reaches."""

    minutes: list[float]
    reverse: bool
    snap: Snap
    polygons: list[list[list[FloatArray]]]
    nodes_reached: list[int]
    cell_m: float
    buffer_m: float
    exact: bool = False

    def to_geojson(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection, one MultiPolygon feature per contour, largest first (drawn under the smaller
        ones), as Valhalla's ``contours`` / ``polygons=true`` answer."""
        feats = [
            {
                "type": "Feature",
                "geometry": raster.multipolygon(polys, decimals=7 if self.exact else 6),  # 1 cm: corridors stay valid
                "properties": {"minutes": m, "contour": i, "reverse": self.reverse, "nodes_reached": n},
            }
            for i, (m, polys, n) in enumerate(zip(self.minutes, self.polygons, self.nodes_reached, strict=True))
        ]
        return {
            "type": "FeatureCollection",
            "features": feats[::-1],
            "snapped": list(self.snap.location),
            "smoothing": {"cell_m": round(self.cell_m, 2), "buffer_m": round(self.buffer_m, 2), "exact": self.exact},
            "attribution": "© OpenStreetMap contributors (ODbL 1.0)",
        }


def check_minutes(minutes: Sequence[float], *, most: int = MAX_CONTOURS) -> list[float]:
    """Validated contour times: 1 to ``most`` distinct values in (0, :data:`MAX_MINUTES`], sorted ascending."""
    vals = [float(v) for v in minutes]
    if not 1 <= len(vals) <= most:
        raise InputError(f"give 1 to {most} contour times in minutes, got {len(vals)}")
    for v in vals:
        if not (math.isfinite(v) and 0 < v <= MAX_MINUTES):
            raise InputError(f"contour time {v} min is out of range: each must be > 0 and <= {MAX_MINUTES:g} minutes")
    if len(set(vals)) != len(vals):
        raise InputError(f"contour times must be distinct, got {vals}")
    return sorted(vals)


def parse_minutes(text: str, *, most: int = MAX_CONTOURS) -> list[float]:
    """Parse ``"5,10,20,30"`` into validated contour times."""
    try:
        vals = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise InputError(f"minutes {text!r} must be numbers separated by commas, e.g. 5,10,20,30") from None
    return check_minutes(vals, most=most)


_lock = threading.Lock()
_along: dict[tuple[int, int], tuple[Samples, reach.Metric, tuple[FloatArray, FloatArray]]] = {}


def along_ms(m: reach.Metric, samples: Samples) -> tuple[FloatArray, FloatArray]:
    """Per sample: ms from its edge's tail to it, and from it to the edge's head (cached per traffic version)."""
    key = (id(samples), m.version)
    got = _along.get(key)
    if got is None or got[0] is not samples or got[1] is not m:
        got = (samples, m, reach.position_ms(m, samples.seg, samples.frac))
        with _lock:
            if len(_along) > 8:
                _along.clear()
            _along[key] = got
    return got[2]


def search(router: Router, m: reach.Metric, snap: Snap, *, reverse: bool, limit_ms: float) -> reach.EdgeTimes:
    """Times in ms from ``snap`` to every road edge (``reverse``: from every edge to ``snap``), ``inf`` past the
    limit."""
    return reach.point_times(router, m, snap, reverse=reverse, limit_ms=limit_ms)


def sample_times(router: Router, m: reach.Metric, samples: Samples, snap: Snap, times: reach.EdgeTimes) -> FloatArray:
    """Times in ms from ``snap`` to every sample (``times.reverse``: from every sample to ``snap``), given the search
    from it."""
    before, after = along_ms(m, samples)
    reverse = times.reverse
    t = after + times.end[samples.edge] if reverse else times.start[samples.edge] + before
    for p in snap.positions:  # the snap's own edges, driven without passing a node
        lo, hi = int(samples.edge_off[p.edge]), int(samples.edge_off[p.edge + 1])
        part = slice(lo, hi)
        direct = reach.direct_on_edge(router, m, snap, samples.edge[part], samples.seg[part], samples.frac[part],
                                      reverse=reverse)  # fmt: skip
        t[part] = np.minimum(t[part], direct)
    return t


def isochrone(
    router: Router,
    lon: float,
    lat: float,
    minutes: Sequence[float],
    *,
    reverse: bool = False,
    cell_m: float = raster.CELL_M,
    buffer_m: float = raster.BUFFER_M,
    exact: bool = False,
) -> Isochrone:
    """Isochrone polygons around ``(lon, lat)`` (degrees) in current traffic.

    Parameters
    ----------
    router : Router
        The region's router (its current traffic is used).
    lon, lat : float
        The point, WGS-84 degrees; snapped to the nearest road.
    minutes : sequence of float
        Up to :data:`MAX_CONTOURS` times in (0, :data:`MAX_MINUTES`] minutes.
    reverse : bool
        False: where one gets from the point within each time; True: from where one gets to it.
    cell_m, buffer_m : float
        Grid cell and buffer radius of the polygons (metres; see :mod:`fevermap.care.raster`).
    exact : bool
        Also cut road not reached within each time out of its polygon (:mod:`fevermap.care.cut`): at least 95 %
        of the road inside is then reached, at the cost of vector overlays (about 0.15 s for two contours in
        central Shanghai, 1-1.5 s for 5/10/20/30 min in Porto; see ``benchmarks/RESULTS.md``).

    Raises
    ------
    InputError
        Bad contour times; :class:`CoordinateError` / :class:`SnapError` for a point outside the region / off road.
    """
    levels = check_minutes(minutes)
    check_in_bbox(float(lon), float(lat), router.region.bbox, what="isochrone point")
    near = router.snap(float(lon), float(lat))
    snap = near.alternative or near  # on a small component (an island, a one-way loop): from the big one, as routes
    m = reach.metric(router)
    limits = np.array(levels) * 60_000.0
    times = search(router, m, snap, reverse=reverse, limit_ms=float(limits[-1]))
    node_ms, _ = reach.node_times(router, m, times, [snap])
    reached_nodes = [int((node_ms <= lim).sum()) for lim in limits]
    # the sample spacing follows the grid cell, which follows the extent of the reached nodes and the snap
    nx_, ny_ = node_xy(router.graph)
    hit = np.isfinite(node_ms)
    sx, sy = region_projection(router.graph).forward([snap.location[0]], [snap.location[1]])
    ex, ey = np.concatenate([nx_[hit], sx]), np.concatenate([ny_[hit], sy])
    samples = samples_of(router.graph, spacing_for(raster.Grid.around(ex, ey, cell_m, buffer_m).cell_m))
    pts = samples.points
    t = pts.earliest(sample_times(router, m, samples, snap, times))  # per place: both directions of a road count
    level = np.zeros(t.shape[0], dtype=np.uint8)  # first contour whose limit is >= t (len: none)
    for lim in limits:
        level += t > lim
    inside = level < len(levels)
    if not inside.any():
        empty: list[list[list[FloatArray]]] = [[] for _ in levels]
        return Isochrone(levels, reverse, snap, empty, reached_nodes, cell_m, buffer_m)
    grid = raster.Grid.around(pts.x[inside], pts.y[inside], cell_m, buffer_m)
    # unreached places in the grid count too: they cut the holes
    cells, which = grid.locate(pts.x, pts.y, check=not grid.covers(*pts.box))
    z = raster.level_grid(grid, cells, level if which is None else level[which], len(levels))
    place_cell = np.full(pts.x.shape[0] if exact else 0, -1, dtype=np.int64)  # cell of each place (-1: none)
    if exact:
        place_cell[slice(None) if which is None else which] = cells
    polys = []
    for k, lim in enumerate(limits.tolist()):
        mask = z <= k
        rings = raster.mask_rings(grid, mask)
        if exact:  # road in or next to the polygon's cells (two cells hold all of it) not reached is cut out
            beside = raster.square_filter(mask.view(np.uint8), 5, np.maximum, 0).ravel() > 0
            found = cut.conflicts(router, m, snap, times, samples, grid, place_cell, beside)
            rings = cut.cut(rings, router, samples, found, lim, t)
        polys.append(raster.to_lonlat(grid, samples.projection, rings))
    return Isochrone(levels, reverse, snap, polys, reached_nodes, grid.cell_m, grid.buffer_m, exact)
