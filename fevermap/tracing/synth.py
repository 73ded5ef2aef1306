"""Seeded generator of synthetic case visits and declared itineraries along a road graph.

Everything here is *synthetic* and labelled so (owners ``syn-case-*`` and ``syn-decl-*``); it exists for tests,
demos and benchmarks, never as data. Points lie near road nodes given as ``(lon, lat)`` arrays (degrees), e.g. the
demo region's (:func:`fevermap.tracing.roadnodes.demo_road_nodes`).

Model
-----
* Case visits: a road node plus a jitter of up to ``jitter_m`` metres (geodesic), a start uniform over ``days``
  days from ``t0``, a duration log-uniform between 20 min and 4 h; a share ``day_level`` covers a whole local day
  (like the Shanghai 2022 address-days).
* Itineraries: each declarant makes ``stops_per_person`` consecutive stops on one day at random road nodes, each 10
  min to 3 h, separated by the travel time at 25 km/h over the geodesic distance.
* Planted pairs: a share ``planted`` of stops is moved next to a chosen case visit. Half are true matches (inside
  the radius, overlap comfortably above the minimum); the other half are near misses or exact-boundary hits: at the
  radius +- 1 mm or 1 cm, or with an overlap of exactly the minimum or one second less. The kinds are returned so
  tests can check them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from fevermap.geo.geodesy import destination, geodesic_distance_m
from fevermap.tracing.models import DEFAULT_TZ, IntArray, MatchRule, Visits

#: Start of the synthetic period: 2022-04-01 00:00 in Shanghai.
DEFAULT_T0 = int(datetime(2022, 4, 1, tzinfo=ZoneInfo(DEFAULT_TZ)).timestamp())

PLANTED_KINDS = ("inside", "radius+1mm", "radius-1mm", "radius+1cm", "overlap=min", "overlap=min-1s")


@dataclass(frozen=True)
class Planted:
    """Planted pairs: stop row, case visit row and kind (one of :data:`PLANTED_KINDS`)."""

    stop: IntArray
    visit: IntArray
    kind: npt.NDArray[np.object_]


def _jitter(rng: np.random.Generator, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], max_m: float):
    az = rng.uniform(0.0, 360.0, len(lon))
    dist = max_m * np.sqrt(rng.random(len(lon)))
    return destination(lon, lat, az, dist)


def synth_case_visits(
    node_lon: npt.ArrayLike,
    node_lat: npt.ArrayLike,
    n: int,
    *,
    seed: int = 0,
    t0: int = DEFAULT_T0,
    days: int = 14,
    visits_per_case: int = 5,
    day_level: float = 0.1,
    jitter_m: float = 25.0,
    tz: str = DEFAULT_TZ,
    id_offset: int = 0,
) -> Visits:
    """``n`` synthetic case visits near the road nodes ``(node_lon, node_lat)`` (degrees); times UTC seconds.

    ``id_offset`` shifts the case numbering so that chunks generated separately get distinct case ids.
    """
    rng = np.random.default_rng(seed)
    nl, na = np.asarray(node_lon, dtype=np.float64), np.asarray(node_lat, dtype=np.float64)
    pick = rng.integers(0, len(nl), n)
    lon, lat = _jitter(rng, nl[pick], na[pick], jitter_m)
    start = t0 + rng.integers(0, days * 86400, n)
    dur = np.exp(rng.uniform(np.log(20 * 60), np.log(4 * 3600), n)).astype(np.int64)
    end = start + dur
    whole_day = rng.random(n) < day_level
    if whole_day.any():
        off = int(ZoneInfo(tz).utcoffset(datetime(2022, 1, 1)).total_seconds())  # type: ignore[union-attr]
        day_start = (start[whole_day] + off) // 86400 * 86400 - off
        start[whole_day] = day_start
        end[whole_day] = day_start + 86400
    case = (np.arange(n) // visits_per_case) + id_offset
    owner = np.char.add("syn-case-", case.astype(str)).astype(object)
    return Visits.from_arrays(
        owner, lon, lat, start, end, record=np.char.add("synthetic visit ", np.arange(n).astype(str)).astype(object)
    )


def synth_itineraries(
    node_lon: npt.ArrayLike,
    node_lat: npt.ArrayLike,
    n: int,
    *,
    seed: int = 1,
    t0: int = DEFAULT_T0,
    days: int = 14,
    stops_per_person: int = 5,
    jitter_m: float = 25.0,
    cases: Visits | None = None,
    planted: float = 0.0,
    rule: MatchRule | None = None,
    id_offset: int = 0,
) -> tuple[Visits, Planted]:
    """``n`` synthetic declared stops along the road nodes, with planted matches and near misses against ``cases``.

    Returns the stops (UTC seconds, ``(lon, lat)`` degrees) and the planted pairs.
    """
    rng = np.random.default_rng(seed)
    nl, na = np.asarray(node_lon, dtype=np.float64), np.asarray(node_lat, dtype=np.float64)
    pick = rng.integers(0, len(nl), n)
    lon, lat = _jitter(rng, nl[pick], na[pick], jitter_m)
    person = np.arange(n) // stops_per_person
    first = np.r_[True, person[1:] != person[:-1]]
    dur = rng.integers(10 * 60, 3 * 3600, n)
    gap = np.zeros(n, dtype=np.int64)
    if n > 1:
        hop = geodesic_distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        gap[1:] = (hop / (25_000 / 3600)).astype(np.int64) + 300
    gap[first] = 0
    step = dur + gap
    csum = np.cumsum(step)
    group_start = np.maximum.accumulate(np.where(first, csum - step, 0))
    offset_in_day = csum - step - group_start + gap
    n_people = int(person[-1]) + 1 if n else 0
    day0 = (t0 + rng.integers(0, days, n_people) * 86400 + rng.integers(6 * 3600, 12 * 3600, n_people))[person]
    start = day0 + offset_in_day
    end = start + dur
    owner = np.char.add("syn-decl-", (person + id_offset).astype(str)).astype(object)
    p_stop = np.zeros(0, dtype=np.int64)
    p_visit = np.zeros(0, dtype=np.int64)
    p_kind = np.zeros(0, dtype=object)
    if cases is not None and len(cases) and planted > 0:
        rule = rule or MatchRule()
        k = round(n * planted)
        p_stop = rng.choice(n, size=k, replace=False).astype(np.int64)
        p_visit = rng.integers(0, len(cases), k).astype(np.int64)
        kinds = np.array(PLANTED_KINDS, dtype=object)
        p_kind = kinds[np.where(rng.random(k) < 0.5, 0, rng.integers(1, len(kinds), k))]
        _plant(rng, lon, lat, start, end, cases, rule, p_stop, p_visit, p_kind)
    stops = Visits.from_arrays(
        owner, lon, lat, start, end, record=np.char.add("synthetic stop ", np.arange(n).astype(str)).astype(object)
    )
    return stops, Planted(p_stop, p_visit, p_kind)


def _plant(
    rng: np.random.Generator,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    start: IntArray,
    end: IntArray,
    cases: Visits,
    rule: MatchRule,
    p_stop: IntArray,
    p_visit: IntArray,
    p_kind: npt.NDArray[np.object_],
) -> None:
    """Move the planted stops (in place) next to their case visits, at the distance and overlap of their kind."""
    r = rule.radii(cases)[p_visit]
    m = rule.min_overlap_s
    dist = rng.uniform(0.0, 0.9, len(p_stop)) * r
    for kind, delta in (("radius+1mm", 1e-3), ("radius-1mm", -1e-3), ("radius+1cm", 1e-2)):
        sel = p_kind == kind
        dist[sel] = r[sel] + delta
    sel = (p_kind == "overlap=min") | (p_kind == "overlap=min-1s")
    dist[sel] = rng.uniform(0.0, 0.9, int(sel.sum())) * r[sel]
    new_lon, new_lat = destination(cases.lon[p_visit], cases.lat[p_visit], rng.uniform(0, 360, len(p_stop)), dist)
    lon[p_stop], lat[p_stop] = new_lon, new_lat
    v_start, v_end = cases.start[p_visit], cases.end[p_visit]
    v_dur = v_end - v_start
    # Overlap: the stop starts inside the visit and overlaps by `ov` seconds (or the whole visit if it is short).
    ov = np.minimum(v_dur, m + rng.integers(60, 3600, len(p_stop)))
    ov = np.where(p_kind == "overlap=min", m, ov)
    ov = np.where(p_kind == "overlap=min-1s", m - 1, ov)
    ov = np.maximum(np.minimum(ov, v_dur), 0)
    s = v_end - ov
    start[p_stop] = s
    end[p_stop] = v_end + rng.integers(0, 1800, len(p_stop))
