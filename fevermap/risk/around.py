"""An ``around`` level's parts: the union of its discs minus the higher levels' areas, without a global overlay.

The union of the discs is :func:`fevermap.risk.discs.disc_cover` (exact within the buffers' band of ``h``: membership
equals "distance <= r" for every point more than ``h`` from the circle). The higher levels' areas are grouped where
they touch (one small union per group; areas of one level, the parts of one union, are only tested against other
levels'). A group that is one polygon without holes and lies in the interior of a union part (``contains_properly``,
on the prepared part) is subtracted by adding its ring as a hole, which is exactly the set difference; only the other
groups (crossing a part's boundary, or with holes of their own) go through a shapely ``difference``, all of a part's
at once as one MultiPolygon (they are disjoint), and only against the parts whose box they meet. Subtracting the
12,000 sealed and controlled areas of the Shanghai 2022 peak day from the 500 m union this way costs about 0.2 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

IntArray = npt.NDArray[np.int64]


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a (Multi)Polygon or collection, empty ones left out."""
    if geom.is_empty:
        return []
    if hasattr(geom, "geoms"):
        return [g for p in geom.geoms for g in polygon_parts(p)]
    return [geom] if isinstance(geom, Polygon) else []


def disc_union(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], r: float, h: float, bufs: Any) -> BaseGeometry:
    """Union of the buffers ``bufs`` of radius ``r`` of the points ``(x, y)`` (projected metres), whose polygons lie
    between ``r - h`` and ``r + h`` of their centre (see the module docstring)."""
    if x.size < 8:
        return shapely.union_all(bufs)
    cells = shapely.voronoi_polygons(shapely.multipoints(np.stack([x, y], axis=1)), ordered=True)
    cells = np.asarray(shapely.get_parts(cells), dtype=object)
    xy, owner = shapely.get_coordinates(cells, return_index=True)
    far = np.zeros(cells.size)
    np.maximum.at(far, owner, np.hypot(xy[:, 0] - x[owner], xy[:, 1] - y[owner]))
    inner = far <= r - h - 0.01  # the cell lies inside the polygon's inscribed circle (radius >= r - h)
    if not inner.any():
        return shapely.union_all(bufs)
    tiles = shapely.coverage_union_all(cells[inner])
    return shapely.union_all(np.concatenate([np.asarray([tiles], dtype=object), bufs[~inner]]))


def _touching_groups(
    higher: Sequence[BaseGeometry], families: IntArray | None = None
) -> tuple[list[BaseGeometry], IntArray]:
    """The higher areas merged where they intersect or touch (each group one union) and each area's group; polygons
    of one of the ``families`` are known to meet each other at most in points, so only pairs from different families
    are tested."""
    arr = np.asarray(higher, dtype=object)
    n = arr.size
    fam = np.zeros(n, dtype=np.int64) if families is None else np.asarray(families, dtype=np.int64)
    if families is None:
        a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
        keep = a < b
    else:
        found: list[tuple[IntArray, IntArray]] = []
        for f in np.unique(fam)[:-1].tolist():
            mine, later = np.flatnonzero(fam == f), np.flatnonzero(fam > f)
            qa, qb = shapely.STRtree(arr[mine]).query(arr[later], predicate="intersects")
            found.append((later[qa], mine[qb]))
        a = np.concatenate([np.zeros(0, np.int64), *(p[0] for p in found)])
        b = np.concatenate([np.zeros(0, np.int64), *(p[1] for p in found)])
        keep = np.ones(a.size, dtype=bool)
    graph = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    n_groups, label = connected_components(graph, directed=False)
    out = np.empty(n_groups, dtype=object)
    size = np.bincount(label, minlength=n_groups)
    alone = np.flatnonzero(size[label] == 1)
    out[label[alone]] = arr[alone]  # most areas touch no other: their own group
    multi = np.flatnonzero(size[label] > 1)
    if multi.size:  # the others: one union per group, all in one call over a table padded with None
        order = multi[np.argsort(label[multi], kind="stable")]
        lab = label[order]
        starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
        rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
        table = np.full((starts.size, int(size.max())), None, dtype=object)
        table[np.repeat(np.arange(starts.size), np.diff(np.r_[starts, order.size])), rank] = arr[order]
        out[lab[starts]] = shapely.union_all(table, axis=1)
    return list(out), label


