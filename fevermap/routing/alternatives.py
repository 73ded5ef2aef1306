"""Alternative routes by the via-point method, with OSRM's plausibility limits.

Candidate via points are snapped beside the best route (offset to either side at several fractions along it); a
candidate's route is origin -> via -> destination. It is kept when it is at most ``MAX_STRETCH`` times as long (in
time) as the best, shares at most ``MAX_SHARING`` of its length with the best and with every alternative already
kept, and does not turn back at the via point. Only the public :class:`Router` API is used.
"""

from __future__ import annotations

import math

import numpy as np

from fevermap.errors import FevermapError
from fevermap.routing.router import Route, Router
from fevermap.routing.snapping import Snap

MAX_STRETCH = 1.4
MAX_SHARING = 0.8
_FRACTIONS = (0.5, 0.35, 0.65, 0.25, 0.75)
_OFFSETS = (0.15, 0.3, 0.08)


def _edge_lengths(router: Router, parts: list[Route]) -> dict[int, float]:
    """Length (m) per road edge of a route; both directions of a two-way road count as one road."""
    g = router.graph
    out: dict[int, float] = {}
    for r in parts:
        for e in r.edges:
            twin = int(g.edge_twin[e])
            key = min(e, twin) if twin >= 0 else e
            s0, s1 = int(g.seg_off[e]), int(g.seg_off[e + 1])
            out[key] = float(g.seg_length_m[s0:s1].sum())
    return out


def _shared(a: dict[int, float], b: dict[int, float]) -> float:
    """Share of ``a``'s length on roads also in ``b``."""
    total = sum(a.values())
    return sum(v for k, v in a.items() if k in b) / total if total > 0 else 1.0


def _candidates(router: Router, best: Route) -> list[Snap]:
    c = best.coordinates
    if c.shape[0] < 2:
        return []
    a, b = c[0], c[-1]
    lat0 = math.radians(float((a[1] + b[1]) / 2))
    dx, dy = (b[0] - a[0]) * math.cos(lat0), b[1] - a[1]
    span = math.hypot(dx, dy)
    if span == 0:
        return []
    nx, ny = -dy / span, dx / span  # unit normal in the local (x east, y north) frame, degrees of latitude
    seg = np.hypot(np.diff(c[:, 0]) * math.cos(lat0), np.diff(c[:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    snaps = []
    for f in _FRACTIONS:
        i = int(np.searchsorted(cum, f * cum[-1]))
        p = c[min(i, c.shape[0] - 1)]
        for off in _OFFSETS:
            for side in (1, -1):
                lon = p[0] + side * off * span * nx / math.cos(lat0)
                lat = p[1] + side * off * span * ny
                try:
                    snaps.append(router.snap(lon, lat))
                except FevermapError:
                    continue
    return snaps


def alternatives(router: Router, origin: Snap, destination: Snap, best: Route, n: int) -> list[list[Route]]:
    """Up to ``n`` plausible alternatives to ``best``, each as its parts (origin -> via, via -> destination).

    Best first (by duration); an empty list when none passes the limits.
    """
    found: list[tuple[float, list[Route], dict[int, float]]] = []
    kept = [_edge_lengths(router, [best])]
    g = router.graph
    for via in _candidates(router, best):
        try:
            parts = [router.route_snapped(origin, via), router.route_snapped(via, destination)]
        except FevermapError:
            continue
        duration = parts[0].duration_s + parts[1].duration_s
        if duration > MAX_STRETCH * best.duration_s or not parts[0].edges or not parts[1].edges:
            continue
        last, first = parts[0].edges[-1], parts[1].edges[0]
        if last != first and (int(g.edge_twin[last]) == first or g.edge_head[last] != g.edge_tail[first]):
            continue  # turns back at the via point
        if last == first and (_pos(parts[0].destination, last) > _pos(parts[1].origin, first)):
            continue
        roads = _edge_lengths(router, parts)
        if any(_shared(roads, other) > MAX_SHARING for other in kept):
            continue
        kept.append(roads)
        found.append((duration, parts, roads))
        if len(found) >= n:
            break
    found.sort(key=lambda t: t[0])
    return [parts for _, parts, _ in found[:n]]


def _pos(snap: Snap, edge: int) -> tuple[int, float]:
    p = next(p for p in snap.positions if p.edge == edge)
    return (p.seg, p.frac)
