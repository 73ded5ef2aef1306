"""A uniform-grid index of line segments for exact nearest-segment queries in a projected (metre) plane.

Built for per-request snapping: the index is built with numpy; its nearest-segment search runs in C
(:mod:`fevermap.geo._native`, about 2.5 us a query on Porto against 23 us for the same search in numpy), and is
exact: rings of cells are searched until no unexamined segment can be closer than the best one found.

Examples
--------
>>> import numpy as np
>>> idx = SegmentIndex(np.array([[0.0, 0.0, 100.0, 0.0], [0.0, 50.0, 0.0, 150.0]]), cell_m=40.0)
>>> seg, t, dist = idx.nearest(30.0, 10.0, max_distance=1000.0)
>>> int(seg), float(t), float(dist)
(0, 0.3, 10.0)
>>> idx.nearest(500.0, 500.0, max_distance=100.0) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from fevermap.geo._native import Grid

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: How many rings of empty cells around each cell are counted (a search skips those, exactly: they hold nothing).
_REACH_CAP = 16


class SegmentIndex:
    """Nearest-segment index.

    Parameters
    ----------
    segments : array of shape (n, 4)
        ``x0, y0, x1, y1`` of each segment, in metres of a projected CRS.
    cell_m : float, optional
        Grid cell size in metres; default chosen so that a cell holds a few segments on average.
    """

    def __init__(self, segments: FloatArray, cell_m: float | None = None) -> None:
        seg = np.array(segments, dtype=np.float64, order="C")  # a copy: the index owns its rows
        self._rows = seg
        ax, ay, bx, by = (seg[:, i] for i in range(4))
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        with np.errstate(divide="ignore"):
            inv_len2 = np.where(len2 > 0, 1.0 / len2, 0.0)  # 0 for a point-like segment: t = 0
        self._packed = np.column_stack([ax, ay, dx, dy, inv_len2])
        xmin = float(np.minimum(ax, bx).min())
        ymin = float(np.minimum(ay, by).min())
        xmax = float(np.maximum(ax, bx).max())
        ymax = float(np.maximum(ay, by).max())
        if cell_m is None:
            area = max((xmax - xmin) * (ymax - ymin), 1.0)
            cell_m = float(np.clip(math.sqrt(area / max(seg.shape[0], 1)) * 2.0, 25.0, 500.0))
        self.cell_m = float(cell_m)
        self._x0, self._y0 = xmin, ymin
        self._nx = int((xmax - xmin) // self.cell_m) + 1
        self._ny = int((ymax - ymin) // self.cell_m) + 1
        i0 = ((np.minimum(ax, bx) - xmin) // self.cell_m).astype(np.int64)
        i1 = ((np.maximum(ax, bx) - xmin) // self.cell_m).astype(np.int64)
        j0 = ((np.minimum(ay, by) - ymin) // self.cell_m).astype(np.int64)
        j1 = ((np.maximum(ay, by) - ymin) // self.cell_m).astype(np.int64)
        # register each segment in every cell its bounding box covers (bbox cells, conservative)
        ni, nj = i1 - i0 + 1, j1 - j0 + 1
        count = ni * nj
        owner = np.repeat(np.arange(seg.shape[0]), count)
        local = np.arange(owner.shape[0]) - np.repeat(np.cumsum(count) - count, count)
        ci = i0[owner] + local // nj[owner]
        cj = j0[owner] + local % nj[owner]
        key = ci * self._ny + cj
        order = np.argsort(key, kind="stable")
        self._members = owner[order]
        self._offsets = np.searchsorted(key[order], np.arange(self._nx * self._ny + 1)).astype(np.int64)
        self._reach = self._rings_to_segment()
        self._native = self._grid()

    def _grid(self) -> Grid:
        """The C search over this index's arrays (they are not copied)."""
        return Grid(self._packed, self._members, self._offsets, self._reach, self.cell_m, self._x0, self._y0,
                    self._nx, self._ny)  # fmt: skip

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything the index searches, as arrays (for :meth:`from_arrays`, e.g. saved in a region directory)."""
        params = np.array([self.cell_m, self._x0, self._y0, self._nx, self._ny], dtype=np.float64)
        return {"rows": self._rows, "packed": self._packed, "members": self._members, "offsets": self._offsets,
                "reach": self._reach, "params": params}  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> SegmentIndex:
        """The index :meth:`to_arrays` describes, on those arrays as they are (no copy: memory-mapped ones stay so).

        Raises
        ------
        KeyError
            When an array is missing.
        """
        index = cls.__new__(cls)
        index._rows, index._packed = arrays["rows"], arrays["packed"]
        index._members, index._offsets, index._reach = arrays["members"], arrays["offsets"], arrays["reach"]
        cell_m, x0, y0, nx, ny = arrays["params"].tolist()
        index.cell_m, index._x0, index._y0, index._nx, index._ny = cell_m, x0, y0, int(nx), int(ny)
        index._native = index._grid()
        return index

    def _rings_to_segment(self) -> IntArray:
        """Per cell, the Chebyshev distance in cells to the nearest cell holding a segment, up to
        :data:`_REACH_CAP`: blocks of fewer rings around the cell are empty, so a search may start there."""
        occupied = (np.diff(self._offsets) > 0).reshape(self._nx, self._ny)
        reach = np.where(occupied, 0, _REACH_CAP).astype(np.int64)
        for r in range(1, _REACH_CAP):
            grown = occupied.copy()  # one more ring: dilate by one cell along each axis (a 3x3 square)
            grown[1:] |= occupied[:-1]
            grown[:-1] |= occupied[1:]
            occupied = grown.copy()
            occupied[:, 1:] |= grown[:, :-1]
            occupied[:, :-1] |= grown[:, 1:]
            reach[occupied & (reach == _REACH_CAP)] = r
            if occupied.all():
                break
        return reach.reshape(-1)

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    def subset(self, rows: IntArray) -> SegmentIndex:
        """A new index over segments ``rows`` of this one (renumbered ``0..len(rows)-1``), same cell size."""
        r = np.asarray(rows, dtype=np.int64)
        return SegmentIndex(self._rows[r], self.cell_m)

    def _block(self, i: int, j: int, r: int) -> IntArray:
        ilo, ihi = max(i - r, 0), min(i + r, self._nx - 1)
        jlo, jhi = max(j - r, 0), min(j + r, self._ny - 1)
        if ilo > ihi or jlo > jhi:
            return np.empty(0, dtype=np.int64)
        off = self._offsets
        parts = [
            self._members[off[row * self._ny + jlo] : off[row * self._ny + jhi + 1]] for row in range(ilo, ihi + 1)
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _closest(self, cand: IntArray, x: float, y: float) -> tuple[int, float, float]:
        """The candidate closest to ``(x, y)``: ``(segment, t, distance)``; among equal distances the lowest-numbered
        segment (so the answer never depends on how candidates were gathered)."""
        seg = self._packed[cand]
        px = x - seg[:, 0]
        py = y - seg[:, 1]
        t = (px * seg[:, 2] + py * seg[:, 3]) * seg[:, 4]
        np.maximum(t, 0.0, out=t)
        np.minimum(t, 1.0, out=t)
        ex = px - t * seg[:, 2]
        ey = py - t * seg[:, 3]
        d2 = ex * ex + ey * ey
        k = int(d2.argmin())
        ties = np.flatnonzero(d2 == d2[k])
        if ties.shape[0] > 1:
            k = int(ties[np.argmin(cand[ties])])
        return int(cand[k]), float(t[k]), math.sqrt(float(d2[k]))

    def nearest(self, x: float, y: float, max_distance: float) -> tuple[int, float, float] | None:
        """The segment nearest to ``(x, y)`` within ``max_distance`` metres.

        Blocks of ``r`` cells around the point's cell are searched for ``r = 1, 2, ...`` until no unexamined segment
        can be closer than the best one; each ring examines only the cells the previous block lacked, and keeps the
        closest segment of the whole block seen so far (exactly what searching each whole block again would find).

        Returns
        -------
        (segment, t, distance) or None
            ``t`` in [0, 1] is the position of the nearest point along the segment; None if no segment is within
            ``max_distance``, or for a non-finite point (a projection far from its centre may answer ``inf``) or
            one more than 1e15 cells from the grid. Among exactly equidistant segments the lowest-numbered examined
            one wins.
        """
        return self._native.nearest(x, y, max_distance)

    def nearest_by_blocks(self, x: float, y: float, max_distance: float) -> tuple[int, float, float] | None:
        """:meth:`nearest`'s answer by the plain form of its search, in numpy: the whole block of ``r`` cells at each
        ``r = 1, 2, ...`` (no empty blocks skipped, no ring examined alone). Ten times slower; the reference the C
        search is tested and benchmarked against (``tests/geo/test_segment_index.py``,
        ``benchmarks/bench_snapping.py``)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        c = self.cell_m
        i, j = math.floor((x - self._x0) / c), math.floor((y - self._y0) / c)
        outside = max(-i, i - self._nx + 1, -j, j - self._ny + 1, 0)
        best = None
        r = max(1, outside)
        while True:
            cand = self._block(i, j, r)
            if cand.shape[0]:
                found = self._closest(cand, x, y)
                if best is None or found[2] < best[2] or (found[2] == best[2] and found[0] < best[0]):
                    best = found
            if best is not None and best[2] <= r * c:
                break
            if (r - 1) * c > max_distance or r > self._nx + self._ny + outside:
                break
            r += 1
        return None if best is None or best[2] > max_distance else best

    def nearest_many(
        self, x: FloatArray, y: FloatArray, max_distance: float
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """:meth:`nearest` of many points (``x``, ``y``: aligned arrays, metres) in one call of the C search.

        Every answer is exactly what :meth:`nearest` gives for that point. Returns ``(segments, t, distances)``
        aligned with the points; ``segments`` is -1 (``t`` and ``distances`` nan) where :meth:`nearest` gives None.
        """
        xs = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        ys = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
        if xs.shape != ys.shape:
            raise ValueError(f"nearest_many needs as many x as y, got {xs.shape[0]} and {ys.shape[0]}")
        seg = np.empty(xs.shape[0], dtype=np.int64)
        t, dist = np.empty(xs.shape[0]), np.empty(xs.shape[0])
        self._native.nearest_many(xs, ys, float(max_distance), seg, t, dist)
        return seg, t, dist

    def distance_to_nearest(self, x: float, y: float) -> float:
        """Distance in metres from ``(x, y)`` to the nearest segment, with no limit (brute force; error paths).

        ``inf`` for a non-finite point.
        """
        if not (math.isfinite(x) and math.isfinite(y)):
            return math.inf
        return self._closest(np.arange(len(self)), x, y)[2]

    def within(self, x: float, y: float, max_distance: float) -> tuple[IntArray, FloatArray, FloatArray]:
        """Every segment within ``max_distance`` metres of ``(x, y)``, nearest first.

        Returns
        -------
        (segments, t, distances)
            Arrays aligned with each other: the segment numbers, the position ``t`` in [0, 1] of each one's nearest
            point and its distance in metres; ties in distance keep the lower segment number first. Empty for a
            non-finite point.
        """
        empty = (np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(max_distance)):
            return empty
        c = self.cell_m
        i = math.floor((x - self._x0) / c)
        j = math.floor((y - self._y0) / c)
        r = int(max_distance // c) + 1  # every segment within max_distance has a bbox cell in this block
        cand = np.unique(self._block(i, j, r))
        if cand.shape[0] == 0:
            return empty
        seg = self._packed[cand]
        px = x - seg[:, 0]
        py = y - seg[:, 1]
        t = np.clip((px * seg[:, 2] + py * seg[:, 3]) * seg[:, 4], 0.0, 1.0)
        d = np.hypot(px - t * seg[:, 2], py - t * seg[:, 3])
        keep = d <= max_distance
        order = np.lexsort((cand[keep], d[keep]))
        return cand[keep][order], t[keep][order], d[keep][order]
