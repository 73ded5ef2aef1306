"""Travel times in current traffic from a snapped point to every road node (or from every node to it): the one module
of :mod:`fevermap.care` that talks to the routing engine.

Everything the care package needs of the router goes through here: the graph, the current integer edge weights in ms
(``Router.edge_weights_ms``, the weights the CCH engine routes on and :mod:`fevermap.routing.export` writes), the
current per-segment times (for partial edges) and snapping. Times are computed with ``scipy.sparse.csgraph.dijkstra``
on a CSR copy of the current metric, bounded by a time limit: measured against routingkit_cch one-to-many to all
nodes in ``benchmarks/bench_care.py``, the bounded Dijkstra wins for isochrones (it settles only the nodes within
the limit) and is the only one of the two that runs on the reversed graph without a second CCH.

Seeds follow :class:`fevermap.routing.router.Router` exactly: a snapped origin enters the graph at the head of each
edge through it after ``ceil(time from the snap to the head)``; a snapped target is reached from the tail of each
edge through it plus ``ceil(time from the tail to the snap)``; a target further along the origin's own edge is
reached directly after ``ceil`` of the time between them. So a node's time here equals the engine's.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from fevermap.routing.engine import INF_MS
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Metric:
    """One consistent snapshot of the router's current traffic, in the shapes the care computations use.

    ``forward`` / ``backward`` are CSR matrices of the road graph and of its reverse (weights in ms; of parallel
    edges the fastest); ``seg_ms`` the time of each OSM segment in ms (``inf`` closed); ``before_excl[s]`` the time
    from the tail of segment ``s``'s edge to the start of ``s`` (``inf`` past a closed segment); ``after_excl[s]``
    from the end of ``s`` to the edge's head.
    """

    version: int
    weights_ms: IntArray
    forward: csr_matrix
    backward: csr_matrix
    seg_ms: FloatArray
    before_excl: FloatArray
    after_excl: FloatArray


@dataclass(frozen=True)
class Seeds:
    """Entry points of a search: node ids, initial times in ms, and which source (e.g. clinic) each belongs to."""

    nodes: IntArray
    ms: FloatArray
    source: IntArray

    @staticmethod
    def concat(parts: Sequence[Seeds]) -> Seeds:
        if not parts:
            return Seeds(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
        return Seeds(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("nodes", "ms", "source")))


_cache_lock = threading.Lock()
_cache: dict[int, tuple[Router, Metric]] = {}


def _csr(tail: IntArray, head: IntArray, w: IntArray, n: int) -> csr_matrix:
    ok = w < INF_MS
    t, h, ww = tail[ok], head[ok], w[ok].astype(np.float64)
    order = np.lexsort((ww, h, t))  # of parallel edges keep the fastest (csr would sum duplicates)
    t, h, ww = t[order], h[order], ww[order]
    keep = np.ones(t.shape[0], dtype=bool)
    keep[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    return csr_matrix((ww[keep], (t[keep], h[keep])), shape=(n, n))


def _within_edge(seg_ms: FloatArray, seg_off: IntArray) -> tuple[FloatArray, FloatArray]:
    """Per segment: time from its edge's tail to its start, and from its end to the edge's head (``inf`` across a
    closed segment)."""
    closed = ~np.isfinite(seg_ms)
    finite = np.where(closed, 0.0, seg_ms)
    counts = np.diff(seg_off)
    starts = np.repeat(seg_off[:-1], counts)
    ends = np.repeat(seg_off[1:], counts)
    cum = np.concatenate([[0.0], np.cumsum(finite)])
    ncl = np.concatenate([[0], np.cumsum(closed)])
    idx = np.arange(seg_ms.shape[0])
    before = np.where(ncl[idx] - ncl[starts] > 0, np.inf, cum[idx] - cum[starts])
    after = np.where(ncl[ends] - ncl[idx + 1] > 0, np.inf, cum[ends] - cum[idx + 1])
    return before, after


def metric(router: Router) -> Metric:
    """The router's current traffic as a :class:`Metric` (cached per metric version)."""
    state = router._state  # the one read of the router's traffic state: weights and segment times that go together
    version = int(state.metric.version)
    key = id(router)
    got = _cache.get(key)
    if got is not None and got[0] is router and got[1].version == version:
        return got[1]
    g = router.graph
    w = np.asarray(state.metric.weights_ms, dtype=np.int64)
    n = g.node_count
    fwd = _csr(g.edge_tail, g.edge_head, w, n)
    bwd = _csr(g.edge_head, g.edge_tail, w, n)
    seg_ms = np.asarray(state.seg_ms, dtype=np.float64)
    before, after = _within_edge(seg_ms, g.seg_off)
    out = Metric(version, w, fwd, bwd, seg_ms, before, after)
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = (router, out)
    return out


