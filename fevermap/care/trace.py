"""Exact outlines of a grid mask: the union of its True cells as polygons, outer ring first, holes after.

The boundary between True and False cells is cut into straight runs of cell sides, each directed with the True cell
on its left (outer rings run counter-clockwise, holes clockwise, as GeoJSON wants them). At a grid corner where two True
cells meet only diagonally the boundary turns left, so the two cells belong to different polygons that touch at the
corner (cells are joined through their sides only: 4-connectivity) and every polygon is valid. The runs are linked
into rings by pointer doubling, all in numpy; a ring's vertices are its corners. Each ring belongs to the connected
part (:func:`scipy.ndimage.label`, side-connected) of the True cell on its left, which sorts the holes into their
polygons. Unlike marching squares, nothing is cut off at corners: a point is inside the outline exactly when its cell
is True.

>>> import numpy as np
>>> from fevermap.care.raster import Grid
>>> mask = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=bool)
>>> (outer, hole), = mask_outlines(Grid(0.0, 0.0, 10.0, 20.0, (3, 3)), mask)
>>> outer.tolist()
[[0.0, 0.0], [30.0, 0.0], [30.0, 30.0], [0.0, 30.0], [0.0, 0.0]]
>>> hole.tolist()
[[20.0, 10.0], [10.0, 10.0], [10.0, 20.0], [20.0, 20.0], [20.0, 10.0]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from fevermap.care.raster import Grid

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def mask_outlines(
    grid: Grid, mask: npt.NDArray[np.bool_], transform: Callable[[FloatArray, FloatArray], FloatArray] | None = None
) -> list[list[FloatArray]]:
    """Polygons (each a list of closed rings: outer, then holes; ``(x, y)`` rows in metres) whose union is exactly the
    True cells of ``mask`` (row ``i`` = y, column ``j`` = x, as :class:`~fevermap.care.raster.Grid` has them).

    ``transform`` maps the vertices' ``x, y`` arrays to rows of other coordinates (e.g. ``(lon, lat)``) in one call.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.shape[0] == 0:
        return []
    i0, i1 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(mask[i0:i1].any(axis=0))
    j0, j1 = int(cols[0]), int(cols[-1]) + 1
    m = np.pad(mask[i0:i1, j0:j1], 1)  # cropped to the True cells; a False border closes every ring
    start, end, dirs, left = _runs(m)
    parts, _ = ndimage.label(m)
    nxt = _successors(m, parts, start, end, dirs)
    ring, rank = _cycles(nxt)
    order = np.lexsort((rank, ring))
    ring, start = ring[order], start[order]
    first = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])  # every run starts at a corner of its ring
    counts = np.diff(np.r_[first, ring.shape[0]])
    keep = np.insert(np.arange(ring.shape[0]), [*first[1:].tolist(), ring.shape[0]], first)  # rings closed
    vi, vj = np.divmod(start[keep], m.shape[1] + 1)
    x, y = _corner(grid.x0, grid.cell_m, vj + (j0 - 1)), _corner(grid.y0, grid.cell_m, vi + (i0 - 1))
    area = _signed_area(x, y, counts + 1)
    # the part of each ring: that of the True cell on the left of its first side; outer rings first in each part
    part = parts.ravel()[left[order][first]]
    seq = np.lexsort((area <= 0, part))
    xy = np.column_stack([x, y]) if transform is None else transform(x, y)
    ends = np.cumsum(counts + 1).tolist()
    rings = [xy[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    in_order = [rings[r] for r in seq.tolist()]
    cut = np.flatnonzero(np.r_[True, part[seq][1:] != part[seq][:-1], True]).tolist()
    return [in_order[a:b] for a, b in itertools.pairwise(cut)]


def _corner(origin: float, cell: float, k: IntArray) -> FloatArray:
    """Coordinates of grid lines ``k`` (metres). On a grid whose origin is a whole number of cells, as multiples of
    the cell, so that the same corner of two aligned grids has the very same coordinates."""
    base = origin / cell
    if base == round(base):
        return np.asarray((k + round(base)) * cell, dtype=np.float64)
    return np.asarray(origin + k * cell, dtype=np.float64)


def _runs(m: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """The straight runs of the boundary of ``m``: maximal sequences of cell sides on one grid line with the True
    cell on the same side. Per run: start and end corner (flat ids ``i * (cols + 1) + j``), direction, and the flat
    index of the True cell on the left of its first side."""
    w, c = m.shape[1] + 1, m.shape[1]
    # horizontal sides on row line i (between cells (i - 1, j) and (i, j)), row by row
    hi, hj = np.divmod(np.flatnonzero(m[1:, :] != m[:-1, :]), c)
    hi = hi + 1
    up = m[hi, hj]  # the True cell is above: the run goes east, else west
    f, last = _breaks(hi, hj, up)
    ri, ja, jb, east = hi[f], hj[f], hj[last] + 1, up[f]
    h_start = np.where(east, ri * w + ja, ri * w + jb)
    h_end = np.where(east, ri * w + jb, ri * w + ja)
    h_dir = np.where(east, 0, 2)
    h_left = np.where(east, ri * c + ja, (ri - 1) * c + jb - 1)
    # vertical sides on column line j (between cells (i, j - 1) and (i, j)), column by column
    mt = np.ascontiguousarray(m.T)
    vj, vi = np.divmod(np.flatnonzero(mt[1:, :] != mt[:-1, :]), m.shape[0])
    vj = vj + 1
    right = mt[vj, vi]  # the True cell is to the east: the run goes south, else north
    f, last = _breaks(vj, vi, right)
    cj, ia, ib, south = vj[f], vi[f], vi[last] + 1, right[f]
    v_start = np.where(south, ib * w + cj, ia * w + cj)
    v_end = np.where(south, ia * w + cj, ib * w + cj)
    v_dir = np.where(south, 3, 1)
    v_left = np.where(south, (ib - 1) * c + cj, ia * c + cj - 1)
    cat = np.concatenate
    return cat([h_start, v_start]), cat([h_end, v_end]), cat([h_dir, v_dir]), cat([h_left, v_left])


def _breaks(line: IntArray, pos: IntArray, side: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """First and last index of each run of sides (sorted by ``line``, then ``pos``): consecutive positions on one
    line with the True cell on the same ``side``."""
    if line.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    brk = np.r_[True, (line[1:] != line[:-1]) | (pos[1:] != pos[:-1] + 1) | (side[1:] != side[:-1])]
    f = np.flatnonzero(brk)
    return f, np.r_[f[1:], line.shape[0]] - 1


def _successors(
    m: npt.NDArray[np.bool_], parts: npt.NDArray[np.int32], start: IntArray, end: IntArray, dirs: IntArray
) -> IntArray:
    """The run that follows each run: the one leaving its end corner. Where two leave it (two True cells meet only
    diagonally) the boundary turns left, keeping the cells apart, when they are in different parts, and right when
    they are in the same part (the ring then closes there and a hole touching it at that corner starts): so no ring
    passes a corner twice."""
    n = start.shape[0]
    ids = np.arange(n, dtype=np.int64)
    first = np.empty((m.shape[0] + 1) * (m.shape[1] + 1), dtype=np.int64)  # read only where a run starts
    second = np.empty_like(first)
    first[start] = ids
    second[start[::-1]] = ids[::-1]  # where two runs start at a corner, the other one
    a, b = first[end], second[end]
    nxt = a.copy()
    two = np.flatnonzero(a != b)
    if two.shape[0]:
        ci, cj = np.divmod(end[two], m.shape[1] + 1)
        ne = m[ci, cj]
        same = np.where(ne, parts[ci, cj] == parts[ci - 1, cj - 1], parts[ci, cj - 1] == parts[ci - 1, cj])
        want = (dirs[two] + np.where(same, 3, 1)) % 4
        nxt[two] = np.where(dirs[a[two]] == want, a[two], b[two])
    return nxt


def _cycles(nxt: IntArray) -> tuple[IntArray, IntArray]:
    """Per side: its ring (the least side id on it) and its place along the ring from that side, by pointer
    doubling (``nxt`` is a permutation made of cycles)."""
    n = nxt.shape[0]
    ring = np.arange(n, dtype=np.int64)
    jump = nxt.copy()
    span = 1
    while span < n:
        np.minimum(ring, ring[jump], out=ring)
        jump = jump[jump]
        span *= 2
    # cut each ring before its least side and count the steps to the cut
    last = nxt == ring  # the side whose successor is the ring's first side
    step = np.where(last, 0, 1).astype(np.int64)
    jump = np.where(last, np.arange(n), nxt)
    span = 1
    while span < n:
        step = step + step[jump]
        jump = jump[jump]
        span *= 2
    size = np.bincount(ring, minlength=n)[ring]
    return ring, size - 1 - step


def _signed_area(x: FloatArray, y: FloatArray, sizes: IntArray) -> FloatArray:
    """Shoelace area of each closed ring (``sizes`` consecutive vertices each; positive: counter-clockwise)."""
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    off = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cross = np.append(cross, 0.0)
    cross[off[1:] - 1] = 0.0  # the step from one ring's last vertex to the next ring's first is no side
    return np.add.reduceat(cross, off) / 2.0
