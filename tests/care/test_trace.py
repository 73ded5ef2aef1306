"""Exact cell outlines: the union of the True cells, valid polygons, holes in their parts, against shapely."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import ndimage

from fevermap.care.raster import Grid
from fevermap.care.trace import mask_outlines


def cells_union(grid: Grid, mask: np.ndarray) -> shapely.Geometry:
    i, j = np.nonzero(mask)
    x0, y0 = grid.x0 + j * grid.cell_m, grid.y0 + i * grid.cell_m
    return shapely.union_all(shapely.box(x0, y0, x0 + grid.cell_m, y0 + grid.cell_m))


def as_geometry(polys: list[list[np.ndarray]]) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("density", [0.3, 0.5, 0.7])
def test_outline_is_the_union_of_the_cells(seed: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 40)), int(rng.integers(1, 40)))
    mask = rng.random(shape) < density
    if seed % 3 == 0:  # smoother masks too: blobs with holes
        mask = ndimage.binary_closing(mask, iterations=2)
    grid = Grid(1000.0, -500.0, 7.5, 15.0, shape)
    polys = mask_outlines(grid, mask)
    if not mask.any():
        assert polys == []
        return
    got = as_geometry(polys)
    assert got.is_valid, shapely.is_valid_reason(got)
    want = cells_union(grid, mask)
    assert shapely.symmetric_difference(got, want).area < 1e-6
    assert len(polys) == ndimage.label(mask)[1]  # one polygon per side-connected part
    for poly in polys:
        assert shapely.LinearRing(poly[0]).is_ccw  # outer counter-clockwise, holes clockwise
        assert all(not shapely.LinearRing(h).is_ccw for h in poly[1:])
        assert all(np.array_equal(r[0], r[-1]) for r in poly)  # closed


def test_a_point_is_inside_exactly_when_its_cell_is_true() -> None:
    rng = np.random.default_rng(5)
    mask = ndimage.binary_opening(rng.random((30, 30)) < 0.6)
    grid = Grid(0.0, 0.0, 10.0, 20.0, mask.shape)
    geom = as_geometry(mask_outlines(grid, mask))
    x, y = rng.uniform(0, 300, 20_000), rng.uniform(0, 300, 20_000)
    cell = mask[(y // 10).astype(int), (x // 10).astype(int)]
    assert np.array_equal(shapely.contains_xy(geom, x, y), cell)


def test_diagonal_cells_are_two_polygons_touching_at_a_corner() -> None:
    mask = np.array([[1, 0], [0, 1]], dtype=bool)
    polys = mask_outlines(Grid(0.0, 0.0, 10.0, 20.0, (2, 2)), mask)
    assert len(polys) == 2 and as_geometry(polys).is_valid


def test_rings_keep_only_their_corners() -> None:
    mask = np.zeros((10, 10), dtype=bool)
    mask[2:8, 1:9] = True
    (poly,) = mask_outlines(Grid(0.0, 0.0, 1.0, 2.0, mask.shape), mask)
    assert len(poly) == 1 and poly[0].shape == (5, 2)
