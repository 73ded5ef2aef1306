"""One contour's cells: road cells decided by the share of their road length reached, gaps closed, contours nested.

The rule, stated once
---------------------
Each contour has its own square grid in the region's local projection. Its cell is
:data:`~fevermap.care.raster.CELL_M` times a power of two: the least that spans the contour's reached nodes in
:data:`~fevermap.care.raster.MAX_SIDE` cells. The region's road samples are kept per spacing from :func:`min_cell`
up (so that a set stays under :data:`SAMPLE_BUDGET` samples); a contour wanting a finer cell samples only the roads
of its own box, at the coarsest cell that still has :data:`MIN_SIDE` cells across, within :data:`LOCAL_BUDGET`
samples (:func:`local_cell`).
Grids are aligned (origins on multiples of the cell), so a coarser cell is a block of finer ones. Then:

- a cell holding road is **in** when more than :data:`REACHED_SHARE` of its road length is reached within the time
  (each two-way road counted once, either direction reaching it; lengths from the road samples at the cell's
  spacing, each standing for the piece of road that starts there), or when a reached road node (or the snapped
  point) lies within :data:`NODE_MARGIN_M` of it: every reached node is inside, at least that far from the edge;
- a cell without road is in when the *closing* of the in cells (dilated, then eroded, by a square of
  ``2 * round(buffer_m / cell) + 1`` cells) covers it: gaps narrower than about ``2 * buffer_m`` between reached
  roads are filled, nothing is added beyond them, and road that is not reached stays out however narrow the gap;
- a cell of a contour whose cell in the next (longer) contour is out is out too, so contours nest (every cell that
  holds a reached node is in every longer contour, so this never drops one).

The polygon is the exact union of the in cells (:mod:`fevermap.care.trace`), so the road inside it is the road of
the in cells: in a cell taken for its road less than ``1 - REACHED_SHARE`` of it is unreached, only the cells of
reached nodes may hold more, and overall at least 95 % is reached (``tests/care/test_isochrone.py`` checks it
against networkx; on Porto, Shanghai and Andorra the least share seen was 0.96).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from fevermap.care._memo import Memo
from fevermap.care.raster import CELL_M, MAX_SIDE, Grid, square_filter
from fevermap.care.samples import count_samples, edges_in_box, spacing_for
from fevermap.routing.graph import RoadGraph

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: A road cell is in when more than this share of its road length is reached.
REACHED_SHARE = 0.8
#: A reached node makes every cell within this distance (metres) in.
NODE_MARGIN_M = 0.5
#: Most road samples (both directions) of one spacing a region keeps: bounds the finest kept spacing (memory).
SAMPLE_BUDGET = 1_000_000
#: Most road samples one contour may make for its own box when its cell is finer than the region keeps (time).
LOCAL_BUDGET = 40_000
#: A contour finer than the region keeps gets at least this many cells across its extent (within the budget).
MIN_SIDE = 256


def min_cell(graph: RoadGraph, cell_m: float = CELL_M) -> float:
    """The finest cell (``cell_m`` times a power of two) whose sample spacing keeps the region's road samples within
    :data:`SAMPLE_BUDGET` (about one sample per spacing of directed road, plus the edge ends); kept per graph."""
    road_m = _road_m.get((graph,), lambda: float(graph.seg_length_m.sum()))
    room = max(SAMPLE_BUDGET - 2 * graph.edge_count, SAMPLE_BUDGET // 10)
    return cell_m * 2.0 ** max(0, math.ceil(math.log2(max(road_m / room / cell_m, 1.0))))


_road_m: Memo[float] = Memo(16)


def local_cell(
    graph: RoadGraph, span_m: float, cell_m: float, floor_m: float, box: tuple[float, float, float, float]
) -> float:
    """The cell of a contour spanning ``span_m`` that wants ``cell_m``, finer than the region keeps (``floor_m``): the
    coarsest (doubling from ``cell_m``) that still has :data:`MIN_SIDE` cells across the extent, coarser while its
    samples of the roads in ``box`` exceed :data:`LOCAL_BUDGET`, and never coarser than ``floor_m``."""
    while cell_m * 2 < floor_m and span_m / (cell_m * 2) >= MIN_SIDE:
        cell_m *= 2.0
    edges = edges_in_box(graph, box)
    while cell_m < floor_m and count_samples(graph, spacing_for(cell_m), edges) > LOCAL_BUDGET:
        cell_m *= 2.0
    return min(cell_m, floor_m)


def cell_for(span_m: float, floor_m: float) -> float:
    """The least cell, ``floor_m`` times a power of two, that spans ``span_m`` metres in :data:`MAX_SIDE` cells."""
    return floor_m * 2.0 ** max(0, math.ceil(math.log2(max(span_m / (MAX_SIDE * floor_m), 1.0))))


def aligned_grid(xmin: float, xmax: float, ymin: float, ymax: float, cell_m: float, buffer_m: float) -> Grid:
    """A grid of ``cell_m`` cells around the box (metres), its origin on a multiple of the cell, with a margin of the
    buffer (at least two cells) and two more cells."""
    buf = max(buffer_m, 2.0 * cell_m)
    pad = buf + 2.0 * cell_m
    x0 = math.floor((xmin - pad) / cell_m) * cell_m
    y0 = math.floor((ymin - pad) / cell_m) * cell_m
    nx = math.ceil((xmax + pad - x0) / cell_m) + 1
    ny = math.ceil((ymax + pad - y0) / cell_m) + 1
    return Grid(x0, y0, cell_m, buf, (ny, nx))


def decide(
    grid: Grid, px: FloatArray, py: FloatArray, length_m: FloatArray, reached: BoolArray, nx: FloatArray, ny: FloatArray
) -> BoolArray:
    """The in cells of one contour (see the module docstring).

    ``px``, ``py``: road places (metres), ``length_m`` the road length each stands for, ``reached`` whether it is
    reached within the time; ``nx``, ``ny``: the reached nodes and the snapped point (metres).
    """
    size = grid.shape[0] * grid.shape[1]
    inv = 1.0 / grid.cell_m
    fj, fi = (px - grid.x0) * inv, (py - grid.y0) * inv
    j, i = fj.astype(np.int64), fi.astype(np.int64)
    off = (fj < 0) | (j >= grid.shape[1]) | (fi < 0) | (i >= grid.shape[0])
    slot = (i * grid.shape[1] + j) * 2 + reached  # per cell: unreached, then reached length
    slot[off] = 2 * size  # pieces off the grid: a slot of their own, dropped
    sums = np.bincount(slot, length_m, 2 * size + 1)
    got, total = sums[1:-1:2], sums[0:-1:2] + sums[1:-1:2]
    inside = got > REACHED_SHARE * total
    # the cell of each reached node, and the cells within the margin of those near a cell's side
    fj, fi = (nx - grid.x0) * inv, (ny - grid.y0) * inv
    j, i = fj.astype(np.int64), fi.astype(np.int64)  # the grid is built around them
    inside[i * grid.shape[1] + j] = True
    half = 0.5 - NODE_MARGIN_M * inv
    edge = np.flatnonzero((np.abs(fj - j - 0.5) > half) | (np.abs(fi - i - 0.5) > half))
    for dx in (-NODE_MARGIN_M, NODE_MARGIN_M):
        for dy in (-NODE_MARGIN_M, NODE_MARGIN_M):
            c, _ = grid.locate(nx[edge] + dx, ny[edge] + dy)
            inside[c] = True
    inside = inside.reshape(grid.shape)
    k = 2 * round(grid.buffer_m / grid.cell_m) + 1
    closed = square_filter(square_filter(inside.view(np.uint8), k, np.maximum, 0), k, np.minimum, 0)
    return np.where((total > 0).reshape(grid.shape), inside, closed.view(bool))


def clip(grid: Grid, mask: BoolArray, outer: Grid, outer_mask: BoolArray) -> None:
    """Keep only the cells of ``mask`` (over ``grid``) that lie in an in cell of ``outer_mask``; ``outer`` is a coarser
    or equal grid aligned with ``grid`` (``grid``'s cell divides its cell, origins on their own cells) around it."""
    f = round(outer.cell_m / grid.cell_m)
    if f < 1:
        raise ValueError("the outer grid must be as coarse as the inner one and cover it")
    oi = round((grid.y0 - outer.y0) / grid.cell_m)  # ``grid``'s origin, in its own cells from the outer one's
    oj = round((grid.x0 - outer.x0) / grid.cell_m)
    rows = (np.arange(mask.shape[0]) + oi) // f
    cols = (np.arange(mask.shape[1]) + oj) // f
    if oi < 0 or oj < 0 or rows[-1] >= outer_mask.shape[0] or cols[-1] >= outer_mask.shape[1]:
        raise ValueError("the outer grid must be as coarse as the inner one and cover it")  # they are built so
    mask &= outer_mask[rows][:, cols]
