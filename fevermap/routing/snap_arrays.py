"""The arrays an :class:`~fevermap.routing.snapping.EdgeIndex` searches, computed from a road graph.

:func:`edge_index_arrays` is run once when a region is built and its arrays are saved in the region directory
(``snap.npz``), so that loading a region maps them instead of projecting every vertex and sorting the segment grid
again; an index built from a graph alone (no region directory) computes them the same way, so both give the same
snaps bit for bit. Segments are indexed in a local transverse Mercator projection centred on the graph's bounding
box (metres); a two-way road is indexed once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from fevermap.geo.projection import LocalProjection
from fevermap.geo.segment_index import SegmentIndex
from fevermap.routing.graph import RoadGraph

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Components smaller than this (turn-graph nodes) are "small": snapping prefers the others. OSRM's
#: ``osrm-extract --small-component-size`` default.
SMALL_COMPONENT_SIZE = 1000


def big_components(component: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Per turn-graph node, whether its component is big: at least :data:`SMALL_COMPONENT_SIZE` nodes, or a tenth of
    the largest one in a region too small for that (in a toy map of a few roads nothing is small, as in OSRM)."""
    sizes = np.bincount(component)
    big = sizes >= min(SMALL_COMPONENT_SIZE, int(sizes.max()) // 10)
    return np.asarray(big[component])


#: Prefixes of the two segment indexes' arrays: every indexed road, and only those on big components.
GRID, BIG_GRID = "grid_", "big_grid_"


def projection_of(bounds: npt.ArrayLike) -> LocalProjection:
    """The local projection of a graph whose ``(lon_min, lat_min, lon_max, lat_max)`` are ``bounds`` (degrees)."""
    lon0, lat0, lon1, lat1 = np.asarray(bounds, dtype=np.float64).tolist()
    return LocalProjection(lon_0=(lon0 + lon1) / 2, lat_0=(lat0 + lat1) / 2)


def incidence(ends: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Edges by end node: ``order`` (edge ids sorted by ``ends``, stable) and ``bounds`` (n+1): node ``v``'s edges are
    ``order[bounds[v]:bounds[v+1]]``."""
    order = np.argsort(ends, kind="stable")
    return order, np.searchsorted(ends[order], np.arange(n + 1))


def big_arrays(arrays: Mapping[str, np.ndarray], in_largest: BoolArray | None) -> dict[str, np.ndarray]:
    """The parts of :func:`edge_index_arrays` that depend on ``in_largest`` (per road edge, whether it lies on a big
    strongly connected component; default all), from its other arrays: ``in_largest``, ``big_edge`` (per road edge:
    it or its twin is big) and ``big_seg`` (positions in ``indexed_seg`` of the segments of big edges)."""
    twin = arrays["twin"]
    m = twin.shape[0]
    big = np.ones(m, dtype=bool) if in_largest is None else np.array(in_largest, dtype=bool)
    given = big.copy()
    big = big | np.where(twin >= 0, big[np.maximum(twin, 0)], False)
    big_seg = np.flatnonzero(big[arrays["seg_edge"][arrays["indexed_seg"]]])
    return {"in_largest": given, "big_edge": big, "big_seg": big_seg}


def edge_index_arrays(graph: RoadGraph, in_largest: BoolArray | None = None, *, big_grid: bool = True) -> dict[
        str, np.ndarray]:  # fmt: skip
    """Every array :class:`~fevermap.routing.snapping.EdgeIndex` reads, by name (see the module doc).

    Parameters
    ----------
    graph : RoadGraph
        The road graph.
    in_largest : array of bool, optional
        Per road edge, whether it belongs to a big strongly connected component (default: all do).
    big_grid : bool
        Also build the index of the segments on big components (``big_grid_*``; only when some are not), which an
        index otherwise builds on first need.
    """
    m = graph.edge_count
    coords = graph.coords
    lon, lat = coords[:, 0], coords[:, 1]
    bounds = np.array([lon.min(), lat.min(), lon.max(), lat.max()], dtype=np.float64)
    n_seg = np.diff(graph.seg_off)
    seg_edge = np.repeat(np.arange(m), n_seg)
    seg_k = np.arange(graph.seg_off[-1]) - graph.seg_off[seg_edge]
    cum = np.cumsum(graph.seg_length_m)
    seg_before_m = cum - graph.seg_length_m - (cum - graph.seg_length_m)[graph.seg_off[:-1]][seg_edge]
    twin = np.asarray(graph.edge_twin)
    indexed_edge = (twin < 0) | (np.arange(m) < twin)  # a two-way road's twin answers for the other direction
    indexed_seg = np.flatnonzero(indexed_edge[seg_edge])
    start = (indexed_seg + seg_edge[indexed_seg]).astype(np.int64)  # coord row of each indexed segment's start
    x, y = projection_of(bounds).forward(lon, lat)
    grid = SegmentIndex(np.column_stack([x[start], y[start], x[start + 1], y[start + 1]]))
    out_order, out_bounds = incidence(graph.edge_tail, graph.node_count)
    in_order, in_bounds = incidence(graph.edge_head, graph.node_count)
    arrays: dict[str, np.ndarray] = {
        "bounds": bounds,
        "geom_off": graph.seg_off + np.arange(m + 1),
        "seg_edge": seg_edge,
        "seg_k": seg_k,
        "seg_before_m": seg_before_m,
        "edge_len_m": np.add.reduceat(graph.seg_length_m, graph.seg_off[:-1]),
        "twin": twin,
        "indexed_seg": indexed_seg,
        "out_order": out_order,
        "out_bounds": out_bounds,
        "in_order": in_order,
        "in_bounds": in_bounds,
        **{GRID + k: v for k, v in grid.to_arrays().items()},
    }
    arrays.update(big_arrays(arrays, in_largest))
    if big_grid and arrays["big_seg"].shape[0] < indexed_seg.shape[0]:
        arrays.update({BIG_GRID + k: v for k, v in grid.subset(arrays["big_seg"]).to_arrays().items()})
    return arrays


def grid_of(arrays: Mapping[str, np.ndarray], prefix: str) -> SegmentIndex | None:
    """The :class:`SegmentIndex` saved under ``prefix`` in ``arrays``, or None when there is none."""
    if prefix + "params" not in arrays:
        return None
    return SegmentIndex.from_arrays({k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)})
