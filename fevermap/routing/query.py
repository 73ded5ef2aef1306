"""Queries on the turn graph for one metric state.

Seeds at snapped points, point-to-point routes, one-to-many and one-to-all travel times.

A snapped point on road edge ``e`` is a source by finishing ``e`` and taking one of its turns (the seeds are the next
edges, at the partial time plus the turn's cost), and a target at its partial time from ``e``'s start (the seeds are
``e``'s turn-graph nodes): partial edges count at both ends, and so does every turn in between.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.errors import NoRouteError
from fevermap.routing.engine import CCHEngine, Seed
from fevermap.routing.graph import RoadGraph
from fevermap.routing.route import Geometry, Route
from fevermap.routing.snap_batch import SnapBatch, position_columns_of
from fevermap.routing.snapping import EdgePosition, Snap
from fevermap.routing.state import MetricState
from fevermap.routing.turns import TurnGraph
from fevermap.routing.weights import INF_MS, ceil_ms_array

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_keys = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Network:
    """The static parts a query needs: road graph, turn graph, engine, geometry and look-ups."""

    graph: RoadGraph
    turns: TurnGraph
    engine: CCHEngine
    geometry: Geometry
    component: IntArray  # per turn-graph node, 0 = the largest

    def __post_init__(self) -> None:
        g, t = self.graph, self.turns
        nodes_of = np.argsort(t.node_edge, kind="stable")  # turn-graph nodes of each road edge (itself first)
        object.__setattr__(self, "_nodes_sorted", nodes_of)
        object.__setattr__(self, "_nodes_off", np.searchsorted(t.node_edge[nodes_of], np.arange(g.edge_count + 1)))
        object.__setattr__(self, "edge_length_m", np.add.reduceat(g.seg_length_m, g.seg_off[:-1]))
        copies: dict[int, list[int]] = {}
        for x, e in enumerate(t.node_edge[g.edge_count :].tolist(), start=g.edge_count):
            copies.setdefault(e, []).append(x)
        object.__setattr__(self, "_copies", copies)
        # single values read per query: memoryview items are Python ints at once (numpy scalars need int())
        views = tuple(np.ascontiguousarray(a, dtype=np.int64).data for a in (g.seg_off, t.out_off, t.arc_to))
        object.__setattr__(self, "_one", views)

    def nodes_of(self, edge: int) -> IntArray:
        """Turn-graph nodes standing for road edge ``edge``: the edge itself, then its via-way copies."""
        off: IntArray = self.__dict__["_nodes_off"]
        nodes: IntArray = self.__dict__["_nodes_sorted"]
        return nodes[off[edge] : off[edge + 1]]

    def node_list(self, edge: int) -> list[int]:
        """:meth:`nodes_of` as a list of ints (the per-query path: most edges have no via-way copies)."""
        copies: dict[int, list[int]] = self.__dict__["_copies"]
        more = copies.get(edge)
        return [edge] if more is None else [edge, *more]


def source_seeds(net: Network, state: MetricState, snap: Snap) -> list[tuple[Seed, EdgePosition]]:
    """Seeds to leave ``snap``: finish its edge, then take one of the edge's turns."""
    out: list[tuple[Seed, EdgePosition]] = []
    seg_off, off, arc_to = net.__dict__["_one"]
    turn_ms = state._one.turn_ms
    for pos in snap.positions:
        e = pos.edge
        a = state.after_one(seg_off[e] + pos.seg, pos.frac)
        if a >= INF_MS:
            continue
        for k in range(off[e], off[e + 1]):
            if a + turn_ms[k] < INF_MS:
                out.append(((arc_to[k], int(a + turn_ms[k])), pos))
    return out


def target_seeds(net: Network, state: MetricState, snap: Snap) -> list[tuple[Seed, EdgePosition]]:
    """Seeds to arrive at ``snap``: reach the start of its edge (any of the edge's turn-graph nodes), then drive on."""
    out: list[tuple[Seed, EdgePosition]] = []
    seg_off = net.__dict__["_one"][0]
    for pos in snap.positions:
        b = state.before_one(seg_off[pos.edge] + pos.seg, pos.frac)
        if b < INF_MS:
            out.extend(((x, int(b)), pos) for x in net.node_list(pos.edge))
    return out


