"""Bearings, turn angles and OSRM's direction modifiers; the roads that meet at a graph node.

Conventions are OSRM's: a bearing is degrees clockwise from north in ``[0, 360)``; the turn angle from an incoming
road to an outgoing one is ``180`` for straight on, below 180 to the right, above 180 to the left and ``0``/``360``
a U-turn; :func:`modifier` maps it to ``uturn``, ``sharp right``, ``right``, ``slight right``, ``straight``,
``slight left``, ``left``, ``sharp left`` with OSRM's bands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.routing.graph import RoadGraph

#: How far along a road its bearing is measured (m): far enough to smooth a kink at the junction.
LOOKAHEAD_M = 10.0


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Initial bearing from ``a`` to ``b`` (``(lon, lat)`` degrees) in degrees ``[0, 360)``."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    dlon = lon2 - lon1
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return math.degrees(math.atan2(x, y)) % 360.0


def turn_angle(bearing_in: float, bearing_out: float) -> float:
    """Turn angle (OSRM's convention) from travelling at ``bearing_in`` to leaving at ``bearing_out``."""
    return (bearing_in + 180.0 - bearing_out) % 360.0


def modifier(angle: float) -> str:
    """OSRM's direction modifier of a turn angle."""
    if 0 < angle < 60:
        return "sharp right"
    if 60 <= angle < 140:
        return "right"
    if 140 <= angle < 160:
        return "slight right"
    if 160 <= angle <= 200:
        return "straight"
    if 200 < angle <= 220:
        return "slight left"
    if 220 < angle <= 300:
        return "left"
    if 300 < angle < 360:
        return "sharp left"
    return "uturn"


def _along(points: npt.NDArray[np.float64], lengths: npt.NDArray[np.float64], metres: float) -> tuple[float, float]:
    """The point ``metres`` along a polyline with the given segment lengths (its end if shorter)."""
    cum = 0.0
    for i, seg_len in enumerate(lengths.tolist()):
        if cum + seg_len >= metres and seg_len > 0:
            t = (metres - cum) / seg_len
            p = points[i] + t * (points[i + 1] - points[i])
            return float(p[0]), float(p[1])
        cum += seg_len
    return float(points[-1, 0]), float(points[-1, 1])


def _bearings(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(a) for a in (lon1, lat1, lon2, lat2))
    x = np.sin(lon2 - lon1) * np.cos(lat2)
    y = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(lon2 - lon1)
    out: np.ndarray = np.degrees(np.arctan2(x, y)) % 360.0
    return out


def all_edge_bearings(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Bearing of every edge at its tail (looking forwards) and at its head (looking back), ``LOOKAHEAD_M`` into the
    edge (degrees)."""
    m = graph.edge_count
    lengths = graph.seg_length_m
    off = graph.seg_off
    cum = np.concatenate([[0.0], np.cumsum(lengths)])  # cum[s]: length before global segment s
    out = []
    for at_head in (False, True):
        if not at_head:
            start_len = cum[off[:-1]]
            target = start_len + LOOKAHEAD_M
            s = np.clip(np.searchsorted(cum, target, side="left") - 1, off[:-1], off[1:] - 1)
            t = np.clip((target - cum[s]) / np.where(lengths[s] > 0, lengths[s], 1.0), 0.0, 1.0)
            edge = np.arange(m)
            p0 = graph.coords[s + edge]
            p1 = graph.coords[s + edge + 1]
            point = p0 + t[:, None] * (p1 - p0)
            origin = graph.coords[off[:-1] + edge]
        else:
            end_len = cum[off[1:]]
            target = end_len - LOOKAHEAD_M
            s = np.clip(np.searchsorted(cum, target, side="right") - 1, off[:-1], off[1:] - 1)
            t = np.clip((target - cum[s]) / np.where(lengths[s] > 0, lengths[s], 1.0), 0.0, 1.0)
            edge = np.arange(m)
            p0 = graph.coords[s + edge]
            p1 = graph.coords[s + edge + 1]
            point = p0 + t[:, None] * (p1 - p0)
            origin = graph.coords[off[1:] + edge]
        out.append(_bearings(origin[:, 0], origin[:, 1], point[:, 0], point[:, 1]))
    return out[0], out[1]


def path_bearing(points: npt.NDArray[np.float64], lengths: npt.NDArray[np.float64]) -> float:
    """Bearing of a polyline at its first point, looking ``LOOKAHEAD_M`` along (0 for a zero-length line)."""
    if points.shape[0] < 2 or float(lengths.sum()) <= 0:
        return 0.0
    start = (float(points[0, 0]), float(points[0, 1]))
    return bearing(start, _along(points, lengths, min(LOOKAHEAD_M, float(lengths.sum()))))


@dataclass(frozen=True)
class Road:
    """A road at a node: its bearing away from the node, whether a car may enter it there, and the edge that leaves
    along it (or -1) and the edge that arrives along it (or -1)."""

    bearing: float
    entry: bool
    out_edge: int
    in_edge: int


class Junctions:
    """The roads at each node of a graph, computed on demand and cached."""

    def __init__(self, graph: RoadGraph) -> None:
        self.graph = graph
        self._out = self._incidence(graph.edge_tail, graph.node_count)
        self._in = self._incidence(graph.edge_head, graph.node_count)
        self._cache: dict[int, list[Road]] = {}
        #: Bearing of every edge looking into it from its tail, and from its head (degrees).
        self.tail_bearing, self.head_bearing = all_edge_bearings(graph)
        #: Number of roads at each node (a two-way road counts once).
        self.road_count = np.bincount(graph.edge_tail, minlength=graph.node_count) + np.bincount(
            graph.edge_head[graph.edge_twin < 0], minlength=graph.node_count
        )
        self._inter: dict[int, tuple[list[int], list[bool], dict[int, int], dict[int, int]]] = {}

    @staticmethod
    def _incidence(ends: npt.NDArray[np.int64], n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        order = np.argsort(ends, kind="stable")
        return order, np.searchsorted(ends[order], np.arange(n + 1))

    def layout(self, node: int) -> tuple[list[int], list[bool], dict[int, int], dict[int, int]]:
        """OSRM's view of ``node``: integer bearings, which roads may be entered, and the index of each road by the
        edge arriving along it and by the edge leaving along it."""
        hit = self._inter.get(node)
        if hit is None:
            roads = self.roads(node)
            hit = ([round(r.bearing) % 360 for r in roads], [r.entry for r in roads],
                   {r.in_edge: i for i, r in enumerate(roads) if r.in_edge >= 0},
                   {r.out_edge: i for i, r in enumerate(roads) if r.out_edge >= 0})  # fmt: skip
            self._inter[node] = hit
        return hit

    def roads(self, node: int) -> list[Road]:
        """Roads at ``node`` sorted by bearing; a two-way road is one road (its two directed edges)."""
        cached = self._cache.get(node)
        if cached is not None:
            return cached
        g = self.graph
        order, bounds = self._out
        outs = order[bounds[node] : bounds[node + 1]].tolist()
        order, bounds = self._in
        ins = order[bounds[node] : bounds[node + 1]].tolist()
        roads: list[Road] = []
        paired: set[int] = set()
        for e in outs:
            twin = int(g.edge_twin[e])
            in_edge = twin if twin in ins else -1
            if in_edge >= 0:
                paired.add(in_edge)
            roads.append(Road(float(self.tail_bearing[e]), True, e, in_edge))
        for e in ins:
            if e not in paired:
                roads.append(Road(float(self.head_bearing[e]), False, -1, e))
        roads.sort(key=lambda r: r.bearing)
        self._cache[node] = roads
        return roads
