"""One immutable metric state: speeds, turn costs, the customised CCH metric and partial-edge travel time.

Segment speeds, turn costs and the customised CCH metric go together; this is also the one implementation of
partial-edge travel time (from an edge's start to a point on it, and from there to its end).

A query takes one :class:`MetricState` reference and uses nothing else, so a traffic update that builds a new state
and swaps it in is seen whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.routing.build import RoadGraph
from fevermap.routing.engine import CCHEngine, Metric
from fevermap.routing.turns import TurnGraph
from fevermap.routing.weights import INF_MS, segment_times_ms, to_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class MetricState:
    """Speeds (km/h per segment), turn costs (ms per turn-graph arc) and their customised metric.

    ``seg_ms`` is each segment's driving time in ms (``inf`` = closed) and ``seg_penalty_ms`` the obstacle cost at its
    end; ``edge_ms`` the float time of each road edge and ``edge_weights_ms`` its whole-ms engine weight.
    """

    seg_speed_kph: FloatArray
    seg_ms: FloatArray
    turn_ms: IntArray
    edge_ms: FloatArray
    edge_weights_ms: IntArray
    metric: Metric
    max_speed_kph: float
    _seg_edge: IntArray
    _excl: FloatArray  # time from the edge's start to the start of each segment (closed segments count 0)
    _incl: FloatArray  # ... to its end, obstacle included
    _edge_total: FloatArray  # ... to the edge's end
    _closed_before: IntArray  # closed segments of the edge before each segment
    _closed_after: IntArray  # ... and after it

    @property
    def version(self) -> int:
        return self.metric.version

    def before_ms(self, seg: IntArray, frac: FloatArray) -> FloatArray:
        """Time in ms from each position's edge start to the position (vectorised; ``inf`` past a closure).

        ``seg`` are global segment indices, ``frac`` the fractions along them; an obstacle at a segment's end counts
        once the position reaches that end (``frac == 1``).
        """
        t = self.seg_ms[seg]
        with np.errstate(invalid="ignore"):
            inside = self._excl[seg] + np.where(frac > 0, frac * t, 0.0)
        out = np.where(frac >= 1.0, self._incl[seg], inside)
        return np.where((self._closed_before[seg] > 0) | (~np.isfinite(t) & (frac > 0)), np.inf, out)

    def after_ms(self, seg: IntArray, frac: FloatArray) -> FloatArray:
        """Time in ms from each position to its edge's end (vectorised; ``inf`` before a closure)."""
        t = self.seg_ms[seg]
        with np.errstate(invalid="ignore"):
            done = np.where(frac >= 1.0, self._incl[seg], self._excl[seg] + np.where(frac > 0, frac * t, 0.0))
        out = self._edge_total[self._seg_edge[seg]] - done
        return np.where((self._closed_after[seg] > 0) | (~np.isfinite(t) & (frac < 1)), np.inf, out)


def make_state(
    graph: RoadGraph,
    turns: TurnGraph,
    engine: CCHEngine,
    speed_kph: FloatArray,
    turn_ms: IntArray,
    *,
    closed_edges: npt.NDArray[np.bool_] | None = None,
    swap: bool = True,
) -> MetricState:
    """Customise a new state for these speeds and turn costs (swapped in as the engine's current metric if ``swap``).

    ``closed_edges`` (a mask over road edges) closes those edges on top of the speeds (a side metric, e.g. one that
    avoids sealed areas).
    """
    seg_ms = segment_times_ms(graph.seg_length_m, speed_kph)
    seg_edge = np.repeat(np.arange(graph.edge_count), np.diff(graph.seg_off))
    closed = ~np.isfinite(seg_ms)
    if closed_edges is not None:
        closed = closed | closed_edges[seg_edge]
    w = np.where(closed, 0.0, seg_ms + graph.seg_penalty_ms)
    start = graph.seg_off[:-1][seg_edge]
    cum_excl = np.cumsum(w) - w
    excl = cum_excl - cum_excl[start]
    incl = excl + w
    n_closed = np.cumsum(closed) - closed
    closed_before = n_closed - n_closed[start]
    last = graph.seg_off[1:] - 1
    closed_in_edge = closed_before[last] + closed[last]
    total = incl[last]
    edge_ms = np.where(closed_in_edge > 0, np.inf, total)
    edge_w = to_weights(edge_ms)
    arc_w = np.minimum(edge_w[turns.node_edge[turns.arc_from]] + turn_ms, INF_MS)
    metric = engine.customise(arc_w) if swap else engine.make_metric(arc_w)
    open_speed = speed_kph[speed_kph > 0]
    return MetricState(
        seg_speed_kph=speed_kph,
        seg_ms=np.where(closed, np.inf, seg_ms),
        turn_ms=turn_ms,
        edge_ms=edge_ms,
        edge_weights_ms=edge_w,
        metric=metric,
        max_speed_kph=float(open_speed.max()) if open_speed.size else 1.0,
        _seg_edge=seg_edge,
        _excl=excl,
        _incl=incl,
        _edge_total=total,
        _closed_before=closed_before.astype(np.int64),
        _closed_after=(closed_in_edge[seg_edge] - closed_before - closed).astype(np.int64),
    )
