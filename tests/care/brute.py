"""Brute-force references for the care tests: networkx Dijkstra on the exported graph the engine routes on."""

from __future__ import annotations

import networkx as nx
import numpy as np
import numpy.typing as npt

from fevermap.routing import query
from fevermap.routing.export import to_networkx_turns
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]


_graphs: dict[tuple[int, int, bool], tuple[Router, nx.DiGraph, nx.DiGraph]] = {}


def _weighted(router: Router, *, reverse: bool) -> tuple[nx.DiGraph, nx.DiGraph]:
    """:func:`to_networkx_turns` and its weighted graph (a turn ``a -> b`` costs ``a``'s travel time plus the turn's
    cost, in ms; reversed with ``reverse``), built once per router, metric version and direction."""
    key = (id(router), router.state.version, reverse)
    got = _graphs.get(key)
    if got is None or got[0] is not router:
        turns = to_networkx_turns(router)
        graph = nx.DiGraph()
        graph.add_nodes_from(turns.nodes)
        for a, b, d in turns.edges(data=True):
            graph.add_edge(a, b, w=turns.nodes[a]["travel_time"] * 1000.0 + d["turn_cost"] * 1000.0)
        got = (router, turns, graph.reverse(copy=True) if reverse else graph)
        if len(_graphs) >= 4:  # a few routers' graphs at most
            _graphs.clear()
        _graphs[key] = got
    return got[1], got[2]


def _search(router: Router, snap: Snap, *, reverse: bool) -> tuple[nx.DiGraph, dict[int, float]]:
    """networkx Dijkstra on :func:`to_networkx_turns` (the turn graph the engine routes on: nodes are directed road
    edges) from the engine's own seeds at the snap: ms to the start of every turn-graph node (``reverse``: from its
    start to the snap)."""
    turns, graph = _weighted(router, reverse=reverse)
    pick = query.target_seeds if reverse else query.source_seeds
    src = -1
    for (node, cost), _pos in pick(router.network, router.state, snap):
        if node in graph:
            graph.add_edge(src, node, w=float(cost))
    try:
        dist = nx.single_source_dijkstra_path_length(graph, src, weight="w") if src in graph else {}
    finally:
        if src in graph:
            graph.remove_node(src)  # the cached graph stays as the export
    dist.pop(src, None)
    return turns, dist


def edge_times_ms(router: Router, snap: Snap, *, reverse: bool) -> FloatArray:
    """Per road edge, brute force: ms to its start (forward), or from its end, taking a turn, to the snap (reverse)."""
    g = router.graph
    turns, dist = _search(router, snap, reverse=reverse)
    out = np.full(g.edge_count, np.inf)
    if not reverse:
        for x, d in dist.items():
            e = int(turns.nodes[x]["fevermap_edge"])
            out[e] = min(out[e], d)
        return np.round(out)
    for a, b, data in turns.edges(data=True):
        if a < g.edge_count and b in dist:
            out[a] = min(out[a], data["turn_cost"] * 1000.0 + dist[b])
    return np.round(out)


def node_times_ms(router: Router, snap: Snap, *, reverse: bool) -> FloatArray:
    """Per road node, brute force: ms from ``snap`` until arriving at it (the end of a road edge, or of the snap's own
    edge after the partial time), or (``reverse``) from driving off on a road edge starting there to ``snap``."""
    g = router.graph
    turns, dist = _search(router, snap, reverse=reverse)
    out = np.full(g.node_count, np.inf)
    for x, d in dist.items():
        attrs = turns.nodes[x]
        e = int(attrs["fevermap_edge"])
        if reverse:
            if x < g.edge_count:  # the road edge itself, not a via-way copy that remembers an approach
                v = int(g.edge_tail[e])
                out[v] = min(out[v], d)
        else:
            v = int(g.edge_head[e])
            out[v] = min(out[v], d + attrs["travel_time"] * 1000.0)
    if not reverse:
        for p in snap.positions:
            after = router.state.after_ms(np.array([g.seg_off[p.edge] + p.seg]), np.array([p.frac]))[0]
            v = int(g.edge_head[p.edge])
            out[v] = min(out[v], float(np.ceil(after - 1e-9)))
    return np.round(out)


