"""One immutable metric state: speeds, turn costs, the customised CCH metric and partial-edge travel time.

Segment speeds, turn costs and the customised CCH metric go together; this is also the one implementation of
partial-edge travel time (from an edge's start to a point on it, and from there to its end).

A query takes one :class:`MetricState` reference and uses nothing else, so a traffic update that builds a new state
and swaps it in is seen whole or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from fevermap.routing import _state
from fevermap.routing.buffers import ArrayPool
from fevermap.routing.engine import CCHEngine, Metric
from fevermap.routing.graph import RoadGraph
from fevermap.routing.turns import TurnGraph
from fevermap.routing.weights import INF_MS, ceil_ms, segment_times_ms, to_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Views(NamedTuple):
    """A state's arrays as memoryviews, for the per-query path's single reads."""

    seg_ms: memoryview
    excl: memoryview
    incl: memoryview
    edge_total: memoryview
    seg_edge: memoryview
    closed_before: memoryview
    closed_after: memoryview
    turn_ms: memoryview


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
    _one: _Views = field(init=False, repr=False)  # the arrays above for single reads

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

    def __post_init__(self) -> None:
        # the per-query path reads single values: a memoryview item is a Python number in ~30 ns, a numpy scalar
        # converted with float() or int() takes ~100
        views = (self.seg_ms, self._excl, self._incl, self._edge_total, self._seg_edge, self._closed_before,
                 self._closed_after, self.turn_ms)  # fmt: skip
        object.__setattr__(self, "_one", _Views(*(np.ascontiguousarray(v).data for v in views)))

    def before_one(self, seg: int, frac: float) -> float:
        """:meth:`before_ms` of one position, rounded up to whole ms (the per-query path).

        The same arithmetic in the same order as the vectorised method followed by
        :func:`~fevermap.routing.weights.ceil_ms_array`, on Python floats (no small arrays).
        """
        seg_ms, excl, incl, _, _, closed_before, _, _ = self._one
        t = seg_ms[seg]
        if closed_before[seg] > 0 or (frac > 0 and not math.isfinite(t)):
            return math.inf
        return ceil_ms(incl[seg] if frac >= 1.0 else excl[seg] + (frac * t if frac > 0 else 0.0))

    def after_one(self, seg: int, frac: float) -> float:
        """:meth:`after_ms` of one position, rounded up to whole ms (the per-query path; see :meth:`before_one`)."""
        seg_ms, excl, incl, total, seg_edge, _, closed_after, _ = self._one
        t = seg_ms[seg]
        if closed_after[seg] > 0 or (frac < 1 and not math.isfinite(t)):
            return math.inf
        return ceil_ms(
            total[seg_edge[seg]] - (incl[seg] if frac >= 1.0 else excl[seg] + (frac * t if frac > 0 else 0.0))
        )

    def before_ceil_ms(self, seg: IntArray, frac: FloatArray) -> FloatArray:
        """:meth:`before_ms` rounded up to whole ms (:func:`~fevermap.routing.weights.ceil_ms_array`), in C
        (:mod:`fevermap.routing._state`: the same operations; ``inf`` past a closure)."""
        out = np.empty(np.shape(seg)[0], dtype=np.float64)
        v = self._one  # the state's arrays, contiguous already
        _state.before_ceil(np.ascontiguousarray(seg, dtype=np.int64), np.ascontiguousarray(frac, dtype=np.float64),
                           v.seg_ms, v.excl, v.incl, v.closed_before, out)  # fmt: skip
        return out

    def after_ms(self, seg: IntArray, frac: FloatArray) -> FloatArray:
        """Time in ms from each position to its edge's end (vectorised; ``inf`` before a closure)."""
        t = self.seg_ms[seg]
        with np.errstate(invalid="ignore"):
            done = np.where(frac >= 1.0, self._incl[seg], self._excl[seg] + np.where(frac > 0, frac * t, 0.0))
        out = self._edge_total[self._seg_edge[seg]] - done
        return np.where((self._closed_after[seg] > 0) | (~np.isfinite(t) & (frac < 1)), np.inf, out)


