"""Bucket index hash join (fevermap.geo.spatial_index) against a plain Python join."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from fevermap.geo import spatial_index
from fevermap.geo.spatial_index import BucketIndex, expand_ranges


def _reference(keys: np.ndarray, queries: np.ndarray) -> set[tuple[int, int]]:
    by_key: dict[int, list[int]] = defaultdict(list)
    for i, k in enumerate(keys.tolist()):
        by_key[k].append(i)
    return {(q, e) for q, k in enumerate(queries.tolist()) for e in by_key.get(k, [])}


@pytest.mark.parametrize("dense_max", [1 << 24, 0])
def test_lookup_equals_a_plain_join(dense_max: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spatial_index, "DENSE_MAX_KEYS", dense_max)
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 300, 2000)
    queries = rng.integers(-5, 310, 700)
    index = BucketIndex(keys, 300)
    assert index.dense == (dense_max > 0)
    qi, ei = index.lookup(queries)
    assert set(zip(qi.tolist(), ei.tolist(), strict=True)) == _reference(keys, queries)
    assert len(qi) == len(_reference(keys, queries))


def test_empty_inputs() -> None:
    index = BucketIndex(np.zeros(0, dtype=np.int64), 10)
    qi, ei = index.lookup(np.array([1, 2]))
    assert len(qi) == 0 and len(ei) == 0
    i, j = expand_ranges(np.array([3, 3]), np.array([3, 2]))
    assert len(i) == 0 and len(j) == 0
