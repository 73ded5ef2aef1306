"""Union of equal discs as an exact coverage: each place's Voronoi cell clipped by its own circle, no overlay.

The union of discs of one radius is the union, over the places, of each disc clipped to the place's Voronoi cell,
and those pieces tile it. A piece is the cell's boundary where it lies inside the circle, and between the points where
the cell leaves and re-enters the circle, vertices on the circle of radius ``r + h`` at the angles ``2 pi k / n`` of a
buffer polygon (:func:`ring`: ``n`` is the fewest for which every chord stays beyond ``r - h``). Two neighbours'
circles cross their shared bisector at the same points, so each crossing is computed once per Voronoi edge (and
whether a Voronoi vertex is inside, once per vertex) and both pieces carry the same named points: the pieces form a
valid coverage, merged by dropping every edge met in both directions and chaining the rest into rings (sorting and
pointer doubling in numpy, no noding; GEOS ``coverage_union`` only where two parts touch in a point), where
``union_all`` of the buffer polygons pays a full overlay. Every point within ``r - h`` of a place is in the result and
every point of the result is within ``r + h`` of one (the buffer polygons' guarantee, :mod:`fevermap.risk.areas`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
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
    polygons between ``radius_m - h`` and ``radius_m + h`` of the points (see the module docstring)."""
    return disc_parts(x, y, radius_m, h)[0]


def disc_parts(x: FloatArray, y: FloatArray, radius_m: float, h: float) -> tuple[list[Polygon], IntArray, int]:
    """:func:`disc_cover`, per point the polygon holding it (each point lies in one), and how many of the polygons,
    first, are lone discs (:func:`ring` around their point).

    A disc that meets no other is its own polygon; only the others go through the Voronoi diagram.
    """
    rho = radius_m + h
    xy = np.stack([x, y], axis=1)
    gap, _ = cKDTree(xy).query(xy, k=2, distance_upper_bound=2.0 * rho)  # the nearest other place, if that close
    near = np.isfinite(gap[:, 1]) if x.size > 1 else np.zeros(x.size, dtype=bool)
    alone = np.flatnonzero(~near)
    out: list[Polygon] = list(disc_polygons(x[alone], y[alone], radius_m, h))
    part_of = np.full(x.size, -1, dtype=np.int64)
    part_of[alone] = np.arange(alone.size)
    together = np.flatnonzero(near)
    if together.size == 0:
        return out, part_of, alone.size
    if together.size < 3:
        merged = shapely.union_all(disc_polygons(x[together], y[together], radius_m, h))
        joined = [p for p in shapely.get_parts(merged) if isinstance(p, Polygon) and not p.is_empty]
    else:
        table = _pieces(x[together], y[together], radius_m, h)
        maybe = _join(table)
        if maybe is None:  # a vertex where two parts touch: GEOS merges the coverage, same point set
            try:
                merged = shapely.coverage_union_all(_piece_polygons(table))
            except GEOSException:  # not expected: a coverage GEOS rejects is merged the slow way
                merged = shapely.union_all(_piece_polygons(table))
            maybe = [p for p in shapely.get_parts(merged) if isinstance(p, Polygon) and not p.is_empty]
        joined = maybe
    arr = np.asarray(joined, dtype=object)
    # each part prepared once against the tree of its points (a big part unprepared would cost every point its edges)
    part, pt = shapely.STRtree(shapely.points(x[together], y[together])).query(arr, predicate="contains")
    part_of[together[pt]] = len(out) + part  # a centre lies inside its own disc: in exactly one part
    out.extend(joined)
    return out, part_of, alone.size


#: The pieces as rings in one table: per vertex, its point id (equal ids: the same point), coordinates and piece.
PieceTable = tuple[IntArray, FloatArray, IntArray]


def _piece_polygons(table: PieceTable) -> Any:
    """The pieces as polygons (counter-clockwise)."""
    _, xy, piece = table
    _, ring_index = np.unique(piece, return_inverse=True)
    return shapely.polygons(shapely.linearrings(xy, indices=ring_index.reshape(-1)))


