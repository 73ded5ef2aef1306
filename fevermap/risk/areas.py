"""Risk areas of one date: each place's disc of the level's radius in a local projection, merged where they overlap.

Per level of the rule set, the places at that level get a disc of the level's radius (or their own) in a transverse
Mercator projection of their 2-degree longitude strip (:mod:`fevermap.geo.projection`); overlapping discs are merged
and each connected part is one area. Discs of one radius are merged as an exact coverage of Voronoi cells clipped by
their circles (:mod:`fevermap.risk.discs`, no polygon overlay); records' own radii fall back to buffer polygons merged
with shapely per overlapping group. Either way an area's outline has its vertices at ``r + h`` and comes no closer
than ``r - h`` to the nearest centre, where the half band ``h`` is :data:`MEMBERSHIP_TOL_M` less a 0.05 m margin
less the projection's scale error over the strip's places times ``r`` (about 0.4 m at 500 m in Shanghai, 56 vertices
to a circle; 0.44 m at 50 m, 20): membership agrees with "geodesic distance <= radius" for every point more than
:data:`MEMBERSHIP_TOL_M` from the circle (two places between ``2 (r - h)`` and ``2 (r + h)`` apart may be one area or
two). An ``around`` level is the union of its places' larger discs minus every higher level's areas
(:mod:`fevermap.risk.around`). Areas in different strips are not merged with each other. While a day's areas are
built, Python's cycle collector is suspended (see :func:`_no_cycle_collection`).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import Polygon

from fevermap.geo.projection import LocalProjection, strip_of, strip_projection
from fevermap.risk.around import Subtraction, near_pairs, polygon_parts, subtract, with_holes_added
from fevermap.risk.discs import disc_parts, disc_polygons, ring
from fevermap.risk.places import CasePlaces, PlaceLevels, evaluate
from fevermap.risk.records import Area, LoneDiscs, area_records
from fevermap.risk.rules import RuleSet

#: Distance from a buffer's circle beyond which its polygon's membership equals the circle's (metres).
MEMBERSHIP_TOL_M = 0.5
#: Part of :data:`MEMBERSHIP_TOL_M` kept as a margin (rounding, the geodesic-vs-projected chord).
MARGIN_M = 0.05
#: Largest radius (metres) whose lone discs are brought back to degrees by their centre's linear map.
LINEAR_MAX_RADIUS_M = 100.0
STRIP_DEG = 2.0


@dataclass(frozen=True)
class RiskAreas:
    """The areas of one date under one rule set; ``version`` changes exactly when the areas do."""

    date: date
    rules: RuleSet
    areas: list[Area]
    version: str
    place_levels: PlaceLevels

    def of_level(self, *levels: str) -> list[Area]:
        return [a for a in self.areas if a.level in levels]

    def geojson(self, level: str | None = None, *, public: bool = True) -> dict[str, Any]:
        """A FeatureCollection of the areas (of one ``level``) with the date and the rule set named."""
        feats = [a.feature(public=public) for a in self.areas if level is None or a.level == level]
        return {"type": "FeatureCollection", "date": self.date.isoformat(), "rules": self.rules.name,
                "version": self.version, "features": feats}  # fmt: skip


def half_band(radius_m: float, scale_error: float) -> float:
    """Half width (metres) of the band around a circle of ``radius_m`` where its buffer polygon may differ from it,
    given the projection's relative ``scale_error``."""
    return max(0.05, MEMBERSHIP_TOL_M - MARGIN_M - scale_error * radius_m)


def _buffers(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], radii: npt.NDArray[np.float64], scale_error: float
) -> tuple[Any, npt.NDArray[np.float64]]:
    """Buffer polygons of the points (:func:`fevermap.risk.discs.ring` translated) and, per point, the half band
    ``h`` of its buffer (metres)."""
    out = np.empty(x.size, dtype=object)
    band = np.empty(x.size, dtype=np.float64)
    for r in np.unique(radii):
        sel = radii == r
        h = half_band(float(r), scale_error)
        out[sel] = disc_polygons(x[sel], y[sel], float(r), h)
        band[sel] = h
    return out, band


def _merge_equal(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], r: float, h: float
) -> tuple[list[Polygon], npt.NDArray[np.int64], npt.NDArray[np.int64], LoneDiscs]:
    """Discs of one radius merged where they overlap (:func:`fevermap.risk.discs.disc_cover`); each place to the part
    holding its centre. Returns the parts, the (place, part) pairs and the lone discs among the parts (first)."""
    parts, part_of, n_alone = disc_parts(x, y, r, h)
    centre = np.empty((n_alone, 2))
    alone = np.flatnonzero(part_of < n_alone)
    centre[part_of[alone]] = np.stack([x[alone], y[alone]], axis=1)
    lone = (centre, ring(r, h)) if r <= LINEAR_MAX_RADIUS_M else (np.zeros((0, 2)), ring(r, h))
    return parts, np.arange(x.size, dtype=np.int64), part_of, lone


