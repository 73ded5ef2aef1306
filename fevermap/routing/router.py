"""Router: snapping, point-to-point routes and one-to-many travel times on a region, with live traffic.

Routes start and end at the snapped points: the partial edges at both ends count, in time and in length. Weights are
integer milliseconds (the ceiling of each edge's summed segment times; partial edges are rounded up too, so a route is
never faster than its roads), exactly what :mod:`fevermap.routing.export` writes, so the exported graph is the graph
the engine routes on.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError, NoRouteError
from fevermap.routing.engine import INF_MS, CCHEngine, Metric, Seed
from fevermap.routing.region import Region
from fevermap.routing.snapping import EdgeIndex, EdgePosition, Snap
from fevermap.routing.traffic import (
    TrafficReport,
    TrafficRows,
    edge_weights_ms,
    parse_traffic,
    segment_times_ms,
)

FloatArray = npt.NDArray[np.float64]
_keys = itertools.count(1)


@dataclass(frozen=True)
class Route:
    """A route between two snapped points.

    ``coordinates`` is an ``(N, 2)`` array of ``(lon, lat)`` degrees from the snapped origin to the snapped
    destination; ``duration_s`` in seconds, ``distance_m`` in metres (geodesic segment lengths).
    """

    duration_s: float
    distance_m: float
    coordinates: FloatArray
    origin: Snap
    destination: Snap
    edges: list[int] = field(default_factory=list)

    @property
    def geometry(self) -> dict[str, Any]:
        """GeoJSON LineString, ``[lon, lat]`` positions."""
        return {"type": "LineString", "coordinates": self.coordinates.tolist()}

    def to_dict(self) -> dict[str, Any]:
        """fevermap's route JSON: duration, distance, GeoJSON geometry and the snapped ends."""

        def end(s: Snap) -> dict[str, Any]:
            return {"location": list(s.location), "snap_distance_m": round(s.distance_m, 2), "name": s.name}

        return {
            "duration_s": round(self.duration_s, 3),
            "distance_m": round(self.distance_m, 2),
            "geometry": self.geometry,
            "from": end(self.origin),
            "to": end(self.destination),
        }


@dataclass(frozen=True)
class _State:
    """Speeds and the customised metric that go together (swapped as one reference)."""

    seg_speed_kph: FloatArray
    seg_ms: FloatArray
    metric: Metric
    max_speed_kph: float
    seg_off: npt.NDArray[np.int64]
    _prefix: list[tuple[FloatArray, npt.NDArray[np.int64]]] = field(default_factory=list)

    def before_ms(self, seg: npt.NDArray[np.int64], frac: FloatArray) -> FloatArray:
        """Time in ms from each position's edge tail to the position (vectorised; ``inf`` past a closure).

        ``seg`` are global segment indices, ``frac`` the fractions along them.
        """
        if not self._prefix:  # computed once per state, on first use
            t = self.seg_ms
            closed = ~np.isfinite(t)
            finite = np.where(closed, 0.0, t)
            edge_of = np.repeat(np.arange(self.seg_off.shape[0] - 1), np.diff(self.seg_off))
            cum = np.cumsum(finite) - finite
            n_closed = np.cumsum(closed) - closed
            starts = self.seg_off[:-1][edge_of]
            self._prefix.append((cum - cum[starts], (n_closed - n_closed[starts]).astype(np.int64)))
        excl, closed_before = self._prefix[0]
        t = self.seg_ms[seg]
        with np.errstate(invalid="ignore"):
            partial = np.where(frac > 0, frac * t, 0.0)
        return np.where(closed_before[seg] > 0, np.inf, excl[seg] + partial)


class PinnedTargets:
    """A fixed set of snapped targets for repeated one-to-many queries (e.g. the clinics of a region)."""

    def __init__(self, snaps: Sequence[Snap]) -> None:
        self.snaps = list(snaps)
        self.key = next(_keys)
        pos = [(i, p) for i, s in enumerate(self.snaps) for p in s.positions]
        self.pos_target = np.array([i for i, _ in pos], dtype=np.int64)
        self.pos_edge = np.array([p.edge for _, p in pos], dtype=np.int64)
        self.pos_seg = np.array([p.seg for _, p in pos], dtype=np.int64)
        self.pos_frac = np.array([p.frac for _, p in pos], dtype=np.float64)
        self._cache: tuple[int, FloatArray] | None = None

    def __len__(self) -> int:
        return len(self.snaps)


