"""Union of equal discs as an exact coverage: each place's Voronoi cell clipped by its own circle, no overlay.

The union of discs of one radius is the union, over the places, of each disc clipped to the place's Voronoi cell,
and those pieces tile it. A piece is the cell's boundary where it lies inside the circle, and between the points where
the cell leaves and re-enters the circle, vertices on the circle of radius ``r + h`` at the angles ``2 pi k / n`` of a
buffer polygon (:func:`ring`: ``n`` is the fewest for which every chord stays beyond ``r - h``). Two neighbours'
circles cross their shared bisector at the same points, so each crossing is computed once per Voronoi edge (and
whether a Voronoi vertex is inside, once per vertex) and both pieces carry the same coordinates: the pieces form a
valid coverage, which ``coverage_union`` merges by dropping shared edges (linear time, no noding), where
``union_all`` of the buffer polygons pays a full overlay. Every point within ``r - h`` of a place is in the result and
every point of the result is within ``r + h`` of one (the buffer polygons' guarantee, :mod:`fevermap.risk.areas`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree
from shapely.errors import GEOSException
from shapely.geometry import Polygon

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Grid angles closer than this (in steps) to a crossing are left out: no near-duplicate vertices.
_ANGLE_EPS = 1e-7


def ring_steps(radius_m: float, h: float) -> int:
    """Vertices of a circle polygon with vertices at ``radius_m + h`` whose chords stay beyond ``radius_m - h``
    (a multiple of 4, as shapely's ``quad_segs``)."""
    n = math.pi / math.acos(max(-1.0, 1.0 - 2.0 * h / (radius_m + h)))
    return 4 * max(2, math.ceil(n / 4))


def ring(radius_m: float, h: float) -> FloatArray:
    """The circle polygon's vertices around the origin (metres, counter-clockwise, not closed), ``(n, 2)``."""
    n = ring_steps(radius_m, h)
    a = np.arange(n) * (2.0 * math.pi / n)
    return (radius_m + h) * np.stack([np.cos(a), np.sin(a)], axis=1)


def disc_polygons(x: FloatArray, y: FloatArray, radius_m: float, h: float) -> Any:
    """The circle polygon (:func:`ring`) around each point, as an array of polygons."""
    proto = ring(radius_m, h)
    return shapely.polygons(proto[None, :, :] + np.stack([x, y], axis=1)[:, None, :])


def disc_cover(x: FloatArray, y: FloatArray, radius_m: float, h: float) -> list[Polygon]:
    """The union of the discs of ``radius_m`` around the points ``(x, y)`` (projected metres, distinct points), as
    polygons between ``radius_m - h`` and ``radius_m + h`` of the points (see the module docstring).

    A disc that meets no other is its own polygon; only the others go through the Voronoi diagram.
    """
    rho = radius_m + h
    pairs = cKDTree(np.stack([x, y], axis=1)).query_pairs(2.0 * rho, output_type="ndarray")
    near = np.zeros(x.size, dtype=bool)
    near[pairs.ravel()] = True
    out: list[Polygon] = list(disc_polygons(x[~near], y[~near], radius_m, h))
    if near.sum() < 3:
        merged = shapely.union_all(disc_polygons(x[near], y[near], radius_m, h))
    else:
        pieces = _pieces(x[near], y[near], radius_m, h)
        try:
            merged = shapely.coverage_union_all(pieces)
        except GEOSException:  # not expected: a coverage GEOS rejects is merged the slow way, same point set
            merged = shapely.union_all(pieces)
    out.extend(p for p in shapely.get_parts(merged) if isinstance(p, Polygon) and not p.is_empty)
    return out


def _pieces(x: FloatArray, y: FloatArray, r: float, h: float) -> Any:
    """Each point's Voronoi cell clipped by its circle polygon, an array of polygons forming a coverage."""
    rho = r + h
    n_steps = ring_steps(r, h)
    step = 2.0 * math.pi / n_steps
    pad = 2.0 * rho + 1.0  # the diagram reaches past every circle: no cell is cut short by its envelope
    frame = shapely.box(x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad)
    points = shapely.multipoints(np.stack([x, y], axis=1))
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame, ordered=True))
    # counter-clockwise rings without the closing vertex: vertex k of cell c at coords[off[c] + k]
    coords, owner = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    closing = np.r_[owner[1:] != owner[:-1], True]
    coords, owner = coords[~closing], owner[~closing]
    if not shapely.is_ccw(shapely.get_exterior_ring(cells[0])):
        order = np.lexsort((-np.arange(owner.size), owner))
        coords, owner = coords[order], owner[order]
    # a cell whose vertices are all well inside its circle is its own piece; every other cell's vertices are tested
    # once per Voronoi vertex (the same answer for each cell that has it; a vertex shared with a cell well inside is
    # well inside the other cells' circles too, which are as far from it to rounding)
    d_own = np.hypot(coords[:, 0] - x[owner], coords[:, 1] - y[owner])
    n_cells = cells.size
    far = np.zeros(n_cells)
    np.maximum.at(far, owner, d_own)
    whole = far <= rho - 1e-6
    cut = ~whole[owner]
    coords, owner = coords[cut], owner[cut]
    if owner.size:
        key_c = np.ascontiguousarray(coords).view(np.complex128).ravel()
        uniq_c, vid = np.unique(key_c, return_inverse=True)
        vid = vid.reshape(-1)
        vert = np.stack([uniq_c.real, uniq_c.imag], axis=1)
        first_owner = np.full(vert.shape[0], -1, dtype=np.int64)
        first_owner[vid[::-1]] = owner[::-1]
        inside_v = np.hypot(vert[:, 0] - x[first_owner], vert[:, 1] - y[first_owner]) <= rho
        inside = inside_v[vid]
        all_in = np.ones(n_cells, dtype=bool)
        np.logical_and.at(all_in, owner, inside)
        whole |= all_in  # (the cells left out above are all whole already)
        cut = ~whole[owner]
    out = list(cells[whole])
    if not cut.any():
        return np.asarray(out, dtype=object)
    coords, owner, vid, inside = coords[cut], owner[cut], vid[cut], inside[cut]
    nxt = np.arange(owner.size) + 1
    last = np.r_[owner[1:] != owner[:-1], True]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    nxt[last] = starts
    a_id, b_id = vid, vid[nxt]
    # crossings per Voronoi edge, computed once in the edge's canonical direction (lower vertex id first)
    lo, hi = np.minimum(a_id, b_id), np.maximum(a_id, b_id)
    key = lo * vert.shape[0] + hi
    ukey, first, inv = np.unique(key, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    ua, ub = ukey // vert.shape[0], ukey % vert.shape[0]
    cx, cy = x[owner[first]], y[owner[first]]
    pa, pb = vert[ua], vert[ub]
    ina, inb = inside_v[ua], inside_v[ub]
    d = pb - pa
    fx, fy = pa[:, 0] - cx, pa[:, 1] - cy
    qa = d[:, 0] ** 2 + d[:, 1] ** 2
    qb = 2.0 * (fx * d[:, 0] + fy * d[:, 1])
    qc = fx**2 + fy**2 - rho**2
    disc = qb**2 - 4.0 * qa * qc
    root = np.sqrt(np.maximum(disc, 0.0))
    t1 = np.clip((-qb - root) / (2.0 * qa), 0.0, 1.0)
    t2 = np.clip((-qb + root) / (2.0 * qa), 0.0, 1.0)
    both_out = ~ina & ~inb & (disc > 0) & (t1 > 0) & (t2 < 1) & (t1 < t2)
    # per canonical edge: crossing points in order from the lower vertex, and how many (0, 1 or 2)
    n_cross = np.where(ina != inb, 1, np.where(both_out, 2, 0))
    t_first = np.where(ina & ~inb, t2, t1)  # in -> out leaves at the larger root; out -> in enters at the smaller
    p1 = pa + t_first[:, None] * d
    p2 = pa + t2[:, None] * d
    # per cell edge, in the cell's direction: its start vertex if inside, then its crossings
    fwd = a_id == lo
    nc = n_cross[inv]
    c_first = np.where((nc == 2) & ~fwd, 1, 0)  # a reversed edge meets the canonical second crossing first
    pts = np.stack([p1[inv], p2[inv]], axis=1)  # (edges, 2, 2)
    e_idx = np.arange(owner.size)
    cross_a = pts[e_idx, c_first]
    cross_b = pts[e_idx, 1 - c_first]
    # emitted items: (coords, kind) with kind 0 vertex, 1 entry, 2 exit; up to 3 per edge, in order
    slots = np.zeros((owner.size, 3), dtype=np.int8)  # 0 none
    item_xy = np.zeros((owner.size, 3, 2))
    slots[:, 0] = np.where(inside, 1, 0)
    item_xy[:, 0] = coords
    one = nc == 1
    slots[one, 1] = np.where(inside[one], 3, 2)  # from inside: an exit (3); from outside: an entry (2)
    item_xy[one, 1] = cross_a[one]
    two = nc == 2
    slots[two, 1], slots[two, 2] = 2, 3
    item_xy[two, 1], item_xy[two, 2] = cross_a[two], cross_b[two]
    keep = slots.ravel() > 0
    kind = slots.ravel()[keep]
    ixy = item_xy.reshape(-1, 2)[keep]
    icell = np.repeat(owner, 3)[keep]
    empty = np.setdiff1d(np.unique(owner), icell)  # no vertex inside, no crossing: the circle lies in the cell
    if empty.size:
        out.extend(disc_polygons(x[empty], y[empty], r, h))
    if ixy.size:
        out.extend(_assemble(ixy, kind, icell, x, y, rho, step))
    return np.asarray(out, dtype=object)


def _assemble(ixy: FloatArray, kind: Any, icell: IntArray, x: FloatArray, y: FloatArray, rho: float,
              step: float) -> Any:  # fmt: skip
    """The pieces' rings from their items in order: after each exit, the circle's grid vertices counter-clockwise
    to the next item (its entry)."""
    n = icell.size
    nxt = np.arange(n) + 1
    last = np.r_[icell[1:] != icell[:-1], True]
    nxt[last] = np.flatnonzero(np.r_[True, icell[1:] != icell[:-1]])
    cx, cy = x[icell], y[icell]
    exit_ = kind == 3
    th_x = np.arctan2(ixy[:, 1] - cy, ixy[:, 0] - cx)
    th_e = th_x[nxt]
    sweep = np.mod(th_e - th_x, 2.0 * math.pi)
    u0 = th_x / step
    u1 = (th_x + sweep) / step
    j_lo = np.floor(u0 + _ANGLE_EPS).astype(np.int64) + 1
    j_hi = np.ceil(u1 - _ANGLE_EPS).astype(np.int64) - 1
    n_arc = np.where(exit_, np.maximum(j_hi - j_lo + 1, 0), 0)
    total = 1 + n_arc
    start = np.cumsum(total) - total
    m = int(total.sum())
    out_xy = np.empty((m, 2))
    out_xy[start] = ixy
    arc_items = np.repeat(np.arange(n), n_arc)
    if arc_items.size:
        k = np.arange(arc_items.size) - np.repeat(np.cumsum(n_arc) - n_arc, n_arc)
        ang = (j_lo[arc_items] + k) * step
        pos = start[arc_items] + 1 + k
        out_xy[pos, 0] = cx[arc_items] + rho * np.cos(ang)
        out_xy[pos, 1] = cy[arc_items] + rho * np.sin(ang)
    ring_of = np.repeat(icell, total)
    _, ring_index = np.unique(ring_of, return_inverse=True)
    return shapely.polygons(shapely.linearrings(out_xy, indices=ring_index.reshape(-1)))
