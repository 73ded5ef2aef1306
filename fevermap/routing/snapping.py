"""Snapping ``(lon, lat)`` points onto road edges (the nearest point on an edge, not the nearest node).

Edge segments are indexed once per region in a :class:`fevermap.geo.segment_index.SegmentIndex` (exact nearest
segment) in a local transverse Mercator projection centred on the region (metres; scale error below 1e-4 within 60 km
of the centre). A two-way road is indexed once and answers for both directed edges. A point whose nearest road
lies in a small strongly connected component (an island, a one-way access loop, a road cut by the extract's edge)
also carries the nearest snap onto a big component, :attr:`Snap.alternative`, as OSRM's phantom nodes do: two points
of the same small component route to each other, and other routes fall back to the big component.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError, SnapError
from fevermap.geo.lonlat import check_lonlat
from fevermap.geo.segment_index import SegmentIndex
from fevermap.routing import _snap
from fevermap.routing.graph import RoadGraph
from fevermap.routing.snap_arrays import BIG_GRID, GRID, big_arrays, edge_index_arrays, grid_of, projection_of
from fevermap.routing.snap_batch import PositionColumns, SnapBatch

FloatArray = npt.NDArray[np.float64]

#: Error messages name the projected distance below this (metres), the geodesic one to the nearest vertex beyond it.
_PROJECTED_UP_TO_M = 100_000.0

#: Points closer than this to a segment's end (metres, 1 cm) are on its node.
_AT_NODE_M = 0.01

#: :meth:`EdgeIndex.candidates` looks this far first (metres), then 4 times farther each time, up to the radius.
_FIRST_RING_M = 50.0


class EdgePosition(NamedTuple):
    """A position on directed edge ``edge``: inside its segment ``seg`` (edge-local index) at fraction ``frac``.

    Positions and snaps are named tuples rather than frozen dataclasses: they are made per point of every request, and
    a named tuple is made in 0.4 us against 1.1 us (snapping 51 points made about 150 of them)."""

    edge: int
    seg: int
    frac: float
    length_before_m: float
    length_after_m: float


class Snap(NamedTuple):
    """A point snapped to the road network.

    ``query`` and ``location`` are ``(lon, lat)`` degrees; ``distance_m`` is the distance between them in metres,
    measured in the region's local transverse Mercator projection (within 1e-4 of the geodesic near the region);
    ``positions`` lists every directed edge through ``location`` (both directions of a two-way road). ``alternative``
    is the nearest snap onto a big component when the nearest road lies in a small one (else None).
    """

    query: tuple[float, float]
    location: tuple[float, float]
    distance_m: float
    positions: tuple[EdgePosition, ...]
    name: str = ""
    alternative: Snap | None = None


class EdgeIndex:
    """Spatial index of a region's edges for snapping.

    Parameters
    ----------
    graph : RoadGraph
        The region's graph.
    max_snap_m : float
        Points farther than this from every road are refused with :class:`SnapError` (metres).
    in_largest : array of bool, optional
        Per road edge, whether it belongs to a big strongly connected component (default: all do).
    arrays : mapping of str to array, optional
        :func:`~fevermap.routing.snap_arrays.edge_index_arrays` of ``graph``, e.g. mapped from the region directory
        (used as they are, not copied); computed here when not given. Parts saved for another ``in_largest`` are
        recomputed.
    """

    def __init__(
        self,
        graph: RoadGraph,
        max_snap_m: float = 1000.0,
        in_largest: npt.NDArray[np.bool_] | None = None,
        arrays: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.graph = graph
        self.max_snap_m = float(max_snap_m)
        if arrays is None:  # no region directory: compute what one saves (the big components' index on first need)
            arrays = edge_index_arrays(graph, in_largest, big_grid=False)
        else:
            wanted = np.ones(graph.edge_count, dtype=bool) if in_largest is None else np.asarray(in_largest, bool)
            if not np.array_equal(arrays["in_largest"], wanted):  # saved for other components: redo those parts
                arrays = {k: v for k, v in arrays.items() if not k.startswith(BIG_GRID)} | big_arrays(arrays, wanted)
        b = arrays["bounds"].tolist()
        self.bbox = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        self.centre = ((self.bbox[0] + self.bbox[2]) / 2, (self.bbox[1] + self.bbox[3]) / 2)
        self._proj = projection_of(arrays["bounds"])
        self._geom_off, self._seg_edge, self._seg_k = arrays["geom_off"], arrays["seg_edge"], arrays["seg_k"]
        self._seg_before_m, self._edge_len_m = arrays["seg_before_m"], arrays["edge_len_m"]
        self._twin, self._indexed_seg = arrays["twin"], arrays["indexed_seg"]
        grid = grid_of(arrays, GRID)
        assert grid is not None
        self._grid = grid
        self._big_edge, self._big_seg = arrays["big_edge"], arrays["big_seg"]
        self._all_big = self._big_seg.shape[0] == len(grid)
        self._big_index: SegmentIndex | None = self._grid if self._all_big else grid_of(arrays, BIG_GRID)
        self._out = (arrays["out_order"], arrays["out_bounds"])
        self._in = (arrays["in_order"], arrays["in_bounds"])
        self._native = _snap.Positions(
            self._seg_edge, self._seg_k, graph.seg_length_m, self._seg_before_m, self._edge_len_m, self._geom_off,
            graph.coords, graph.seg_off, self._twin, graph.edge_tail, graph.edge_head, *self._out, *self._in,
        )  # fmt: skip

    def _grid_big(self) -> SegmentIndex:
        """The index of the roads on big components, built on first need when not saved (most snaps land on one)."""
        if self._big_index is None:  # two threads may both build it: the same index, either one kept
            self._big_index = self._grid.subset(self._big_seg)
        return self._big_index

    def prepare(self) -> None:
        """Build what is otherwise built on first need, e.g. before forking workers that should share it."""
        self._grid_big()

    def node_positions(self, node: int) -> tuple[EdgePosition, ...]:
        """Positions of every edge leaving (at its start) or entering (at its end) ``node``."""
        g = self.graph
        out = []
        order, bounds = self._out
        for e in order[bounds[node] : bounds[node + 1]].tolist():
            out.append(EdgePosition(e, 0, 0.0, 0.0, float(self._edge_len_m[e])))
        order, bounds = self._in
        for e in order[bounds[node] : bounds[node + 1]].tolist():
            n_seg = int(g.seg_off[e + 1] - g.seg_off[e])
            out.append(EdgePosition(e, n_seg - 1, 1.0, float(self._edge_len_m[e]), 0.0))
        return tuple(out)

    def _position(self, seg: int, t: float) -> EdgePosition:
        edge = int(self._seg_edge[seg])
        length = float(self.graph.seg_length_m[seg])
        if t * length < _AT_NODE_M:  # projection round trips leave up to ~1 mm where a point is on a node
            t = 0.0
        elif (1.0 - t) * length < _AT_NODE_M:
            t = 1.0
        before = float(self._seg_before_m[seg]) + t * length
        return EdgePosition(edge, int(self._seg_k[seg]), t, before, float(self._edge_len_m[edge]) - before)

    def location(self, pos: EdgePosition) -> tuple[float, float]:
        """The ``(lon, lat)`` of an edge position (linear along its segment)."""
        row = int(self._geom_off[pos.edge]) + pos.seg
        (x0, y0), (x1, y1) = self.graph.coords[row : row + 2].tolist()
        f = pos.frac
        return (x0 + f * (x1 - x0), y0 + f * (y1 - y0))  # in floats: the arithmetic of the vectorised form

    def snap(self, lon: float, lat: float) -> Snap:
        """Snap ``(lon, lat)`` degrees to the nearest point of a road edge.

        Raises
        ------
        CoordinateError
            For coordinates out of range.
        SnapError
            When the nearest road is farther than ``max_snap_m``; the message names the distance.
        """
        check_lonlat(lon, lat)
        x, y = self._proj.forward_one(lon, lat)
        hit = self._grid.nearest(x, y, self.max_snap_m)
        if hit is None:
            raise SnapError(self._too_far_message(lon, lat, x, y))
        seg = int(self._indexed_seg[hit[0]])
        snap = self._make_snap(lon, lat, seg, hit[1], hit[2])
        if self._all_big or self._big_edge[self._seg_edge[seg]]:
            return snap
        big = self._grid_big().nearest(x, y, self.max_snap_m)
        if big is None:
            return snap
        alternative = self._make_snap(lon, lat, int(self._indexed_seg[self._big_seg[big[0]]]), big[1], big[2])
        return Snap(snap.query, snap.location, snap.distance_m, snap.positions, snap.name, alternative)

    def snap_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> SnapBatch:
        """:meth:`snap` of many ``(lon, lat)`` points (degrees) in one pass: a :class:`SnapBatch` equal to
        ``[snap(x, y) for ...]``, which makes each snap only when it is read.

        One C loop projects all points (:meth:`LocalProjection.forward_each`, bit for bit the one-point projection),
        another searches the segment grid (:meth:`SegmentIndex.nearest_many`), so every snap equals :meth:`snap`'s.

        Raises
        ------
        CoordinateError, SnapError
            The error :meth:`snap` raises for the first point that has one.
        """
        lo = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
        la = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
        if lo.shape != la.shape:
            raise InputError(f"snap_many needs as many longitudes as latitudes, got {lo.shape[0]} and {la.shape[0]}")
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(lo) & np.isfinite(la) & (np.abs(lo) <= 180.0) & (np.abs(la) <= 90.0)
        n = int(np.argmin(valid)) if not valid.all() else lo.shape[0]  # points before the first invalid one
        px, py = self._proj.forward_each(lo[:n], la[:n])
        hit, t, dist = self._grid.nearest_many(px, py, self.max_snap_m)
        far = np.flatnonzero(hit < 0)
        if far.shape[0]:
            k = int(far[0])
            raise SnapError(self._too_far_message(float(lo[k]), float(la[k]), float(px[k]), float(py[k])))
        if n < lo.shape[0]:
            check_lonlat(float(lo[n]), float(la[n]))  # raises, as snap does for that point
        seg = self._indexed_seg[hit]
        snaps = self._make_snaps(lo[:n], la[:n], seg, t, dist)
        if not self._all_big:
            alternatives = snaps.alternatives
            for k in np.flatnonzero(~self._big_edge[self._seg_edge[seg]]).tolist():
                big = self._grid_big().nearest(float(px[k]), float(py[k]), self.max_snap_m)
                if big is not None:
                    q = float(lo[k]), float(la[k])
                    alternatives[k] = self._make_snap(*q, int(self._indexed_seg[self._big_seg[big[0]]]), *big[1:])
        return snaps

    def _make_snaps(self, lo: FloatArray, la: FloatArray, seg: npt.NDArray[np.int64], t: FloatArray, dist: FloatArray
                    ) -> SnapBatch:  # fmt: skip
        """:meth:`_make_snap` of many hits, as one :class:`SnapBatch`: the same arithmetic, in C (``_snap.c``)."""
        n = seg.shape[0]
        ints, floats, rows = self._native.columns(seg, t, lo, la)
        iv, fv = np.frombuffer(ints, dtype=np.int64), np.frombuffer(floats, dtype=np.float64)
        p = 2 * n + 1
        cols = PositionColumns(iv[p : p + rows], iv[p + rows : p + 2 * rows], fv[4 * n : 4 * n + rows],
                               fv[4 * n + rows : 4 * n + 2 * rows], fv[4 * n + 2 * rows :], iv[n:p],
                               iv[p + 2 * rows :])  # fmt: skip
        return SnapBatch(fv[: 2 * n].reshape(n, 2), fv[2 * n : 4 * n].reshape(n, 2), dist, iv[:n], cols,
                         self.graph.edge_name, [None] * n)  # fmt: skip

    def candidates(self, lon: float, lat: float, radius_m: float) -> Iterator[Snap]:
        """Snaps onto every road segment within ``radius_m`` metres of ``(lon, lat)``, nearest first (a two-way road's
        segment once, with both directions; ``alternative`` not set). For filters that the nearest road may fail
        (OSRM's ``bearings``, ``exclude``)."""
        check_lonlat(lon, lat)
        x, y = self._proj.forward_one(lon, lat)
        limit = min(float(radius_m), self.max_snap_m)
        done, reach = -1.0, min(_FIRST_RING_M, limit)
        while done < limit:  # rings of growing radius: the first one usually holds the answer
            hits, ts, ds = self._grid.within(x, y, reach)
            for hit, t, d in zip(hits.tolist(), ts.tolist(), ds.tolist(), strict=True):
                if d > done:
                    yield self._make_snap(lon, lat, int(self._indexed_seg[hit]), t, d)
            done, reach = reach, min(reach * 4.0, limit)

    def snap_where(self, lon: float, lat: float, radius_m: float, narrow: Callable[[Snap], Snap | None]) -> Snap | None:
        """The nearest snap within ``radius_m`` that ``narrow`` keeps (it returns the snap with only the positions it
        accepts, or None to skip the road), with its :attr:`Snap.alternative` on a big component found the same way;
        None when no road within the radius passes."""
        found: Snap | None = None
        for cand in self.candidates(lon, lat, radius_m):
            kept = narrow(cand)
            if kept is None:
                continue
            big = any(bool(self._big_edge[p.edge]) for p in kept.positions)
            if found is None:
                found = kept
                if big:
                    return found
            elif big:
                return found._replace(alternative=kept)
        return found

    def _make_snap(self, lon: float, lat: float, seg: int, t: float, dist: float) -> Snap:
        """The snap of ``(lon, lat)`` onto graph segment ``seg`` at fraction ``t``, ``dist`` metres away: location,
        edge positions and road name, computed in C (``_snap.c``; :meth:`_make_snap_reference` is its Python form)."""
        x, y, edge, positions = self._native.one(seg, t, EdgePosition)
        return Snap((lon, lat), (x, y), float(dist), positions, self.graph.edge_name[edge])

    def _make_snap_reference(self, lon: float, lat: float, seg: int, t: float, dist: float) -> Snap:
        """:meth:`_make_snap` in Python: the arithmetic the C forms follow operation for operation (the tests'
        oracle for them)."""
        pos = self._position(seg, t)
        edge = pos.edge
        last = int(self.graph.seg_off[edge + 1] - self.graph.seg_off[edge]) - 1
        positions = self._positions(pos, last, int(self._twin[edge]))
        return Snap((lon, lat), self.location(pos), float(dist), positions, self.graph.edge_name[edge])

    def _positions(self, pos: EdgePosition, last: int, twin: int) -> tuple[EdgePosition, ...]:
        """The edge positions a snap at ``pos`` stands for (``last``: the index of its edge's last segment,
        ``twin``: the twin edge or -1): on a graph node every edge through it is a way in or out; else the position
        and, on a two-way road, the same place on the twin edge."""
        if pos.seg == 0 and pos.frac == 0.0:
            return self.node_positions(int(self.graph.edge_tail[pos.edge]))
        if pos.seg == last and pos.frac == 1.0:
            return self.node_positions(int(self.graph.edge_head[pos.edge]))
        if twin >= 0:
            return pos, EdgePosition(twin, last - pos.seg, 1.0 - pos.frac, pos.length_after_m, pos.length_before_m)
        return (pos,)

    def _too_far_message(self, lon: float, lat: float, x: float, y: float) -> str:
        b = self.bbox
        inside = b[0] <= lon <= b[2] and b[1] <= lat <= b[3]
        where = "" if inside else f" and outside the region (lon {b[0]:.4f}..{b[2]:.4f}, lat {b[1]:.4f}..{b[3]:.4f})"
        nearest = self._grid.distance_to_nearest(x, y)
        if (
            not nearest < _PROJECTED_UP_TO_M
        ):  # far from the projection's centre (or inf): geodesic to the nearest vertex
            c = self.graph.coords
            from fevermap.geo.geodesy import geodesic_distance_m  # pyproj: only on this error path

            nearest = float(geodesic_distance_m(lon, lat, c[:, 0], c[:, 1]).min())
        return (
            f"point ({lon}, {lat}) is {nearest:,.0f} m from the nearest road{where}; the limit is "
            f"{self.max_snap_m:,.0f} m: give a point on or near a road"
        )