_points: dict[tuple[int, float], tuple[FloatArray, ...]] = {}


def road_points(router: Router, step_m: float) -> tuple[FloatArray, ...]:
    """Mid-points of pieces of at most ``step_m`` metres along every road (a two-way road once): edge id, fraction
    of the edge's length, lon, lat, and the length each stands for (cached)."""
    key = (id(router.graph), step_m)
    if key in _points:
        return _points[key]
    g = router.graph
    edges = np.array([e for e in range(g.edge_count) if not 0 <= g.edge_twin[e] < e], dtype=np.int64)
    lengths = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])[edges]
    n = np.maximum(1, np.ceil(lengths / step_m)).astype(np.int64)
    owner = np.repeat(np.arange(edges.shape[0]), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    frac = (k + 0.5) / n[owner]
    lon = np.empty(frac.shape[0])
    lat = np.empty(frac.shape[0])
    starts = np.cumsum(n) - n
    for i, e in enumerate(edges.tolist()):  # interpolate along each edge's polyline by length
        coords = g.coords[g.seg_off[e] + e : g.seg_off[e + 1] + e + 1]
        cum = np.concatenate([[0.0], np.cumsum(g.seg_length_m[g.seg_off[e] : g.seg_off[e + 1]])])
        part = slice(int(starts[i]), int(starts[i] + n[i]))
        at = frac[part] * cum[-1]
        lon[part] = np.interp(at, cum, coords[:, 0])
        lat[part] = np.interp(at, cum, coords[:, 1])
    out = (edges[owner], frac, lon, lat, (lengths / n)[owner])
    _points[key] = out
    return out


def point_times_ms(
    router: Router, snap: Snap, edge_ms: FloatArray, step_m: float, *, reverse: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Points every ``step_m`` metres along every road (``(lon, lat)`` rows, the length each stands for) and the time
    in ms to reach each (``reverse``: from each to ``snap``), the minimum over both directions of a two-way road.

    ``edge_ms`` is :func:`edge_times_ms` of the same search. Along an edge time is taken proportional to length (the
    edge's weight over its length): exact on edges of one speed, an approximation elsewhere, used only for the
    length share.
    """
    g = router.graph
    w = router.edge_weights_ms.astype(float)
    w[w >= 2**31 - 1] = np.inf
    lengths = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])
    edge, frac, lon, lat, lens = road_points(router, step_m)
    best = np.full(edge.shape[0], np.inf)
    twin = g.edge_twin[edge]
    for e, f, ok in ((edge, frac, np.ones(edge.shape[0], bool)), (np.where(twin >= 0, twin, 0), 1.0 - frac, twin >= 0)):
        tt = w[e]
        with np.errstate(invalid="ignore"):
            t = (1.0 - f) * tt + edge_ms[e] if reverse else edge_ms[e] + f * tt
            for p in snap.positions:  # on the snap's own edge, direct
                on = e == p.edge
                here = p.length_before_m / max(float(lengths[p.edge]), 1e-9)
                d = (here - f[on]) if reverse else (f[on] - here)
                t[on] = np.minimum(t[on], np.where(d >= 0, d * tt[on], np.inf))
        best = np.where(ok, np.minimum(best, np.where(np.isnan(t), np.inf, t)), best)
    return np.column_stack([lon, lat]), lens, best


def snap_to_snaps_ms(router: Router, origin: Snap, targets: list[Snap]) -> FloatArray:
    """Brute force: ms from ``origin`` to each target by networkx on the turns export (the engine's seeds at both
    ends), or ``inf``; a target on one of the origin's own edges is left out (``nan``: driven along the edge)."""
    _, dist = _search(router, origin, reverse=False)
    out = np.full(len(targets), np.inf)
    own = {p.edge for p in origin.positions}
    for i, t in enumerate(targets):
        if own & {p.edge for p in t.positions}:
            out[i] = np.nan
            continue
        for (node, cost), _pos in query.target_seeds(router.network, router.state, t):
            if node in dist:
                out[i] = min(out[i], dist[node] + cost)
    return out
