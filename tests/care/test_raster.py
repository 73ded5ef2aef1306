"""The grid's morphology: square filters by doubling windows equal scipy.ndimage's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from fevermap.care.raster import square_filter


@pytest.mark.parametrize("shape", [(1, 1), (7, 9), (40, 33)])
@pytest.mark.parametrize("size", [1, 3, 5, 7, 9, 13, 27])
def test_square_filter_equals_ndimage(shape: tuple[int, int], size: int) -> None:
    a = np.random.default_rng(size).integers(0, 5, shape).astype(np.uint8)
    got_min = square_filter(a, size, np.minimum, 4)
    got_max = square_filter(a, size, np.maximum, 4)
    assert np.array_equal(got_min, ndimage.minimum_filter(a, size=size, mode="constant", cval=4))
    assert np.array_equal(got_max, ndimage.maximum_filter(a, size=size, mode="constant", cval=4))
