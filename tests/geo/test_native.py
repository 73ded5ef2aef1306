"""fevermap.geo._native.runs: each polyline but its first point, concatenated, equal to slicing in numpy; bad
offsets and ids are refused. (Its Grid and Forward are tested with the modules that use them.)"""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.geo._native import runs


def _runs(coords: np.ndarray, off: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return np.frombuffer(runs(coords, off, ids), dtype=np.float64).reshape(-1, 2)


def test_runs_equal_slicing_each_polyline() -> None:
    rng = np.random.default_rng(2)
    sizes = rng.integers(1, 9, 300)  # points per polyline; a one-point polyline adds nothing
    off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    coords = rng.normal(size=(int(off[-1]), 2))
    for _ in range(50):
        ids = rng.integers(0, 300, int(rng.integers(0, 40))).astype(np.int64)
        want = [coords[off[i] + 1 : off[i + 1]] for i in ids.tolist()]
        got = _runs(coords, off, ids)
        assert np.array_equal(got, np.concatenate(want) if want else np.empty((0, 2)))
        got[:] = 0.0  # the answer is a copy
    assert coords.any()


def test_runs_refuses_what_does_not_fit() -> None:
    coords = np.zeros((5, 2))
    off = np.array([0, 2, 5], dtype=np.int64)
    assert _runs(coords, off, np.array([1, 0], dtype=np.int64)).shape == (3, 2)
    with pytest.raises(ValueError, match="id 2 has no polyline"):
        runs(coords, off, np.array([2], dtype=np.int64))
    with pytest.raises(ValueError, match="id -1"):
        runs(coords, off, np.array([-1], dtype=np.int64))
    with pytest.raises(ValueError, match="id 1"):
        runs(coords, np.array([0, 2, 9], dtype=np.int64), np.array([1], dtype=np.int64))
    with pytest.raises(ValueError, match="ids"):
        runs(coords, off, np.array([1], dtype=np.int32))
    with pytest.raises(ValueError, match="pairs"):
        runs(np.zeros(5), off, np.array([1], dtype=np.int64))
