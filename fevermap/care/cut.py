"""Road not reached within a contour's time cut out of its raster polygon by thin corridors, reached road kept.

The raster of :mod:`fevermap.care.raster` cannot tell apart roads in the same cell: a dual carriageway, a service
lane or an elevated road a few metres beside reached road, but reached minutes later (one-way streets, turn
restrictions, no U-turns), falls inside the polygon. So, per contour, every OSM segment that has road places in or
next to the polygon's cells is checked: the part of it not reached within the time (both directions of a two-way
road count; times are linear along a segment between its ends) is cut out of the polygon with a corridor of
half-width :data:`CORRIDOR_M`, except within :data:`KEEP_M` of any reached road place (nodes included, so every
reached node stays inside). The cut is exact vector geometry (shapely 2, vectorised) over the conflict segments
only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from fevermap.care import reach
from fevermap.care.raster import Grid
from fevermap.care.samples import Samples, region_projection
from fevermap.routing.graph import RoadGraph
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Half-width of the corridor cut along road not reached (metres).
CORRIDOR_M = 1.0
#: Radius kept around each reached road place near a corridor (metres).
KEEP_M = 2.0


@dataclass(frozen=True)
class Segments:
    """Every OSM segment of a graph in its region projection: ends ``x0, y0, x1, y1`` (metres), ``edge``, the
    ``twin`` segment (the same piece of road driven the other way; -1 on a one-way road) and ``first``: whether it
    is the one of the pair that stands for both."""

    x0: FloatArray
    y0: FloatArray
    x1: FloatArray
    y1: FloatArray
    edge: IntArray
    twin: IntArray
    first: npt.NDArray[np.bool_]


_lock = threading.Lock()
_segments: dict[int, tuple[RoadGraph, Segments]] = {}
_ends: dict[tuple[int, int], tuple[reach.Metric, tuple[FloatArray, ...]]] = {}


def segments_of(graph: RoadGraph) -> Segments:
    """:class:`Segments` of ``graph`` (cached per graph)."""
    got = _segments.get(id(graph))
    if got is None or got[0] is not graph:
        x, y = region_projection(graph).forward(graph.coords[:, 0], graph.coords[:, 1])
        n_seg = graph.seg_length_m.shape[0]
        edge = np.repeat(np.arange(graph.edge_count), np.diff(graph.seg_off))
        p0 = np.arange(n_seg) + edge
        k = np.arange(n_seg) - graph.seg_off[edge]  # index of the segment within its edge
        tw = graph.edge_twin[edge]
        ok = tw >= 0
        count = np.diff(graph.seg_off)
        twin = np.where(ok, graph.seg_off[np.where(ok, tw, 0)] + count[edge] - 1 - k, -1)
        ok &= np.where(ok, count[np.where(ok, tw, 0)] == count[edge], False)  # the twin runs the same pieces back
        twin = np.where(ok, twin, -1)
        seg = Segments(x[p0], y[p0], x[p0 + 1], y[p0 + 1], edge, twin.astype(np.int64),
                       (twin < 0) | (np.arange(n_seg) < twin))  # fmt: skip
        got = (graph, seg)
        with _lock:
            if len(_segments) > 8:
                _segments.clear()
            _segments[id(graph)] = got
    return got[1]


def _seg_ends_ms(m: reach.Metric, graph: RoadGraph) -> tuple[FloatArray, ...]:
    """Per segment: ms from its edge's start to its start and end, and from them to the edge's end (cached per
    traffic version)."""
    key = (id(graph), m.version)
    got = _ends.get(key)
    if got is None or got[0] is not m:
        seg = np.arange(graph.seg_length_m.shape[0])
        zero, one = np.zeros(seg.shape[0]), np.ones(seg.shape[0])
        got = (m, (m.state.before_ms(seg, zero), m.state.before_ms(seg, one), m.state.after_ms(seg, zero),
                   m.state.after_ms(seg, one)))  # fmt: skip
        with _lock:
            if len(_ends) > 8:
                _ends.clear()
            _ends[key] = got
    return got[1]


def segment_times(router: Router, m: reach.Metric, snap: Snap, times: reach.EdgeTimes, seg: IntArray) -> FloatArray:
    """Times in ms at the start and end of segments ``seg`` (rows ``(t0, t1)``): from ``snap`` to there, or
    (reverse) from there to ``snap``."""
    g = router.graph
    b0, b1, a0, a1 = (v[seg] for v in _seg_ends_ms(m, g))
    edge = segments_of(g).edge[seg]
    if times.reverse:
        t = np.column_stack([a0 + times.end[edge], a1 + times.end[edge]])
    else:
        t = np.column_stack([times.start[edge] + b0, times.start[edge] + b1])
    own = np.isin(edge, [p.edge for p in snap.positions])
    if own.any():  # the snap's own edges, driven without passing a node
        e, s = edge[own], seg[own]
        for c, frac in ((0, 0.0), (1, 1.0)):
            direct = reach.direct_on_edge(router, m, snap, e, s, np.full(s.shape[0], frac), reverse=times.reverse)
            t[own, c] = np.minimum(t[own, c], direct)
    return t


def _unreached(t: FloatArray, limit: float) -> tuple[FloatArray, FloatArray]:
    """Per row ``(t0, t1)`` (times at a segment's ends, linear between) the interval ``[lo, hi]`` of fractions along
    it where the time exceeds ``limit`` (``lo > hi``: none)."""
    t0, t1 = t[:, 0], t[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = np.clip((limit - t0) / (t1 - t0), 0.0, 1.0)
    lo = np.where(t0 > limit, 0.0, np.where(t1 > limit, cross, 2.0))
    hi = np.where(t1 > limit, 1.0, np.where(t0 > limit, cross, -1.0))
    lo = np.where(np.isnan(lo), 0.0, lo)
    hi = np.where(np.isnan(hi), 1.0, hi)
    return lo, hi


@dataclass(frozen=True)
class Conflicts:
    """Per contour search: the candidate segments (canonical of each twin pair) and their end times, both
    directions."""

    seg: IntArray
    t: FloatArray
    t_twin: FloatArray


def conflicts(
    router: Router,
    m: reach.Metric,
    snap: Snap,
    times: reach.EdgeTimes,
    samples: Samples,
    grid: Grid,
    place_cell: IntArray,
    near: npt.NDArray[np.bool_],
) -> Conflicts:
    """The segments that may reach into the cells flagged in ``near`` (flat, over ``grid``): those with a sample
    there (``place_cell``: the cell of each distinct place of ``samples``, -1 outside) or, shorter than the sample
    spacing, with their middle there; each road piece once, with its end times in both directions."""
    segs = segments_of(router.graph)
    mark = np.zeros(segs.edge.shape[0], dtype=bool)
    flagged = np.zeros(place_cell.shape[0], dtype=bool)
    inside = place_cell >= 0
    flagged[inside] = near[place_cell[inside]]
    mark[samples.seg[flagged[samples.points.pos]]] = True
    cells, which = grid.locate((segs.x0 + segs.x1) / 2, (segs.y0 + segs.y1) / 2)
    mark[(np.arange(mark.shape[0]) if which is None else which)[near[cells]]] = True
    tw = segs.twin
    mark[tw[mark & (tw >= 0)]] = True
    seg = np.flatnonzero(mark & segs.first)
    t = segment_times(router, m, snap, times, seg)
    twin = tw[seg]
    has = twin >= 0
    t_twin = np.full_like(t, np.inf)
    if has.any():
        t_twin[has] = segment_times(router, m, snap, times, twin[has])[:, ::-1]  # in the canonical direction
    return Conflicts(seg, t, t_twin)


def cut(
    polys: list[list[FloatArray]],
    router: Router,
    samples: Samples,
    found: Conflicts,
    limit_ms: float,
    place_ms: FloatArray,
) -> list[list[FloatArray]]:
    """``polys`` (rings of ``(x, y)`` metres, outer first) with the road of ``found`` not reached within
    ``limit_ms`` cut out, except within :data:`KEEP_M` of road places reached within it (``place_ms``: per distinct
    place of ``samples``)."""
    if not polys or found.seg.shape[0] == 0:
        return polys
    lo1, hi1 = _unreached(found.t, limit_ms)
    lo2, hi2 = _unreached(found.t_twin, limit_ms)
    lo, hi = np.maximum(lo1, lo2), np.minimum(hi1, hi2)
    some = hi > lo
    if not some.any():
        return polys
    segs = segments_of(router.graph)
    s, lo, hi = found.seg[some], lo[some], hi[some]
    x0, y0 = segs.x0[s], segs.y0[s]
    dx, dy = segs.x1[s] - x0, segs.y1[s] - y0
    ends = np.stack([np.column_stack([x0 + lo * dx, y0 + lo * dy]), np.column_stack([x0 + hi * dx, y0 + hi * dy])],
                    axis=1)  # fmt: skip
    lines = shapely.linestrings(ends)
    # reached places near the cut keep a disk: the lines are cut back to KEEP_M from them (nested contours stay
    # nested: a place near a later contour's line is near this one's)
    tree = _place_tree(samples)
    near = tree.query(lines, predicate="dwithin", distance=KEEP_M)[1]
    near = np.unique(near[place_ms[near] <= limit_ms])
    merged = shapely.line_merge(shapely.union_all(lines))  # noded and joined: buffering it is far cheaper
    if near.shape[0]:
        pts = samples.points
        disks = shapely.buffer(shapely.multipoints(np.column_stack([pts.x[near], pts.y[near]])), KEEP_M, quad_segs=2)
        merged = shapely.difference(merged, disks)
    # flat ends (a cut stops where the time runs out), mitred bends: half the cost of round ones
    corridor = shapely.buffer(merged, CORRIDOR_M, quad_segs=1, cap_style="flat", join_style="mitre")
    shape = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
    try:
        return _rings(shapely.difference(shape, corridor))
    except shapely.errors.GEOSException:  # a degenerate ring from the raster or the corridor: repaired, once more
        return _rings(shapely.difference(shapely.make_valid(shape), shapely.make_valid(corridor)))


_trees: dict[int, tuple[Samples, shapely.STRtree]] = {}


def _place_tree(samples: Samples) -> shapely.STRtree:
    """An STRtree of the distinct places of ``samples`` (cached per samples)."""
    got = _trees.get(id(samples))
    if got is None or got[0] is not samples:
        pts = samples.points
        got = (samples, shapely.STRtree(shapely.points(pts.x, pts.y)))
        with _lock:
            if len(_trees) > 8:
                _trees.clear()
            _trees[id(samples)] = got
    return got[1]


def _rings(geom: shapely.Geometry) -> list[list[FloatArray]]:
    """Polygons of ``geom`` as lists of rings (outer first) of ``(x, y)`` rows."""
    parts = shapely.get_parts(geom)
    out: list[list[FloatArray]] = []
    for p in parts:
        if not isinstance(p, shapely.Polygon) or p.is_empty:
            continue
        out.append([shapely.get_coordinates(p.exterior)] + [shapely.get_coordinates(r) for r in p.interiors])
    return out
