"""The routing engine: a native Customizable Contraction Hierarchy (:mod:`fevermap.routing._cch`) behind an interface.

Weights are integer milliseconds (:mod:`fevermap.routing.weights`); :data:`INF_MS` marks a closed arc. The hierarchy
(:class:`Hierarchy`: contraction with fill-in along the region's nested-dissection order) is computed when a region is
built and saved with it, together with the customised metric of the region's own weights and the partition that
parallel customisation works through, so loading a region maps them read-only instead of rebuilding them. A
:class:`Metric` is an immutable, fully customised snapshot:
:meth:`CCHEngine.customise` builds a new one beside the current one (on :func:`default_threads` threads) and swaps it
in with one reference assignment, so a query that took the old snapshot finishes on the old weights and the next one
sees the new ones, never a mix; :meth:`CCHEngine.make_metric` builds a side metric (e.g. with some roads closed)
without swapping. A native query object holds scratch space for one query at a time, so each thread keeps its own.
The native side keeps a dead metric's buffer per hierarchy and one workspace per thread per process for the next
customisation, so a steady stream of traffic updates writes to memory that is already mapped.

Why not routingkit_cch, which fevermap used before: it cannot save a hierarchy (Porto's turn graph took 165 ms to
rebuild at every load, plus 85 ms for the first customisation), customises on one thread and converts every argument
and answer to Python lists; ``benchmarks/bench_cch.py`` measures both on the same graph and weights.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.routing import _cch
from fevermap.routing.weights import INF_MS

__all__ = [
    "INF_MS",
    "PARTITION_ARRAYS",
    "CCHEngine",
    "Hierarchy",
    "Metric",
    "PathResult",
    "Seed",
    "contract",
    "default_threads",
]

Seed = tuple[int, int]  # (node, initial distance in ms)
#: How many pinned one-to-many node sets an engine keeps (they depend on the topology only, not on the metric).
PINNED_KEPT = 64
#: At most this many threads customise one metric.
MAX_THREADS = 4
#: The arrays of a hierarchy's partition for parallel customisation (int32): ``chunk_first`` (chunks + 2) and
#: ``chunk_nodes`` (n: each chunk's ranks ascending, then the top part's), ``chunk_root`` (per chunk),
#: ``top_children`` (n: per top node its children in the elimination tree) and ``top_task`` (n: its task, else -1).
PARTITION_ARRAYS = ("chunk_first", "chunk_nodes", "chunk_root", "top_children", "top_task")


def default_threads() -> int:
    """Threads for a customisation: the CPUs this process may run on, at most :data:`MAX_THREADS`."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


