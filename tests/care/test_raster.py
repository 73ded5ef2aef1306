"""The grid's morphology: square filters by doubling windows equal scipy.ndimage's; one-cell dilation of levels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from fevermap.care.raster import Grid, level_grid, square_filter


@pytest.mark.parametrize("shape", [(1, 1), (7, 9), (40, 33)])
@pytest.mark.parametrize("size", [1, 3, 5, 7, 9, 13, 27])
def test_square_filter_equals_ndimage(shape: tuple[int, int], size: int) -> None:
    a = np.random.default_rng(size).integers(0, 5, shape).astype(np.uint8)
    got_min = square_filter(a, size, np.minimum, 4)
    got_max = square_filter(a, size, np.maximum, 4)
    assert np.array_equal(got_min, ndimage.minimum_filter(a, size=size, mode="constant", cval=4))
    assert np.array_equal(got_max, ndimage.maximum_filter(a, size=size, mode="constant", cval=4))


def test_level_grid_keeps_unreached_road_out_and_dilates_by_one_cell() -> None:
    grid = Grid(0.0, 0.0, 10.0, 20.0, (20, 20))
    # reached road (level 0) in cell (10, 5), road reached only at level 1 in (10, 8), unreached road in (10, 14)
    cells = np.array([10 * 20 + 5, 10 * 20 + 8, 10 * 20 + 14], dtype=np.int64)
    z = level_grid(grid, cells, np.array([0, 1, 2], dtype=np.uint8), 2)
    assert z[10, 5] == 0 and z[10, 8] == 1 and z[10, 14] == 2  # a cell's own road decides where it has road
    assert z[9, 5] == z[11, 5] == z[10, 4] == 0  # the four neighbours of a reached cell are in
    assert z[10, 6] == 0  # the dilation by one cell
    assert z[10, 7] == 1  # the gap between the roads within contour 1 is closed (buffer of 2 cells)
    assert z[10, 11] == 2  # no closing towards road not reached
    assert z[0, 0] == 2 and z[19, 19] == 2  # nothing far from road
