"""GraphML export: osmnx reads it, travel times are the engine's weights, shortest paths match, closures drop edges.

Each check runs on the file as read by ``osmnx.load_graphml`` and, so that the numbers are checked whatever osmnx
thinks of the attribute types, as read by plain ``networkx.read_graphml`` with the types converted here.
"""

from __future__ import annotations

import ast
import collections
import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import shapely

from fevermap.routing.engine import INF_MS
from fevermap.routing.export import export_graphml
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from tests.routing.turn_oracle import node_to_node_s, random_pairs, weighted_turns

LOADERS = ["osmnx", "networkx"]


def _number(value: object, kind: type) -> object:
    if isinstance(value, str) and value.startswith("["):
        return [kind(v) for v in ast.literal_eval(value)]
    return kind(value)  # type: ignore[call-arg]


def _load(path: Path, loader: str) -> nx.MultiDiGraph:
    if loader == "osmnx":
        graph: nx.MultiDiGraph = ox.load_graphml(path)
        return graph
    graph = nx.read_graphml(path, node_type=int, force_multigraph=True)
    for _, data in graph.nodes(data=True):
        data["x"], data["y"], data["osmid"] = float(data["x"]), float(data["y"]), int(data["osmid"])
    for _, _, data in graph.edges(data=True):
        for key in ("length", "speed_kph", "travel_time"):
            data[key] = float(data[key])
        data["osmid"] = _number(data["osmid"], int)
    return graph


_EXPORTS: dict[str, Path] = {}


def _base_export(router: Router, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The region's GraphML at base speeds, written once per test session (the router must carry no traffic)."""
    name = router.region.name
    if name not in _EXPORTS:
        _EXPORTS[name] = export_graphml(router, tmp_path_factory.mktemp("graphml") / f"{name}.graphml")
    return _EXPORTS[name]


def _engine_times(router: Router) -> collections.Counter[tuple[int, int, float]]:
    """(tail OSM id, head OSM id, travel time in s) of every open engine edge, from the router's own weights."""
    g = router.graph
    w = router.edge_weights_ms
    open_ = w < INF_MS
    tails, heads = g.node_osm[g.edge_tail][open_].tolist(), g.node_osm[g.edge_head][open_].tolist()
    return collections.Counter(zip(tails, heads, (w[open_] / 1000).tolist(), strict=True))


def _export_times(graph: nx.MultiDiGraph) -> collections.Counter[tuple[int, int, float]]:
    return collections.Counter((u, v, d["travel_time"]) for u, v, d in graph.edges(data=True))


def test_osmnx_reads_the_export_with_typed_attributes(monaco: Region, tmp_path: Path) -> None:
    router = Router(monaco)
    path = export_graphml(router, tmp_path / "out" / "monaco.graphml")
    assert path.exists()
    graph = _load(path, "osmnx")
    g = router.graph
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (g.node_count, g.edge_count)
    assert set(graph.nodes) == set(g.node_osm.tolist())
    lon = dict(zip(g.node_osm.tolist(), g.node_lon.tolist(), strict=True))
    lat = dict(zip(g.node_osm.tolist(), g.node_lat.tolist(), strict=True))
    for node, data in graph.nodes(data=True):
        assert type(data["x"]) is float and type(data["y"]) is float and type(data["osmid"]) is int
        assert (data["x"], data["y"], data["osmid"]) == (lon[node], lat[node], node)
    ways = set(g.seg_way.tolist())
    for u, v, data in graph.edges(data=True):
        assert all(type(data[k]) is float for k in ("length", "speed_kph", "travel_time"))
        osmids = data["osmid"] if isinstance(data["osmid"], list) else [data["osmid"]]
        assert osmids and all(type(i) is int for i in osmids) and set(osmids) <= ways
        assert data["length"] > 0 and data["travel_time"] > 0
        assert data["speed_kph"] == pytest.approx(data["length"] / data["travel_time"] * 3.6, rel=1e-12)
        line = data["geometry"]
        assert isinstance(line, shapely.LineString)
        assert line.coords[0] == (lon[u], lat[u]) and line.coords[-1] == (lon[v], lat[v])
    assert graph.graph["crs"] == "epsg:4326"


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("name", ["monaco", "andorra"])
def test_travel_time_is_the_engine_weight_in_seconds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str, loader: str
) -> None:
    router = Router(request.getfixturevalue(name))
    graph = _load(_base_export(router, tmp_path_factory), loader)
    assert _export_times(graph) == _engine_times(router)
    g = router.graph
    lengths = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])
    expected_lengths = collections.Counter(
        zip(g.node_osm[g.edge_tail].tolist(), g.node_osm[g.edge_head].tolist(), lengths.tolist(), strict=True)
    )
    assert collections.Counter((u, v, d["length"]) for u, v, d in graph.edges(data=True)) == expected_lengths


