"""Risk areas of one date: each place buffered in metres in a local projection, merged where they overlap.

Per level of the rule set, the places at that level are buffered by the level's radius (or their own) in a
transverse Mercator projection of their 2-degree longitude strip (:mod:`fevermap.geo.projection`), merged with
shapely where they overlap, and each connected part is one area. A buffer is a polygon of radius ``r + tol / 2``
with enough vertices that its edges come no closer than ``r - tol / 2`` to the centre (``tol`` = 0.3 m), and the
projection's scale error over a strip is below 2e-4 (0.1 m at 500 m): membership agrees with "geodesic distance <=
radius" for every point more than 0.5 m from the circle. An ``around`` level is the union of its places' larger
buffers minus every higher level's areas. Areas in different strips are not merged with each other.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import Polygon, mapping
from shapely.geometry.base import BaseGeometry

from fevermap.geo.projection import LocalProjection, strip_of, strip_projection
from fevermap.risk.places import CasePlaces, PlaceLevels, day_date, evaluate
from fevermap.risk.rules import RuleSet

#: Width of the band around a buffer's circle where its polygon may differ from the circle (metres).
BUFFER_TOL_M = 0.3
STRIP_DEG = 2.0


@dataclass(frozen=True)
class Area:
    """One risk area: a polygon (``(lon, lat)`` degrees) at one level, with its places' summary.

    ``since``/``until`` are local dates (``until`` exclusive: the first day without the level unless a new case
    comes); ``cases`` the case records behind it in the level's window; ``daily`` new case records per local day over
    that window (oldest first); ``sources`` where those records came from (``file:line``, never a case id).
    """

    id: str
    level: str
    rule: str
    polygon: Polygon
    since: date
    until: date
    cases: int
    places: int
    daily: list[tuple[date, int]]
    sources: list[str] = field(default_factory=list)

    def feature(self, *, public: bool = True) -> dict[str, Any]:
        """A GeoJSON Feature; ``public`` leaves out the source records."""
        props: dict[str, Any] = {
            "id": self.id,
            "level": self.level,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "cases": self.cases,
            "places": self.places,
            "rule": self.rule,
            "daily": [{"date": d.isoformat(), "cases": n} for d, n in self.daily],
        }
        if not public:
            props["sources"] = self.sources
        return {"type": "Feature", "geometry": mapping(self.polygon), "properties": props}


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


def _quad_segs(radius_m: float) -> int:
    r = radius_m + BUFFER_TOL_M / 2
    n = math.pi / math.acos(max(-1.0, 1.0 - BUFFER_TOL_M / r))
    return max(2, math.ceil(n / 4))


def _buffers(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], radii: npt.NDArray[np.float64]) -> Any:
    out = np.empty(x.size, dtype=object)
    for r in np.unique(radii):
        sel = radii == r
        pts = shapely.points(x[sel], y[sel])
        out[sel] = shapely.buffer(pts, float(r) + BUFFER_TOL_M / 2, quad_segs=_quad_segs(float(r)))
    return out


def _merge_overlapping(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], radii: npt.NDArray[np.float64], bufs: Any
) -> tuple[list[Polygon], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Merge overlapping buffers: discs overlap when their centres are closer than the sum of their radii, so the
    connected groups of that graph are the parts of the union (one small union per group, not one over all).

    Returns the parts and, per place, its part.
    """
    n = x.size
    reach = 2.0 * float(radii.max()) + BUFFER_TOL_M
    pairs = cKDTree(np.stack([x, y], axis=1)).query_pairs(reach, output_type="ndarray")
    if pairs.size:
        gap = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
        # polygons lie within r + tol/2 of their centre: farther apart than this, they cannot touch
        pairs = pairs[gap <= radii[pairs[:, 0]] + radii[pairs[:, 1]] + BUFFER_TOL_M]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    order = np.argsort(label, kind="stable")
    part_of = np.zeros(n, dtype=np.int64)
    parts: list[Polygon] = []
    for group in np.split(order, np.flatnonzero(np.diff(label[order])) + 1):
        pieces = [bufs[group[0]]] if group.size == 1 else _parts(shapely.union_all(bufs[group]))
        if len(pieces) == 1:
            part_of[group] = len(parts)
        else:  # discs that only touch can stay apart as polygons: each place to the piece holding its centre
            for k, piece in enumerate(pieces):
                part_of[group[shapely.contains_xy(piece, x[group], y[group])]] = len(parts) + k
        parts.extend(pieces)
    return parts, np.arange(n, dtype=np.int64), part_of


