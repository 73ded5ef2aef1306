"""The routing engine: a Customizable Contraction Hierarchy (routingkit_cch) behind a small interface.

Weights are integer milliseconds; :data:`INF_MS` marks a closed arc. A :class:`Metric` is an immutable, fully
customised snapshot: :meth:`CCHEngine.customise` builds a new one beside the current one and swaps it in with one
reference assignment, so a query that took the old snapshot finishes on the old weights and the next one sees the new
ones, never a mix. routingkit_cch query objects may be used and dropped only on the thread that made them, so each
thread keeps its own, for the metric version it last used, in a thread-local cache of the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import routingkit_cch as rk

#: RoutingKit's infinite weight: an arc with it is closed, a path summing to it or more is no path.
INF_MS = 2**31 - 1

Seed = tuple[int, int]  # (node, initial distance in ms)


@dataclass(frozen=True)
class PathResult:
    """A shortest path: total time in ms, the node sequence and the arc (edge) ids in driving order."""

    duration_ms: int
    node_path: list[int]
    arc_path: list[int]


@dataclass(eq=False, frozen=True)
class Metric:
    """One customised set of weights (read-only once built)."""

    weights_ms: npt.NDArray[np.int64]
    version: int
    _metric: Any


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
        self._local = threading.local()
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

    def _query(self, metric: Metric) -> Any:
        local = self._local
        if getattr(local, "version", None) != metric.version:
            local.query = None  # drop the old one here, on its own thread
            local.many = {}
            local.query = rk.CCHQuery(metric._metric)
            local.version = metric.version
        return local.query

    def shortest(self, metric: Metric, sources: Sequence[Seed], targets: Sequence[Seed]) -> PathResult | None:
        """Shortest path on ``metric`` from any source seed to any target seed, or None when none connects them."""
        q = self._query(metric)
        res = q.run_multi(list(sources), list(targets))
        dist = res.distance
        out = None if dist is None else PathResult(int(dist), list(res.node_path), list(res.arc_path))
        del res  # routingkit_cch requires the result dropped before the query object runs again
        return out

    def distances(
        self, metric: Metric, sources: Sequence[Seed], key: int, target_nodes: Sequence[int]
    ) -> npt.NDArray[np.float64]:
        """Distances in ms on ``metric`` from the source seeds to each of a pinned set of nodes (``inf`` = none).

        ``key`` identifies the pinned set so that its routingkit_cch one-to-many object is reused.
        """
        self._query(metric)
        many: dict[int, Any] = self._local.many
        one = many.get(key)
        if one is None:
            one = many[key] = rk.CCHOneToMany(metric._metric, list(target_nodes))
        raw = one.distances_from_multi(list(sources))
        return np.array([np.inf if d is None else d for d in raw], dtype=np.float64)