@dataclass(frozen=True)
class Subtraction:
    """``union(parts) - union(higher)``: ``pieces`` (polygons) and per piece the ``source`` part; ``bare`` the same
    pieces without the holes added from the higher ``groups`` (polygons), and per piece the groups ``added`` as its
    last holes, in order; ``label`` the group of each higher polygon."""

    pieces: list[Polygon]
    source: IntArray
    bare: list[Polygon]
    added: list[list[int]]
    groups: Any
    label: IntArray


def subtract_higher(
    parts: list[Polygon], higher: Sequence[BaseGeometry], families: IntArray | None = None,
    inside: IntArray | None = None,
) -> tuple[list[Polygon], IntArray]:  # fmt: skip
    """``union(parts) - union(higher)`` as polygons, and per polygon the index of the part it comes from.

    ``parts`` are the disjoint polygons of one union (projected metres); ``higher`` any polygons in the same
    coordinates; ``families`` (optional, per higher polygon) labels sets whose polygons meet each other at most in
    points (the parts of one union), which need no test among themselves; ``inside`` (optional, per higher polygon)
    a part known to hold the polygon in its interior, or -1 (then it is tested).
    """
    sub = subtract(parts, higher, families, inside)
    return sub.pieces, sub.source


def subtract(
    parts: list[Polygon], higher: Sequence[BaseGeometry], families: IntArray | None = None,
    inside: IntArray | None = None, *, with_holes: bool = True,
) -> Subtraction:  # fmt: skip
    """:func:`subtract_higher` with which groups became which piece's holes (see :class:`Subtraction`); without
    ``with_holes``, ``pieces`` are the bare pieces too (the caller adds the holes where it needs them)."""
    if not parts or not len(higher):
        n = len(parts)
        return Subtraction(list(parts), np.arange(n, dtype=np.int64), list(parts), [[] for _ in range(n)],
                           np.zeros(0, dtype=object), np.zeros(len(higher), dtype=np.int64))  # fmt: skip
    group_list, label = _touching_groups(higher, families)
    groups = np.asarray(group_list, dtype=object)
    part_arr = np.asarray(parts, dtype=object)
    shapely.prepare(part_arr)
    gi, pi = shapely.STRtree(part_arr).query(groups)  # box candidates
    simple = shapely.get_type_id(groups) == 3  # Polygon
    simple &= shapely.get_num_interior_rings(groups) == 0
    hole_of = np.full(groups.size, -1, dtype=np.int64)
    if inside is not None:  # an area alone in its group, known to lie inside a part: a hole, untested
        alone = np.bincount(label, minlength=groups.size)[label] == 1
        hole_of[label[alone]] = np.asarray(inside, dtype=np.int64)[alone]
        hole_of[~simple] = -1
    sel = simple[gi] & (hole_of[gi] < 0)
    if sel.any():
        held = shapely.contains_properly(part_arr[pi[sel]], groups[gi[sel]])
        hole_of[gi[sel][held]] = pi[sel][held]
    # groups that are not a hole of one part: a real difference against every part whose box they meet
    cut = hole_of[gi] < 0
    cut_by: dict[int, list[int]] = {}
    for g, p in zip(gi[cut].tolist(), pi[cut].tolist(), strict=True):
        cut_by.setdefault(p, []).append(g)
    holes_by: dict[int, list[int]] = {}
    for g, p in enumerate(hole_of.tolist()):
        if p >= 0:
            holes_by.setdefault(p, []).append(g)
    out: list[Polygon] = []
    bare: list[Polygon] = []
    added: list[list[int]] = []
    source: list[int] = []
    for p, part in enumerate(parts):
        pieces = [part]
        if p in cut_by:
            # the groups neither overlap nor touch each other: together they are a valid MultiPolygon, no union
            cutter = shapely.multipolygons(shapely.get_parts(groups[cut_by[p]]))
            pieces = polygon_parts(shapely.difference(part, cutter))
        bare.extend(pieces)
        if p in holes_by:
            mine = np.asarray(holes_by[p], dtype=np.int64)
            rings = shapely.get_exterior_ring(groups[mine])
            owner = _hole_owner(pieces, rings)
            added.extend(mine[owner == k].tolist() for k in range(len(pieces)))
            if with_holes:
                pieces = with_holes_added(pieces, rings, owner)
        else:
            added.extend([] for _ in pieces)
        out.extend(pieces)
        source.extend([p] * len(pieces))
    return Subtraction(out, np.asarray(source, dtype=np.int64), bare, added, groups, label)


