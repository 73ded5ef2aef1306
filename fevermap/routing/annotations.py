"""A route leg as the pieces of OSM segments it drives over, and OSRM's per-segment annotations of it.

A :class:`LegPieces` has one entry per piece of road between consecutive route coordinates: the directed edge and the
OSM segment it lies on, its length (m), travel time (s), current speed and whether that speed came from live traffic.
Step and annotation sums are made from these pieces, so they add up to the leg by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.routing.router import Route, Router
from fevermap.routing.snapping import EdgePosition, Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ANNOTATIONS = ("duration", "distance", "speed", "nodes", "weight", "datasources")


@dataclass(frozen=True)
class LegPieces:
    """The pieces of one leg: ``coordinates`` ``(N, 2)`` (lon, lat) and, for each of the ``N - 1`` pieces, its
    ``edge``, global segment ``seg``, ``distance_m``, ``duration_s``, ``speed_kph`` and ``datasource``
    (0 default speeds, 1 live traffic); ``nodes`` are the ``N`` OSM node ids the pieces run between.
    """

    coordinates: FloatArray
    edge: IntArray
    seg: IntArray
    distance_m: FloatArray
    duration_s: FloatArray
    speed_kph: FloatArray
    datasource: IntArray
    nodes: IntArray

    def __len__(self) -> int:
        return int(self.edge.shape[0])


def _position_on(snap: Snap, edge: int, after: EdgePosition | None = None) -> EdgePosition:
    cands = [p for p in snap.positions if p.edge == edge]
    if after is not None:
        cands = [p for p in cands if (p.seg, p.frac) >= (after.seg, after.frac)] or cands
    if not cands:
        raise ValueError(f"snap has no position on edge {edge}")
    return cands[0]


def _segment_state(router: Router) -> tuple[FloatArray, FloatArray]:
    """Current per-segment times (ms) and speeds (km/h): the router's live metric (one private read, here only)."""
    state = router._state
    return state.seg_ms, state.seg_speed_kph


