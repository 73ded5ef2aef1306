"""Points sampled along every road edge of a region, in a local metric projection.

They are where travel times are read off to draw polygons (isochrones, catchments) and to assign roads to H3 cells.

Each directed edge is cut into equal pieces along its polyline, no longer than the spacing (arc length in the
projection); a sample sits at the start of every piece and one more at the head of the edge, so both ends of every
edge are samples, and the two directions of a two-way road have samples at the same places
(:attr:`Samples.points`: the distinct places, where a raster needs each once). Coordinates are projected
with :class:`fevermap.geo.projection.LocalProjection` centred on the region (transverse Mercator, metres; scale error
below 1e-4 within 60 km of the centre).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from fevermap.geo.projection import LocalProjection
from fevermap.routing.graph import RoadGraph

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Samples:
    """Road samples: ``edge`` (directed edge id), ``seg`` (global segment index), ``frac`` (fraction along the
    segment), ``x``, ``y`` (metres in ``projection``), ``lon``, ``lat`` (degrees) and ``length_m`` (road length each
    sample stands for: its piece). ``edge_off[e]:edge_off[e+1]`` are the samples of edge ``e``, in driving order."""

    spacing_m: float
    projection: LocalProjection
    edge: IntArray
    seg: IntArray
    frac: FloatArray
    x: FloatArray
    y: FloatArray
    lon: FloatArray
    lat: FloatArray
    length_m: FloatArray
    edge_off: IntArray

    def __len__(self) -> int:
        return int(self.edge.shape[0])

    @cached_property
    def points(self) -> Points:
        """The distinct places of the samples (both directions of a two-way road and every edge end at a node share
        one)."""
        qx = np.round(self.x * 1000.0).astype(np.int64)  # millimetres
        qy = np.round(self.y * 1000.0).astype(np.int64)
        qx -= qx.min()
        qy -= qy.min()
        key = qx * (int(qy.max()) + 1) + qy
        _, first, pos = np.unique(key, return_index=True, return_inverse=True)
        x, y = self.x[first], self.y[first]
        box = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
        return Points(pos.astype(np.int64).reshape(-1), x, y, box)


@dataclass(frozen=True)
class Points:
    """Distinct sample places: ``pos[i]`` is the place of sample ``i``, ``x``, ``y`` the places (metres) and ``box``
    their ``xmin, xmax, ymin, ymax``."""

    pos: IntArray
    x: FloatArray
    y: FloatArray
    box: tuple[float, float, float, float]

    def earliest(self, t: FloatArray) -> FloatArray:
        """Per place the least of the samples' values ``t`` there (``inf`` where none is finite)."""
        out = np.full(self.x.shape[0], np.inf)
        np.minimum.at(out, self.pos, t)
        return out


def region_projection(graph: RoadGraph) -> LocalProjection:
    """The local projection of a region: transverse Mercator on the middle meridian of its roads."""
    lon = graph.coords[:, 0]
    return LocalProjection(lon_0=float((lon.min() + lon.max()) / 2))


def build_samples(graph: RoadGraph, spacing_m: float) -> Samples:
    """Samples along every directed edge of ``graph``, at most ``spacing_m`` metres apart (see module docstring)."""
    proj = region_projection(graph)
    x, y = proj.forward(graph.coords[:, 0], graph.coords[:, 1])
    n_seg = graph.seg_length_m.shape[0]
    seg_first = graph.seg_off[:-1]
    seg_edge = np.repeat(np.arange(graph.edge_count), np.diff(graph.seg_off))
    p0 = np.arange(n_seg) + seg_edge  # index of each segment's first coordinate
    x0, y0, x1, y1 = x[p0], y[p0], x[p0 + 1], y[p0 + 1]
    seg_len = np.hypot(x1 - x0, y1 - y0)
    seg_end = np.cumsum(seg_len)  # arc length along all segments, edge after edge (projected metres)
    seg_start = seg_end - seg_len
    edge_len = np.add.reduceat(seg_len, seg_first)
    edge_m = np.add.reduceat(graph.seg_length_m, seg_first)
    pieces = np.maximum(1, np.ceil(edge_len / spacing_m - 1e-9)).astype(np.int64)
    # per edge ``pieces`` samples at arc k * len / pieces (k = 0 is the tail), then the head
    count = pieces + 1
    edge = np.repeat(np.arange(graph.edge_count), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    head = k == pieces[edge]
    arc = seg_start[seg_first[edge]] + k * (edge_len / pieces)[edge]
    last = graph.seg_off[1:] - 1
    s = np.clip(np.searchsorted(seg_end, arc, side="right"), seg_first[edge], last[edge])
    s[head] = last[edge[head]]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(np.where(seg_len[s] > 0, (arc - seg_start[s]) / seg_len[s], 0.0), 0.0, 1.0)
    frac[head] = 1.0
    length = np.where(head, 0.0, (edge_m / pieces)[edge])
    sx = x0[s] + frac * (x1[s] - x0[s])
    sy = y0[s] + frac * (y1[s] - y0[s])
    lon0, lat0 = graph.coords[p0, 0], graph.coords[p0, 1]
    lon1, lat1 = graph.coords[p0 + 1, 0], graph.coords[p0 + 1, 1]
    slon = lon0[s] + frac * (lon1[s] - lon0[s])
    slat = lat0[s] + frac * (lat1[s] - lat0[s])
    edge_off = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
    return Samples(float(spacing_m), proj, edge.astype(np.int64), s.astype(np.int64), frac, sx, sy, slon, slat,
                   length, edge_off)  # fmt: skip


#: Sample spacings kept per region (metres): a query uses the coarsest one not coarser than its grid cell.
SPACINGS_M = (3.0, 4.5, 6.0, 9.0, 12.0, 18.0, 24.0, 36.0, 48.0, 72.0, 96.0, 144.0, 192.0, 384.0)

_lock = threading.Lock()
_cache: dict[tuple[int, float], tuple[RoadGraph, Samples]] = {}
_nodes: dict[int, tuple[RoadGraph, tuple[FloatArray, FloatArray]]] = {}


def spacing_for(cell_m: float) -> float:
    """The coarsest of :data:`SPACINGS_M` not coarser than ``cell_m`` (the finest for a finer cell)."""
    fit = [s for s in SPACINGS_M if s <= cell_m]
    return fit[-1] if fit else SPACINGS_M[0]


def samples_of(graph: RoadGraph, spacing_m: float) -> Samples:
    """:func:`build_samples`, cached per graph and spacing (a region's samples are built once)."""
    key = (id(graph), float(spacing_m))
    got = _cache.get(key)
    if got is None or got[0] is not graph:
        got = (graph, build_samples(graph, spacing_m))
        with _lock:
            if len(_cache) > 16:
                _cache.clear()
            _cache[key] = got
    return got[1]


def node_xy(graph: RoadGraph) -> tuple[FloatArray, FloatArray]:
    """The nodes of ``graph`` in its :func:`region_projection` (metres), cached per graph."""
    got = _nodes.get(id(graph))
    if got is None or got[0] is not graph:
        got = (graph, region_projection(graph).forward(graph.node_lon, graph.node_lat))
        with _lock:
            if len(_nodes) > 16:
                _nodes.clear()
            _nodes[id(graph)] = got
    return got[1]