def _hole_owner(pieces: list[Polygon], rings: Any) -> IntArray:
    """Per ring (lying in the pieces' interiors), the piece that holds it."""
    if len(pieces) == 1:
        return np.zeros(len(rings), dtype=np.int64)
    first = shapely.get_point(rings, 0)
    owner = np.full(len(rings), -1, dtype=np.int64)
    # each ring's first vertex lies in one piece (each piece prepared once, the vertices in the tree)
    pi, ri = shapely.STRtree(first).query(np.asarray(pieces, dtype=object), predicate="contains")
    owner[ri] = pi
    return owner


def with_holes_added(pieces: Sequence[Polygon], rings: Any, owner: IntArray) -> list[Polygon]:
    """Each ring added as a hole of its ``owner`` piece (rings disjoint, in the pieces' interiors)."""
    out = []
    for k, piece in enumerate(pieces):
        mine = rings[owner == k]
        if mine.size:
            old = shapely.get_interior_ring(piece, np.arange(shapely.get_num_interior_rings(piece)))
            piece = shapely.polygons(shapely.get_exterior_ring(piece), holes=np.concatenate([old, mine]))
        out.append(piece)
    return out


def near_pairs(pieces: Sequence[Polygon], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
               distance: float) -> tuple[IntArray, IntArray]:  # fmt: skip
    """The (piece, point) pairs within ``distance`` of each other (projected metres), exactly.

    The same as an STRtree ``dwithin`` query, without measuring every point against every hole of a piece: a point
    within ``distance`` of a piece's outline (its exterior ring filled) is within ``distance`` of the piece unless it
    lies in one of the piece's holes, and then only if it is within ``distance`` of that hole's ring.
    """
    arr = np.asarray(pieces, dtype=object)
    pts = shapely.points(x, y)
    shells = shapely.polygons(shapely.get_exterior_ring(arr))
    si, pt = shapely.STRtree(pts).query(shells, predicate="dwithin", distance=distance)
    n_holes = shapely.get_num_interior_rings(arr)
    if not n_holes.any():
        return si, pt
    rings, ring_of = shapely.get_rings(arr, return_index=True)
    is_hole = np.r_[False, ring_of[1:] == ring_of[:-1]]
    holes, hole_of = rings[is_hole], ring_of[is_hole]
    hole_polys = shapely.polygons(holes)
    hi, hp = shapely.STRtree(hole_polys).query(pts)  # (point, hole) whose boxes meet, then the point inside
    inner = shapely.contains_xy(hole_polys[hp], x[hi], y[hi])
    hi, hp = hi[inner], hp[inner]
    # per (point, piece) pair: the piece's hole holding the point, if any (holes of one piece are disjoint)
    held = hi * arr.size + hole_of[hp]
    order = np.argsort(held)
    held = held[order]
    pair = pt * arr.size + si
    at = np.minimum(np.searchsorted(held, pair), max(held.size - 1, 0))
    found = held[at] == pair if held.size else np.zeros(pair.size, dtype=bool)
    keep = ~found
    inside = np.flatnonzero(found)
    keep[inside] = shapely.dwithin(pts[pt[inside]], holes[hp[order][at[inside]]], distance)
    return si[keep], pt[keep]
