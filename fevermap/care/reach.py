"""Travel times in current traffic from snapped points to every road edge (or from every edge to them), turns included:
the one module of :mod:`fevermap.care` that talks to the routing engine.

The engine routes on the turn-expanded graph (:mod:`fevermap.routing.turns`): its nodes are directed road edges
("at the start of edge ``e``"), its arcs the allowed turns, weighted by the edge's whole-ms time plus the turn's
cost. Care searches run on that same graph and its current weights (``router.state.metric.weights_ms``), with the
engine's own seeds (:func:`fevermap.routing.query.source_seeds` / ``target_seeds``), so every time here equals the
engine's. Multi-source searches (catchments, coverage: which clinic reaches each road first) use
``scipy.sparse.csgraph.dijkstra`` bounded by the time limit, on the turn graph or its reverse, with virtual source
nodes; a search from one point uses the same bounded Dijkstra for short limits and the CCH's one-to-all (forward or
reverse) from :data:`CCH_FROM_MS` on, whichever ``benchmarks/bench_care.py`` measured faster.

What a search gives per road edge (:class:`EdgeTimes`), in ms:

- forward (from the seeds): ``start`` = time to the start of the edge, about to drive it (the best of its via-way
  copies); ``end`` = ``start`` + the edge's own time: the time to its end.
- reverse (to the seeds): ``start`` = time from the start of the edge, driving it, to the seeds; ``end`` = time from
  the end of the edge, taking one of its turns, to the seeds.

So a position at ``before`` ms from its edge's start is reached after ``start + before`` (forward), and reaches the
seeds after ``ceil(after) + end`` (reverse), as the engine's partial edges count.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from fevermap.errors import FevermapError
from fevermap.routing import query
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap
from fevermap.routing.state import MetricState
from fevermap.routing.weights import INF_MS, ceil_ms_array

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["INF_MS", "EdgeTimes", "Metric", "Seeds", "edge_times", "metric", "node_times", "snap_seeds"]


@dataclass(frozen=True)
class Metric:
    """One consistent snapshot of the router's current traffic on the turn graph, as care searches use it.

    ``forward`` / ``backward`` are CSR matrices of the turn graph and of its reverse (arc weights in ms, the engine's;
    of parallel arcs the fastest); ``state`` is the router's metric state they come from.
    """

    version: int
    state: MetricState
    forward: csr_matrix
    backward: csr_matrix
    node_edge: IntArray  # road edge of each turn-graph node
    arc_from: IntArray
    arc_to: IntArray
    edge_count: int

    @cached_property
    def edge_ms(self) -> FloatArray:
        """Whole-ms time of each road edge (``inf`` closed)."""
        w = self.state.edge_weights_ms.astype(np.float64)
        w[w >= INF_MS] = np.inf
        return w

    @cached_property
    def base_turns(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The turns leaving road-edge nodes (not via-way copies): tail edge, head node, turn ms (``inf``
        forbidden)."""
        base = np.flatnonzero(self.arc_from < self.edge_count)
        turn = self.state.turn_ms[base].astype(np.float64)
        turn[turn >= INF_MS] = np.inf
        return self.arc_from[base], self.arc_to[base], turn


@dataclass(frozen=True)
class Seeds:
    """Entry points of a search: turn-graph node ids, initial times in ms, and which source each belongs to."""

    nodes: IntArray
    ms: FloatArray
    source: IntArray

    @staticmethod
    def concat(parts: Sequence[Seeds]) -> Seeds:
        """All seeds of ``parts`` in one set (for a multi-source search)."""
        if not parts:
            return Seeds(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
        return Seeds(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("nodes", "ms", "source")))


@dataclass(frozen=True)
class EdgeTimes:
    """Per road edge the times of a search (see the module docstring) and the source reaching it first (-1: none)."""

    reverse: bool
    start: FloatArray
    end: FloatArray
    start_source: IntArray
    end_source: IntArray


_cache_lock = threading.Lock()
_cache: dict[int, tuple[Router, Metric]] = {}