def test_shortest_paths_on_the_turns_export_equal_the_router(router: Router, tmp_path: Path) -> None:
    """Node to node, the engine's durations are networkx's on the ``--turns`` GraphML read back (turn costs count)."""
    path = export_graphml(router, tmp_path / "turns.graphml", turns=True)
    w = weighted_turns(nx.read_graphml(path, node_type=int))
    g = router.graph
    compared = 0
    for a, b in random_pairs(router, 40, seed=2024):
        expected = node_to_node_s(w, router, a, b)
        if a == b or not math.isfinite(expected):
            continue
        got = router.route((g.node_lon[a], g.node_lat[a]), (g.node_lon[b], g.node_lat[b])).duration_s
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (a, b, got, expected)
        compared += 1
    assert compared >= 35


def test_the_turns_export_is_the_engine_graph(monaco: Region, tmp_path: Path) -> None:
    router = Router(monaco)
    graph = nx.read_graphml(export_graphml(router, tmp_path / "turns.graphml", turns=True), node_type=int)
    g, t = router.graph, monaco.turns
    assert graph.number_of_nodes() == t.node_count
    assert graph.number_of_edges() == t.arc_count
    for _x, d in list(graph.nodes(data=True))[:200]:
        e = int(d["fevermap_edge"])
        assert int(d["u"]) == g.node_osm[g.edge_tail[e]] and int(d["v"]) == g.node_osm[g.edge_head[e]]
        assert float(d["travel_time"]) == router.edge_weights_ms[e] / 1000
        assert int(d["osmid"]) == g.edge_way[e]
    costs = sorted(float(d["turn_cost"]) for _, _, d in graph.edges(data=True))
    assert costs == sorted((router.state.turn_ms / 1000).tolist())


@pytest.mark.parametrize("loader", LOADERS)
def test_a_closed_segment_removes_its_edge(monaco: Region, tmp_path: Path, loader: str) -> None:
    router = Router(monaco)
    g = router.graph
    before = _load(export_graphml(router, tmp_path / "before.graphml"), loader)
    base_ms = router.edge_weights_ms.copy()
    e = int(np.flatnonzero(np.diff(g.seg_off) >= 3)[0])
    s = int(g.seg_off[e]) + 1  # a segment inside a simplified edge
    pair = (int(g.seg_u_osm[s]), int(g.seg_v_osm[s]))
    report = router.apply_traffic(f"{pair[0]},{pair[1]},0\n")
    assert report.segments_closed >= 1
    after = _load(export_graphml(router, tmp_path / "after.graphml"), loader)
    same_pair = np.flatnonzero((g.seg_u_osm == pair[0]) & (g.seg_v_osm == pair[1]))
    closed_edges = set((np.searchsorted(g.seg_off, same_pair, side="right") - 1).tolist())
    assert e in closed_edges
    assert after.number_of_edges() == before.number_of_edges() - len(closed_edges)
    osm = g.node_osm.tolist()
    gone = collections.Counter((osm[g.edge_tail[i]], osm[g.edge_head[i]], int(base_ms[i]) / 1000) for i in closed_edges)
    assert _export_times(before) - _export_times(after) == gone
    assert _export_times(after) == _engine_times(router)
    assert after.number_of_nodes() == before.number_of_nodes()
