"""Isochrones in current traffic, forward and reverse.

The area reached from a point within each of up to four times, or (reverse) the area from which the point is reached
(a clinic's catchment).

Times are read off at road samples (:mod:`fevermap.care.samples`): a sample on edge ``e`` is reached after the time
to the start of ``e`` (turns included) plus the time along ``e`` to the sample, so partial edges at the boundary
count up to the exact point where the time runs out. Each contour's polygon is the union of the grid cells
:mod:`fevermap.care.contour` decides are in: cells whose road is mostly reached, cells within a margin of a reached
node, and the gaps between them narrower than the buffer; road not reached stays out (holes kept), so that at least
95 % of the road length inside a polygon is reached within its time, and every reached node is inside.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.care import contour, raster, reach, trace
from fevermap.care._memo import Memo
from fevermap.care.samples import (
    Samples,
    build_samples,
    edges_in_box,
    node_xy,
    region_projection,
    samples_of,
    spacing_for,
)
from fevermap.care.tiles import Tiles, build_tiles, tiles_of
from fevermap.errors import InputError
from fevermap.geo.lonlat import check_in_bbox
from fevermap.geo.projection import LocalProjection
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Limits of an isochrone request.
MAX_CONTOURS = 4
MAX_MINUTES = 120.0


@dataclass(frozen=True)
class Isochrone:
    """Polygons per contour (``minutes`` ascending; each a list of polygons, each a list of ``(lon, lat)`` rings,
    outer first), the snapped point, how many road nodes each contour reaches and each contour's grid cell
    (metres)."""

    minutes: list[float]
    reverse: bool
    snap: Snap
    polygons: list[list[list[FloatArray]]]
    nodes_reached: list[int]
    cell_m: list[float]
    buffer_m: float

    def to_geojson(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection, one MultiPolygon feature per contour, largest first (drawn under the smaller
        ones), as Valhalla's ``contours`` / ``polygons=true`` answer."""
        feats = [
            {
                "type": "Feature",
                "geometry": raster.multipolygon(polys, decimals=7),  # 1 cm, well within the nodes' margin
                "properties": {"minutes": m, "contour": i, "reverse": self.reverse, "nodes_reached": n, "cell_m": c},
            }
            for i, (m, polys, n, c) in enumerate(
                zip(self.minutes, self.polygons, self.nodes_reached, self.cell_m, strict=True)
            )
        ]
        return {
            "type": "FeatureCollection",
            "features": feats[::-1],
            "snapped": list(self.snap.location),
            "smoothing": {"cell_m": self.cell_m, "buffer_m": round(self.buffer_m, 2), "rule": "cells"},
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


_along: Memo[tuple[FloatArray, FloatArray]] = Memo(8)


def along_ms(m: reach.Metric, samples: Samples) -> tuple[FloatArray, FloatArray]:
    """Per sample: ms from its edge's tail to it, and from it to the edge's head (kept per traffic version)."""
    return _along.get((samples, m), lambda: reach.position_ms(m, samples.seg, samples.frac))


def search(router: Router, m: reach.Metric, snap: Snap, *, reverse: bool, limit_ms: float) -> reach.EdgeTimes:
    """Times in ms from ``snap`` to every road edge (``reverse``: from every edge to ``snap``), ``inf`` past the
    limit."""
    return reach.point_times(router, m, snap, reverse=reverse, limit_ms=limit_ms)


_pieces: Memo[tuple[FloatArray, ...]] = Memo(8)


def _piece_along(m: reach.Metric, samples: Samples, tiles: Tiles, *, keep: bool = True) -> tuple[FloatArray, ...]:
    """Per piece of ``tiles``, in tile order: ms from its edge's start to its start and from there to the edge's end,
    then the same on the twin edge (``inf`` where none); kept per traffic version (``keep=False``: not, for a
    one-off sample set)."""

    def build() -> tuple[FloatArray, ...]:
        before, after = reach.position_ms(m, samples.seg[tiles.sample], samples.frac[tiles.sample])
        tw = np.maximum(tiles.twin, 0)
        t_before, t_after = reach.position_ms(m, samples.seg[tw], samples.frac[tw])
        none = tiles.twin < 0
        t_before[none] = np.inf
        t_after[none] = np.inf
        return before, after, t_before, t_after

    return _pieces.get((tiles, m), build) if keep else build()


def piece_times(
    router: Router,
    m: reach.Metric,
    samples: Samples,
    tiles: Tiles,
    snap: Snap,
    times: reach.EdgeTimes,
    run: IntArray,
    *,
    keep: bool = True,
) -> FloatArray:
    """Times in ms from ``snap`` to the start of the pieces ``run`` of ``tiles`` (``times.reverse``: from there to
    ``snap``), by the faster direction of a two-way road, given the search from it (``keep=False``: ``tiles`` is a
    one-off set, nothing of it is cached)."""
    before, after, t_before, t_after = (a[run] for a in _piece_along(m, samples, tiles, keep=keep))
    edge, twin_edge = tiles.edge[run], tiles.twin_edge[run]
    safe = np.maximum(twin_edge, 0)
    if times.reverse:
        t = np.minimum(after + times.end[edge], t_after + times.end[safe])
    else:
        t = np.minimum(times.start[edge] + before, times.start[safe] + t_before)
    for p in snap.positions:  # the snap's own edges, driven without passing a node
        for e_of, ids in ((edge, tiles.sample), (twin_edge, tiles.twin)):
            where = np.flatnonzero(e_of == p.edge)
            if where.shape[0]:
                part = ids[run[where]]
                direct = reach.direct_on_edge(router, m, snap, samples.edge[part], samples.seg[part],
                                              samples.frac[part], reverse=times.reverse)  # fmt: skip
                t[where] = np.minimum(t[where], direct)
    return t


@dataclass(frozen=True)
class _Road:
    """The road pieces of one grid's box: their starts ``x``, ``y`` (metres), lengths, and the time to reach each."""

    grid: raster.Grid
    projection: LocalProjection
    x: FloatArray
    y: FloatArray
    length_m: FloatArray
    ms: FloatArray


def _road_of(
    router: Router, m: reach.Metric, snap: Snap, times: reach.EdgeTimes, grid: raster.Grid, *, keep: bool
) -> _Road:
    """The pieces in ``grid``'s box at its cell's spacing, timed; from the region's kept samples, or (``keep`` False:
    finer than the region keeps) from samples of the box's own roads."""
    g = router.graph
    box = (grid.x0, grid.x0 + grid.shape[1] * grid.cell_m, grid.y0, grid.y0 + grid.shape[0] * grid.cell_m)
    spacing = spacing_for(grid.cell_m)
    samples = samples_of(g, spacing) if keep else build_samples(g, spacing, edges_in_box(g, box))
    tiles = tiles_of(samples, g) if keep else build_tiles(samples, g)
    run = tiles.runs(*box)
    ms = piece_times(router, m, samples, tiles, snap, times, run, keep=keep)
    return _Road(grid, samples.projection, tiles.x[run], tiles.y[run], tiles.length_m[run], ms)


def _lonlat_of(outer: raster.Grid, projection: LocalProjection) -> Callable[[FloatArray, FloatArray], FloatArray]:
    """Projected ``x, y`` to ``(lon, lat)`` rows by one lattice over the longest contour's grid (a few centimetres at
    most, far inside the nodes' margin): every contour maps a shared corner to the very same degrees."""

    def to_lonlat(x: FloatArray, y: FloatArray) -> FloatArray:
        return raster.unproject(outer, projection, x, y)

    return to_lonlat


def isochrone(
    router: Router,
    lon: float,
    lat: float,
    minutes: Sequence[float],
    *,
    reverse: bool = False,
    cell_m: float = raster.CELL_M,
    buffer_m: float = raster.BUFFER_M,
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
        Finest grid cell and buffer radius of the polygons (metres; see :mod:`fevermap.care.contour`).

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
    g = router.graph
    limits = np.array(levels) * 60_000.0
    times = search(router, m, snap, reverse=reverse, limit_ms=float(limits[-1]))
    node_ms, _ = reach.node_times(router, m, times, [snap])
    nx_, ny_ = node_xy(g)
    sx, sy = region_projection(g).forward([snap.location[0]], [snap.location[1]])
    floor = contour.min_cell(g, cell_m)
    hits = [node_ms <= lim for lim in limits.tolist()]
    reached = [(np.concatenate([nx_[hit], sx]), np.concatenate([ny_[hit], sy])) for hit in hits]  # and the snap
    cells: list[float] = []
    for fx, fy in reached:  # each contour's cell: fits its reached nodes and the snap, no finer than a shorter one's
        span = max(float(np.ptp(fx)), float(np.ptp(fy)))
        cell = contour.cell_for(span, cell_m)
        if cell < floor:  # finer than the region keeps: as fine as its own box's roads allow
            pad = buffer_m + 4 * cell
            box = (float(fx.min()) - pad, float(fx.max()) + pad, float(fy.min()) - pad, float(fy.max()) + pad)
            cell = contour.local_cell(g, span, cell, floor, box)
        cells.append(max(cell, cells[-1] if cells else 0.0))
    polys: list[list[list[FloatArray]]] = []
    outer: tuple[raster.Grid, npt.NDArray[np.bool_]] | None = None
    lattice: Callable[[FloatArray, FloatArray], FloatArray] | None = None
    road: _Road | None = None
    for lim, (fx, fy), cell in reversed(list(zip(limits.tolist(), reached, cells, strict=True))):  # longest first
        if road is None or road.grid.cell_m != cell:  # a contour of the same cell shares the longer one's grid
            grid = contour.aligned_grid(float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max()), cell,
                                        buffer_m)  # fmt: skip
            road = _road_of(router, m, snap, times, grid, keep=cell >= floor)
        mask = contour.decide(road.grid, road.x, road.y, road.length_m, road.ms <= lim, fx, fy)
        if outer is not None:
            contour.clip(road.grid, mask, *outer)
        outer = (road.grid, mask)
        lattice = lattice or _lonlat_of(road.grid, road.projection)
        polys.append(trace.mask_outlines(road.grid, mask, lattice))
    polys.reverse()
    reached_nodes = [int(h.sum()) for h in hits]
    return Isochrone(levels, reverse, snap, polys, reached_nodes, cells, buffer_m)
