"""A contour's cells: road in by reached length share, reached nodes with a margin, gaps closed, contours nested."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.care.contour import (
    LOCAL_BUDGET,
    NODE_MARGIN_M,
    aligned_grid,
    cell_for,
    clip,
    decide,
    local_cell,
    min_cell,
)
from fevermap.care.raster import MAX_SIDE
from fevermap.care.samples import count_samples, edges_in_box, node_xy
from fevermap.routing.region import Region


def test_cells_are_powers_of_two_that_fit() -> None:
    assert cell_for(100.0, 3.0) == 3.0
    assert cell_for(MAX_SIDE * 3.0, 3.0) == 3.0
    assert cell_for(MAX_SIDE * 3.0 + 1, 3.0) == 6.0
    assert cell_for(40_000.0, 24.0) == 96.0  # 40 km in 512 cells: 78 m -> 96
    grid = aligned_grid(1000.3, 5000.0, -200.0, 300.0, 24.0, 40.0)
    assert grid.x0 % 24.0 == 0 and grid.y0 % 24.0 == 0 and grid.buffer_m == 48.0
    assert grid.x0 <= 1000.3 - 48 - 48 and grid.x0 + grid.shape[1] * 24 >= 5000 + 96


def test_min_cell_keeps_the_sample_budget(shanghai: Region) -> None:
    g = shanghai.graph
    assert min_cell(g) == 3.0  # a small extract keeps every spacing
    box = (-1e9, 1e9, -1e9, 1e9)
    every = edges_in_box(g, box)
    cell = local_cell(g, 100.0, 3.0, 96.0, box)  # a tiny span, the whole extract in its box: the budget decides
    assert count_samples(g, cell, every) <= LOCAL_BUDGET or cell == 96.0
    assert cell == 3.0 or count_samples(g, cell / 2, every) > LOCAL_BUDGET
    small = (0.0, 1.0, 0.0, 1.0)  # no road in the box: only the span decides
    assert local_cell(g, 256 * 12.0, 3.0, 96.0, small) == 12.0  # the coarsest with 256 cells across
    assert local_cell(g, 256 * 1000.0, 3.0, 96.0, small) == 48.0  # never the region's finest kept cell itself


def grid10() -> tuple:
    return aligned_grid(0.0, 90.0, 0.0, 90.0, 10.0, 20.0)


def test_a_road_cell_is_in_by_its_reached_length() -> None:
    grid = grid10()
    c = lambda i, j: (grid.x0 + (j + 0.5) * 10, grid.y0 + (i + 0.5) * 10)  # noqa: E731
    pts = [c(5, 5), c(5, 5), c(5, 8), c(5, 8), c(5, 12)]
    px, py = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    length = np.array([9.0, 1.0, 7.0, 3.0, 5.0])
    reached = np.array([True, False, True, False, False])
    none = np.zeros(0)
    mask = decide(grid, px, py, length, reached, none, none)
    assert mask[5, 5]  # 90 % of its road reached
    assert not mask[5, 8]  # 70 %: not more than 80 %
    assert not mask[5, 12]  # none reached
    assert not mask[5, 6]  # a gap beside a single in cell stays open: nothing to close it against


def test_reached_nodes_are_inside_with_a_margin() -> None:
    grid = grid10()
    x, y = grid.x0 + 50.0 - NODE_MARGIN_M / 2, grid.y0 + 53.0  # just left of a cell side
    mask = decide(grid, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, bool), np.array([x]), np.array([y]))
    assert mask[5, 4] and mask[5, 5]  # its own cell and the one within the margin
    assert mask.sum() == 2


def test_gaps_between_reached_roads_close_but_road_not_reached_stays_out() -> None:
    grid = grid10()  # 10 m cells, a 20 m buffer: a closing square of 5 cells
    c = lambda i, j: (grid.x0 + (j + 0.5) * 10, grid.y0 + (i + 0.5) * 10)  # noqa: E731
    cells = [(i, j) for i in (4, 7) for j in range(3, 10)] + [(5, 6)]  # two parallel roads, unreached road between
    px = np.array([c(*ij)[0] for ij in cells])
    py = np.array([c(*ij)[1] for ij in cells])
    reached = np.array([True] * 14 + [False])
    mask = decide(grid, px, py, np.full(15, 10.0), reached, np.zeros(0), np.zeros(0))
    assert mask[5, 4] and mask[6, 8]  # the empty gap between the reached roads is closed
    assert not mask[5, 6]  # the unreached road in it is a hole
    assert not mask[8, 6] and not mask[3, 6]  # nothing beyond the reached roads


def test_clip_keeps_a_contour_inside_the_longer_one() -> None:
    inner = aligned_grid(100.0, 300.0, 100.0, 300.0, 6.0, 40.0)
    outer = aligned_grid(0.0, 600.0, 0.0, 600.0, 24.0, 40.0)
    outer_mask = np.zeros(outer.shape, dtype=bool)
    outer_mask[: outer.shape[0] // 2] = True  # the southern half of the outer grid (rows are y)
    mask = np.ones(inner.shape, dtype=bool)
    clip(inner, mask, outer, outer_mask)
    i, _ = np.nonzero(mask)
    cy = inner.y0 + (i + 0.5) * inner.cell_m
    limit = outer.y0 + (outer.shape[0] // 2) * outer.cell_m
    assert (cy < limit).all() and mask.any() and not mask.all()
    with pytest.raises(ValueError, match="cover"):
        clip(outer, outer_mask.copy(), inner, mask)


def test_node_xy_matches_the_graph(shanghai: Region) -> None:
    x, y = node_xy(shanghai.graph)
    assert x.shape == (shanghai.graph.node_count,) and np.isfinite(x).all() and np.isfinite(y).all()