def _pieces(x: FloatArray, y: FloatArray, r: float, h: float) -> PieceTable:
    """Each point's Voronoi cell clipped by its circle polygon: rings forming a coverage, with shared points named."""
    rho = r + h
    step = 2.0 * math.pi / ring_steps(r, h)
    pad = 2.0 * rho + 1.0  # the diagram reaches past every circle: no cell is cut short by its envelope
    frame = shapely.box(x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad)
    points = shapely.multipoints(np.stack([x, y], axis=1))
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame, ordered=True))
    # counter-clockwise rings without the closing vertex, cell by cell
    coords, owner = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    closing = np.r_[owner[1:] != owner[:-1], True]
    coords, owner = coords[~closing], owner[~closing]
    if not shapely.is_ccw(shapely.get_exterior_ring(cells[0])):
        order = np.lexsort((-np.arange(owner.size), owner))
        coords, owner = coords[order], owner[order]
    # each Voronoi vertex once (cells share theirs bit for bit), tested against the circle once: the same answer
    # for every cell that has it
    uniq_c, vid = np.unique(np.ascontiguousarray(coords).view(np.complex128).ravel(), return_inverse=True)
    vid = vid.reshape(-1)
    n_v = uniq_c.size
    vert = np.stack([uniq_c.real, uniq_c.imag], axis=1)
    first_owner = np.empty(n_v, dtype=np.int64)
    first_owner[vid[::-1]] = owner[::-1]
    inside_v = np.hypot(vert[:, 0] - x[first_owner], vert[:, 1] - y[first_owner]) <= rho
    inside = inside_v[vid]
    whole = np.ones(cells.size, dtype=bool)
    np.logical_and.at(whole, owner, inside)  # every vertex inside the circle: the cell is its own piece
    keep_w = whole[owner]
    ids, xys, rings = [vid[keep_w]], [coords[keep_w]], [owner[keep_w]]
    cut = ~keep_w
    coords, owner, vid, inside = coords[cut], owner[cut], vid[cut], inside[cut]
    if owner.size:
        nxt = np.arange(owner.size) + 1
        last = np.r_[owner[1:] != owner[:-1], True]
        nxt[last] = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        a_id, b_id = vid, vid[nxt]
        # crossings per Voronoi edge, computed once in the edge's canonical direction (lower vertex id first)
        lo, hi = np.minimum(a_id, b_id), np.maximum(a_id, b_id)
        ukey, first, inv = np.unique(lo * n_v + hi, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        ua, ub = ukey // n_v, ukey % n_v
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
        # per canonical edge: how many crossings (0, 1 or 2) and where, in order from the lower vertex; crossing
        # ``k`` of edge ``e`` is point ``n_v + 2 e + k``
        n_cross = np.where(ina != inb, 1, np.where(both_out, 2, 0))
        t_first = np.where(ina & ~inb, t2, t1)  # in -> out leaves at the larger root; out -> in enters at the smaller
        cross_xy = np.stack([pa + t_first[:, None] * d, pa + t2[:, None] * d], axis=1).reshape(-1, 2)
        # per cell edge, in the cell's direction: its start vertex if inside, then its crossings
        nc = n_cross[inv]
        c_first = np.where((nc == 2) & (a_id != lo), 1, 0)  # a reversed edge meets the second crossing first
        slot_id = np.zeros((owner.size, 3), dtype=np.int64)
        kind = np.zeros((owner.size, 3), dtype=np.int8)  # 0 none, 1 vertex, 2 entry, 3 exit
        slot_id[:, 0] = vid
        kind[:, 0] = np.where(inside, 1, 0)
        one, two = nc == 1, nc == 2
        slot_id[:, 1] = n_v + 2 * inv + c_first
        slot_id[:, 2] = n_v + 2 * inv + 1 - c_first
        kind[one, 1] = np.where(inside[one], 3, 2)  # from inside: an exit; from outside: an entry
        kind[two, 1], kind[two, 2] = 2, 3
        flat = kind.ravel() > 0
        item_id = slot_id.ravel()[flat]
        item_kind = kind.ravel()[flat]
        item_cell = np.repeat(owner, 3)[flat]
        point_xy = np.concatenate([vert, cross_xy])
        fresh = point_xy.shape[0]
        if item_id.size:
            a_ids, a_xy, a_cell = _with_arcs(item_id, point_xy[item_id], item_kind, item_cell, x, y, rho, step, fresh)
            ids.append(a_ids)
            xys.append(a_xy)
            rings.append(a_cell)
            fresh += a_ids.size
        empty = np.setdiff1d(np.unique(owner), item_cell)  # no vertex inside, no crossing: the circle is in the cell
        if empty.size:
            proto = ring(r, h)
            xys.append((proto[None, :, :] + np.stack([x[empty], y[empty]], axis=1)[:, None, :]).reshape(-1, 2))
            ids.append(fresh + np.arange(empty.size * proto.shape[0]))
            rings.append(np.repeat(empty, proto.shape[0]))
    pid, pxy, piece = np.concatenate(ids), np.concatenate(xys), np.concatenate(rings)
    order = np.argsort(piece, kind="stable")
    return pid[order], pxy[order], piece[order]


def _with_arcs(item_id: IntArray, ixy: FloatArray, kind: Any, icell: IntArray, x: FloatArray, y: FloatArray,
               rho: float, step: float, fresh: int) -> tuple[IntArray, FloatArray, IntArray]:  # fmt: skip
    """The cut pieces' rings from their items in order: after each exit, the circle's grid vertices
    counter-clockwise up to the next item (its entry), numbered from ``fresh``."""
    n = icell.size
    nxt = np.arange(n) + 1
    last = np.r_[icell[1:] != icell[:-1], True]
    nxt[last] = np.flatnonzero(np.r_[True, icell[1:] != icell[:-1]])
    cx, cy = x[icell], y[icell]
    th_x = np.arctan2(ixy[:, 1] - cy, ixy[:, 0] - cx)
    sweep = np.mod(th_x[nxt] - th_x, 2.0 * math.pi)
    j_lo = np.floor(th_x / step + _ANGLE_EPS).astype(np.int64) + 1
    j_hi = np.ceil((th_x + sweep) / step - _ANGLE_EPS).astype(np.int64) - 1
    n_arc = np.where(kind == 3, np.maximum(j_hi - j_lo + 1, 0), 0)
    total = 1 + n_arc
    start = np.cumsum(total) - total
    m = int(total.sum())
    out_xy = np.empty((m, 2))
    out_id = np.empty(m, dtype=np.int64)
    out_xy[start] = ixy
    out_id[start] = item_id
    arc_items = np.repeat(np.arange(n), n_arc)
    if arc_items.size:
        k = np.arange(arc_items.size) - np.repeat(np.cumsum(n_arc) - n_arc, n_arc)
        ang = (j_lo[arc_items] + k) * step
        pos = start[arc_items] + 1 + k
        out_xy[pos, 0] = cx[arc_items] + rho * np.cos(ang)
        out_xy[pos, 1] = cy[arc_items] + rho * np.sin(ang)
        out_id[pos] = fresh + np.arange(arc_items.size)
    return out_id, out_xy, np.repeat(icell, total)


def _join(table: PieceTable) -> list[Polygon] | None:
    """The union of a coverage's pieces by dropping every edge two pieces share (the one met in both directions)
    and chaining what is left into rings; None where a point has two outgoing boundary edges (parts that touch)."""
    pid, pxy, piece = table
    n = pid.size
    nxt = np.arange(n) + 1
    last = np.r_[piece[1:] != piece[:-1], True]
    nxt[last] = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]])
    src, dst = pid, pid[nxt]
    n_id = int(pid.max()) + 1
    fwd_key, back_key = src * n_id + dst, dst * n_id + src
    sorted_fwd = np.sort(fwd_key)
    at = np.minimum(np.searchsorted(sorted_fwd, back_key), n - 1)
    keep = (sorted_fwd[at] != back_key) & (src != dst)
    src, dst, sxy = src[keep], dst[keep], pxy[keep]
    m = src.size
    by_src = np.argsort(src, kind="stable")
    if m == 0 or (np.diff(src[by_src]) == 0).any():
        return None
    succ = by_src[np.searchsorted(src[by_src], dst)]
    if (src[succ] != dst).any():
        return None
    # rings: the cycles of ``succ``; each ordered from its lowest edge by list ranking (pointer doubling)
    _, label = connected_components(coo_matrix((np.ones(m), (np.arange(m), succ)), shape=(m, m)), directed=True,
                                    connection="weak")  # fmt: skip
    head = np.full(label.max() + 1, m, dtype=np.int64)
    np.minimum.at(head, label, np.arange(m))
    link = np.where(succ == head[label], np.arange(m), succ)
    dist = (link != np.arange(m)).astype(np.int64)
    while True:
        nl = link[link]
        if np.array_equal(nl, link):
            break
        dist = dist + dist[link]
        link = nl
    order = np.lexsort((-dist, label))
    lab = label[order]
    ring_xy = sxy[order]
    bounds = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1], True])
    # twice each ring's signed area (shoelace about its first vertex, for precision): > 0 counter-clockwise
    ring_of = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))
    rel = ring_xy - ring_xy[bounds[:-1]][ring_of]
    ring_next = np.arange(m) + 1
    ring_next[bounds[1:] - 1] = bounds[:-1]
    area2 = np.add.reduceat(rel[:, 0] * rel[ring_next, 1] - rel[ring_next, 0] * rel[:, 1], bounds[:-1])
    return _assemble_polygons(ring_xy, bounds, area2)


