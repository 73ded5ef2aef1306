"""SegmentIndex.within: every segment within the distance, nearest first, equal to a brute-force scan."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fevermap.geo.segment_index import SegmentIndex


def _brute(seg: np.ndarray, x: float, y: float) -> np.ndarray:
    a, b = seg[:, :2], seg[:, 2:]
    d = b - a
    len2 = (d * d).sum(axis=1)
    t = np.clip(np.where(len2 > 0, ((np.array([x, y]) - a) * d).sum(axis=1) / np.where(len2 > 0, len2, 1), 0), 0, 1)
    return np.hypot(*(np.array([x, y]) - (a + t[:, None] * d)).T)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 300),
    cell=st.sampled_from([None, 10.0, 75.0]),
    radius=st.floats(0.0, 400.0),
    x=st.floats(-200.0, 1200.0),
    y=st.floats(-200.0, 1200.0),
)
def test_within_equals_a_brute_force_scan(
    seed: int, n: int, cell: float | None, radius: float, x: float, y: float
) -> None:
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 1000, (n, 2))
    seg = np.column_stack([start, start + rng.normal(0, 60, (n, 2))])
    idx = SegmentIndex(seg, cell_m=cell)
    got, t, dist = idx.within(x, y, radius)
    brute = _brute(seg, x, y)
    sure, maybe = set(np.flatnonzero(brute <= radius - 1e-9).tolist()), set(np.flatnonzero(brute <= radius + 1e-9))
    assert sure <= set(got.tolist()) <= maybe  # (rounding decides exactly at the radius)
    assert np.allclose(dist, brute[got]) and np.all(np.diff(dist) >= 0) and np.all((t >= 0) & (t <= 1))
    nearest = idx.nearest(x, y, radius)
    if got.size and nearest is not None:
        assert abs(dist[0] - nearest[2]) < 1e-9


def test_within_a_non_finite_point_is_empty() -> None:
    idx = SegmentIndex(np.array([[0.0, 0.0, 1.0, 0.0]]))
    assert idx.within(float("nan"), 0.0, 10.0)[0].size == 0
    assert idx.within(0.0, 0.0, float("inf"))[0].size == 0