def _csr(tail: IntArray, head: IntArray, w: IntArray, n: int) -> csr_matrix:
    ok = w < INF_MS
    t, h, ww = tail[ok], head[ok], w[ok].astype(np.float64)
    order = np.lexsort((ww, h, t))  # of parallel arcs keep the fastest (csr would sum duplicates)
    t, h, ww = t[order], h[order], ww[order]
    keep = np.ones(t.shape[0], dtype=bool)
    keep[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    # scipy treats an explicit 0 as "no arc": a 0 ms arc is stored as a tiny positive weight instead
    return csr_matrix((np.maximum(ww[keep], 1e-9), (t[keep], h[keep])), shape=(n, n))


def metric(router: Router) -> Metric:
    """The router's current traffic as a :class:`Metric` (cached per router and metric version)."""
    state = router.state
    version = int(state.version)
    key = id(router)
    got = _cache.get(key)
    if got is not None and got[0] is router and got[1].version == version:
        return got[1]
    t = router.region.turns
    w = np.asarray(state.metric.weights_ms, dtype=np.int64)  # one weight per turn-graph arc
    n = t.node_count
    out = Metric(version, state, _csr(t.arc_from, t.arc_to, w, n), _csr(t.arc_to, t.arc_from, w, n),
                 t.node_edge, t.arc_from, t.arc_to, router.graph.edge_count)  # fmt: skip
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = (router, out)
    return out


def position_ms(m: Metric, seg: IntArray, frac: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Time in ms from each position's edge start to it, and from it to the edge's end (vectorised; ``inf`` across
    a closure). ``seg`` are global segment indices, ``frac`` fractions along them."""
    return m.state.before_ms(seg, frac), m.state.after_ms(seg, frac)


def snap_seeds(router: Router, m: Metric, snap: Snap, *, reverse: bool, source: int = 0) -> Seeds:
    """The engine's seeds of a snapped point: leaving it (``reverse=False``) or arriving at it (``reverse=True``)."""
    pick = query.target_seeds if reverse else query.source_seeds
    rows = [seed for seed, _pos in pick(router.network, m.state, snap)]
    nodes = np.array([x for x, _ in rows], dtype=np.int64)
    ms = np.array([c for _, c in rows], dtype=np.float64)
    return Seeds(nodes, ms, np.full(nodes.shape[0], source, dtype=np.int64))


def site_seeds(router: Router, m: Metric, snaps: Sequence[Snap]) -> Seeds:
    """Arrival seeds of many snapped targets at once (source ``i`` = ``snaps[i]``), for one reverse search; a target
    on a small component also seeds its big-component snap (:attr:`Snap.alternative`), as the router falls back."""
    parts = []
    for i, s in enumerate(snaps):
        parts.append(snap_seeds(router, m, s, reverse=True, source=i))
        if s.alternative is not None:
            parts.append(snap_seeds(router, m, s.alternative, reverse=True, source=i))
    return Seeds.concat(parts)


def _search(m: Metric, seeds: Seeds, *, reverse: bool, limit_ms: float) -> tuple[FloatArray, IntArray]:
    """Times in ms from the seeds to every turn-graph node (``reverse``: from every node to the seeds) and the source
    of the seed each is reached from (-1: not within ``limit_ms``).

    One bounded multi-source Dijkstra: every seed gets a virtual node joined to its entry node by an arc of its
    initial time + 1 ms (taken off again), so one search serves all sources at once (seeds of one source share one
    virtual node).
    """
    graph = m.backward if reverse else m.forward
    n = graph.shape[0]
    k = seeds.nodes.shape[0]
    if k == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    lim = limit_ms + 1.0 if math.isfinite(limit_ms) else np.inf
    if np.all(seeds.source == seeds.source[0]):  # one source: one virtual node, no need to know which seed
        order = np.lexsort((seeds.ms, seeds.nodes))
        first = order[np.r_[True, seeds.nodes[order][1:] != seeds.nodes[order][:-1]]]  # per entry node its least
        virt = csr_matrix((seeds.ms[first] + 1.0, (np.zeros(first.shape[0], np.int64), seeds.nodes[first])),
                          shape=(1, n + 1))  # fmt: skip
        dist = dijkstra(_stack(graph, virt), directed=True, indices=n, limit=lim)
        label = np.where(np.isfinite(dist[:n]), seeds.source[0], -1).astype(np.int64)
    else:
        virt = csr_matrix((seeds.ms + 1.0, (np.arange(k), seeds.nodes)), shape=(k, n + k))
        big = _stack(graph, virt)
        dist, _pred, src = dijkstra(big, directed=True, indices=np.arange(n, n + k), limit=lim, min_only=True,
                                    return_predecessors=True)  # fmt: skip
        label = np.where(src[:n] >= 0, seeds.source[np.clip(src[:n] - n, 0, k - 1)], -1).astype(np.int64)
    d = dist[:n] - 1.0
    d[label < 0] = np.inf
    return np.round(d), label  # whole ms, as the engine's


def _stack(graph: csr_matrix, virt: csr_matrix) -> csr_matrix:
    """``graph`` (n x n) widened to n+k columns with ``virt`` (k x (n+k)) appended below, built from the CSR arrays
    directly (scipy.sparse.vstack re-sorts everything)."""
    n = graph.shape[0]
    k = virt.shape[0]
    indptr = np.concatenate([graph.indptr, graph.indptr[-1] + virt.indptr[1:]])
    indices = np.concatenate([graph.indices, virt.indices])
    data = np.concatenate([graph.data, virt.data])
    return csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def _best_per(keys: IntArray, values: FloatArray, labels: IntArray, size: int) -> tuple[FloatArray, IntArray]:
    """Per key in ``0..size-1`` the smallest value and the label of one value that attains it (``inf`` / -1 where
    none): two linear passes, no sort."""
    out = np.full(size, np.inf)
    np.minimum.at(out, keys, values)
    lab = np.full(size, -1, dtype=np.int64)
    hit = np.isfinite(values) & (values == out[keys])
    lab[keys[hit]] = labels[hit]
    return out, lab


def _times(m: Metric, dist: FloatArray, label: IntArray, *, reverse: bool, one_source: int | None = None) -> EdgeTimes:
    """Per road edge times (:class:`EdgeTimes`) from times at every turn-graph node and their sources (``one_source``:
    the source of every reached node, when the search had one)."""
    edges = m.edge_count
    if not reverse:
        start, src = dist[:edges].copy(), label[:edges].copy()
        if m.node_edge.shape[0] > edges:  # a via-way copy of an edge may be reached sooner than the edge itself
            extra, extra_src = _best_per(m.node_edge[edges:], dist[edges:], label[edges:], edges)
            better = extra < start
            start[better], src[better] = extra[better], extra_src[better]
        return EdgeTimes(False, start, start + m.edge_ms, src, src)
    start, src = dist[:edges].copy(), label[:edges].copy()  # driving the edge from its start: no approach to recall
    tail, head, turn = m.base_turns
    vals = turn + dist[head]
    end = np.full(edges, np.inf)
    np.minimum.at(end, tail, vals)  # (faster than reduceat over the sorted tails)
    if one_source is not None:  # no need to find which turn gives each end
        return EdgeTimes(True, start, end, src, np.where(np.isfinite(end), one_source, -1).astype(np.int64))
    end_src = np.full(edges, -1, dtype=np.int64)
    hit = np.flatnonzero(np.isfinite(vals) & (vals == end[tail]))
    end_src[tail[hit]] = label[head[hit]]
    return EdgeTimes(True, start, end, src, end_src)


def edge_times(m: Metric, seeds: Seeds, *, reverse: bool, limit_ms: float = math.inf) -> EdgeTimes:
    """Per road edge the times of one multi-source search from (``reverse``: to) ``seeds``, bounded by
    ``limit_ms``, with the source reaching each edge first (see the module docstring for ``start`` and ``end``)."""
    dist, label = _search(m, seeds, reverse=reverse, limit_ms=limit_ms)
    one = int(seeds.source[0]) if seeds.source.shape[0] and np.all(seeds.source == seeds.source[0]) else None
    return _times(m, dist, label, reverse=reverse, one_source=one)


#: From this time limit on (ms) one search from a single point asks the CCH for every node instead of a bounded
#: Dijkstra: on Porto (CPU time, load ~0.6) the bounded search takes 3 ms at 10 min, 17-20 ms at 30 min and 24 ms
#: at 60 min, the CCH 17-23 ms for all nodes at any limit (``benchmarks/bench_care.py``).
CCH_FROM_MS = 35 * 60_000.0


def point_times(router: Router, m: Metric, snap: Snap, *, reverse: bool, limit_ms: float) -> EdgeTimes:
    """:func:`edge_times` of one snapped point (source 0), by the faster of the two searches for ``limit_ms``."""
    seeds = snap_seeds(router, m, snap, reverse=reverse)
    if limit_ms < CCH_FROM_MS or seeds.nodes.shape[0] == 0:
        return edge_times(m, seeds, reverse=reverse, limit_ms=limit_ms)
    engine = router.network.engine
    nodes = range(m.node_edge.shape[0])
    pairs = list(zip(seeds.nodes.tolist(), seeds.ms.astype(np.int64).tolist(), strict=True))
    dist = engine.distances(m.state.metric, pairs, ("care", "all"), nodes, reverse=reverse)
    dist[dist > limit_ms] = np.inf
    return _times(m, dist, np.where(np.isfinite(dist), 0, -1).astype(np.int64), reverse=reverse, one_source=0)


def node_times(router: Router, m: Metric, times: EdgeTimes, snaps: Sequence[Snap] = ()) -> tuple[FloatArray, IntArray]:
    """Per road node: when it is reached (forward: arriving at it at the end of an edge) or from it the seeds are
    reached (reverse: driving off on one of its edges), in ms, and by which source (-1: none); ``snaps`` are the
    forward search's origins (source ``i`` = ``snaps[i]``), whose own edges' ends count after the partial time."""
    g = router.graph
    if times.reverse:
        return _best_per(g.edge_tail, times.start, times.start_source, g.node_count)
    keys, vals, labs = [g.edge_head], [times.end], [times.end_source]
    for i, s in enumerate(snaps):
        edge = np.array([p.edge for p in s.positions], dtype=np.int64)
        seg = g.seg_off[edge] + np.array([p.seg for p in s.positions], dtype=np.int64)
        _, after = position_ms(m, seg, np.array([p.frac for p in s.positions], dtype=np.float64))
        keys.append(g.edge_head[edge])
        vals.append(ceil_ms_array(after))
        labs.append(np.full(edge.shape[0], i, dtype=np.int64))
    return _best_per(np.concatenate(keys), np.concatenate(vals), np.concatenate(labs), g.node_count)


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


def snap_points(router: Router, lon: FloatArray, lat: FloatArray) -> list[Snap | FevermapError]:
    """Snap many ``(lon, lat)`` points (degrees); the error stands for each point that cannot be snapped."""
    out: list[Snap | FevermapError] = []
    for x, y in zip(np.asarray(lon).tolist(), np.asarray(lat).tolist(), strict=True):
        try:
            out.append(router.snap(x, y))
        except FevermapError as exc:  # off every road, or outside the region
            out.append(exc)
    return out
