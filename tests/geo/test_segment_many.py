"""nearest_many: exactly SegmentIndex.nearest for every point (segment, t and distance bit for bit), on random
segment sets with exact ties, point-like segments, empty stretches of cells and points outside the grid."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.geo.segment_index import SegmentIndex

from .test_segment_index import random_index


@pytest.mark.parametrize("trial", range(8))
def test_nearest_many_equals_nearest(trial: int) -> None:
    rng = np.random.default_rng(100 + trial)
    idx = random_index(rng, trial)
    x = rng.uniform(-900, 2900, 1500)
    y = rng.uniform(-900, 2900, 1500)
    if trial % 4 == 0:  # on the coordinate lattice: exact ties between segments
        x, y = np.round(x / 25) * 25, np.round(y / 25) * 25
    x[:4] = [np.nan, np.inf, -1e9, 1000.0]
    for limit in (40.0, 400.0, np.inf):
        seg, t, dist = idx.nearest_many(x, y, limit)
        for k in range(x.shape[0]):
            hit = idx.nearest(float(x[k]), float(y[k]), limit)
            got = None if seg[k] < 0 else (int(seg[k]), float(t[k]), float(dist[k]))
            assert got == hit, (k, limit)


def test_nearest_many_of_no_points_and_of_one() -> None:
    idx = SegmentIndex(np.array([[0.0, 0.0, 100.0, 0.0]]))
    seg, t, dist = idx.nearest_many(np.empty(0), np.empty(0), 10.0)
    assert seg.shape == t.shape == dist.shape == (0,)
    seg, t, dist = idx.nearest_many(np.array([30.0]), np.array([10.0]), 50.0)
    assert (int(seg[0]), float(t[0]), float(dist[0])) == idx.nearest(30.0, 10.0, 50.0) == (0, 0.3, 10.0)
    seg, _, dist = idx.nearest_many(np.array([30.0]), np.array([10.0]), 5.0)
    assert seg[0] == -1 and np.isnan(dist[0])
