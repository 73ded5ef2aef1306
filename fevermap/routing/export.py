"""Export the road graph as osmnx-compatible GraphML, or the turn-expanded graph exactly as the engine routes on it.

The node graph (:func:`to_networkx`): nodes carry ``x``, ``y`` (lon, lat degrees) and ``osmid``; edges ``osmid``
(way id, or a list where a simplified edge spans several ways), ``length`` (m), ``speed_kph`` (effective: length /
travel time), ``travel_time`` (s: the engine's integer milliseconds / 1000, turn costs not included), ``name``,
``highway`` and ``geometry`` (WKT LINESTRING). Closed edges (speed 0) are left out: the engine cannot use them either.

The turn graph (:func:`to_networkx_turns`): nodes are directed road edges with ``u``, ``v`` (OSM node ids of their
ends), ``osmid`` (way id), ``length`` (m), ``travel_time`` (s, whole ms / 1000) and ``fevermap_edge``; edges are the
allowed turns with ``turn_cost`` (s, whole ms / 1000). Driving from the start of road edge ``a`` to the end of ``b``
takes the sum of ``travel_time`` over the nodes of the path plus ``turn_cost`` over its edges, the engine's duration.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np

from fevermap.routing.engine import INF_MS
from fevermap.routing.router import Router


def to_networkx(router: Router) -> nx.MultiDiGraph:
    """The router's current graph and metric as an osmnx-style ``MultiDiGraph`` keyed by OSM node id."""
    g = router.graph
    weights = router.edge_weights_ms
    graph = nx.MultiDiGraph(crs="epsg:4326", simplified=True, name=router.region.name)
    for osm, x, y in zip(g.node_osm.tolist(), g.node_lon.tolist(), g.node_lat.tolist(), strict=True):
        graph.add_node(osm, osmid=osm, x=x, y=y)
    lengths = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])
    for e in range(g.edge_count):
        w = int(weights[e])
        if w >= INF_MS:
            continue
        s0, s1 = int(g.seg_off[e]), int(g.seg_off[e + 1])
        ways = list(dict.fromkeys(g.seg_way[s0:s1].tolist()))
        coords = g.coords[s0 + e : s1 + e + 1]
        travel_time = w / 1000.0
        length = float(lengths[e])
        graph.add_edge(
            int(g.node_osm[g.edge_tail[e]]),
            int(g.node_osm[g.edge_head[e]]),
            osmid=ways[0] if len(ways) == 1 else ways,
            length=length,
            travel_time=travel_time,
            speed_kph=length / travel_time * 3.6 if travel_time > 0 else float(g.seg_speed_kph[s0]),
            name=g.edge_name[e],
            highway=g.edge_highway[e],
            geometry="LINESTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in coords.tolist()) + ")",
            fevermap_edge=e,
        )
    return graph


def to_networkx_turns(router: Router) -> nx.DiGraph:
    """The router's turn-expanded graph and current metric as a ``DiGraph`` keyed by turn-graph node id."""
    g = router.graph
    state = router.state
    t = router.region.turns
    weights = state.edge_weights_ms
    lengths = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])
    graph = nx.DiGraph(crs="epsg:4326", name=router.region.name, turn_expanded=True)
    u = g.node_osm[g.edge_tail].tolist()
    v = g.node_osm[g.edge_head].tolist()
    for x, e in enumerate(t.node_edge.tolist()):
        if int(weights[e]) >= INF_MS:
            continue
        graph.add_node(x, u=u[e], v=v[e], osmid=int(g.edge_way[e]), length=float(lengths[e]),
                       travel_time=int(weights[e]) / 1000.0, fevermap_edge=e)  # fmt: skip
    for a, b, turn in zip(t.arc_from.tolist(), t.arc_to.tolist(), state.turn_ms.tolist(), strict=True):
        if a in graph and b in graph and int(weights[t.node_edge[a]]) + turn < INF_MS:
            graph.add_edge(a, b, turn_cost=turn / 1000.0)
    return graph


def export_graphml(router: Router, path: Path | str, *, turns: bool = False) -> Path:
    """Write :func:`to_networkx` (or with ``turns=True`` :func:`to_networkx_turns`) as GraphML with string attribute
    values, as ``osmnx.save_graphml`` does."""
    graph: nx.Graph = to_networkx_turns(router) if turns else to_networkx(router)
    # osmnx's GraphML convention: every attribute value is a string (str(float) reads back exactly)
    graph.graph = {k: str(v) for k, v in graph.graph.items()}
    for _, data in graph.nodes(data=True):
        for k, v in data.items():
            data[k] = str(v)
    for _, _, data in graph.edges(data=True):
        for k, v in data.items():
            data[k] = str(v)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(graph, path)
    return path


def roads_geojson(router: Router, decimals: int = 6) -> dict[str, object]:
    """The region's roads as a GeoJSON FeatureCollection of LineStrings (``[lon, lat]``), one feature per road
    (a two-way road once), with ``name`` and ``highway``: the offline background of the web map."""
    g = router.graph
    twin = g.edge_twin
    features: list[dict[str, object]] = []
    for e in range(g.edge_count):
        if 0 <= twin[e] < e:
            continue
        coords = np.round(g.coords[g.seg_off[e] + e : g.seg_off[e + 1] + e + 1], decimals)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords.tolist()},
                "properties": {"name": g.edge_name[e], "highway": g.edge_highway[e]},
            }
        )
    return {"type": "FeatureCollection", "features": features}
