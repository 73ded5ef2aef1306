"""OSM node pair to segment look-up for traffic feeds: an open-addressing hash table built at ``fevermap build``.

The table holds the lowest segment index of each distinct ``(u, v)`` OSM node pair at the first free slot from the
pair's hash (linear probing, at most half full), and each segment links to the next one with the same pair
(parallel ways). A look-up probes all rows of a feed at once, round after round, until each row meets its pair or
an empty slot (a couple of rounds for most rows): a few gathers instead of binary searches over every node id.

Examples
--------
>>> import numpy as np
>>> u, v = np.array([10, 20, 10, 30]), np.array([20, 30, 20, 10])
>>> table = SegmentTable.build(u, v)
>>> rows, segs, found = table.lookup(np.array([10, 30, 99]), np.array([20, 10, 1]))
>>> rows.tolist(), segs.tolist(), found.tolist()
([0, 0, 1], [0, 2, 3], [True, True, False])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_MUL_U = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multipliers (golden ratio, splitmix64)
_MUL_V = np.uint64(0xBF58476D1CE4E5B9)


def _hash(u: IntArray, v: IntArray, bits: int) -> IntArray:
    """Slot of each pair in a table of ``2**bits`` slots (multiplicative hashing; the top bits)."""
    h = u.astype(np.uint64) * _MUL_U  # array arithmetic wraps modulo 2**64
    h ^= v.astype(np.uint64) * _MUL_V
    h *= _MUL_U
    return (h >> np.uint64(64 - bits)).astype(np.int64)


class SegmentTable:
    """Segments of OSM node pairs (vectorised; the table is built at ``fevermap build`` and saved).

    Parameters
    ----------
    slots : array of int32
        :meth:`build`'s hash table: ``2**k`` slots holding the lowest segment index of each distinct pair (-1 =
        empty).
    same_pair : array of int32
        Per segment, the next higher segment with the same pair (parallel ways), or -1.
    seg_u_osm, seg_v_osm : array of int
        OSM node ids of each segment's ends (the region's graph arrays).
    """

    def __init__(self, slots: npt.NDArray[np.int32], same_pair: npt.NDArray[np.int32], seg_u_osm: IntArray,
                 seg_v_osm: IntArray) -> None:  # fmt: skip
        self.slots, self.same_pair, self.seg_u_osm, self.seg_v_osm = slots, same_pair, seg_u_osm, seg_v_osm
        self._bits = int(slots.shape[0]).bit_length() - 1

    @classmethod
    def build(cls, seg_u_osm: IntArray, seg_v_osm: IntArray) -> SegmentTable:
        """The table of these segments (``2**k >= 2 *`` their number of slots)."""
        u, v = np.asarray(seg_u_osm, dtype=np.int64), np.asarray(seg_v_osm, dtype=np.int64)
        n = int(u.shape[0])
        by_pair = np.lexsort((np.arange(n), v, u))  # segments grouped by pair, each group in increasing order
        new = np.ones(n, dtype=bool)
        new[1:] = (u[by_pair][1:] != u[by_pair][:-1]) | (v[by_pair][1:] != v[by_pair][:-1])
        same_pair = np.full(n, -1, dtype=np.int32)
        same_pair[by_pair[:-1][~new[1:]]] = by_pair[1:][~new[1:]]
        bits = max(int(2 * n - 1).bit_length(), 1)
        slots = np.full(1 << bits, -1, dtype=np.int32)
        todo = np.sort(by_pair[new])  # the lowest segment of each pair
        pos = _hash(u[todo], v[todo], bits)
        mask = (1 << bits) - 1
        while todo.shape[0]:  # each round: of the pairs probing a free slot, the lowest segment takes it
            free = slots[pos] < 0
            cand, cpos = todo[free], pos[free]
            _, first = np.unique(cpos, return_index=True)
            slots[cpos[first]] = cand[first]
            placed = np.zeros(todo.shape[0], dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            todo, pos = todo[~placed], (pos[~placed] + 1) & mask
        return cls(slots, same_pair, u, v)

    def lookup(self, from_osm: IntArray, to_osm: IntArray) -> tuple[IntArray, IntArray, BoolArray]:
        """Segments of each pair: returns ``(row_index, segment_index, found_per_row)``.

        A pair may match several segments (parallel ways); each match is one output pair, rows in order and a row's
        segments in increasing order.
        """
        a, b = np.asarray(from_osm, dtype=np.int64), np.asarray(to_osm, dtype=np.int64)
        n = a.shape[0]
        mask = (1 << self._bits) - 1
        pos = _hash(a, b, self._bits)
        active = np.arange(n, dtype=np.int64)
        first = np.full(n, -1, dtype=np.int64)
        while active.shape[0]:  # probe until the pair's slot or an empty one
            seg = self.slots[pos].astype(np.int64)
            full = seg >= 0
            active, pos, seg = active[full], pos[full], seg[full]
            match = (self.seg_u_osm[seg] == a[active]) & (self.seg_v_osm[seg] == b[active])
            first[active[match]] = seg[match]
            active, pos = active[~match], (pos[~match] + 1) & mask
        found = first >= 0
        rows = np.flatnonzero(found)
        segs = first[rows]
        more = self.same_pair[segs]
        dup = np.flatnonzero(more >= 0)  # rows whose pair has parallel ways (a handful): follow their chains
        if dup.shape[0] == 0:
            return rows, segs, found
        extra_at: list[IntArray] = []
        extra_seg: list[IntArray] = []
        nxt = more[dup].astype(np.int64)
        while dup.shape[0]:
            extra_at.append(dup)
            extra_seg.append(nxt)
            step = self.same_pair[nxt].astype(np.int64)
            dup, nxt = dup[step >= 0], step[step >= 0]
        at, extra = np.concatenate(extra_at), np.concatenate(extra_seg)
        counts = np.ones(rows.shape[0], dtype=np.int64) + np.bincount(at, minlength=rows.shape[0])
        out = np.empty(int(counts.sum()), dtype=np.int64)
        start = np.cumsum(counts) - counts
        out[start] = segs
        level = np.concatenate([np.full(a.shape[0], k, dtype=np.int64) for k, a in enumerate(extra_at, start=1)])
        out[start[at] + level] = extra  # each chain in increasing order after its pair's first segment
        return np.repeat(rows, counts), out, found