def leg_pieces(router: Router, route: Route) -> LegPieces:
    """Split a routed leg into pieces of OSM segments (see :class:`LegPieces`).

    The durations are the segment times of the router's current metric, scaled so that they add up to the leg's
    ``duration_s`` exactly (the engine rounds each edge up to whole ms, and may add turn costs).
    """
    g = router.graph
    edges = route.edges
    seg_ms, speed = _segment_state(router)
    loc = router.index.location
    spos = _position_on(route.origin, edges[0])
    tpos = _position_on(route.destination, edges[-1], spos if len(edges) == 1 else None)
    edges = list(edges)
    if len(edges) > 1 and spos.length_after_m <= 1e-6:  # started at the very end of an edge: not driven on
        edges = edges[1:]
        e = edges[0]
        spos = EdgePosition(e, 0, 0.0, 0.0, float(g.seg_length_m[g.seg_off[e] : g.seg_off[e + 1]].sum()))
    if len(edges) > 1 and tpos.length_before_m <= 1e-6:  # ended at the very start of an edge
        edges = edges[:-1]
        e = edges[-1]
        n_seg = int(g.seg_off[e + 1] - g.seg_off[e])
        tpos = EdgePosition(e, n_seg - 1, 1.0, float(g.seg_length_m[g.seg_off[e] : g.seg_off[e + 1]].sum()), 0.0)
    seg_parts: list[IntArray] = []
    frac_parts: list[FloatArray] = []
    coords: list[Any] = [np.array([loc(spos)])]

    def whole(edge_ids: list[int], k0: int = 0, k1: int | None = None) -> None:
        """Whole segments of consecutive edges (of one edge from local segment k0 to k1 when given)."""
        if not edge_ids:
            return
        e = np.asarray(edge_ids, dtype=np.int64)
        lo = g.seg_off[e] + (k0 if k1 is not None else 0)
        hi = g.seg_off[e] + k1 if k1 is not None else g.seg_off[e + 1]
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return
        idx = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
        seg_parts.append(idx)
        frac_parts.append(np.ones(total))
        edge_of_seg = np.repeat(e, counts)
        coords.append(g.coords[idx + edge_of_seg + 1])  # the end point of each segment

    def partial(edge: int, k: int, frac: float, end: Any) -> None:
        seg_parts.append(np.array([int(g.seg_off[edge]) + k], dtype=np.int64))
        frac_parts.append(np.array([frac]))
        coords.append(np.array([end]))

    def seg_end(edge: int, k: int) -> Any:
        return g.coords[int(g.seg_off[edge]) + edge + k + 1]

    if len(edges) == 1:
        e = edges[0]
        if spos.seg == tpos.seg:
            partial(e, spos.seg, tpos.frac - spos.frac, loc(tpos))
        else:
            partial(e, spos.seg, 1.0 - spos.frac, seg_end(e, spos.seg))
            whole([e], spos.seg + 1, tpos.seg)
            partial(e, tpos.seg, tpos.frac, loc(tpos))
    else:
        e0, e1 = edges[0], edges[-1]
        partial(e0, spos.seg, 1.0 - spos.frac, seg_end(e0, spos.seg))
        whole([e0], spos.seg + 1, int(g.seg_off[e0 + 1] - g.seg_off[e0]))
        whole(list(edges[1:-1]))
        whole([e1], 0, tpos.seg)
        partial(e1, tpos.seg, tpos.frac, loc(tpos))
    seg = np.concatenate(seg_parts)
    frac = np.clip(np.concatenate(frac_parts), 0.0, 1.0)
    edge_of = np.searchsorted(g.seg_off, seg, side="right") - 1
    distance = g.seg_length_m[seg] * frac
    with np.errstate(invalid="ignore"):
        duration = np.where(frac > 0, seg_ms[seg] * frac, 0.0) / 1000.0
    total = float(duration.sum())
    if total > 0 and np.isfinite(total):
        duration = duration * (route.duration_s / total)
    nodes = np.concatenate([g.seg_u_osm[seg[:1]], g.seg_v_osm[seg]]).astype(np.int64)
    return LegPieces(
        coordinates=np.concatenate(coords).astype(np.float64),
        edge=edge_of.astype(np.int64),
        seg=seg,
        distance_m=distance,
        duration_s=duration,
        speed_kph=speed[seg].astype(np.float64),
        datasource=(speed[seg] != g.seg_speed_kph[seg]).astype(np.int64),
        nodes=nodes,
    )


def concat_pieces(parts: list[LegPieces]) -> LegPieces:
    """One leg made of consecutive parts (e.g. an alternative routed through a via point)."""
    if len(parts) == 1:
        return parts[0]
    return LegPieces(
        coordinates=np.concatenate([parts[0].coordinates] + [p.coordinates[1:] for p in parts[1:]]),
        edge=np.concatenate([p.edge for p in parts]),
        seg=np.concatenate([p.seg for p in parts]),
        distance_m=np.concatenate([p.distance_m for p in parts]),
        duration_s=np.concatenate([p.duration_s for p in parts]),
        speed_kph=np.concatenate([p.speed_kph for p in parts]),
        datasource=np.concatenate([p.datasource for p in parts]),
        nodes=np.concatenate([parts[0].nodes] + [p.nodes[1:] for p in parts[1:]]),
    )


def annotation(pieces: LegPieces, which: tuple[str, ...] = ANNOTATIONS) -> dict[str, Any]:
    """OSRM's leg ``annotation`` object: per-piece ``duration`` (s), ``distance`` (m), ``speed`` (m/s), ``weight``,
    ``nodes`` (OSM ids) and ``datasources`` (indices into ``metadata.datasource_names``)."""
    out: dict[str, Any] = {}
    d = np.round(pieces.duration_s, 1)
    if "distance" in which:
        out["distance"] = np.round(pieces.distance_m, 1).tolist()
    if "duration" in which:
        out["duration"] = d.tolist()
    if "datasources" in which:
        out["datasources"] = pieces.datasource.tolist()
    if "nodes" in which:
        out["nodes"] = pieces.nodes.tolist()
    if "weight" in which:
        out["weight"] = d.tolist()
    if "speed" in which:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(pieces.duration_s > 0, pieces.distance_m / pieces.duration_s, 0.0)
        out["speed"] = np.round(v, 1).tolist()
    return out


DATASOURCE_NAMES = ["default", "traffic"]
