"""Nearest segments of many points at once: :meth:`SegmentIndex.nearest`'s search, batched into two numpy passes.

One point's search costs a dozen small numpy calls per ring of cells; a batch (the 51 points of a one-to-50 query)
pays them twice in all: pass one examines every point's first block of cells, which settles most points; pass two
examines, for the rest, every further ring up to the one where :meth:`~SegmentIndex.nearest` must stop at the
latest (known from pass one's distance), each ring grouped apart. The rings are then merged in order with
:meth:`~SegmentIndex.nearest`'s own rules (closest squared distance, lowest segment on ties, the stopping test after
each ring), so every answer is exactly the one-point answer: the same cells, arithmetic, ties and stop.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fevermap.geo.segment_index import SegmentIndex

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Hit = tuple[int, float, float]

_AROUND = np.arange(-1, 2)[None, :]  # the three rows of a first block, relative to the point's row (read-only)
_AROUND.setflags(write=False)


def nearest_many(
    index: SegmentIndex, x: npt.ArrayLike, y: npt.ArrayLike, max_distance: float
) -> tuple[IntArray, FloatArray, FloatArray]:
    """:meth:`SegmentIndex.nearest` of each point ``(x[k], y[k])`` (metres).

    Returns
    -------
    (segments, t, distances)
        Arrays aligned with the points; ``segments`` is -1 (``t`` and ``distances`` nan) where
        :meth:`~SegmentIndex.nearest` gives None.
    """
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    n = xs.shape[0]
    c, nx, ny = index.cell_m, index._nx, index._ny
    seg_out, t_out, d_out = np.full(n, -1, dtype=np.int64), np.full(n, np.nan), np.full(n, np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        fi, fj = np.floor((xs - index._x0) / c), np.floor((ys - index._y0) / c)
        inside = (fi >= 0) & (fi < nx) & (fj >= 0) & (fj < ny)  # False for nan
        if not inside.all():
            for k in np.flatnonzero(~inside).tolist():  # outside the grid or not finite: the one-point search
                hit = index.nearest(float(xs[k]), float(ys[k]), max_distance)
                if hit is not None:
                    seg_out[k], t_out[k], d_out[k] = hit
            fi, fj = np.where(inside, fi, 0.0), np.where(inside, fj, 0.0)
        i_all, j_all = fi.astype(np.int64), fj.astype(np.int64)
    reach = index._reach[i_all * ny + j_all]
    # pass one: each point's first block: ring 1, or the first block holding segments (the empty ones skipped)
    one = inside & (reach <= 1)
    first = np.flatnonzero(one) if not one.all() else np.arange(n)
    rows = i_all[first][:, None] + _AROUND
    valid = (rows >= 0) & (rows < nx)
    j = j_all[first][:, None]
    lo = np.where(valid, rows * ny + np.maximum(j - 1, 0), 0).reshape(-1)
    hi = np.where(valid, rows * ny + np.minimum(j + 1, ny - 1) + 1, 0).reshape(-1)
    owner = np.repeat(np.arange(first.shape[0]), 3)
    pts, r1 = first, np.ones(first.shape[0], dtype=np.int64)
    if first.shape[0] < n:  # points with empty cells around them start at the first block holding segments
        far = [k for k, r in zip(np.flatnonzero(inside & (reach > 1)).tolist(), reach[inside & (reach > 1)].tolist(),
                                 strict=True) if not ((r - 2) * c > max_distance or r - 1 > nx + ny)]  # fmt: skip
        own_l, lo_l, hi_l = [], [], []
        for q, k in enumerate(far, start=first.shape[0]):
            for cell_lo, cell_hi in index._cells(int(i_all[k]), int(j_all[k]), int(reach[k]), whole=True):
                own_l.append(q)
                lo_l.append(cell_lo)
                hi_l.append(cell_hi)
        owner = np.concatenate([owner, np.array(own_l, dtype=np.int64)])
        lo, hi = (
            np.concatenate([lo, np.array(lo_l, dtype=np.int64)]),
            np.concatenate([hi, np.array(hi_l, dtype=np.int64)]),
        )
        pts = np.concatenate([first, np.array(far, dtype=np.int64)])
        r1 = np.concatenate([r1, reach[np.array(far, dtype=np.int64)]])
    if pts.shape[0] == 0:
        return seg_out, t_out, d_out
    a_seg, a_t, a_d2 = closest_in_cells(index, lo, hi, owner, xs[pts], ys[pts])
    a_d = np.sqrt(a_d2)  # nan for an empty block: every test below is False for it
    stop = (a_d <= r1 * c) | ((r1 - 1) * c > max_distance) | (r1 > nx + ny)
    done = stop & (a_d <= max_distance)
    k_done = pts[done]
    seg_out[k_done], t_out[k_done], d_out[k_done] = a_seg[done], a_t[done], a_d[done]
    if stop.all():
        return seg_out, t_out, d_out
    for q in np.flatnonzero(~stop & (a_seg < 0)).tolist():  # an empty first block (beyond the counted empty rings)
        k, r = int(pts[q]), int(r1[q])
        hit = index._search(float(xs[k]), float(ys[k]), int(i_all[k]), int(j_all[k]), r + 1, r, 0, max_distance, None,
                            None)  # fmt: skip
        if hit is not None:
            seg_out[k], t_out[k], d_out[k] = hit
    # pass two: the other points' further rings, up to the last one nearest could need (each ring its own group)
    rest = np.flatnonzero(~stop & (a_seg >= 0))
    if rest.shape[0] == 0:
        return seg_out, t_out, d_out
    groups: list[tuple[int, int]] = []  # (position in pts, ring)
    own_l, lo_l, hi_l, g_pt = [], [], [], []
    for q, k, b, r in zip(rest.tolist(), pts[rest].tolist(), a_d[rest].tolist(), (r1[rest] + 1).tolist(), strict=True):
        i, j0 = int(i_all[k]), int(j_all[k])
        while True:
            g = len(groups)
            groups.append((q, r))
            g_pt.append(k)
            for cell_lo, cell_hi in index._cells(i, j0, r, whole=False):
                own_l.append(g)
                lo_l.append(cell_lo)
                hi_l.append(cell_hi)
            if b <= r * c or (r - 1) * c > max_distance or r > nx + ny:
                break
            r += 1
    g_pts = np.array(g_pt, dtype=np.int64)
    b_seg, b_t, b_d2 = closest_in_cells(index, np.array(lo_l, dtype=np.int64), np.array(hi_l, dtype=np.int64),
                                        np.array(own_l, dtype=np.int64), xs[g_pts], ys[g_pts])  # fmt: skip
    _merge_rings(index, groups, (a_seg, a_t, a_d2, a_d), (b_seg.tolist(), b_t.tolist(), b_d2.tolist()), max_distance,
                 (pts, seg_out, t_out, d_out))  # fmt: skip
    return seg_out, t_out, d_out


def _merge_rings(
    index: SegmentIndex,
    groups: list[tuple[int, int]],
    first: tuple[IntArray, FloatArray, FloatArray, FloatArray],
    rings: tuple[list[int], list[float], list[float]],
    max_distance: float,
    out: tuple[IntArray, IntArray, FloatArray, FloatArray],
) -> None:
    """Merge each point's rings in order by :meth:`SegmentIndex._search`'s rules and write its answer to ``out``."""
    c, limit = index.cell_m, index._nx + index._ny
    a_seg, a_t, a_d2, a_d = first
    pts, seg_out, t_out, d_out = out
    g = 0
    while g < len(groups):
        q = groups[g][0]
        seen: Hit = (int(a_seg[q]), float(a_t[q]), float(a_d2[q]))
        best: Hit = (seen[0], seen[1], float(a_d[q]))
        while g < len(groups) and groups[g][0] == q:
            r = groups[g][1]
            sg, tt, dd = rings[0][g], rings[1][g], rings[2][g]
            g += 1
            if sg >= 0 and (dd < seen[2] or (dd == seen[2] and sg < seen[0])):
                seen = (sg, tt, dd)
            fd = math.sqrt(seen[2])
            if fd < best[2] or (fd == best[2] and seen[0] < best[0]):
                best = (seen[0], seen[1], fd)
            if best[2] <= r * c or (r - 1) * c > max_distance or r > limit:
                while g < len(groups) and groups[g][0] == q:  # rings past the stop: not part of the answer
                    g += 1
                break
        if best[2] <= max_distance:
            k = int(pts[q])
            seg_out[k], t_out[k], d_out[k] = best


def closest_in_cells(
    index: SegmentIndex, lo: IntArray, hi: IntArray, owner_of: IntArray, px: FloatArray, py: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """:meth:`SegmentIndex._closest_d2` of many groups at once.

    Group ``m``, a point at ``(px[m], py[m])``, examines the members of the cell ranges ``lo[q]:hi[q]`` (keys of the
    index's cell offsets) with ``owner_of[q] == m`` (sorted by ``m``). Returns each group's closest segment (-1 for
    a group without candidates), its ``t`` and its squared distance, with the same arithmetic and ties.
    """
    n = px.shape[0]
    seg_out, t_out, d2_out = np.full(n, -1, dtype=np.int64), np.full(n, np.nan), np.full(n, np.nan)
    start = index._offsets[lo]
    count = index._offsets[hi] - start
    total = int(count.sum())
    if total == 0:
        return seg_out, t_out, d2_out
    per_group = np.bincount(owner_of, weights=count, minlength=n).astype(np.int64)
    every = bool(per_group.all())
    has = np.arange(n) if every else np.flatnonzero(per_group)
    size = per_group if every else per_group[has]
    cand = index._members[np.repeat(start - (np.cumsum(count) - count), count) + np.arange(total)]
    rows = index._packed.take(cand, axis=0)  # ax, ay, dx, dy, 1 / length^2 of each candidate
    sx, sy = rows[:, 2], rows[:, 3]
    dx = np.repeat(px[has], size) - rows[:, 0]
    dy = np.repeat(py[has], size) - rows[:, 1]
    t = (dx * sx + dy * sy) * rows[:, 4]
    np.maximum(t, 0.0, out=t)
    np.minimum(t, 1.0, out=t)
    ex = dx - t * sx
    ey = dy - t * sy
    d2 = ex * ex + ey * ey
    starts = np.cumsum(size) - size
    at = np.repeat(np.arange(has.shape[0]), size)
    tie = d2 == np.minimum.reduceat(d2, starts)[at]
    low = np.minimum.reduceat(np.where(tie, cand, len(index)), starts)  # ties: the lowest-numbered segment
    pick = np.flatnonzero(tie & (cand == low[at]))
    pick = pick[np.searchsorted(at[pick], np.arange(has.shape[0]))]  # one element per group
    seg_out[has], t_out[has], d2_out[has] = cand[pick], t[pick], d2[pick]
    return seg_out, t_out, d2_out
