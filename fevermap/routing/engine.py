"""The routing engine: a Customizable Contraction Hierarchy (routingkit_cch) behind a small interface.

Weights are integer milliseconds (:mod:`fevermap.routing.weights`); :data:`INF_MS` marks a closed arc. A
:class:`Metric` is an immutable, fully customised snapshot: :meth:`CCHEngine.customise` builds a new one beside the
current one and swaps it in with one reference assignment, so a query that took the old snapshot finishes on the old
weights and the next one sees the new ones, never a mix; :meth:`CCHEngine.make_metric` builds a side metric (e.g. with
some roads closed) without swapping. routingkit_cch query objects may be used and dropped only on the thread that made
them, so each thread keeps its own, for the few metric versions it last used, in thread-local storage.
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

from fevermap.routing.weights import INF_MS

__all__ = ["INF_MS", "CCHEngine", "Metric", "PathResult", "Seed"]

Seed = tuple[int, int]  # (node, initial distance in ms)
#: How many pinned one-to-many target sets each thread keeps ready.
PINNED_PER_THREAD = 16
#: How many metric versions (live and side metrics) each thread keeps query objects for.
METRICS_PER_THREAD = 4


@dataclass(frozen=True)
class PathResult:
    """A shortest path: total time in ms, its first and last node and its node ids in order."""

    duration_ms: int
    first_node: int
    last_node: int
    node_path: npt.NDArray[np.int64]


@dataclass(eq=False, frozen=True)
class Metric:
    """One customised set of weights (read-only once built)."""

    weights_ms: npt.NDArray[np.int64]
    version: int
    _metric: Any


@dataclass(eq=False)
class _Objects:
    """One thread's routingkit_cch objects for one metric version."""

    query: Any = None
    many: dict[Any, Any] = field(default_factory=dict)


@dataclass(eq=False)
class _Slot:
    """One thread's routingkit_cch objects for one engine, by metric version (most recently used last)."""

    engine: weakref.ref[CCHEngine]
    versions: dict[int, _Objects] = field(default_factory=dict)


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
    weights_ms : array of int, optional
        Initial weights in milliseconds (``INF_MS`` = closed). Without them the engine has no metric until the
        first :meth:`customise` (the router customises its real weights at once: no throw-away customisation).
    """

    metric: Metric

    def __init__(
        self,
        order: npt.ArrayLike,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        weights_ms: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self._cch = rk.CCH(np.asarray(order).tolist(), np.asarray(tail).tolist(), np.asarray(head).tolist(), False)
        self._write_lock = threading.Lock()
        self._version_lock = threading.Lock()
        self._version = 0
        self._id = next(_ENGINE_IDS)
        if weights_ms is not None:
            self.metric = self._make(weights_ms)

    def _make(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        w = np.minimum(np.asarray(weights_ms, dtype=np.int64), INF_MS)
        w.setflags(write=False)
        with self._version_lock:
            self._version += 1
            version = self._version
        return Metric(w, version, rk.CCHMetric(self._cch, w.tolist()))

    def customise(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        """Customise new weights beside the current ones, then swap them in atomically; return the new metric."""
        with self._write_lock:
            new = self._make(weights_ms)
            self.metric = new  # one reference assignment: queries see old or new, never a mix
        return new

    def make_metric(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        """Customise a side metric (the current one stays); pass it to the queries explicitly."""
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

    def _objects(self, metric: Metric) -> _Objects:
        versions = self._slot().versions
        obj = versions.pop(metric.version, None)
        if obj is None:
            while len(versions) >= METRICS_PER_THREAD:  # drop the least recently used, here, on its own thread
                del versions[next(iter(versions))]
            obj = _Objects(rk.CCHQuery(metric._metric))
        versions[metric.version] = obj
        return obj

    def shortest(self, metric: Metric, sources: list[Seed], targets: list[Seed]) -> PathResult | None:
        """Shortest path on ``metric`` from any source seed to any target seed, or None when none connects them."""
        last = getattr(_THREAD_SLOTS, "last_query", None)  # the common case: the same metric as last time
        if last is not None and last[0] == self._id and last[1] == metric.version:
            q = last[2]
        else:
            q = self._objects(metric).query
            _THREAD_SLOTS.last_query = (self._id, metric.version, q)
        res = q.run_multi(sources, targets)
        dist = res.distance
        out = None
        if dist is not None and dist < INF_MS:
            path = res.node_path
            out = PathResult(int(dist), path[0], path[-1], np.array(path, dtype=np.int64))
        del res  # routingkit_cch requires the result dropped before the query object runs again
        return out

    def distances(
        self, metric: Metric, sources: Sequence[Seed], key: Any, target_nodes: Sequence[int], *, reverse: bool = False
    ) -> npt.NDArray[np.float64]:
        """Distances in ms on ``metric`` from the source seeds to each target node (``inf`` = unreachable).

        With ``reverse=True`` the seeds are targets and ``target_nodes`` the sources: distances from each node to
        the seeds. ``key`` identifies a pinned node set whose routingkit_cch object is kept for reuse (the
        :data:`PINNED_PER_THREAD` most recently used per thread and metric); with ``key=None`` a scratch object is
        re-pinned.
        """
        many = self._objects(metric).many
        slot_key = (key, reverse)
        one = many.pop(slot_key, None)
        kind = rk.CCHManyToOne if reverse else rk.CCHOneToMany
        if one is None:
            one = kind(metric._metric, list(target_nodes))
        elif key is None:
            (one.repin_sources if reverse else one.repin_targets)(list(target_nodes))
        many[slot_key] = one  # most recently used last
        if len(many) > PINNED_PER_THREAD + 2:
            del many[next(k for k in many if k[0] is not None)]
        raw = one.distances_to_multi(list(sources)) if reverse else one.distances_from_multi(list(sources))
        out = np.array(raw, dtype=np.float64)  # None (unreachable) becomes nan
        out[np.isnan(out) | (out >= INF_MS)] = np.inf
        return out