def _parts(geom: BaseGeometry) -> list[Polygon]:
    if geom.is_empty:
        return []
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def compute_areas(places: CasePlaces, rules: RuleSet, on: date) -> RiskAreas:
    """All risk areas on local date ``on`` (see the module docstring)."""
    pl = evaluate(places, rules, on)
    areas: list[Area] = []
    strips = strip_of(places.lon, STRIP_DEG)
    for strip in np.unique(strips[pl.level >= 0]):
        proj = strip_projection(int(strip), STRIP_DEG)
        areas.extend(_strip_areas(places, rules, pl, strips == strip, proj))
    digest = hashlib.sha256(rules.digest.encode())
    for a in areas:
        digest.update(a.id.encode())
    return RiskAreas(on, rules, areas, digest.hexdigest()[:16], pl)


def _strip_areas(
    places: CasePlaces, rules: RuleSet, pl: PlaceLevels, in_strip: npt.NDArray[np.bool_], proj: LocalProjection
) -> list[Area]:
    out: list[Area] = []
    higher: list[BaseGeometry] = []
    by_name = {lv.name: k for k, lv in enumerate(pl.levels)}
    for lv in rules.levels:
        k = by_name.get(lv.around or lv.name, -1)
        idx = np.flatnonzero(in_strip & (pl.level == k)) if k >= 0 else np.zeros(0, np.int64)
        if idx.size == 0:
            continue
        x, y = proj.forward(places.lon[idx], places.lat[idx])
        own = places.radius_m[idx] if lv.use_record_radius else np.full(idx.size, np.nan)
        radii = np.where(np.isfinite(own) & (own > 0), own, lv.radius_m)
        bufs = _buffers(x, y, radii)
        if lv.basis == "around":
            merged = shapely.union_all(bufs)
            for level_parts in higher:  # each level's parts are disjoint: a MultiPolygon, no union needed
                merged = shapely.difference(merged, level_parts)
            parts = _parts(merged)
            if not parts:
                continue
            # prepared parts against the buffers: which places each part surrounds
            part_i, place_i = shapely.STRtree(bufs).query(parts, predicate="intersects")
        else:
            parts, place_i, part_i = _merge_overlapping(x, y, radii, bufs)
            higher.append(shapely.multipolygons(parts))
        out.extend(_summaries(places, pl, lv.name, lv.describe(), k, idx, place_i, part_i, parts, proj))
    return out


def _summaries(
    places: CasePlaces, pl: PlaceLevels, level: str, rule: str, k: int, idx: Any, place_i: Any, part_i: Any,
    parts: list[Polygon], proj: LocalProjection,
) -> list[Area]:  # fmt: skip
    """One :class:`Area` per part, from the (place, part) pairs (vectorised over places and records)."""
    lo, hi = pl.levels[k].window_days
    d, m, width = pl.day, len(parts), hi - lo
    pp, pt = idx[place_i], part_i.astype(np.int64)
    rec_off = np.searchsorted(places.rec_place, np.arange(len(places) + 1))
    counts = rec_off[pp + 1] - rec_off[pp]
    starts = np.repeat(rec_off[pp] - (np.cumsum(counts) - counts), counts)
    rec = starts + np.arange(int(counts.sum()))
    rec_part = np.repeat(pt, counts)
    keep = (places.rec_day[rec] > d - hi) & (places.rec_day[rec] <= d - lo)
    rec, rec_part = rec[keep], rec_part[keep]
    cases = np.bincount(rec_part, minlength=m)
    slot = places.rec_day[rec] - (d - hi + 1)
    daily = np.bincount(rec_part * width + slot, minlength=m * width).reshape(m, width)
    since = np.full(m, np.iinfo(np.int64).max)
    until = np.full(m, np.iinfo(np.int64).min)
    np.minimum.at(since, pt, pl.since[pp])
    np.maximum.at(until, pt, pl.until[pp])
    n_places = np.bincount(pt, minlength=m)
    by_part = np.argsort(rec_part, kind="stable")
    src_bounds = np.searchsorted(rec_part[by_part], np.arange(m + 1))
    mem_order = np.lexsort((pp, pt))
    mem_bounds = np.searchsorted(pt[mem_order], np.arange(m + 1))
    polys = shapely.transform(np.asarray(parts, dtype=object), lambda c: np.stack(proj.inverse(c[:, 0], c[:, 1]), 1))
    days = [day_date(dn) for dn in range(d - hi + 1, d - lo + 1)]
    out = []
    for j in range(m):
        members = pp[mem_order[mem_bounds[j] : mem_bounds[j + 1]]]
        ident = hashlib.sha1(f"{level}:{d}:".encode() + members.tobytes()).hexdigest()[:12]
        out.append(
            Area(
                id=f"{level}-{ident}",
                level=level,
                rule=rule,
                polygon=polys[j],
                since=day_date(int(since[j])),
                until=day_date(int(until[j])),
                cases=int(cases[j]),
                places=int(n_places[j]),
                daily=list(zip(days, daily[j].tolist(), strict=True)),
                sources=places.rec_source[rec[by_part[src_bounds[j] : src_bounds[j + 1]]]].tolist(),
            )
        )
    return out
