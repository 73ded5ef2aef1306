"""Route lines: the C form of Geometry.route equals its Python form bit for bit and refuses bad positions."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.errors import NoRouteError
from fevermap.geo._native import line
from fevermap.routing.region import Region, load_region
from fevermap.routing.router import Router
from fevermap.routing.snapping import EdgePosition


def test_route_lines_equal_the_python_form_bit_for_bit(andorra: Region) -> None:
    router = Router(load_region(andorra.path))
    geo, g = router._net.geometry, router.graph
    rng = np.random.default_rng(5)
    checked = 0
    for i, j in rng.integers(0, g.node_count, size=(300, 2)).tolist():
        jitter = rng.normal(0, 2e-4, size=4)  # off the nodes: points inside segments, on both sides of the road
        p = (float(g.node_lon[i] + jitter[0]), float(g.node_lat[i] + jitter[1]))
        q = (float(g.node_lon[j] + jitter[2]), float(g.node_lat[j] + jitter[3]))
        try:
            r = router.route(p, q)
        except (NoRouteError, ValueError):
            continue
        if r.first is None or r.last is None or len(r.edges) < 2:
            continue
        whole = np.asarray(r.edges[1:-1], dtype=np.int64)
        got, want = geo.route(r.first, whole, r.last), geo._route_reference(r.first, whole, r.last)
        assert got.shape == want.shape and got.tobytes() == want.tobytes()
        checked += 1
    assert checked >= 100
    # the ends of edges: first segment at 0, last segment at 1, and no whole edge between
    e = int(np.argmax(np.diff(g.seg_off) >= 3))
    n = int(g.seg_off[e + 1] - g.seg_off[e])
    for fs, ff, ls, lf in ((0, 0.0, n - 1, 1.0), (n - 1, 1.0, 0, 0.0), (1, 0.25, 2, 0.75)):
        a = EdgePosition(e, fs, ff, 0.0, 0.0)
        z = EdgePosition(e, ls, lf, 0.0, 0.0)
        empty = np.zeros(0, dtype=np.int64)
        assert geo.route(a, empty, z).tobytes() == geo._route_reference(a, empty, z).tobytes()


def test_route_lines_refuse_positions_off_their_polyline(andorra: Region) -> None:
    router = Router(load_region(andorra.path))
    geo, g = router._net.geometry, router.graph
    coords, off, ids = g.coords, geo.geom_off, np.zeros(0, dtype=np.int64)
    n = int(g.seg_off[1] - g.seg_off[0])  # segments of edge 0
    # from the last segment: its point, the edge's last point, then the point on segment 0
    assert len(line(coords, off, ids, 0, n - 1, 0.5, 0, 0, 0.5)) == 3 * 16
    with pytest.raises(ValueError, match=f"edge 0 has no segment {n}"):
        line(coords, off, ids, 0, n, 0.5, 0, 0, 0.5)
    with pytest.raises(ValueError, match="edge -1 has no segment 0"):
        line(coords, off, ids, 0, 0, 0.5, -1, 0, 0.5)
    with pytest.raises(ValueError, match=f"edge {g.edge_count} has no segment 0"):
        line(coords, off, ids, g.edge_count, 0, 0.5, 0, 0, 0.5)
    with pytest.raises(ValueError, match="edge 0 has no segment -1"):
        line(coords, off, ids, 0, -1, 0.5, 0, 0, 0.5)
    with pytest.raises(ValueError, match="id 99999999 has no polyline"):
        line(coords, off, np.array([99999999], dtype=np.int64), 0, 0, 0.5, 0, 0, 0.5)
    with pytest.raises(ValueError, match="coords: expected contiguous 8-byte items in pairs"):
        line(coords.astype(np.float32), off, ids, 0, 0, 0.5, 0, 0, 0.5)
