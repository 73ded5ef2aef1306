"""Brute-force reference matcher: every (stop, visit) pair, geodesic distance, no index.

It defines what the engine must return (same rule, same inclusive boundaries); use it on small inputs only: the
work is ``len(stops) * len(visits)`` geodesic distances, done in blocks of ``block`` pairs to bound memory.
"""

from __future__ import annotations

import numpy as np

from fevermap.geo.geodesy import geodesic_distance_m
from fevermap.tracing.models import Matches, MatchRule, Visits


def brute_force_matches(
    stops: Visits, visits: Visits, rule: MatchRule | None = None, *, block: int = 2_000_000
) -> Matches:
    """All matching pairs by exhaustive comparison, sorted by (stop, visit). See :func:`engine.match_visits`."""
    rule = rule or MatchRule()
    radius = rule.radii(visits)
    nv = len(visits)
    out: list[Matches] = []
    rows_per_block = max(1, block // max(nv, 1))
    for lo in range(0, len(stops), rows_per_block):
        s = np.arange(lo, min(lo + rows_per_block, len(stops)), dtype=np.int64)
        si = np.repeat(s, nv)
        vi = np.tile(np.arange(nv, dtype=np.int64), len(s))
        ov_s = np.maximum(stops.start[si], visits.start[vi])
        ov_e = np.minimum(stops.end[si], visits.end[vi])
        t_ok = ov_e - ov_s >= rule.min_overlap_s
        si, vi, ov_s, ov_e = si[t_ok], vi[t_ok], ov_s[t_ok], ov_e[t_ok]
        d = geodesic_distance_m(stops.lon[si], stops.lat[si], visits.lon[vi], visits.lat[vi])
        ok = d <= radius[vi]
        out.append(Matches(si[ok], vi[ok], d[ok], radius[vi][ok], ov_s[ok], ov_e[ok]))
    return Matches.concat(out).sorted()
