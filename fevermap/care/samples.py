"""Points sampled along every road edge of a region, in a local metric projection.

They are where travel times are read off to draw polygons (isochrones, catchments) and to assign roads to H3 cells.

Each directed edge is cut into equal pieces along its polyline, no longer than the spacing (arc length in the
projection); a sample sits at the start of every piece and one more at the head of the edge, so both ends of every
edge are samples, and the two directions of a two-way road have samples at the same places (sample ``k`` of an
edge and sample ``pieces - k`` of its twin; :mod:`fevermap.care.tiles` pairs them). Coordinates are projected
with :class:`fevermap.geo.projection.LocalProjection` centred on the region (transverse Mercator, metres; scale error
below 1e-4 within 60 km of the centre).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.care._memo import Memo
from fevermap.geo.projection import LocalProjection
from fevermap.routing.graph import RoadGraph

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Samples:
    """Road samples: ``edge`` (directed edge id), ``seg`` (global segment index), ``frac`` (fraction along the
    segment), ``x``, ``y`` (metres in ``projection``) and ``length_m`` (road length each
    sample stands for: its piece). ``edge_off[e]:edge_off[e+1]`` are the samples of edge ``e``, in driving order."""

    spacing_m: float
    projection: LocalProjection
    edge: IntArray
    seg: IntArray
    frac: FloatArray
    x: FloatArray
    y: FloatArray
    length_m: FloatArray
    edge_off: IntArray

    def __len__(self) -> int:
        return int(self.edge.shape[0])


def region_projection(graph: RoadGraph) -> LocalProjection:
    """The local projection of a region: transverse Mercator on the middle meridian of its roads (cached)."""
    lon = graph.coords[:, 0]
    return _projections.get((graph,), lambda: LocalProjection(lon_0=float((lon.min() + lon.max()) / 2)))


def build_samples(graph: RoadGraph, spacing_m: float, edges: IntArray | None = None) -> Samples:
    """Samples along every directed edge of ``graph`` (or only ``edges``: sorted ids, twins included), at most
    ``spacing_m`` metres apart (see module docstring); ``edge_off`` is indexed by edge id either way."""
    proj = region_projection(graph)
    x, y = coords_xy(graph)
    counts = np.diff(graph.seg_off)
    if edges is None:
        edges = np.arange(graph.edge_count)
        segs = np.arange(graph.seg_length_m.shape[0])
    else:
        n = counts[edges]
        segs = np.repeat(graph.seg_off[edges] - np.concatenate([[0], np.cumsum(n)[:-1]]), n) + np.arange(int(n.sum()))
    n_edge = edges.shape[0]
    local_first = np.concatenate([[0], np.cumsum(counts[edges])[:-1]]).astype(np.int64)  # first segment of each
    seg_edge = np.repeat(edges, counts[edges])  # global edge of each (local) segment
    p0 = segs + seg_edge  # index of each segment's first coordinate
    x0, y0, x1, y1 = x[p0], y[p0], x[p0 + 1], y[p0 + 1]
    seg_len = np.hypot(x1 - x0, y1 - y0)
    seg_end = np.cumsum(seg_len)  # arc length along the segments, edge after edge (projected metres)
    seg_start = seg_end - seg_len
    edge_len = np.add.reduceat(seg_len, local_first) if n_edge else np.zeros(0)
    edge_m = np.add.reduceat(graph.seg_length_m[segs], local_first) if n_edge else np.zeros(0)
    pieces = np.maximum(1, np.ceil(edge_len / spacing_m - 1e-9)).astype(np.int64)
    # per edge ``pieces`` samples at arc k * len / pieces (k = 0 is the tail), then the head
    count = pieces + 1
    le = np.repeat(np.arange(n_edge), count)  # local edge of each sample
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    head = k == pieces[le]
    arc = seg_start[local_first[le]] + k * (edge_len / pieces)[le]
    last = np.r_[local_first[1:], segs.shape[0]] - 1
    s = np.clip(np.searchsorted(seg_end, arc, side="right"), local_first[le], last[le])
    s[head] = last[le[head]]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(np.where(seg_len[s] > 0, (arc - seg_start[s]) / seg_len[s], 0.0), 0.0, 1.0)
    frac[head] = 1.0
    length = np.where(head, 0.0, (edge_m / pieces)[le])
    sx = x0[s] + frac * (x1[s] - x0[s])
    sy = y0[s] + frac * (y1[s] - y0[s])
    per_edge = np.zeros(graph.edge_count, dtype=np.int64)
    per_edge[edges] = count
    edge_off = np.concatenate([[0], np.cumsum(per_edge)]).astype(np.int64)
    return Samples(float(spacing_m), proj, edges[le].astype(np.int64), segs[s].astype(np.int64), frac, sx, sy, length,
                   edge_off)  # fmt: skip


def edges_in_box(graph: RoadGraph, box: tuple[float, float, float, float]) -> IntArray:
    """The edges whose polyline's bounding box meets ``box`` (``xmin, xmax, ymin, ymax``, metres in the region
    projection)."""
    ex0, ex1, ey0, ey1, _ = edge_boxes(graph)
    return np.flatnonzero((ex1 >= box[0]) & (ex0 <= box[1]) & (ey1 >= box[2]) & (ey0 <= box[3]))


def count_samples(graph: RoadGraph, spacing_m: float, edges: IntArray) -> int:
    """How many samples :func:`build_samples` makes on ``edges`` at ``spacing_m``, without making them."""
    length = edge_boxes(graph)[4][edges]
    return int((np.maximum(1, np.ceil(length / spacing_m - 1e-9)) + 1).sum())


#: Sample spacings kept per region (metres): a query uses the coarsest one not coarser than its grid cell.
SPACINGS_M = (3.0, 4.5, 6.0, 9.0, 12.0, 18.0, 24.0, 36.0, 48.0, 72.0, 96.0, 144.0, 192.0, 384.0)

_samples: Memo[Samples] = Memo(16)
_nodes: Memo[tuple[FloatArray, FloatArray]] = Memo(16)
_coords: Memo[tuple[FloatArray, FloatArray]] = Memo(16)
_projections: Memo[LocalProjection] = Memo(16)
_boxes: Memo[tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]] = Memo(16)


def spacing_for(cell_m: float) -> float:
    """The coarsest of :data:`SPACINGS_M` not coarser than ``cell_m`` (the finest for a finer cell)."""
    fit = [s for s in SPACINGS_M if s <= cell_m]
    return fit[-1] if fit else SPACINGS_M[0]


def samples_of(graph: RoadGraph, spacing_m: float) -> Samples:
    """:func:`build_samples`, cached per graph and spacing (a region's samples are built once)."""
    return _samples.get((graph,), lambda: build_samples(graph, spacing_m), float(spacing_m))


def coords_xy(graph: RoadGraph) -> tuple[FloatArray, FloatArray]:
    """Every polyline point of ``graph`` (``graph.coords``) in its :func:`region_projection` (metres), cached."""
    return _coords.get((graph,), lambda: region_projection(graph).forward(graph.coords[:, 0], graph.coords[:, 1]))


def edge_boxes(graph: RoadGraph) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per edge the bounding box of its polyline in the region projection, ``xmin, xmax, ymin, ymax``, and its length
    there (metres; cached)."""
    return _boxes.get((graph,), lambda: _edge_boxes(graph))


def _edge_boxes(graph: RoadGraph) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    x, y = coords_xy(graph)
    first = graph.seg_off[:-1] + np.arange(graph.edge_count)  # each edge's first coordinate
    seg_edge = np.repeat(np.arange(graph.edge_count), np.diff(graph.seg_off))
    p0 = np.arange(graph.seg_length_m.shape[0]) + seg_edge
    seg_len = np.hypot(x[p0 + 1] - x[p0], y[p0 + 1] - y[p0])
    return (np.minimum.reduceat(x, first), np.maximum.reduceat(x, first), np.minimum.reduceat(y, first),
            np.maximum.reduceat(y, first), np.add.reduceat(seg_len, graph.seg_off[:-1]))  # fmt: skip


def node_xy(graph: RoadGraph) -> tuple[FloatArray, FloatArray]:
    """The nodes of ``graph`` in its :func:`region_projection` (metres), cached per graph."""
    return _nodes.get((graph,), lambda: region_projection(graph).forward(graph.node_lon, graph.node_lat))
