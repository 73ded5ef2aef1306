"""SegmentIndex: within (every segment within the distance, nearest first) equal to a brute-force scan; nearest (the
C search: each ring examines only its new cells and empty blocks are skipped) equal to searching each whole block
again in numpy; nearest_many exactly nearest for every point (segment, t and distance bit for bit), on random segment
sets with exact ties, point-like segments, empty stretches of cells and points outside the grid; the C search refuses
arrays that do not fit together."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fevermap.geo._native import Grid
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


def random_index(rng: np.random.Generator, trial: int) -> SegmentIndex:
    """Random segments in clusters (so stretches of cells are empty), some point-like, on a lattice every fourth
    trial (exact ties), with a few cell sizes."""
    n = int(rng.integers(1, 400))
    centres = rng.uniform(0, 2000, (int(rng.integers(1, 6)), 2))
    a = centres[rng.integers(0, centres.shape[0], n)] + rng.normal(0, rng.uniform(20, 400), (n, 2))
    b = a + rng.normal(0, rng.uniform(1, 200), (n, 2))
    if trial % 3 == 0:
        b[: n // 4] = a[: n // 4]
    if trial % 4 == 0:
        a, b = np.round(a / 50) * 50, np.round(b / 50) * 50
    cell = [None, 25.0, 60.0, 200.0][trial % 4]
    return SegmentIndex(np.column_stack([a, b]), cell_m=cell)


@pytest.mark.parametrize("trial", range(8))
def test_nearest_equals_searching_whole_blocks(trial: int) -> None:
    rng = np.random.default_rng(trial)
    idx = random_index(rng, trial)
    pts = rng.uniform(-900, 2900, (1500, 2))
    if trial % 4 == 0:
        pts = np.round(pts / 25) * 25
    for limit in (40.0, 400.0, np.inf):
        for x, y in pts.tolist():
            assert idx.nearest(x, y, limit) == idx.nearest_by_blocks(x, y, limit), (x, y, limit)


def test_an_index_rebuilt_from_its_arrays_answers_the_same_without_copying_them() -> None:
    rng = np.random.default_rng(5)
    a = rng.uniform(0, 2000, size=(400, 2))
    segments = np.column_stack([a, a + rng.normal(0, 40, size=(400, 2))])
    built = SegmentIndex(segments)
    arrays = built.to_arrays()
    for v in arrays.values():
        v.setflags(write=False)  # as mapped from a region file
    again = SegmentIndex.from_arrays(arrays)
    assert again._packed is arrays["packed"] and len(again) == len(built) and again.cell_m == built.cell_m
    x, y = rng.uniform(-300, 2300, 200), rng.uniform(-300, 2300, 200)
    for px, py in zip(x.tolist(), y.tolist(), strict=True):
        assert again.nearest(px, py, 500.0) == built.nearest(px, py, 500.0)
        w1, w2 = again.within(px, py, 120.0), built.within(px, py, 120.0)
        assert all(np.array_equal(p, q) for p, q in zip(w1, w2, strict=True))
    for p, q in zip(again.nearest_many(x, y, 500.0), built.nearest_many(x, y, 500.0), strict=True):
        np.testing.assert_array_equal(p, q)
    sub_a, sub_b = again.subset(np.arange(0, 400, 3)), built.subset(np.arange(0, 400, 3))
    assert [sub_a.nearest(px, py, 500.0) for px, py in zip(x, y, strict=True)] == [
        sub_b.nearest(px, py, 500.0) for px, py in zip(x, y, strict=True)
    ]
    segments[:] = 0.0  # the index owns a copy of its rows
    assert built.nearest(float(x[0]), float(y[0]), 500.0) == again.nearest(float(x[0]), float(y[0]), 500.0)
    with pytest.raises(KeyError):
        SegmentIndex.from_arrays({k: v for k, v in arrays.items() if k != "reach"})


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


def test_the_c_search_refuses_arrays_that_do_not_fit() -> None:
    a = SegmentIndex(np.array([[0.0, 0.0, 100.0, 0.0], [0.0, 50.0, 0.0, 150.0]]), cell_m=40.0).to_arrays()
    params = a["params"].tolist()
    args = (params[0], params[1], params[2], int(params[3]), int(params[4]))
    Grid(a["packed"], a["members"], a["offsets"], a["reach"], *args)  # fits
    with pytest.raises(TypeError, match="float64"):
        Grid(a["packed"].astype(np.float32), a["members"], a["offsets"], a["reach"], *args)
    with pytest.raises(TypeError, match="int64"):
        Grid(a["packed"], a["members"].astype(np.int32), a["offsets"], a["reach"], *args)
    with pytest.raises(ValueError, match="do not fit"):
        Grid(a["packed"], a["members"], a["offsets"][:-1], a["reach"], *args)
    with pytest.raises(ValueError, match="out of range"):
        Grid(a["packed"], a["members"] + 5, a["offsets"], a["reach"], *args)
    grid = Grid(a["packed"], a["members"], a["offsets"], a["reach"], *args)
    x = np.array([30.0, 1.0])
    with pytest.raises(ValueError, match="distances_out"):
        grid.nearest_many(x, x, 10.0, np.empty(2, np.int64), np.empty(2), np.empty(3))
    with pytest.raises(ValueError, match="y"):
        grid.nearest_many(x, np.array([1.0]), 10.0, np.empty(2, np.int64), np.empty(2), np.empty(2))
    with pytest.raises(BufferError):  # read-only output
        grid.nearest_many(x, x, 10.0, np.empty(2, np.int64), np.empty(2), np.empty(2).tobytes())