def _assemble_polygons(ring_xy: FloatArray, bounds: IntArray, area2: FloatArray) -> list[Polygon]:
    """Polygons from rings (``ring_xy[bounds[k]:bounds[k + 1]]``): counter-clockwise ones are shells, the others
    holes of the smallest shell holding their first point."""
    n_rings = bounds.size - 1
    ring_index = np.repeat(np.arange(n_rings), np.diff(bounds))
    rings = shapely.linearrings(ring_xy, indices=ring_index)
    shell = area2 > 0
    shells = rings[shell]
    polys = shapely.polygons(shells)
    if shell.all():
        return list(polys)
    hole_idx = np.flatnonzero(~shell)
    first = shapely.points(ring_xy[bounds[hole_idx]])
    si, hi = shapely.STRtree(first).query(polys, predicate="contains")
    size = area2[shell][si]
    order = np.lexsort((size, hi))  # per hole, the smallest shell first
    hi, si = hi[order], si[order]
    firsts = np.r_[True, hi[1:] != hi[:-1]]
    owner = np.full(hole_idx.size, -1, dtype=np.int64)
    owner[hi[firsts]] = si[firsts]
    out = list(polys)
    holes = rings[hole_idx]
    by_owner = np.argsort(owner, kind="stable")
    ob = owner[by_owner]
    cuts = np.flatnonzero(np.r_[True, ob[1:] != ob[:-1], True])
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        k = int(ob[a])
        if k >= 0:
            out[k] = shapely.polygons(shells[k], holes=holes[by_owner[a:b]])
    return out
