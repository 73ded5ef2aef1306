"""Brute-force references for the care tests: networkx Dijkstra on the exported graph the engine routes on."""

from __future__ import annotations

import networkx as nx
import numpy as np
import numpy.typing as npt

from fevermap.routing.export import to_networkx
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]


def node_times_ms(router: Router, snap: Snap, *, reverse: bool) -> FloatArray:
    """Shortest times in ms from ``snap`` to every node (``reverse``: from every node to ``snap``), by networkx
    Dijkstra on :func:`to_networkx` with the router's own seeds (the partial edges at the snap, rounded up)."""
    g = router.graph
    graph = to_networkx(router)
    if reverse:
        graph = graph.reverse(copy=False)
    seeds = router._seeds(router._state, snap, source=not reverse)
    src = "source"
    graph = nx.MultiDiGraph(graph)
    for (node, cost), _pos, _raw in seeds:
        graph.add_edge(src, int(g.node_osm[node]), travel_time=cost / 1000.0)
    dist = nx.single_source_dijkstra_path_length(graph, src, weight="travel_time")
    out = np.full(g.node_count, np.inf)
    for i, osm in enumerate(g.node_osm.tolist()):
        if osm in dist:
            out[i] = dist[osm] * 1000.0
    return out


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
    router: Router, snap: Snap, node_ms: FloatArray, step_m: float, *, reverse: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Points every ``step_m`` metres along every road (``(lon, lat)`` rows, the length each stands for) and the time
    in ms to reach each (``reverse``: from each to ``snap``), the minimum over both directions of a two-way road.

    Along an edge time is taken proportional to length (the edge's weight over its length): exact on edges of one
    speed, an approximation elsewhere, used only for the length share.
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
            t = (1.0 - f) * tt + node_ms[g.edge_head[e]] if reverse else node_ms[g.edge_tail[e]] + f * tt
            for p in snap.positions:  # on the snap's own edge, direct
                on = e == p.edge
                here = p.length_before_m / max(float(lengths[p.edge]), 1e-9)
                d = (here - f[on]) if reverse else (f[on] - here)
                t[on] = np.minimum(t[on], np.where(d >= 0, d * tt[on], np.inf))
        best = np.where(ok, np.minimum(best, np.nan_to_num(t, nan=np.inf)), best)
    return np.column_stack([lon, lat]), lens, best
