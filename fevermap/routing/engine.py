"""The routing engine: a Customizable Contraction Hierarchy (routingkit_cch) behind a small interface.

Weights are integer milliseconds; :data:`INF_MS` marks a closed arc. A :class:`Metric` is an immutable, fully
customised snapshot: :meth:`CCHEngine.customise` builds a new one beside the current one and swaps it in with one
reference assignment, so a query that took the old snapshot finishes on the old weights and the next one sees the new
ones, never a mix. routingkit_cch query objects may be used and dropped only on the thread that made them, so each
thread keeps its own, for the metric version it last used, in thread-local storage.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import routingkit_cch as rk

#: RoutingKit's infinite weight: an arc with it is closed, a path summing to it or more is no path.
INF_MS = 2**31 - 1

Seed = tuple[int, int]  # (node, initial distance in ms)
#: How many pinned one-to-many target sets each thread keeps ready.
PINNED_PER_THREAD = 16


@dataclass(frozen=True)
class PathResult:
    """A shortest path: total time in ms, its first and last node and the arc (edge) ids in driving order."""

    duration_ms: int
    first_node: int
    last_node: int
    arc_path: npt.NDArray[np.int64]


@dataclass(eq=False, frozen=True)
class Metric:
    """One customised set of weights (read-only once built)."""

    weights_ms: npt.NDArray[np.int64]
    version: int
    _metric: Any


@dataclass(eq=False)
class _Slot:
    """One thread's routingkit_cch objects for one engine, for the metric version they were made for."""

    engine: weakref.ref[CCHEngine]
    version: int = -1
    query: Any = None
    many: dict[int | None, Any] = field(default_factory=dict)


#: Per-thread query objects, keyed by engine. routingkit_cch objects are "unsendable": they must be used and dropped
#: on the thread that made them, so they live in the thread's own storage (freed when the thread ends, or when the
#: thread next notices that their engine is gone), never in the engine, which any thread may drop.
_THREAD_SLOTS = threading.local()
_ENGINE_IDS = itertools.count(1)


class CCHEngine:
    """A CCH over a fixed topology whose weights can be replaced at any time.

    Parameters
    ----------
    order : array of int
        Nested-dissection node order (saved in the region directory).
    tail, head : array of int
        Arc endpoints; arc ids are their positions.
    weights_ms : array of int
        Initial weights in milliseconds (``INF_MS`` = closed).
    """

    def __init__(
        self,
        order: npt.ArrayLike,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        weights_ms: npt.NDArray[np.int64],
    ) -> None:
        self._cch = rk.CCH(np.asarray(order).tolist(), np.asarray(tail).tolist(), np.asarray(head).tolist(), False)
        self._write_lock = threading.Lock()
        self._version = 0
        self._id = next(_ENGINE_IDS)
        self._tail = np.asarray(tail, dtype=np.int64)
        self._head = np.asarray(head, dtype=np.int64)
        self.metric = self._make(weights_ms)

    def _make(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        w = np.minimum(np.asarray(weights_ms, dtype=np.int64), INF_MS)
        w.setflags(write=False)
        self._version += 1
        return Metric(w, self._version, rk.CCHMetric(self._cch, w.tolist()))

    def customise(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        """Customise new weights beside the current ones, then swap them in atomically; return the new metric."""
        with self._write_lock:
            new = self._make(weights_ms)
            self.metric = new  # one reference assignment: queries see old or new, never a mix
        return new

    def side_metric(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        """Customise weights beside the current metric *without* swapping them in (e.g. closures for one query)."""
        with self._write_lock:
            return self._make(weights_ms)

    def _slot(self) -> _Slot:
        """This thread's query objects for this engine (created, and dropped, only on this thread)."""
        slots: dict[int, _Slot] | None = getattr(_THREAD_SLOTS, "slots", None)
        if slots is None:
            slots = _THREAD_SLOTS.slots = {}
        slot = slots.get(self._id)
        if slot is None:
            for key in [k for k, v in slots.items() if v.engine() is None]:  # engines gone: drop their objects here
                del slots[key]
            slot = slots[self._id] = _Slot(weakref.ref(self))
        return slot

    def _query(self, metric: Metric) -> Any:
        slot = self._slot()
        if slot.version != metric.version:
            slot.query = None  # drop the old one here, on its own thread
            slot.many = {}
            slot.query = rk.CCHQuery(metric._metric)
            slot.version = metric.version
        return slot.query

    def shortest(self, metric: Metric, sources: Sequence[Seed], targets: Sequence[Seed]) -> PathResult | None:
        """Shortest path on ``metric`` from any source seed to any target seed, or None when none connects them."""
        q = self._query(metric)
        res = q.run_multi(list(sources), list(targets))
        dist = res.distance
        out = None
        if dist is not None:
            arcs = np.asarray(res.arc_path, dtype=np.int64)
            if arcs.shape[0]:
                first, last = int(self._tail[arcs[0]]), int(self._head[arcs[-1]])
            else:
                first = last = int(res.node_path[0])
            out = PathResult(int(dist), first, last, arcs)
        del res  # routingkit_cch requires the result dropped before the query object runs again
        return out

    def distances(
        self, metric: Metric, sources: Sequence[Seed], key: int | None, target_nodes: Sequence[int]
    ) -> npt.NDArray[np.float64]:
        """Distances in ms on ``metric`` from the source seeds to each target node (``inf`` = unreachable).

        ``key`` identifies a pinned target set whose routingkit_cch one-to-many object is kept for reuse (the
        :data:`PINNED_PER_THREAD` most recently used per thread); with ``key=None`` a scratch object is re-pinned.
        """
        self._query(metric)
        many: dict[int | None, Any] = self._slot().many
        one = many.pop(key, None)
        if one is None:
            one = rk.CCHOneToMany(metric._metric, list(target_nodes))
        elif key is None:
            one.repin_targets(list(target_nodes))
        many[key] = one  # most recently used last
        if len(many) > PINNED_PER_THREAD + 1:
            del many[next(k for k in many if k is not None)]
        raw = one.distances_from_multi(list(sources))
        out = np.array(raw, dtype=np.float64)  # None (unreachable) becomes nan
        out[np.isnan(out)] = np.inf
        return out
