"""Randomised test data dense with near misses at the radius and overlap boundaries (shared by the tests)."""

from __future__ import annotations

import numpy as np

from fevermap.geo.geodesy import destination
from fevermap.tracing.models import MatchRule, Visits

T0 = 1_648_742_400  # 2022-03-31T16:00:00Z = 2022-04-01 00:00 in Shanghai


def near_miss_data(
    seed: int,
    *,
    n_visits: int = 150,
    n_stops: int = 1500,
    rule: MatchRule | None = None,
    lon0: float = 121.45,
    lat0: float = 31.22,
    span_deg: float = 0.01,
    radii: tuple[float, ...] = (),
) -> tuple[Visits, Visits]:
    """Case visits in a small box and stops of which most sit at the radius +- a few mm or overlap min +- 1 s.

    ``radii`` lists own radii (metres) given to some visits (NaN = rule default).
    """
    rule = rule or MatchRule()
    rng = np.random.default_rng(seed)
    v_lon = lon0 + rng.random(n_visits) * span_deg
    v_lat = lat0 + rng.random(n_visits) * span_deg
    v_start = T0 + rng.integers(0, 2 * 86400, n_visits)
    v_end = v_start + rng.integers(0, 6 * 3600, n_visits)
    own = np.full(n_visits, np.nan)
    if radii:
        own = np.asarray(radii, dtype=float)[rng.integers(0, len(radii), n_visits)]
    visits = Visits.from_arrays([f"c{i % 40}" for i in range(n_visits)], v_lon, v_lat, v_start, v_end, radius_m=own)
    r = rule.radii(visits)
    m = rule.min_overlap_s
    # Each stop targets a visit; distance at the radius +- {0, 1e-6, 1e-3, 1e-2} m or uniform inside/outside.
    tgt = rng.integers(0, n_visits, n_stops)
    kind = rng.integers(0, 4, n_stops)
    delta = np.array([0.0, 1e-6, -1e-6, 1e-3, -1e-3, 1e-2, -1e-2])[rng.integers(0, 7, n_stops)]
    dist = np.where(kind == 0, r[tgt] + delta, rng.uniform(0, 2.0, n_stops) * r[tgt])
    s_lon, s_lat = destination(v_lon[tgt], v_lat[tgt], rng.uniform(0, 360, n_stops), np.maximum(dist, 0.0))
    # Overlap exactly m, m - 1, m + 1 seconds, or random; stop before or after the visit's start.
    ov = np.where(kind == 1, m + rng.integers(-1, 2, n_stops), rng.integers(0, 3 * m + 1, n_stops))
    after = rng.random(n_stops) < 0.5
    s_start = np.where(after, v_end[tgt] - ov, v_start[tgt] - rng.integers(0, 3600, n_stops))
    s_end = np.where(after, v_end[tgt] + rng.integers(0, 3600, n_stops), v_start[tgt] + ov)
    s_end = np.maximum(s_end, s_start)
    stops = Visits.from_arrays([f"d{i // 5}" for i in range(n_stops)], s_lon, s_lat, s_start, s_end)
    return stops, visits
