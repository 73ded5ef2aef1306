"""Routes with exclude=sealed never enter a sealed polygon (checked on the full geometry) and equal the shortest path
on the exported turn graph with those edges removed (networkx); a caller's polygon closes its roads the same way."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
import shapely

from fevermap.errors import NoRouteError
from fevermap.risk.closures import Closure, edge_geometries, route_avoiding
from fevermap.risk.engine import RiskEngine
from fevermap.routing.export import to_networkx_turns
from fevermap.routing.router import Router
from tests.routing.turn_oracle import node_to_node_s, weighted_turns


def _sealed(engine: RiskEngine) -> Closure:
    ra = engine.areas(date(2022, 4, 2))
    sealed = ra.of_level("sealed")
    return Closure(ra.version + ":sealed", [a.polygon for a in sealed], [a.id for a in sealed])


def test_exclude_sealed_never_enters_and_equals_shortest_path_without_those_edges(
    shanghai_router: Router, sh_engine: RiskEngine
) -> None:
    router = shanghai_router
    live = router.state
    closure = _sealed(sh_engine)
    mask = edge_geometries(router).edges_in(closure.polygons)
    assert 100 < mask.sum() < router.graph.edge_count / 2
    g = router.graph
    # the turn graph exactly as the engine routes on it (turn costs included), without the closed road edges
    w = weighted_turns(to_networkx_turns(router))
    w.remove_nodes_from([x for x, e in w.nodes(data="edge") if mask[e]])
    sealed = shapely.union_all(np.asarray(closure.polygons, dtype=object))
    rng = np.random.default_rng(15)
    checked = longer = 0
    while checked < 40:
        a, b = (int(x) for x in rng.integers(0, g.node_count, 2))
        o = router.snap(float(g.node_lon[a]), float(g.node_lat[a]))
        d = router.snap(float(g.node_lon[b]), float(g.node_lat[b]))
        if any(mask[p.edge] for p in (*o.positions, *d.positions)):
            continue  # endpoints on a closed road may use it: checked separately
        if o.alternative is not None or d.alternative is not None:
            continue  # a point on a small component may route from its big-component alternative: not this oracle's
        expected = node_to_node_s(w, router, a, b) if a != b else 0.0
        if not math.isfinite(expected):
            with pytest.raises(NoRouteError):
                route_avoiding(router, o, d, closure)
            continue
        ar = route_avoiding(router, o, d, closure)
        assert math.isclose(ar.route.duration_s, expected, rel_tol=1e-9, abs_tol=1e-9)
        if len(ar.route.coordinates) > 1:
            assert not shapely.LineString(ar.route.coordinates).intersects(sealed)
        assert ar.route.duration_s >= ar.plain.duration_s
        longer += bool(ar.avoided)
        checked += 1
    assert longer > 0, "some unrestricted routes should cross a sealed area"
    assert router.state is live  # the current metric was never replaced by the closure


def test_endpoint_on_a_closed_road_leaves_by_it(shanghai_router: Router, sh_engine: RiskEngine) -> None:
    router = shanghai_router
    closure = _sealed(sh_engine)
    g = router.graph
    sealed = shapely.union_all(np.asarray(closure.polygons, dtype=object))
    inside = np.flatnonzero(shapely.contains_xy(sealed, g.node_lon, g.node_lat))
    assert inside.size
    o = router.snap(float(g.node_lon[inside[0]]), float(g.node_lat[inside[0]]))
    d = router.snap(121.4997, 31.2397)
    ar = route_avoiding(router, o, d, closure).to_dict()
    assert ar["origin_inside"] and ar["notes"] and not ar["destination_inside"]
    assert ar["duration_s"] >= ar["unrestricted_duration_s"]


def test_caller_polygon_closes_its_roads(shanghai_router: Router) -> None:
    router = shanghai_router
    box = shapely.box(121.478, 31.226, 121.492, 31.238)
    o, d = router.snap(121.4737, 31.2304), router.snap(121.4997, 31.2397)
    ar = route_avoiding(router, o, d, Closure.of_polygon(box))
    assert not shapely.LineString(ar.route.coordinates).intersects(box)
    assert ar.avoided == ["caller polygon"] and ar.route.duration_s > ar.plain.duration_s
