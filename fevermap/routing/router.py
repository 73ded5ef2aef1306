"""Router: the public face of routing on a region.

Snapping, routes, one-to-many and one-to-all travel times, live traffic and turn-penalty updates, and side metrics
with roads closed.

The engine routes on the turn-expanded graph (:mod:`fevermap.routing.turns`); routes start and end at the snapped
points and the partial edges at both ends count, in time and in length. Weights are whole milliseconds
(:mod:`fevermap.routing.weights`), exactly what :mod:`fevermap.routing.export` writes, so the exported graph is the
graph the engine routes on. Every query takes one immutable :class:`~fevermap.routing.state.MetricState`: the live one,
or one the caller passes (``state=``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError, NoRouteError
from fevermap.routing import query
from fevermap.routing.buffers import ArrayPool
from fevermap.routing.engine import CCHEngine
from fevermap.routing.query import Network, PinnedTargets
from fevermap.routing.region import Region
from fevermap.routing.route import Geometry, Route
from fevermap.routing.snap_arrays import SMALL_COMPONENT_SIZE, big_components
from fevermap.routing.snap_batch import SnapBatch
from fevermap.routing.snapping import EdgeIndex, Snap
from fevermap.routing.state import MetricState, StateLayout, make_state
from fevermap.routing.traffic import TrafficReport, TrafficRows, TurnPenaltyRows, parse_traffic, parse_turn_penalties
from fevermap.routing.turns import TurnTable

FloatArray = npt.NDArray[np.float64]
#: How many side metrics (:meth:`Router.state_with_closed_edges`) are kept.
SIDE_METRICS = 16


def _read_only(array: np.ndarray) -> np.ndarray:
    """``array`` itself when read-only (a region's mapped arrays), else a read-only copy: states share it safely."""
    if not array.flags.writeable:
        return array
    out = array.copy()
    out.setflags(write=False)
    return out


def _distinct(ids: npt.NDArray[np.int64], n: int) -> int:
    """How many distinct values ``ids`` (each in ``0..n-1``) holds (a mask count: no sort)."""
    seen = np.zeros(n, dtype=bool)
    seen[ids] = True
    return int(np.count_nonzero(seen))


__all__ = ["SMALL_COMPONENT_SIZE", "PinnedTargets", "Route", "Router", "big_components"]


class Router:
    """Routes on a region with the CCH engine on its turn-expanded graph.

    Parameters
    ----------
    region : Region
        A loaded region (:func:`fevermap.routing.region.load_region`).
    max_snap_m : float
        Points farther than this from every road are refused (metres, default 1 km).
    """

    def __init__(self, region: Region, max_snap_m: float = 1000.0) -> None:
        self.region = region
        g = region.graph
        self.graph = g
        t = region.turns
        in_largest = big_components(region.component)[: g.edge_count]
        self.index = EdgeIndex(g, max_snap_m, in_largest=in_largest, arrays=region.snap_arrays)
        self._base_speed = _read_only(g.seg_speed_kph)
        self._base_turn_ms = _read_only(t.arc_turn_ms)
        self._segments = region.segments
        self._turn_table: TurnTable | None = None
        engine = CCHEngine(
            region.cch_order, t.arc_from, t.arc_to, hierarchy=region.hierarchy, saved=region.base_metric
        )  # customised by make_state below (the saved metric if the same)
        self._net = Network(g, t, engine, Geometry(g, self.index), region.component)
        self.engine = engine
        self._layout = StateLayout.of(g, t) if region.layout_arrays is None else StateLayout.from_arrays(
            region.layout_arrays)  # fmt: skip
        self._base_arrays = region.base_state_arrays  # the metric arrays of the base speeds, saved at build
        self._state = make_state(g, t, engine, self._base_speed, self._base_turn_ms, layout=self._layout,
                                 arrays=self._base_arrays)  # fmt: skip
        self._update_lock = threading.Lock()
        self._pool = ArrayPool()  # buffers of retired states, for the next update (used under _update_lock)
        self._version_lock = threading.Lock()
        self._side: OrderedDict[object, tuple[int, MetricState]] = OrderedDict()
        self._side_lock = threading.Lock()
        #: Id of the last traffic version applied with :meth:`apply_traffic_version` (0: none).
        self.traffic_version = 0
        #: Reports of the most recent versioned updates, by version id.
        self.traffic_reports: dict[int, dict[str, object]] = {}

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> MetricState:
        """The live metric state (one immutable snapshot; pass it to several queries to see them consistent)."""
        return self._state

    @property
    def network(self) -> Network:
        """The static parts queries run on (road graph, turn graph, engine, geometry): for the functions of
        :mod:`fevermap.routing.query` called with :attr:`state`, e.g. the seeds of a snapped point."""
        return self._net

    @property
    def max_speed_mps(self) -> float:
        """Top speed of the current metric in m/s: distance / this is a lower bound on travel time."""
        return self._state.max_speed_kph / 3.6

    @property
    def metric_version(self) -> int:
        return self._state.version

    @property
    def edge_weights_ms(self) -> npt.NDArray[np.int64]:
        """Current whole-ms road-edge weights (``INF_MS`` = closed), turn costs not included; read-only."""
        return self._state.edge_weights_ms

    # ------------------------------------------------------------------ snapping and queries
    def snap(self, lon: float, lat: float) -> Snap:
        """Snap ``(lon, lat)`` degrees to the nearest road edge (see :class:`EdgeIndex`)."""
        return self.index.snap(float(lon), float(lat))

    def snap_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> SnapBatch:
        """Snap many ``(lon, lat)`` points (degrees, two aligned arrays) at once: a sequence equal to
        ``[snap(x, y) ...]``, from one search of the edge index (:meth:`EdgeIndex.snap_many`); raises what
        :meth:`snap` raises for the first point that fails. :meth:`one_to_many` reads a batch's columns directly."""
        return self.index.snap_many(lon, lat)

    def route(self, origin: tuple[float, float], destination: tuple[float, float]) -> Route:
        """Fastest route between two ``(lon, lat)`` points (snapped first)."""
        return self.route_snapped(self.snap(*origin), self.snap(*destination))

    def route_snapped(
        self, origin: Snap, destination: Snap, *, geometry: bool = True, state: MetricState | None = None
    ) -> Route:
        """Fastest route between two snapped points, partial edges and turns included.

        With ``geometry=False`` the route's ``coordinates`` are left empty (duration, distance and edges only).
        ``state`` routes on another metric state (e.g. :meth:`state_with_closed_edges`); default the live one.

        When no route joins the nearest roads and an end lies on a small component, the route joins the ends'
        :attr:`Snap.alternative` snaps on the big component instead.

        Raises
        ------
        NoRouteError
            When no open road connects them (closed by traffic, or separate road networks); the message says which.
        """
        state = state or self._state  # one snapshot for the whole query
        try:
            return query.route(self._net, state, origin, destination, geometry=geometry)
        except NoRouteError:
            if origin.alternative is None and destination.alternative is None:
                raise
        # an end on a small component (an island, a road cut by the extract's edge): try the big one, as OSRM does
        return query.route(self._net, state, origin.alternative or origin, destination.alternative or destination,
                           geometry=geometry)  # fmt: skip

    def pin_targets(self, snaps: Sequence[Snap]) -> PinnedTargets:
        """Pin a fixed set of snapped targets for repeated :meth:`one_to_many` queries."""
        return PinnedTargets(self._net, snaps)

    def one_to_many(
        self, origin: Snap, targets: PinnedTargets | Sequence[Snap], *, state: MetricState | None = None
    ) -> FloatArray:
        """Travel times in seconds from one snapped point to many (``inf`` where unreachable), equal to
        :meth:`route_snapped`'s durations (with its fallback to :attr:`Snap.alternative`).

        Parameters
        ----------
        origin : Snap
            The start (see :meth:`snap`).
        targets : PinnedTargets or sequence of Snap
            The targets; pin them with :meth:`pin_targets` when the same set is queried repeatedly.
        state : MetricState, optional
            Another metric state; default the live one.

        Returns
        -------
        numpy.ndarray
            Seconds, aligned with the targets.
        """
        fresh = not isinstance(targets, PinnedTargets)
        pinned = targets if isinstance(targets, PinnedTargets) else PinnedTargets(self._net, targets)
        state = state or self._state
        out = query.one_to_many(self._net, state, origin, pinned, fresh=fresh)
        if out.max(initial=0.0) < np.inf:  # every target reached (the common case: no look at the snaps)
            return out
        snaps = pinned.snaps
        need = [i for i in np.flatnonzero(~np.isfinite(out)).tolist()
                if origin.alternative is not None or snaps[i].alternative is not None]  # fmt: skip
        if need:  # as route_snapped does: ends on small components fall back to their big-component snaps
            alt = PinnedTargets(self._net, [pinned.snaps[i].alternative or pinned.snaps[i] for i in need])
            out[need] = query.one_to_many(self._net, state, origin.alternative or origin, alt, fresh=True)
        return out

    def distances_to_all(self, origin: Snap, reverse: bool = False, *, state: MetricState | None = None) -> FloatArray:
        """Seconds per road edge (aligned with ``graph.edge_tail``): from ``origin`` to the start of each edge, or
        with ``reverse=True`` from the start of each edge to ``origin``; ``inf`` where unreachable. Add the edge's own
        time (``state.edge_ms / 1000``) to reach its end. For isochrones."""
        return query.distances_to_all(self._net, state or self._state, origin.alternative or origin, reverse=reverse)

    # ------------------------------------------------------------------ side metrics
    def state_with_closed_edges(self, edges: npt.ArrayLike, key: object) -> MetricState:
        """A metric state like the live one with some road edges closed too, customised once per ``key``.

        Parameters
        ----------
        edges : array of bool (one per road edge) or of int (road-edge ids)
            The edges to close.
        key : hashable
            Names this set of closures (e.g. a sealed-area version); the state is rebuilt when the live traffic
            changed since, and the :data:`SIDE_METRICS` most recent keys are kept.
        """
        live = self._state
        with self._side_lock:
            hit = self._side.get(key)
            if hit is not None and hit[0] == live.version:
                self._side.move_to_end(key)
                return hit[1]
        arr = np.asarray(edges)
        mask = np.zeros(self.graph.edge_count, dtype=bool)
        if arr.dtype == bool:
            if arr.shape != mask.shape:
                raise InputError(f"a closed-edge mask needs {mask.shape[0]} values, got {arr.shape}")
            mask[:] = arr
        elif arr.size:
            ids = arr.astype(np.int64).reshape(-1)
            if ids.min() < 0 or ids.max() >= mask.shape[0]:
                raise InputError(f"road-edge ids must lie in 0..{mask.shape[0] - 1}")
            mask[ids] = True
        t = self.region.turns
        state = make_state(self.graph, t, self.engine, live.seg_speed_kph, live.turn_ms, closed_edges=mask, swap=False,
                           layout=self._layout)  # fmt: skip
        with self._side_lock:
            self._side[key] = (live.version, state)
            self._side.move_to_end(key)
            while len(self._side) > SIDE_METRICS:
                self._side.popitem(last=False)
        return state

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
            speed = self._pool.copy(self._state.seg_speed_kph)
            speed[seg_idx] = rows.speed_kph[row_idx]
            state = self._customise(speed, self._state.turn_ms)
            elapsed = (time.perf_counter() - started) * 1000
        return TrafficReport(
            rows=len(rows),
            segments_changed=_distinct(seg_idx, speed.shape[0]),
            segments_closed=int(np.count_nonzero(speed == 0)),
            unknown_pairs=int(unknown.shape[0]),
            unknown_examples=[(int(rows.from_osm[i]), int(rows.to_osm[i])) for i in unknown[:5]],
            metric_version=state.version,
            customise_ms=elapsed,
            unknown_lines=[int(rows.lines[i]) for i in unknown[:20]] if rows.lines is not None else [],
        )

    def apply_turn_penalties(self, source: str | Path | Iterable[str] | TurnPenaltyRows) -> TrafficReport:
        """Apply OSRM turn-penalty rows (``from_osm_id,via_osm_id,to_osm_id,penalty_s``): each sets the cost of
        that turn, on top of the current state; unknown turns are counted with their line numbers."""
        rows = source if isinstance(source, TurnPenaltyRows) else parse_turn_penalties(source)
        if self._turn_table is None:
            self._turn_table = TurnTable(self.graph, self.region.turns)
        row_idx, arc_idx, found = self._turn_table.lookup(rows.from_osm, rows.via_osm, rows.to_osm)
        unknown = np.flatnonzero(~found)
        with self._update_lock:
            started = time.perf_counter()
            turn_ms = self._pool.copy(self._state.turn_ms)
            turn_ms[arc_idx] = np.rint(rows.penalty_s[row_idx] * 1000.0).astype(np.int64)
            state = self._customise(self._state.seg_speed_kph, turn_ms)
            elapsed = (time.perf_counter() - started) * 1000
        return TrafficReport(
            rows=len(rows),
            segments_changed=_distinct(arc_idx, turn_ms.shape[0]),
            segments_closed=0,
            unknown_pairs=int(unknown.shape[0]),
            unknown_examples=[(int(rows.from_osm[i]), int(rows.to_osm[i])) for i in unknown[:5]],
            metric_version=state.version,
            customise_ms=elapsed,
            unknown_lines=[int(rows.lines[i]) for i in unknown[:20]],
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
        """Return to the region's base speeds and turn costs."""
        with self._update_lock:
            self._customise(self._base_speed, self._base_turn_ms, self._base_arrays)

    def _customise(
        self, speed: FloatArray, turn_ms: npt.NDArray[np.int64], arrays: Mapping[str, np.ndarray] | None = None
    ) -> MetricState:
        state = make_state(self.graph, self.region.turns, self.engine, speed, turn_ms, layout=self._layout,
                           arrays=arrays, pool=self._pool)  # fmt: skip
        self._state = state  # one reference assignment
        self._pool.release()  # the replaced state's buffers, unless a query still holds it: reclaimable till reused
        return state