class Router:
    """Routes on a region with the CCH engine.

    Parameters
    ----------
    region : Region
        A loaded region (:func:`fevermap.routing.region.load_region`).
    max_snap_distance_m : float
        Points farther than this from every road are refused (metres, default 1 km).
    """

    def __init__(self, region: Region, max_snap_distance_m: float = 1000.0) -> None:
        self.region = region
        g = region.graph
        self.graph = g
        self.index = EdgeIndex(g, max_snap_distance_m)
        self._base_speed = g.seg_speed_kph.copy()
        self._segments = region.segments
        self._edge_length = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])
        self._geom_off = g.seg_off + np.arange(g.edge_count + 1)
        seg_ms = segment_times_ms(g.seg_length_m, self._base_speed)
        self.engine = CCHEngine(region.cch_order, g.edge_tail, g.edge_head, edge_weights_ms(seg_ms, g.seg_off))
        self._state = _State(self._base_speed, seg_ms, self.engine.metric, float(self._base_speed.max()), g.seg_off)
        self._update_lock = threading.Lock()
        self._version_lock = threading.Lock()
        #: Id of the last traffic version applied with :meth:`apply_traffic_version` (0: none).
        self.traffic_version = 0
        #: Reports of the most recent versioned updates, by version id.
        self.traffic_reports: dict[int, dict[str, object]] = {}

    # ------------------------------------------------------------------ snapping
    def snap(self, lon: float, lat: float) -> Snap:
        """Snap ``(lon, lat)`` degrees to the nearest road edge (see :class:`EdgeIndex`)."""
        return self.index.snap(float(lon), float(lat))

    def snap_many(self, points: Sequence[tuple[float, float]] | npt.ArrayLike) -> list[Snap | InputError]:
        """Snap many ``(lon, lat)`` points at once; a :class:`CoordinateError` / :class:`SnapError` object stands in
        the list for each point that cannot be snapped (nothing is raised)."""
        arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return list(self.index.snap_many(arr[:, 0], arr[:, 1]))

    @property
    def max_speed_mps(self) -> float:
        """Top speed of the current metric in m/s: distance / this is a lower bound on travel time."""
        return self._state.max_speed_kph / 3.6

    @property
    def metric_version(self) -> int:
        return self._state.metric.version

    @property
    def edge_weights_ms(self) -> npt.NDArray[np.int64]:
        """Current integer edge weights in ms (``INF_MS`` = closed); read-only."""
        return self._state.metric.weights_ms

    # ------------------------------------------------------------------ partial edges
    @staticmethod
    def _partial_ms(state: _State, g: Any, pos: EdgePosition) -> tuple[float, float]:
        """Time in ms from the edge's tail to ``pos``, and from ``pos`` to its head (inf across a closed piece)."""
        s0, s1 = int(g.seg_off[pos.edge]), int(g.seg_off[pos.edge + 1])
        t = state.seg_ms[s0:s1]
        k, f = pos.seg, pos.frac
        before = float(t[:k].sum()) + (f * float(t[k]) if f > 0 else 0.0)
        after = float(t[k + 1 :].sum()) + ((1.0 - f) * float(t[k]) if f < 1 else 0.0)
        return before, after

    def _seeds(self, state: _State, snap: Snap, *, source: bool) -> list[tuple[Seed, EdgePosition, float]]:
        seeds = []
        g = self.graph
        for pos in snap.positions:
            before, after = self._partial_ms(state, g, pos)
            cost = after if source else before
            if math.isfinite(cost) and cost < INF_MS:
                node = int(g.edge_head[pos.edge] if source else g.edge_tail[pos.edge])
                seeds.append(((node, int(ceil_ms(cost))), pos, cost))
        return seeds

    def _same_edge(self, state: _State, a: Snap, b: Snap) -> tuple[float, EdgePosition, EdgePosition] | None:
        """Best direct drive along one edge from ``a`` to ``b``, if they share an edge in driving order."""
        best = None
        for pa in a.positions:
            for pb in b.positions:
                if pa.edge == pb.edge and (pa.seg, pa.frac) <= (pb.seg, pb.frac):
                    ta, _ = self._partial_ms(state, self.graph, pa)
                    tb, _ = self._partial_ms(state, self.graph, pb)
                    cost = ceil_ms(tb - ta)
                    if math.isfinite(cost) and (best is None or cost < best[0]):
                        best = (cost, pa, pb)
        return best

    # ------------------------------------------------------------------ geometry
    def _coords(self, edge: int) -> FloatArray:
        g = self.graph
        start = int(g.seg_off[edge]) + edge
        return g.coords[start : int(g.seg_off[edge + 1]) + edge + 1]

    def _piece(self, pos_from: EdgePosition | None, pos_to: EdgePosition | None, edge: int) -> FloatArray:
        """Coordinates of ``edge`` between two positions (None = the edge's tail / head)."""
        c = self._coords(edge)
        i0 = 0 if pos_from is None else pos_from.seg + 1
        i1 = c.shape[0] - 1 if pos_to is None else pos_to.seg
        pts = [c[i0 : i1 + 1]]
        if pos_from is not None:
            pts.insert(0, np.array([self.index.location(pos_from)]))
        if pos_to is not None:
            pts.append(np.array([self.index.location(pos_to)]))
        return np.concatenate(pts)

    # ------------------------------------------------------------------ queries
    def route(self, origin: tuple[float, float], destination: tuple[float, float]) -> Route:
        """Fastest route between two ``(lon, lat)`` points (snapped first)."""
        return self.route_snapped(self.snap(*origin), self.snap(*destination))

    def route_snapped(self, origin: Snap, destination: Snap, *, geometry: bool = True) -> Route:
        """Fastest route between two snapped points, partial edges included.

        With ``geometry=False`` the route's ``coordinates`` are left empty (duration, distance and edges only), which
        saves building the polyline when only the length is wanted.

        Raises
        ------
        NoRouteError
            When no open road connects them (e.g. closed by traffic).
        """
        state = self._state  # one snapshot for the whole query
        src = self._seeds(state, origin, source=True)
        dst = self._seeds(state, destination, source=False)
        direct = self._same_edge(state, origin, destination)
        result = (
            self.engine.shortest(state.metric, [s for s, _, _ in src], [s for s, _, _ in dst]) if src and dst else None
        )
        if result is None and direct is None:
            raise NoRouteError(
                f"no open road connects ({origin.query[0]}, {origin.query[1]}) to "
                f"({destination.query[0]}, {destination.query[1]}): a closure cuts them off"
            )
        if direct is not None and (result is None or direct[0] <= result.duration_ms):
            cost, pa, pb = direct
            c = self.index.location(pa), self.index.location(pb)
            mid = self._coords(pa.edge)[pa.seg + 1 : pb.seg + 1]
            coords = np.concatenate([[c[0]], mid, [c[1]]])
            return Route(cost / 1000.0, pb.length_before_m - pa.length_before_m, coords, origin, destination,
                         [pa.edge])  # fmt: skip
        assert result is not None
        first, last = result.first_node, result.last_node
        s_seed = min((s for s in src if s[0][0] == first), key=lambda s: s[0][1])
        t_seed = min((s for s in dst if s[0][0] == last), key=lambda s: s[0][1])
        spos, tpos = s_seed[1], t_seed[1]
        arcs = result.arc_path
        if geometry:
            coords = np.concatenate(
                [self._piece(spos, None, spos.edge), self._coords_of(arcs), self._piece(None, tpos, tpos.edge)[1:]]
            )
        else:
            coords = self.graph.coords[:0]
        length = spos.length_after_m + float(self._edge_length[arcs].sum()) + tpos.length_before_m
        edges = [spos.edge, *arcs.tolist(), tpos.edge]
        return Route(result.duration_ms / 1000.0, length, coords, origin, destination, edges)

    def _coords_of(self, arcs: npt.NDArray[np.int64]) -> FloatArray:
        """Coordinates of consecutive whole edges, each without its first point (the previous one's last)."""
        if arcs.shape[0] == 0:
            return self.graph.coords[:0]
        starts = self._geom_off[arcs] + 1
        counts = self._geom_off[arcs + 1] - starts
        idx = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        return self.graph.coords[idx]

    def pin_targets(self, snaps: Sequence[Snap]) -> PinnedTargets:
        """Pin a fixed set of snapped targets for repeated :meth:`one_to_many` queries."""
        return PinnedTargets(snaps)

    def one_to_many(self, origin: Snap, targets: PinnedTargets | Sequence[Snap]) -> FloatArray:
        """Travel times in seconds from one snapped point to many (``inf`` where unreachable).

        Parameters
        ----------
        origin : Snap
            The start (see :meth:`snap`).
        targets : PinnedTargets or sequence of Snap
            The targets; pin them with :meth:`pin_targets` when the same set is queried repeatedly.

        Returns
        -------
        numpy.ndarray
            Seconds, aligned with the targets.
        """
        fresh = not isinstance(targets, PinnedTargets)
        pinned = targets if isinstance(targets, PinnedTargets) else PinnedTargets(targets)
        state = self._state
        out = np.full(len(pinned), np.inf)
        if len(pinned) == 0:
            return out
        cache = pinned._cache
        if cache is None or cache[0] != state.metric.version:
            raw = state.before_ms(self.graph.seg_off[pinned.pos_edge] + pinned.pos_seg, pinned.pos_frac)
            before = np.where(np.isfinite(raw), np.ceil(raw - 1e-9), np.inf)
            cache = (state.metric.version, before)
            pinned._cache = cache
        before = cache[1]
        src = self._seeds(state, origin, source=True)
        if src:
            nodes = self.graph.edge_tail[pinned.pos_edge]
            key = None if fresh else pinned.key
            d = self.engine.distances(state.metric, [s for s, _, _ in src], key, nodes.tolist())
            np.minimum.at(out, pinned.pos_target, d + before)
        origin_edges = {p.edge for p in origin.positions}
        for i, snap in enumerate(pinned.snaps):
            if origin_edges & {p.edge for p in snap.positions}:
                direct = self._same_edge(state, origin, snap)
                if direct is not None:
                    out[i] = min(out[i], direct[0])
        return out / 1000.0

    # ------------------------------------------------------------------ traffic
    def apply_traffic(self, source: str | Path | Iterable[str] | TrafficRows) -> TrafficReport:
        """Apply OSRM segment-speed rows on top of the current traffic and re-customise the engine.

        The new metric is customised beside the old one and swapped in atomically. Unknown node pairs are counted in
        the report; a malformed row raises :class:`InputError` and nothing is applied.
        """
        rows = source if isinstance(source, TrafficRows) else parse_traffic(source)
        row_idx, seg_idx, found = self._segments.lookup(rows.from_osm, rows.to_osm)
        unknown = np.flatnonzero(~found)
        with self._update_lock:
            started = time.perf_counter()
            speed = self._state.seg_speed_kph.copy()
            speed[seg_idx] = rows.speed_kph[row_idx]
            state = self._customise(speed)
            elapsed = (time.perf_counter() - started) * 1000
        return TrafficReport(
            rows=len(rows),
            segments_changed=int(np.unique(seg_idx).shape[0]),
            segments_closed=int((speed == 0).sum()),
            unknown_pairs=int(unknown.shape[0]),
            unknown_examples=[(int(rows.from_osm[i]), int(rows.to_osm[i])) for i in unknown[:5]],
            metric_version=state.metric.version,
            customise_ms=elapsed,
        )

    def apply_traffic_version(self, version: int, source: str | Path | Iterable[str] | TrafficRows) -> bool:
        """Apply a numbered traffic update once, in order: versions at or below :attr:`traffic_version` are skipped.

        Used by the service, whose workers apply every version stored in the database. Returns whether it applied.
        """
        with self._version_lock:
            if version <= self.traffic_version:
                return False
            report = self.apply_traffic(source)
            self.traffic_version = version
            self.traffic_reports[version] = report.to_dict()
            for old in sorted(self.traffic_reports)[:-16]:
                del self.traffic_reports[old]
            return True

    def reset_traffic(self) -> None:
        """Return to the region's base speeds."""
        with self._update_lock:
            self._customise(self._base_speed.copy())

    def _customise(self, speed: FloatArray) -> _State:
        seg_ms = segment_times_ms(self.graph.seg_length_m, speed)
        metric = self.engine.customise(edge_weights_ms(seg_ms, self.graph.seg_off))
        open_speed = speed[speed > 0]
        top = float(open_speed.max()) if open_speed.size else 1.0
        state = _State(speed, seg_ms, metric, top, self.graph.seg_off)
        self._state = state  # one reference assignment
        return state


def ceil_ms(ms: float) -> float:
    """Round a partial time up to whole ms, as edge weights are (``inf`` stays ``inf``)."""
    return float(math.ceil(ms - 1e-9)) if math.isfinite(ms) else ms