@dataclass(frozen=True)
class Hierarchy:
    """The topology of a CCH, as int32 arrays (node ids here are ranks, positions in the contraction order).

    ``rank`` (n, rank of each node) and ``order`` (n, node of each rank); ``up_first`` (n+1) and ``up_head`` (arcs,
    sorted within each row): the upward neighbours of rank ``x`` are ``up_head[up_first[x]:up_first[x+1]]``, each arc
    stored once with a weight each way; ``arc_low`` (arcs, the lower end of each); ``down_first`` (n+1) and
    ``down_arc`` (arcs): the arcs whose upper end is ``x``, by lower end;
    ``parent`` (n, elimination-tree parent, -1 at a root); ``arc_slot`` (per input arc, ``2 * arc + 0`` when it runs
    up, ``+ 1`` when it runs down, -1 for a loop). ``partition``: the split of the elimination tree that parallel
    customisation works through (:data:`PARTITION_ARRAYS`, see :meth:`CCHEngine.partition`), when known.
    """

    rank: npt.NDArray[np.int32]
    order: npt.NDArray[np.int32]
    up_first: npt.NDArray[np.int32]
    up_head: npt.NDArray[np.int32]
    arc_low: npt.NDArray[np.int32]
    down_first: npt.NDArray[np.int32]
    down_arc: npt.NDArray[np.int32]
    parent: npt.NDArray[np.int32]
    arc_slot: npt.NDArray[np.int32]
    partition: Mapping[str, npt.NDArray[np.int32]] | None = None

    def arrays(self) -> dict[str, npt.NDArray[np.int32]]:
        """The arrays by field name, and those of the partition when there is one (to save)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "partition"}
        out.update(self.partition or {})
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> Hierarchy:
        """A hierarchy over saved arrays (views are kept: memory-mapped arrays stay mapped), with its partition
        when they hold one (regions built before it was saved have none: the first parallel customisation makes it)."""
        names = [f.name for f in fields(cls) if f.name != "partition"]
        part = {k: np.asarray(arrays[k], dtype=np.int32) for k in PARTITION_ARRAYS if k in arrays}
        return cls(**{k: np.asarray(arrays[k], dtype=np.int32) for k in names},
                   partition=part if len(part) == len(PARTITION_ARRAYS) else None)  # fmt: skip


def contract(order: npt.ArrayLike, tail: npt.ArrayLike, head: npt.ArrayLike) -> Hierarchy:
    """Contract the graph with arcs ``tail[i] -> head[i]`` along ``order`` (node ids, first contracted first).

    Examples
    --------
    A path 0 - 1 - 2 contracted middle first gains the shortcut {0, 2}:

    >>> h = contract([1, 0, 2], [0, 1, 1, 2], [1, 0, 2, 1])
    >>> h.rank.tolist(), h.up_first.tolist(), h.up_head.tolist(), h.parent.tolist()
    ([1, 0, 2], [0, 2, 3, 3], [1, 2, 2], [1, 2, -1])
    >>> h.arc_low.tolist(), h.down_first.tolist(), h.down_arc.tolist()
    ([0, 0, 1], [0, 0, 1, 3], [0, 1, 2])
    """
    o = np.ascontiguousarray(order, dtype=np.int32)
    arrays = _cch.contract(o, np.ascontiguousarray(tail, dtype=np.int32), np.ascontiguousarray(head, dtype=np.int32))
    return Hierarchy.from_arrays({"order": o, **{k: np.frombuffer(v, dtype=np.int32) for k, v in arrays.items()}})


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

    def packed(self) -> npt.NDArray[np.uint32]:
        """The customised weights in the native layout (up, dn, up tags, dn tags per hierarchy arc), to save."""
        return np.frombuffer(self._metric.packed(), dtype=np.uint32)


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
    hierarchy : Hierarchy, optional
        The saved contraction of these arcs along ``order`` (computed here when not given).
    saved : tuple of (weights, packed), optional
        A saved customisation: when :meth:`customise` is asked for exactly these weights, it maps the packed
        metric instead of customising again.
    threads : int, optional
        Threads per customisation (default :func:`default_threads`).
    """

    metric: Metric

    def __init__(
        self,
        order: npt.ArrayLike,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        weights_ms: npt.NDArray[np.int64] | None = None,
        *,
        hierarchy: Hierarchy | None = None,
        saved: tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]] | None = None,
        threads: int | None = None,
    ) -> None:
        h = hierarchy if hierarchy is not None else contract(order, tail, head)
        if h.arc_slot.shape[0] != np.shape(tail)[0]:
            raise ValueError(f"hierarchy has {h.arc_slot.shape[0]} input arcs, the graph {np.shape(tail)[0]}")
        self.hierarchy = h
        self._cch = _cch.CCH(**h.arrays())
        self._saved = saved
        self.threads = threads or default_threads()
        self._write_lock = threading.Lock()
        self._version_lock = threading.Lock()
        self._version = 0
        self._local = threading.local()  # per thread: its native query object (scratch space)
        self._pinned: OrderedDict[Any, Any] = OrderedDict()
        self._pinned_lock = threading.Lock()
        if weights_ms is not None:
            self.metric = self._make(weights_ms)

    @property
    def arc_count(self) -> int:
        """Arcs of the hierarchy (input arcs and shortcuts, each node pair once)."""
        return int(self._cch.arc_count)

    def partition(self) -> dict[str, npt.NDArray[np.int32]]:
        """The partition parallel customisation works through (made now when the hierarchy has none), to save.

        The heaviest subtrees of the elimination tree are opened until none holds more than 1/32 of the work: the
        subtrees left are chunks, each customised by one thread; a top node's row is customised once its children's
        are. Saved with a region, so that its first traffic update does not make it (about 10 ms on Porto).
        """
        if self.hierarchy.partition is not None:
            return dict(self.hierarchy.partition)
        return {k: np.frombuffer(v, dtype=np.int32) for k, v in self._cch.partition().items()}

    def _make(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        saved = self._saved
        if saved is not None and weights_ms is saved[0]:  # the saved weights themselves (read-only, mapped)
            w = saved[0]
        else:
            w = np.minimum(np.asarray(weights_ms, dtype=np.int64), INF_MS)
            w.setflags(write=False)
        with self._version_lock:
            self._version += 1
            version = self._version
        if saved is not None and (w is saved[0] or (saved[0].shape == w.shape and np.array_equal(saved[0], w))):
            native = _cch.Metric(self._cch, packed=saved[1])
        else:
            native = _cch.Metric(self._cch, w, threads=self.threads)
        return Metric(w, version, native)

    def customise(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        """Customise new weights beside the current ones, then swap them in atomically; return the new metric."""
        with self._write_lock:
            new = self._make(weights_ms)
            self.metric = new  # one reference assignment: queries see old or new, never a mix
        return new

    def make_metric(self, weights_ms: npt.NDArray[np.int64]) -> Metric:
        """Customise a side metric (the current one stays); pass it to the queries explicitly."""
        return self._make(weights_ms)

    def _query(self) -> Any:
        q = getattr(self._local, "query", None)
        if q is None:
            q = self._local.query = _cch.Query(self._cch)
        return q

    def shortest(self, metric: Metric, sources: list[Seed], targets: list[Seed]) -> PathResult | None:
        """Shortest path on ``metric`` from any source seed to any target seed, or None when none connects them."""
        res = self._query().run(metric._metric, sources, targets)
        if res is None:
            return None
        path = np.frombuffer(res[1], dtype=np.int64)
        return PathResult(int(res[0]), int(path[0]), int(path[-1]), path)

    def pinned(self, key: Any, nodes: Sequence[int] | npt.NDArray[np.int64]) -> Any:
        """The native pinned set of ``nodes`` kept under ``key`` (the :data:`PINNED_KEPT` most recently used; a
        ``key`` of None pins afresh). A key must always name the same nodes."""
        if key is None:
            return _cch.Pinned(self._cch, np.asarray(nodes, dtype=np.int64))
        with self._pinned_lock:
            one = self._pinned.pop(key, None)
            if one is not None:
                self._pinned[key] = one
                return one
        one = _cch.Pinned(self._cch, np.asarray(nodes, dtype=np.int64))
        with self._pinned_lock:
            self._pinned[key] = one
            while len(self._pinned) > PINNED_KEPT:
                self._pinned.popitem(last=False)
        return one

    def distances(
        self,
        metric: Metric,
        sources: Sequence[Seed],
        key: Any,
        target_nodes: Sequence[int] | npt.NDArray[np.int64],
        *,
        reverse: bool = False,
    ) -> npt.NDArray[np.float64]:
        """Distances in ms on ``metric`` from the source seeds to each target node (``inf`` = unreachable).

        With ``reverse=True`` the seeds are targets and ``target_nodes`` the sources: distances from each node to
        the seeds. ``key`` identifies the pinned node set for reuse (see :meth:`pinned`).
        """
        raw = self._query().many(metric._metric, self.pinned(key, target_nodes), sources, reverse)
        return np.frombuffer(raw, dtype=np.float64)
