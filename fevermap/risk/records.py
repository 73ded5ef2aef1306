"""Area records of one level from its merged parts: back to degrees, holes added, cases per day, a stable id.

:func:`fevermap.risk.areas.compute_areas` merges the places' discs into parts (metres, in the strip's projection);
:func:`area_records` turns them into :class:`Area` records: the polygon in ``(lon, lat)`` degrees (lone discs through
their centre's linear map, :func:`lone_in_degrees`), the higher areas' rings added as holes, since/until, the case
records in the level's window per local day, their sources, and an id that names the places.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon, mapping

from fevermap.geo.projection import LocalProjection
from fevermap.risk.places import CasePlaces, PlaceLevels, day_date

#: Lone discs among a level's parts: their centres (metres, ``(n, 2)``) and the ring around each
#: (:func:`fevermap.risk.discs.ring`).
LoneDiscs = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


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


def lone_in_degrees(lone: LoneDiscs, proj: LocalProjection) -> Any:
    """Lone discs (a ring around each centre, metres) in degrees: each centre brought back with its local linear
    map (the projection's derivatives by 1 m differences). The neglected second-order terms (the change of scale and
    of meridian convergence across the disc) grow with the radius squared: 0.15 mm at 50 m, under 1 mm up to
    :data:`fevermap.risk.areas.LINEAR_MAX_RADIUS_M` (larger discs are brought back vertex by vertex)."""
    centre, proto = lone
    lon, lat = proj.inverse(centre[:, 0], centre[:, 1])
    lon_x, lat_x = proj.inverse(centre[:, 0] + 1.0, centre[:, 1])
    lon_y, lat_y = proj.inverse(centre[:, 0], centre[:, 1] + 1.0)
    dx, dy = proto[None, :, 0], proto[None, :, 1]
    ring_lon = lon[:, None] + (lon_x - lon)[:, None] * dx + (lon_y - lon)[:, None] * dy
    ring_lat = lat[:, None] + (lat_x - lat)[:, None] * dx + (lat_y - lat)[:, None] * dy
    return shapely.polygons(np.stack([ring_lon, ring_lat], axis=2))


def _add_holes(polys: npt.NDArray[np.object_], holes: list[list[Any]]) -> None:
    """Give ``polys[j]`` the extra hole rings ``holes[j]`` (in place), in one vectorised pass over the parts that get
    any: each rebuilt from its exterior, its own holes and the new ones."""
    take = np.array([j for j, rings in enumerate(holes) if len(rings)], dtype=np.int64)
    if take.size == 0:
        return
    geoms = polys[take]
    n_own = shapely.get_num_interior_rings(geoms)
    own_of = np.repeat(np.arange(take.size), n_own)
    own = shapely.get_interior_ring(geoms[own_of], np.arange(own_of.size) - np.repeat(np.cumsum(n_own) - n_own, n_own))
    extra = [r for j in take.tolist() for r in holes[j]]
    extra_of = np.repeat(np.arange(take.size), [len(holes[j]) for j in take.tolist()])
    rings = np.concatenate([shapely.get_exterior_ring(geoms), own, np.asarray(extra, dtype=object)])
    of = np.concatenate([np.arange(take.size), own_of, extra_of])
    order = np.argsort(of, kind="stable")  # per part: exterior first (listed first), then its own holes, then new
    polys[take] = shapely.polygons(rings[order], indices=of[order])


def area_records(
    places: CasePlaces, pl: PlaceLevels, level: str, rule: str, k: int, idx: Any, place_i: Any, part_i: Any,
    parts: list[Polygon], proj: LocalProjection, holes: list[list[Any]] | None = None,
    lone: LoneDiscs | None = None,
) -> list[Area]:  # fmt: skip
    """One :class:`Area` per part, from the (place, part) pairs (vectorised over places and records); ``holes``
    (optional, per part) rings in degrees added to the part once it is back in degrees; ``lone`` the lone discs that
    are the first parts (:func:`lone_in_degrees`)."""
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
    n_lone = 0 if lone is None else len(lone[0])
    polys = np.empty(m, dtype=object)
    if lone is not None and n_lone:
        polys[:n_lone] = lone_in_degrees(lone, proj)
    polys[n_lone:] = shapely.transform(np.asarray(parts[n_lone:], dtype=object),
                                       lambda c: np.stack(proj.inverse(c[:, 0], c[:, 1]), 1))  # fmt: skip
    if holes:
        _add_holes(polys, holes)
    days = [day_date(dn) for dn in range(d - hi + 1, d - lo + 1)]
    dates = {int(dn): day_date(int(dn)) for dn in np.unique(np.concatenate([since, until]))}
    members = pp[mem_order]
    # an area's id names its places by their coordinates: the same places give the same id whatever else is held
    blob = np.stack([places.lon[members], places.lat[members]], axis=1).tobytes()  # 16 bytes a place
    sources = places.rec_source[rec[by_part]].tolist()
    mb, sb = (16 * mem_bounds).tolist(), src_bounds.tolist()
    prefix = f"{level}:{d}:".encode()
    out = []
    for j, (poly, s0, u0, c, npl, row) in enumerate(zip(polys.tolist(), since.tolist(), until.tolist(),
                                                        cases.tolist(), n_places.tolist(), daily.tolist(),
                                                        strict=True)):  # fmt: skip
        ident = hashlib.sha1(prefix + blob[mb[j] : mb[j + 1]]).hexdigest()[:12]
        out.append(Area(id=f"{level}-{ident}", level=level, rule=rule, polygon=poly, since=dates[s0],
                        until=dates[u0], cases=c, places=npl, daily=list(zip(days, row, strict=True)),
                        sources=sources[sb[j] : sb[j + 1]]))  # fmt: skip
    return _distinct_ids(out)


def _distinct_ids(areas: list[Area]) -> list[Area]:
    """Areas with the same places (the pieces of one part cut apart by a higher level) get ``-1``, ``-2``, ... after
    their id, numbered west to east (then south to north) by their bounds, so every id of a day is distinct."""
    rows_of: dict[str, list[int]] = {}
    for i, a in enumerate(areas):
        rows_of.setdefault(a.id, []).append(i)
    out = list(areas)
    for ident, rows in rows_of.items():
        if len(rows) > 1:
            rows.sort(key=lambda i: tuple(shapely.bounds(areas[i].polygon)[:2]))
            for k, i in enumerate(rows, start=1):
                out[i] = replace(areas[i], id=f"{ident}-{k}")
    return out
