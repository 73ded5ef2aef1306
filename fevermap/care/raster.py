"""The grid in the local metric projection, its morphology, and marching squares for smooth outlines.

A :class:`Grid` is a square grid of ``cell_m`` metres over a box of the region's projection (isochrones use one per
contour, :mod:`fevermap.care.contour`; catchments one for all clinics). :func:`square_filter` is the min / max filter
of the closings. :func:`mask_polygons` traces a mask's boundary by marching squares (contourpy, filled contour of the
0/1 mask at :data:`LEVEL` = 0.9), which cuts the grid's stair steps: catchments dilate their mask by
:attr:`Grid.margin_m` first, so every cell of a clinic's own road stays inside. Isochrones need the exact union of
their cells instead (:mod:`fevermap.care.trace`). Rings are traced in metres and returned outer first, holes after, in
``(lon, lat)`` degrees (:func:`unproject`: bilinear between exact inverse projections, a few centimetres at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import contourpy
import numpy as np
import numpy.typing as npt

from fevermap.geo.projection import LocalProjection

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Default grid cell and buffer radius (metres).
CELL_M = 3.0
BUFFER_M = 40.0
#: Most grid cells along one side; a larger extent coarsens the cell (and the buffer with it).
MAX_SIDE = 512
#: Level of the marching-squares boundary on the 0/1 mask: 0.9 puts it 0.1 cell short of the first cell outside.
LEVEL = 0.9


@dataclass(frozen=True)
class Grid:
    """A grid over a box of the projection: cell ``(i, j)`` (row ``i`` = y, column ``j`` = x) covers
    ``[x0 + j*cell, x0 + (j+1)*cell) x [y0 + i*cell, ...)``."""

    x0: float
    y0: float
    cell_m: float
    buffer_m: float
    shape: tuple[int, int]

    @staticmethod
    def around(x: FloatArray, y: FloatArray, cell_m: float = CELL_M, buffer_m: float = BUFFER_M) -> Grid:
        """The grid around points ``x``, ``y`` (metres)."""
        return Grid.box(float(x.min()), float(x.max()), float(y.min()), float(y.max()), cell_m, buffer_m)

    @staticmethod
    def box(xmin: float, xmax: float, ymin: float, ymax: float, cell_m: float = CELL_M,
            buffer_m: float = BUFFER_M) -> Grid:  # fmt: skip
        """The grid around the box ``[xmin, xmax] x [ymin, ymax]`` (metres): its cell grows with the box so that a
        side has at most :data:`MAX_SIDE` cells, the buffer is at least two cells, and a margin of the buffer and two
        cells surrounds the box."""
        span = max(xmax - xmin, ymax - ymin, 1.0) + 2 * buffer_m
        cell = max(cell_m, span / MAX_SIDE)
        buf = max(buffer_m, 2.0 * cell)
        pad = buf + 2 * cell
        x0, y0 = xmin - pad, ymin - pad
        nx = int(np.ceil((xmax + pad - x0) / cell)) + 1
        ny = int(np.ceil((ymax + pad - y0) / cell)) + 1
        return Grid(x0, y0, cell, buf, (ny, nx))

    def index(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Flat cell index of each point."""
        j = ((x - self.x0) / self.cell_m).astype(np.int64)
        i = ((y - self.y0) / self.cell_m).astype(np.int64)
        return i * self.shape[1] + j

    def locate(self, x: FloatArray, y: FloatArray, *, check: bool = True) -> tuple[IntArray, IntArray | None]:
        """Flat cell index of the points that fall in the grid, and which points those are (``None``: all; with
        ``check=False`` the caller knows all do)."""
        fj = (x - self.x0) * (1.0 / self.cell_m)
        fi = (y - self.y0) * (1.0 / self.cell_m)
        if not check:
            return fi.astype(np.int64) * self.shape[1] + fj.astype(np.int64), None
        ok = (fj >= 0) & (fj < self.shape[1]) & (fi >= 0) & (fi < self.shape[0])
        which = np.flatnonzero(ok)
        return fi[which].astype(np.int64) * self.shape[1] + fj[which].astype(np.int64), which

    @property
    def margin_m(self) -> float:
        """Radius of the final dilation: one cell, so the whole of every reached cell is inside."""
        return 1.0 * self.cell_m

    def disk(self, radius_m: float) -> npt.NDArray[np.bool_]:
        r = int(np.ceil(radius_m / self.cell_m))
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        return np.asarray((xx * xx + yy * yy) * self.cell_m**2 <= radius_m**2)


def square_filter(a: npt.NDArray[np.uint8], size: int, op: np.ufunc, cval: int) -> npt.NDArray[np.uint8]:
    """``op`` (np.minimum or np.maximum) over the ``size x size`` square centred on each cell (``size`` odd; cells
    beyond the border count as ``cval``): per axis by doubling windows, about log2(size) + 2 array passes."""
    r = size // 2
    out = a
    for axis in (0, 1):
        n = out.shape[axis]
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        m = np.pad(out, pad, constant_values=cval)
        w = 1  # m[i] holds op over the window [i, i + w) along the axis
        while 2 * w <= size:
            lo = [slice(None), slice(None)]
            hi = [slice(None), slice(None)]
            lo[axis], hi[axis] = slice(0, m.shape[axis] - w), slice(w, None)
            m[tuple(lo)] = op(m[tuple(lo)], m[tuple(hi)])
            w *= 2
        a0 = [slice(None), slice(None)]
        a1 = [slice(None), slice(None)]
        a0[axis], a1[axis] = slice(0, n), slice(size - w, size - w + n)
        out = op(m[tuple(a0)], m[tuple(a1)])  # two windows of w overlapping to cover [i, i + size)
    return np.asarray(out, dtype=np.uint8)