def same_edge(net: Network, state: MetricState, a: Snap, b: Snap) -> tuple[float, EdgePosition, EdgePosition] | None:
    """Best direct drive along one edge from ``a`` to ``b``, if they share an edge in driving order."""
    best = None
    pairs = [(pa, pb) for pa in a.positions for pb in b.positions
             if pa.edge == pb.edge and (pa.seg, pa.frac) <= (pb.seg, pb.frac)]  # fmt: skip
    if not pairs:
        return None
    g = net.graph
    seg = np.array([[g.seg_off[pa.edge] + pa.seg, g.seg_off[pb.edge] + pb.seg] for pa, pb in pairs], dtype=np.int64)
    frac = np.array([[pa.frac, pb.frac] for pa, pb in pairs], dtype=np.float64)
    before = state.before_ms(seg.reshape(-1), frac.reshape(-1)).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        cost = ceil_ms_array(before[:, 1] - before[:, 0])
    for (pa, pb), c in zip(pairs, cost.tolist(), strict=True):
        if c < INF_MS and (best is None or c < best[0]):
            best = (c, pa, pb)
    return best


def route(net: Network, state: MetricState, origin: Snap, destination: Snap, *, geometry: bool = True) -> Route:
    """Fastest route between two snapped points on ``state`` (see ``Router.route_snapped``)."""
    src = source_seeds(net, state, origin)
    dst = target_seeds(net, state, destination)
    direct = same_edge(net, state, origin, destination)
    result = net.engine.shortest(state.metric, [s for s, _ in src], [s for s, _ in dst]) if src and dst else None
    if result is None and direct is None:
        raise NoRouteError(_no_route_reason(net, state, origin, destination))
    if direct is not None and (result is None or direct[0] <= result.duration_ms):
        cost, pa, pb = direct
        coords = net.geometry.along(pa, pb) if geometry else net.graph.coords[:0]
        length = pb.length_before_m - pa.length_before_m
        return Route(cost / 1000.0, length, coords, origin, destination, [pa.edge], pa, pb)
    assert result is not None
    spos = min((s for s in src if s[0][0] == result.first_node), key=lambda s: s[0][1])[1]
    tpos = min((s for s in dst if s[0][0] == result.last_node), key=lambda s: s[0][1])[1]
    edges = net.turns.node_edge[result.node_path]
    whole = edges[:-1]
    coords = net.geometry.route(spos, whole, tpos) if geometry else net.graph.coords[:0]
    length = spos.length_after_m + float(net.__dict__["edge_length_m"][whole].sum()) + tpos.length_before_m
    return Route(result.duration_ms / 1000.0, length, coords, origin, destination, [spos.edge, *edges.tolist()],
                 spos, tpos)  # fmt: skip


def _no_route_reason(net: Network, state: MetricState, origin: Snap, destination: Snap) -> str:
    comp_a = {int(net.component[p.edge]) for p in origin.positions}
    comp_b = {int(net.component[p.edge]) for p in destination.positions}
    where = f"({origin.query[0]}, {origin.query[1]}) to ({destination.query[0]}, {destination.query[1]})"
    if not np.isfinite(state.edge_ms).all():
        return f"no open road connects {where}: a closure cuts them off"
    if not comp_a & comp_b:
        return (f"no drivable road leads from {where}: they lie on road networks that one-way roads and turn "
                f"restrictions keep apart")  # fmt: skip
    return f"no drivable road leads from {where}"