def position_ms(m: Metric, seg: IntArray, frac: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Time in ms from the edge's tail to each position, and from each position to the edge's head.

    ``seg`` are global segment indices, ``frac`` fractions along them (vectorised).
    """
    t = m.seg_ms[seg]
    with np.errstate(invalid="ignore"):
        into = np.where(frac > 0, frac * t, 0.0)
        rest = np.where(frac < 1, (1.0 - frac) * t, 0.0)
    return m.before_excl[seg] + into, m.after_excl[seg] + rest


def _ceil(ms: FloatArray) -> FloatArray:
    return np.where(np.isfinite(ms), np.ceil(ms - 1e-9), np.inf)


def snap_seeds(router: Router, m: Metric, snap: Snap, *, reverse: bool, source: int = 0) -> Seeds:
    """Seeds of a snapped point: as an origin (``reverse=False``: the heads of its edges) or as a target
    (``reverse=True``: the tails of its edges, searched on the reversed graph)."""
    g = router.graph
    edges = np.array([p.edge for p in snap.positions], dtype=np.int64)
    seg = g.seg_off[edges] + np.array([p.seg for p in snap.positions], dtype=np.int64)
    frac = np.array([p.frac for p in snap.positions], dtype=np.float64)
    before, after = position_ms(m, seg, frac)
    cost = _ceil(before if reverse else after)
    ok = cost < INF_MS
    nodes = (g.edge_tail if reverse else g.edge_head)[edges[ok]]
    return Seeds(nodes.astype(np.int64), cost[ok], np.full(int(ok.sum()), source, dtype=np.int64))


def site_seeds(router: Router, m: Metric, snaps: Sequence[Snap]) -> Seeds:
    """Seeds of many snapped targets at once (source ``i`` = ``snaps[i]``), for a reverse search."""
    return Seeds.concat([snap_seeds(router, m, s, reverse=True, source=i) for i, s in enumerate(snaps)])


def node_times(m: Metric, seeds: Seeds, *, reverse: bool, limit_ms: float = math.inf) -> tuple[FloatArray, IntArray]:
    """Times in ms from the seeds to every node (``reverse``: from every node to the seeds), and the source of the
    seed each node is reached from first (-1: not within ``limit_ms``).

    One bounded multi-source Dijkstra: every seed gets a virtual node joined to its entry node by an arc of its
    initial time + 1 ms (the 1 ms is taken off again), so one search serves all sources at once.
    """
    graph = m.backward if reverse else m.forward
    n = graph.shape[0]
    k = seeds.nodes.shape[0]
    if k == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    # the virtual nodes n..n+k-1 are appended (their arcs only leave them, so the road part of the matrix is reused)
    virt = csr_matrix((seeds.ms + 1.0, (np.arange(k), seeds.nodes)), shape=(k, n + k))
    big = _stack(graph, virt)
    lim = limit_ms + 1.0 if math.isfinite(limit_ms) else np.inf
    dist, _pred, src = dijkstra(big, directed=True, indices=np.arange(n, n + k), limit=lim, min_only=True,
                                return_predecessors=True)  # fmt: skip
    d = dist[:n] - 1.0
    label = np.where(src[:n] >= 0, seeds.source[np.clip(src[:n] - n, 0, k - 1)], -1)
    d[label < 0] = np.inf
    return d, label.astype(np.int64)


def _stack(graph: csr_matrix, virt: csr_matrix) -> csr_matrix:
    """``graph`` (n x n) widened to n+k columns with ``virt`` (k x (n+k)) appended below, built from the CSR arrays
    directly (scipy.sparse.vstack re-sorts everything)."""
    n = graph.shape[0]
    k = virt.shape[0]
    indptr = np.concatenate([graph.indptr, graph.indptr[-1] + virt.indptr[1:]])
    indices = np.concatenate([graph.indices, virt.indices])
    data = np.concatenate([graph.data, virt.data])
    return csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def direct_on_edge(
    router: Router, m: Metric, snap: Snap, edge: IntArray, seg: IntArray, frac: FloatArray, *, reverse: bool
) -> FloatArray:
    """Times in ms between ``snap`` and positions on its own edges without leaving them (``inf`` elsewhere):
    from the snap forward to positions ahead of it, or (``reverse``) from positions behind it to the snap.

    ``edge`` are edge ids, ``seg`` global segment indices and ``frac`` fractions of the positions (vectorised).
    """
    g = router.graph
    out = np.full(edge.shape[0], np.inf)
    pos_before, _ = position_ms(m, seg, frac)
    for p in snap.positions:
        on = edge == p.edge
        if not on.any():
            continue
        s = np.array([g.seg_off[p.edge] + p.seg])
        here, _ = position_ms(m, s, np.array([p.frac]))
        delta = (here[0] - pos_before[on]) if reverse else (pos_before[on] - here[0])
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(delta) & (delta >= -1e-9)
        out[on] = np.minimum(out[on], np.where(ok, np.maximum(delta, 0.0), np.inf))
    return out


def snap_points(router: Router, lon: FloatArray, lat: FloatArray) -> list[Any]:
    """Snap many ``(lon, lat)`` points (degrees); an error object stands for each point that cannot be snapped."""
    return router.snap_many(np.column_stack([lon, lat]))


def snap(router: Router, lon: float, lat: float) -> Snap:
    """Snap one ``(lon, lat)`` point (degrees) to the road network."""
    return router.snap(lon, lat)