def _merge_overlapping(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], radii: npt.NDArray[np.float64], band: Any, bufs: Any
) -> tuple[list[Polygon], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Merge overlapping buffers: discs overlap when their centres are closer than the sum of their radii, so the
    connected groups of that graph are the parts of the union (one small union per group, not one over all).

    Returns the parts and, per place, its part.
    """
    n = x.size
    reach = 2.0 * float((radii + band).max())
    pairs = cKDTree(np.stack([x, y], axis=1)).query_pairs(reach, output_type="ndarray")
    if pairs.size:
        gap = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
        # polygons lie within r + h of their centre: farther apart than this, they cannot touch
        outer = radii + band
        pairs = pairs[gap <= outer[pairs[:, 0]] + outer[pairs[:, 1]]]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    size = np.bincount(label)
    single = np.flatnonzero(size[label] == 1)  # most places: their buffer is their part, no union
    part_of = np.zeros(n, dtype=np.int64)
    part_of[single] = np.arange(single.size)
    parts: list[Polygon] = list(bufs[single])
    multi = np.flatnonzero(size[label] > 1)
    order = multi[np.argsort(label[multi], kind="stable")]
    for group in np.split(order, np.flatnonzero(np.diff(label[order])) + 1) if order.size else []:
        pieces = polygon_parts(shapely.union_all(bufs[group]))
        if len(pieces) == 1:
            part_of[group] = len(parts)
        else:  # discs that only touch can stay apart as polygons: each place to the piece holding its centre
            for k, piece in enumerate(pieces):
                part_of[group[shapely.contains_xy(piece, x[group], y[group])]] = len(parts) + k
        parts.extend(pieces)
    return parts, np.arange(n, dtype=np.int64), part_of


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Suspend Python's cycle collector: a day's areas are tens of thousands of new objects (polygons, areas, their
    lists), none in a reference cycle, and each collection the allocations trigger would walk every object the process
    holds (a fifth of the peak day's time). Collection resumes, as it was, when the block ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def compute_areas(places: CasePlaces, rules: RuleSet, on: date) -> RiskAreas:
    """All risk areas on local date ``on`` (see the module docstring)."""
    with _no_cycle_collection():
        return _compute(places, rules, on)


def _compute(places: CasePlaces, rules: RuleSet, on: date) -> RiskAreas:
    pl = evaluate(places, rules, on)
    areas: list[Area] = []
    strips = strip_of(places.lon, STRIP_DEG)
    for strip in np.unique(strips[pl.level >= 0]):
        proj = strip_projection(int(strip), STRIP_DEG)
        areas.extend(_strip_areas(places, rules, pl, strips == strip, proj))
    # members (in the id) and summary: the version changes when an area or its counts do
    digest = hashlib.sha256(rules.digest.encode())
    digest.update(";".join([a.id for a in areas]).encode())
    summary = [(a.cases, a.since.toordinal(), a.until.toordinal()) for a in areas]
    digest.update(np.asarray(summary, dtype=np.int64).tobytes())
    return RiskAreas(on, rules, areas, digest.hexdigest()[:16], pl)


def _strip_areas(
    places: CasePlaces, rules: RuleSet, pl: PlaceLevels, in_strip: npt.NDArray[np.bool_], proj: LocalProjection
) -> list[Area]:
    out: list[Area] = []
    higher: list[Polygon] = []
    family: list[int] = []  # per higher area, its level: areas of one level meet at most in points
    first_place: list[int] = []  # per higher area, one of its places (index into its level's places)
    reach: dict[int, float] = {}  # per level, how far its areas reach from their places (metres)
    higher_deg: list[Polygon] = []  # the higher areas in degrees
    by_name = {lv.name: k for k, lv in enumerate(pl.levels)}
    lon, lat = places.lon[in_strip], places.lat[in_strip]
    scale_error = proj.scale_error(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    for lv in rules.levels:
        k = by_name.get(lv.around or lv.name, -1)
        idx = np.flatnonzero(in_strip & (pl.level == k)) if k >= 0 else np.zeros(0, np.int64)
        if idx.size == 0:
            continue
        x, y = proj.forward(places.lon[idx], places.lat[idx])
        holes: list[list[Any]] | None = None
        lone: LoneDiscs | None = None
        own = places.radius_m[idx] if lv.use_record_radius else np.full(idx.size, np.nan)
        radii = np.where(np.isfinite(own) & (own > 0), own, lv.radius_m)
        if lv.basis == "around":
            r = float(radii[0])
            h = half_band(r, scale_error)
            # the areas of the level this one is around lie inside the union part holding their places when they
            # reach less far than the union's inscribed radius
            base = (np.asarray(family) == k) & (reach.get(k, np.inf) < r - h - 0.01)
            sub, place_i, part_i = _around(x, y, r, h, higher, np.asarray(family), base, np.asarray(first_place))
            if not sub.pieces:
                continue
            # the pieces go back to degrees without the holes the higher areas made; those rings are the higher
            # areas' own outlines, already in degrees (a group of several is brought back once)
            parts, holes = sub.bare, _hole_rings(sub, higher_deg, proj)
        else:
            if np.all(radii == radii[0]):
                r = float(radii[0])
                parts, place_i, part_i, lone = _merge_equal(x, y, r, half_band(r, scale_error))
            else:  # records' own radii: the buffers' overlap graph, one union per connected group
                bufs, band = _buffers(x, y, radii, scale_error)
                parts, place_i, part_i = _merge_overlapping(x, y, radii, band, bufs)
            higher.extend(parts)
            family.extend([k] * len(parts))
            rep = np.zeros(len(parts), dtype=np.int64)
            rep[part_i] = place_i
            first_place.extend(rep.tolist())
            reach[k] = float(radii.max()) + half_band(float(radii.max()), scale_error)
        made = area_records(places, pl, lv.name, lv.describe(), k, idx, place_i, part_i, parts, proj, holes, lone)
        if lv.basis != "around":
            higher_deg.extend(a.polygon for a in made)
        out.extend(made)
    return out


def _around(
    x: Any, y: Any, r: float, h: float, higher: list[Polygon], family: Any, base: Any, first_place: Any
) -> tuple[Subtraction, Any, Any]:
    """An around level's parts (its discs' union minus the ``higher`` areas) and the (place, part) pairs: a place
    belongs to the parts within ``r + h`` of it (the parts its buffer polygon may meet). ``base`` marks the higher
    areas of the places ``(x, y)`` themselves known to lie inside the union, ``first_place`` one place of each."""
    parts_u, part_of_place, _ = disc_parts(x, y, r, h)  # each place's centre lies in the part holding its disc
    union = np.asarray(parts_u, dtype=object)
    inside = np.where(base, part_of_place[np.where(base, first_place, 0)], -1)
    sub = subtract(list(union), higher, family, inside, with_holes=False)  # holes only where places are placed
    parts, source = sub.pieces, sub.source
    pieces_of = np.bincount(source, minlength=union.size)
    first_piece = np.searchsorted(source, np.arange(union.size))
    whole = (part_of_place >= 0) & (pieces_of[np.maximum(part_of_place, 0)] == 1)
    place_i = [np.flatnonzero(whole)]
    part_i = [first_piece[part_of_place[whole]]]
    for u in np.flatnonzero(pieces_of > 1):  # a part the higher areas cut apart: which pieces lie near each place
        members = np.flatnonzero(part_of_place == u)
        pieces = np.flatnonzero(source == u)
        mine = pieces.tolist()
        added = [g for i in mine for g in sub.added[i]]
        owner = np.repeat(np.arange(len(mine)), [len(sub.added[i]) for i in mine])
        holed = with_holes_added([parts[i] for i in mine], shapely.get_exterior_ring(sub.groups[added]), owner)
        qi, mi = near_pairs(holed, x[members], y[members], r + h)
        place_i.append(members[mi])
        part_i.append(pieces[qi])
    return sub, np.concatenate(place_i), np.concatenate(part_i)


def _hole_rings(sub: Subtraction, higher_deg: list[Polygon], proj: LocalProjection) -> list[list[Any]]:
    """Per piece of ``sub``, the rings (degrees) of the groups added as its holes: a group of one higher area is that
    area's outline in degrees (``higher_deg``), a merged group's is brought back from metres."""
    n_groups = len(sub.groups)
    alone = np.full(n_groups, -1, dtype=np.int64)
    size = np.bincount(sub.label, minlength=n_groups)
    single = np.flatnonzero(size[sub.label] == 1)
    alone[sub.label[single]] = single
    used = np.unique(np.concatenate([np.zeros(0, np.int64), *(np.asarray(a, np.int64) for a in sub.added)]))
    ring_of: dict[int, Any] = {}
    mine = used[alone[used] >= 0]
    outlines = shapely.get_exterior_ring(np.asarray(higher_deg, dtype=object)[alone[mine]])
    ring_of.update(zip(mine.tolist(), outlines, strict=True))
    merged = used[alone[used] < 0]
    if merged.size:
        rings = shapely.transform(shapely.get_exterior_ring(sub.groups[merged]),
                                  lambda c: np.stack(proj.inverse(c[:, 0], c[:, 1]), 1))  # fmt: skip
        ring_of.update(zip(merged.tolist(), rings, strict=True))
    return [[ring_of[g] for g in a] for a in sub.added]