class PinnedTargets:
    """A fixed set of snapped targets for repeated one-to-many queries (e.g. the clinics of a region).

    Each target position stands for one row per turn-graph node of its edge (:meth:`Network.nodes_of`), in the order
    of the snaps, their positions and the nodes: ``pos_target`` is the row's snap, ``pos_node`` its node, and
    ``first_row`` each snap's first row (its rows are consecutive).
    """

    def __init__(self, net: Network, snaps: Sequence[Snap]) -> None:
        self.snaps: Sequence[Snap] = snaps if isinstance(snaps, SnapBatch) else list(snaps)
        self.key = next(_keys)
        # a batch's columns are read as they are (no snap is made); other snaps' are gathered
        cols = snaps.position_columns() if isinstance(snaps, SnapBatch) else position_columns_of(self.snaps)
        edge, seg, frac, owner = cols.edge, cols.seg, cols.frac, cols.owner
        off: IntArray = net.__dict__["_nodes_off"]
        n_nodes = off[edge + 1] - off[edge]
        first = np.cumsum(n_nodes) - n_nodes
        rows = np.repeat(off[edge] - first, n_nodes) + np.arange(int(n_nodes.sum()))
        self.pos_target = np.repeat(owner, n_nodes)
        # each target's rows are one run (every snap has a position, every edge a node): its first row, for reduceat
        self.first_row = np.searchsorted(self.pos_target, np.arange(len(self.snaps)))
        self.pos_node: IntArray = net.__dict__["_nodes_sorted"][rows]
        self.nodes = self.pos_node  # the engine's target nodes
        self._edge, self._owner = edge, owner  # per position (not per row): for the same-edge check
        self._seg = np.repeat(net.graph.seg_off[edge] + seg, n_nodes)
        self._frac = np.repeat(frac, n_nodes)
        self._cache: tuple[int, FloatArray] | None = None
        self._edge_set: frozenset[int] | None = None  # the positions' edges, made on the first sharing_edge

    def __len__(self) -> int:
        return len(self.snaps)

    def before(self, net: Network, state: MetricState) -> FloatArray:
        """Partial times in ms from each row's edge start to its position (cached per metric version)."""
        cache = self._cache
        if cache is None or cache[0] != state.version:
            cache = (state.version, state.before_ceil_ms(self._seg, self._frac))
            self._cache = cache
        return cache[1]

    def sharing_edge(self, snap: Snap) -> list[int]:
        """The targets with a position on one of ``snap``'s edges, in order."""
        if self._edge_set is None:
            self._edge_set = frozenset(self._edge.tolist())
        if not any(p.edge in self._edge_set for p in snap.positions):  # the usual case: no array pass
            return []
        hit = self._edge == snap.positions[0].edge
        for p in snap.positions[1:]:
            hit |= self._edge == p.edge
        return np.unique(self._owner[hit]).tolist() if hit.any() else []


def one_to_many(net: Network, state: MetricState, origin: Snap, pinned: PinnedTargets, *, fresh: bool) -> FloatArray:
    """Seconds from ``origin`` to each pinned target (``inf`` where unreachable)."""
    out = np.full(len(pinned), np.inf)
    if len(pinned) == 0:
        return out
    before = pinned.before(net, state)
    src = source_seeds(net, state, origin)
    if src:
        key = None if fresh else pinned.key
        d = net.engine.distances(state.metric, [s for s, _ in src], key, pinned.nodes)
        out = np.minimum.reduceat(d + before, pinned.first_row)
    for i in pinned.sharing_edge(origin):
        direct = same_edge(net, state, origin, pinned.snaps[i])
        if direct is not None:
            out[i] = min(out[i], direct[0])
    out[out >= INF_MS] = np.inf
    return out / 1000.0


def distances_to_all(net: Network, state: MetricState, snap: Snap, *, reverse: bool) -> FloatArray:
    """Seconds per road edge: from ``snap`` to the edge's start (``reverse=False``), or from the edge's start to
    ``snap`` (``reverse=True``); ``inf`` where unreachable."""
    m = net.graph.edge_count
    t = net.turns
    if reverse:
        seeds = [s for s, _ in target_seeds(net, state, snap)]
        nodes = np.arange(m)
    else:
        seeds = [s for s, _ in source_seeds(net, state, snap)]
        nodes = np.arange(t.node_count)
    if not seeds:
        return np.full(m, np.inf)
    d = net.engine.distances(state.metric, seeds, "all", nodes, reverse=reverse)
    out = d[:m].copy()
    if not reverse and t.node_count > m:
        np.minimum.at(out, t.node_edge[m:], d[m:])
    out[out >= INF_MS] = np.inf
    return out / 1000.0