@dataclass(frozen=True, eq=False)
class StateLayout:
    """The parts of a metric state that depend only on the graphs (computed once per router, reused per update)."""

    seg_edge: IntArray  # road edge of each segment
    seg_start: IntArray  # first segment of each segment's edge
    edge_last: IntArray  # last segment of each edge
    arc_edge: IntArray  # road edge driven by each turn-graph arc
    zeros: IntArray  # read-only zeros per segment (no closures)

    @classmethod
    def of(cls, graph: RoadGraph, turns: TurnGraph) -> StateLayout:
        seg_edge = np.repeat(np.arange(graph.edge_count), np.diff(graph.seg_off))
        arc_edge = turns.node_edge[turns.arc_from]
        return cls(seg_edge, graph.seg_off[:-1][seg_edge], graph.seg_off[1:] - 1, arc_edge, _zeros(seg_edge.shape[0]))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The layout's arrays by name (saved in a region directory; :meth:`from_arrays` reads them back)."""
        return {"seg_edge": self.seg_edge, "seg_start": self.seg_start, "edge_last": self.edge_last,
                "arc_edge": self.arc_edge}  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> StateLayout:
        """The layout :meth:`to_arrays` wrote, on those arrays as they are (memory-mapped ones stay so).

        Raises
        ------
        KeyError
            When an array is missing.
        """
        seg_edge = arrays["seg_edge"]
        return cls(seg_edge, arrays["seg_start"], arrays["edge_last"], arrays["arc_edge"], _zeros(seg_edge.shape[0]))


def _zeros(n: int) -> IntArray:
    """Read-only int64 zeros (calloc'ed: pages nobody reads take no memory)."""
    zeros = np.zeros(n, dtype=np.int64)
    zeros.setflags(write=False)
    return zeros


def metric_arrays(
    graph: RoadGraph,
    turns: TurnGraph,
    speed_kph: FloatArray,
    turn_ms: IntArray,
    *,
    closed_edges: npt.NDArray[np.bool_] | None = None,
    layout: StateLayout | None = None,
    pool: ArrayPool | None = None,
) -> dict[str, np.ndarray]:
    """The arrays of a metric state for these speeds and turn costs, by name, before customisation.

    ``seg_ms``, ``excl``, ``incl``, ``edge_total``, ``edge_ms``, ``edge_weights_ms`` and ``arc_weights_ms`` (the
    engine's weights), and ``closed_before`` / ``closed_after`` only when a segment is closed. A region saves those
    of its base speeds (``base_state.npz``) so that loading it computes none; :func:`make_state` takes them.
    ``pool`` gives the buffers (reused ones of retired states: the same values, no page faults).

    Without closures, one C pass computes them (:mod:`fevermap.routing._state`, bit-identical to
    :func:`_metric_arrays_numpy`, which handles closures and speeds below 1e-300 km/h).
    """
    lay = layout or StateLayout.of(graph, turns)
    n, m, a = lay.seg_edge.shape[0], lay.edge_last.shape[0], lay.arc_edge.shape[0]

    def empty(size: int = n, dtype: type = np.float64) -> np.ndarray:
        return pool.empty(size, dtype) if pool is not None else np.empty(size, dtype=dtype)

    if closed_edges is None:
        f8, i8 = np.float64, np.int64
        inputs = [np.ascontiguousarray(x, t) for x, t in ((graph.seg_length_m, f8), (speed_kph, f8),
                  (graph.seg_penalty_ms, f8), (graph.seg_off, i8), (lay.arc_edge, i8), (turn_ms, i8))]  # fmt: skip
        out = {"seg_ms": empty(), "excl": empty(), "incl": empty(), "edge_total": empty(m),
               "edge_weights_ms": empty(m, i8), "arc_weights_ms": empty(a, i8)}  # fmt: skip
        if _state.metric_pass(*inputs, *out.values()):
            out["edge_ms"] = out["edge_total"]
            return out
        del out  # not the common case: the buffers go back to the pool
    return _metric_arrays_numpy(graph, speed_kph, turn_ms, closed_edges, lay, empty)


