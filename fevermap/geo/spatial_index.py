"""Integer-key bucket index: the vectorised hash join under the space-time grid.

Entries (e.g. case visits, each copied into every grid cell and time bucket it can reach) are grouped by an int64
key; a batch of query keys is answered with all ``(query, entry)`` pairs whose keys are equal, with no Python loop.
Small key spaces use a dense offset table (counting sort); large ones a sorted key array and binary search.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

#: Dense offset tables are used up to this many keys (8 bytes each).
DENSE_MAX_KEYS = 1 << 24


def expand_ranges(lo: IntArray, hi: IntArray) -> tuple[IntArray, IntArray]:
    """All ``(i, j)`` with ``lo[i] <= j < hi[i]``, as two arrays (``i`` ascending).

    Examples
    --------
    >>> i, j = expand_ranges(np.array([0, 5]), np.array([2, 7]))
    >>> i.tolist(), j.tolist()
    ([0, 0, 1, 1], [0, 1, 5, 6])
    """
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
    if total == 0:
        return owner, np.zeros(0, dtype=np.int64)
    first = np.cumsum(counts) - counts
    j = np.arange(total, dtype=np.int64) - np.repeat(first - lo, counts)
    return owner, j


class BucketIndex:
    """Group entry ids by an int64 key in ``[0, n_keys)`` and look up batches of keys.

    Parameters
    ----------
    keys : numpy.ndarray of int64
        One key per entry; entry ids are positions in this array.
    n_keys : int
        Size of the key space (``keys < n_keys``); decides between a dense table and binary search.
    """

    def __init__(self, keys: IntArray, n_keys: int) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        self.n_keys = int(n_keys)
        self.dense = self.n_keys <= max(DENSE_MAX_KEYS, 0)
        self.order: npt.NDArray[np.int32] = np.argsort(keys).astype(np.int32)
        if self.dense:
            counts = np.bincount(keys, minlength=self.n_keys)
            self.offsets: IntArray = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self.ukeys: IntArray = np.zeros(0, dtype=np.int64)
        else:
            sorted_keys = keys[self.order]
            self.ukeys, starts = np.unique(sorted_keys, return_index=True)
            self.offsets = np.concatenate([starts, [len(keys)]]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.order)

    def lookup(self, query_keys: IntArray) -> tuple[IntArray, npt.NDArray[np.int32]]:
        """All ``(query position, entry id)`` pairs with equal keys; query keys outside the space find nothing."""
        q = np.asarray(query_keys, dtype=np.int64)
        if self.dense:
            valid = (q >= 0) & (q < self.n_keys)
            qk = np.where(valid, q, 0)
            lo = np.where(valid, self.offsets[qk], 0)
            hi = np.where(valid, self.offsets[qk + 1], 0)
        else:
            pos = np.searchsorted(self.ukeys, q)
            posc = np.minimum(pos, max(len(self.ukeys) - 1, 0))
            found = (pos < len(self.ukeys)) & (self.ukeys[posc] == q) if len(self.ukeys) else np.zeros(len(q), bool)
            lo = np.where(found, self.offsets[posc], 0)
            hi = np.where(found, self.offsets[posc + 1], 0)
        qi, j = expand_ranges(lo.astype(np.int64), hi.astype(np.int64))
        return qi, self.order[j]