def mask_polygons(grid: Grid, mask: npt.NDArray[np.bool_], projection: LocalProjection) -> list[list[FloatArray]]:
    """Polygons (each a list of rings: outer, then holes; ``(lon, lat)`` rows) of the True cells of ``mask``."""
    return to_lonlat(grid, projection, mask_rings(grid, mask))


def to_lonlat(grid: Grid, projection: LocalProjection, polys: list[list[FloatArray]]) -> list[list[FloatArray]]:
    """Polygons of ``(x, y)`` rings (metres, in the grid's box) as ``(lon, lat)`` rings, all in one go."""
    rings = [r for poly in polys for r in poly]
    if not rings:
        return []
    xy = np.concatenate(rings)
    ll = unproject(grid, projection, xy[:, 0], xy[:, 1])
    cuts = np.cumsum([len(r) for r in rings])[:-1]
    flat = iter(np.split(ll, cuts))
    return [[next(flat) for _ in poly] for poly in polys]


def mask_rings(grid: Grid, mask: npt.NDArray[np.bool_]) -> list[list[FloatArray]]:
    """Polygons (each a list of rings: outer, then holes; ``(x, y)`` rows in metres) of the True cells of
    ``mask``."""
    if not mask.any():
        return []
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    i0, i1 = max(int(rows[0]) - 1, 0), min(int(rows[-1]) + 2, mask.shape[0])
    j0, j1 = max(int(cols[0]) - 1, 0), min(int(cols[-1]) + 2, mask.shape[1])
    z = np.zeros((i1 - i0 + 2, j1 - j0 + 2))  # a zero border closes every ring
    z[1:-1, 1:-1] = mask[i0:i1, j0:j1]
    gen = contourpy.contour_generator(z=z, fill_type=contourpy.FillType.OuterOffset, name="serial")
    filled: Any = gen.filled(LEVEL, 1.5)
    points, offsets = filled[0], filled[1]
    out: list[list[FloatArray]] = []
    for pts_all, off_all in zip(points, offsets, strict=True):
        pts, off = _drop_collinear(pts_all, off_all)
        # grid (col, row) of z -> metres: cell centres sit at x0 + (j + 0.5) * cell
        xy = np.column_stack([grid.x0 + (pts[:, 0] - 1 + j0 + 0.5) * grid.cell_m,
                              grid.y0 + (pts[:, 1] - 1 + i0 + 0.5) * grid.cell_m])  # fmt: skip
        out.append([xy[off[r] : off[r + 1]] for r in range(len(off) - 1)])
    return out


def _drop_collinear(pts: FloatArray, off: IntArray) -> tuple[FloatArray, IntArray]:
    """Drop the points of closed rings that lie on the straight line between their neighbours (marching squares
    emits one per grid edge crossed); first and last points of each ring stay."""
    n = pts.shape[0]
    ring = np.repeat(np.arange(len(off) - 1), np.diff(off))
    idx = np.arange(n)
    inner = (idx != off[:-1][ring]) & (idx != off[1:][ring] - 1)
    prev = pts[np.maximum(idx - 1, 0)]
    nxt = pts[np.minimum(idx + 1, n - 1)]
    a, b = pts - prev, nxt - pts
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    keep = ~inner | (np.abs(cross) > 1e-9)
    new_off = np.concatenate([[0], np.cumsum(np.bincount(ring[keep], minlength=len(off) - 1))])
    return pts[keep], new_off.astype(np.int64)


@lru_cache(maxsize=8)
def _lattice(grid: Grid, projection: LocalProjection, n: int) -> tuple[FloatArray, FloatArray]:
    """Exact ``(lon, lat)`` of an ``n x n`` lattice over the grid's box (kept for the few grids in use: every contour
    of a request shares one)."""
    h, w = grid.shape[0] * grid.cell_m, grid.shape[1] * grid.cell_m
    mx, my = np.meshgrid(np.linspace(grid.x0, grid.x0 + w, n), np.linspace(grid.y0, grid.y0 + h, n))
    lon, lat = projection.inverse(mx.ravel(), my.ravel())
    return lon.reshape(n, n), lat.reshape(n, n)


def unproject(grid: Grid, projection: LocalProjection, x: FloatArray, y: FloatArray, n: int = 33) -> FloatArray:
    """``(lon, lat)`` rows of points of the grid's box: bilinear between exact inverse projections on an ``n x n``
    lattice over the box (at most a few centimetres off over tens of kilometres; far cheaper per point)."""
    h, w = grid.shape[0] * grid.cell_m, grid.shape[1] * grid.cell_m
    fx = np.clip((x - grid.x0) / w * (n - 1), 0, n - 1 - 1e-9)
    fy = np.clip((y - grid.y0) / h * (n - 1), 0, n - 1 - 1e-9)
    j, i = fx.astype(np.int64), fy.astype(np.int64)
    u, v = fx - j, fy - i
    out = np.empty((x.shape[0], 2))
    for c, vals in enumerate(_lattice(grid, projection, n)):
        out[:, c] = (vals[i, j] * (1 - u) * (1 - v) + vals[i, j + 1] * u * (1 - v) + vals[i + 1, j] * (1 - u) * v
                     + vals[i + 1, j + 1] * u * v)  # fmt: skip
    return out


def multipolygon(polys: list[list[FloatArray]], decimals: int = 6) -> dict[str, object]:
    """GeoJSON MultiPolygon of ``polys`` (rings closed, coordinates rounded to ``decimals``)."""
    return {
        "type": "MultiPolygon",
        "coordinates": [[np.round(ring, decimals).tolist() for ring in poly] for poly in polys],
    }