def _metric_arrays_numpy(
    graph: RoadGraph,
    speed_kph: FloatArray,
    turn_ms: IntArray,
    closed_edges: npt.NDArray[np.bool_] | None,
    lay: StateLayout,
    empty: Callable[..., np.ndarray],
) -> dict[str, np.ndarray]:
    """:func:`metric_arrays` in numpy (closures included); ``empty(size=segments, dtype=float64)`` gives buffers."""
    seg_edge, start, last = lay.seg_edge, lay.seg_start, lay.edge_last
    m = last.shape[0]
    seg_ms = segment_times_ms(graph.seg_length_m, speed_kph, out=empty())
    any_closed = closed_edges is not None or not bool(np.isfinite(seg_ms).all())
    if any_closed:
        closed = ~np.isfinite(seg_ms)
        if closed_edges is not None:
            closed |= closed_edges[seg_edge]
        any_closed = bool(closed.any())
    w = np.add(seg_ms, graph.seg_penalty_ms, out=empty())
    if any_closed:
        w[closed] = 0.0
    cum_excl = np.cumsum(w, out=empty())
    cum_excl -= w
    # np.take: mode="clip" because with out= the default mode="raise" first writes to a fresh temporary (every index
    # is in range here, so clipping changes nothing); in place below: a fresh buffer of s floats costs page faults
    excl = np.subtract(cum_excl, np.take(cum_excl, start, out=empty(), mode="clip"), out=cum_excl)
    incl = np.add(excl, w, out=w)  # w is not needed after
    total = np.take(incl, last, out=empty(m), mode="clip")
    out = {"excl": excl, "incl": incl, "edge_total": total}
    if any_closed:
        n_closed = np.cumsum(closed) - closed
        closed_before = (n_closed - n_closed[start]).astype(np.int64)
        closed_in_edge = closed_before[last] + closed[last]
        out["closed_before"] = closed_before
        out["closed_after"] = (closed_in_edge[seg_edge] - closed_before - closed).astype(np.int64)
        edge_ms = np.where(closed_in_edge > 0, np.inf, total)
        seg_ms[closed] = np.inf
    else:
        edge_ms = total
    edge_w = to_weights(edge_ms, out=empty(m, np.int64), scratch=empty(m))
    arc_w = np.take(edge_w, lay.arc_edge, out=empty(lay.arc_edge.shape[0], np.int64), mode="clip")
    arc_w += turn_ms
    np.minimum(arc_w, INF_MS, out=arc_w)
    out.update(seg_ms=seg_ms, edge_ms=edge_ms, edge_weights_ms=edge_w, arc_weights_ms=arc_w)
    return out


def make_state(
    graph: RoadGraph,
    turns: TurnGraph,
    engine: CCHEngine,
    speed_kph: FloatArray,
    turn_ms: IntArray,
    *,
    closed_edges: npt.NDArray[np.bool_] | None = None,
    swap: bool = True,
    layout: StateLayout | None = None,
    arrays: Mapping[str, np.ndarray] | None = None,
    pool: ArrayPool | None = None,
) -> MetricState:
    """Customise a new state for these speeds and turn costs (swapped in as the engine's current metric if ``swap``).

    ``closed_edges`` (a mask over road edges) closes those edges on top of the speeds (a side metric, e.g. one that
    avoids sealed areas). ``layout`` is :meth:`StateLayout.of` the graphs (computed here when not given). ``arrays``
    are :func:`metric_arrays` of exactly these arguments, computed before (a region's saved base state); computed
    here when not given, with buffers from ``pool`` when given.
    """
    lay = layout or StateLayout.of(graph, turns)
    a = arrays if arrays is not None else metric_arrays(graph, turns, speed_kph, turn_ms, closed_edges=closed_edges,
                                                        layout=lay, pool=pool)  # fmt: skip
    arc_w = a["arc_weights_ms"]
    metric = engine.customise(arc_w) if swap else engine.make_metric(arc_w)
    return MetricState(
        seg_speed_kph=speed_kph,
        seg_ms=a["seg_ms"],
        turn_ms=turn_ms,
        edge_ms=a["edge_ms"],
        edge_weights_ms=a["edge_weights_ms"],
        metric=metric,
        max_speed_kph=float(speed_kph.max()) if speed_kph.size and speed_kph.max() > 0 else 1.0,
        _seg_edge=lay.seg_edge,
        _excl=a["excl"],
        _incl=a["incl"],
        _edge_total=a["edge_total"],
        _closed_before=a.get("closed_before", lay.zeros),
        _closed_after=a.get("closed_after", lay.zeros),
    )
