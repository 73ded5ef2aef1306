"""Router against networkx on the exported graph, partial edges, one-to-many, invariants and bad input."""

from __future__ import annotations

import contextlib
import math
import threading
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from fevermap.errors import CoordinateError, NoRouteError, SnapError
from fevermap.routing.export import export_graphml
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap
from tests.routing.turn_oracle import node_to_node_s, random_pairs, weighted_turns

GEOD = Geod(ellps="WGS84")


def _node_point(router: Router, i: int) -> tuple[float, float]:
    g = router.graph
    return float(g.node_lon[i]), float(g.node_lat[i])


def test_node_to_node_equals_networkx_on_the_turns_export(router: Router, tmp_path: Path) -> None:
    w = weighted_turns(nx.read_graphml(export_graphml(router, tmp_path / "t.graphml", turns=True), node_type=int))
    checked = 0
    for a, b in random_pairs(router, 60, seed=7):
        expected = node_to_node_s(w, router, a, b)
        if a == b or not math.isfinite(expected):
            continue
        route = router.route(_node_point(router, a), _node_point(router, b))
        assert math.isclose(route.duration_s, expected, rel_tol=1e-9, abs_tol=1e-9), (a, b)
        checked += 1
    assert checked >= 50


def _geodesic_length(coords: np.ndarray) -> float:
    if coords.shape[0] < 2:
        return 0.0
    _, _, d = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return float(np.sum(d))


def test_geometry_is_a_connected_path_from_snap_to_snap(router: Router) -> None:
    b = router.region.bbox
    rng = np.random.default_rng(11)
    done = 0
    while done < 25:
        p = (rng.uniform(b[0], b[2]), rng.uniform(b[1], b[3]))
        q = (rng.uniform(b[0], b[2]), rng.uniform(b[1], b[3]))
        try:
            route = router.route(p, q)
        except (SnapError, NoRouteError):
            continue
        c = route.coordinates
        assert tuple(c[0]) == pytest.approx(route.origin.location, abs=1e-12)
        assert tuple(c[-1]) == pytest.approx(route.destination.location, abs=1e-12)
        # a jump in the geometry would make it longer than the edges it claims to follow
        assert _geodesic_length(c) == pytest.approx(route.distance_m, rel=1e-6, abs=0.01)
        done += 1


def test_partial_edges_count(shanghai_router: Router) -> None:
    r = shanghai_router
    g = r.graph
    e = int(np.argmax(np.add.reduceat(g.seg_length_m, g.seg_off[:-1])))  # a long edge
    coords = g.coords[g.seg_off[e] + e : g.seg_off[e + 1] + e + 1]
    tail_pt = tuple(coords[0])
    mid = tuple((coords[len(coords) // 2 - 1] + coords[len(coords) // 2]) / 2)
    head_pt = tuple(coords[-1])
    whole = r.route(tail_pt, head_pt)
    first_half = r.route(tail_pt, mid)
    second_half = r.route(mid, head_pt)
    assert first_half.duration_s < whole.duration_s
    assert second_half.duration_s < whole.duration_s
    assert first_half.distance_m + second_half.distance_m == pytest.approx(whole.distance_m, rel=1e-9)
    assert first_half.duration_s + second_half.duration_s >= whole.duration_s - 1e-9


def test_one_to_many_equals_routes(router: Router) -> None:
    b = router.region.bbox
    rng = np.random.default_rng(3)
    snaps = []
    while len(snaps) < 31:
        with contextlib.suppress(SnapError):
            snaps.append(router.snap(rng.uniform(b[0], b[2]), rng.uniform(b[1], b[3])))
    origin, targets = snaps[0], snaps[1:]
    pinned = router.pin_targets(targets)
    times = router.one_to_many(origin, pinned)
    again = router.one_to_many(origin, targets)

    def duration(t: Snap) -> float:
        try:
            return router.route_snapped(origin, t).duration_s
        except NoRouteError:
            return math.inf

    expected = [duration(t) for t in targets]
    np.testing.assert_allclose(times, expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(times, again)


@st.composite
def _points(draw: st.DrawFn, bbox: tuple[float, float, float, float]) -> tuple[float, float]:
    return (
        draw(st.floats(bbox[0], bbox[2], allow_nan=False)),
        draw(st.floats(bbox[1], bbox[3], allow_nan=False)),
    )


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.data())
def test_never_faster_than_straight_line_at_top_speed(router: Router, data: st.DataObject) -> None:
    p = data.draw(_points(router.region.bbox))
    q = data.draw(_points(router.region.bbox))
    try:
        route = router.route(p, q)
    except (SnapError, NoRouteError):  # off the roads, or on a road network of its own at the region's edge
        return
    _, _, crow = GEOD.inv(*route.origin.location, *route.destination.location)
    assert route.duration_s >= crow / router.max_speed_mps - 1e-6
    # segment lengths are geodesic per OSM segment, the partial ends interpolated along them: 1 mm of slack
    assert route.distance_m >= crow - 1e-3


@SETTINGS
@given(data=st.data())
def test_triangle_inequality_through_a_one_way_point(router: Router, data: st.DataObject) -> None:
    """Through a point on a one-way road (no U-turn possible there) a -> b -> c is a route a -> c, so it is no faster.

    (At a point on a two-way road a -> b -> c may turn back for free, which a -> c may not: no inequality there.)"""
    pts = [data.draw(_points(router.region.bbox)) for _ in range(3)]
    try:
        a, b, c = (router.snap(*p) for p in pts)
        ab = router.route_snapped(a, b).duration_s
        bc = router.route_snapped(b, c).duration_s
        ac = router.route_snapped(a, c).duration_s
    except (SnapError, NoRouteError):
        return
    if len(b.positions) == 1:
        assert ab + bc >= ac - 1e-9


@pytest.mark.parametrize(
    ("point", "error", "text"),
    [
        ((121.47, 91.0), CoordinateError, "latitude 91.0 is out of range"),
        ((31.23, 121.47), CoordinateError, "did you swap them"),
        ((float("nan"), 31.2), CoordinateError, "not a finite"),
        ((200.0, 31.2), CoordinateError, "longitude 200.0"),
        ((122.40, 31.00), SnapError, "m from the nearest road"),  # East China Sea
    ],
)
def test_bad_points_give_clear_errors(
    shanghai_router: Router, point: tuple[float, float], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        shanghai_router.route(point, (121.4737, 31.2304))


def test_snap_limit_is_configurable(shanghai: Region) -> None:
    near_river = (121.4950, 31.2400)
    strict = Router(shanghai, max_snap_m=1.0)
    try:
        strict.snap(*near_river)
    except SnapError as exc:
        assert "the limit is 1 m" in str(exc)
    loose = Router(shanghai, max_snap_m=5000.0)
    assert loose.snap(*near_river).distance_m < 5000.0


def test_no_route_when_closed_off(monaco: Region) -> None:
    router = Router(monaco)
    g = router.graph
    # close every segment into one node: nothing can reach it any more
    target = int(np.argmax(np.bincount(g.edge_head)))
    into = np.flatnonzero(g.edge_head == target)
    rows = []
    for e in into:
        for s in range(int(g.seg_off[e]), int(g.seg_off[e + 1])):
            rows.append(f"{g.seg_u_osm[s]},{g.seg_v_osm[s]},0")
    router.apply_traffic("\n".join(rows) + "\n")
    start = int(g.edge_tail[np.flatnonzero(g.edge_head != target)[0]])
    with pytest.raises(NoRouteError, match="no open road"):
        router.route(_node_point(router, start), _node_point(router, target))


def test_concurrent_update_sees_old_or_new_never_a_mix(shanghai_router: Router) -> None:
    r = shanghai_router
    a, b = (121.4737, 31.2304), (121.4997, 31.2397)
    base = r.route(a, b)
    g = r.graph
    segs = np.concatenate([np.arange(g.seg_off[e], g.seg_off[e + 1]) for e in base.edges[1:-1]])
    slow = "\n".join(f"{g.seg_u_osm[s]},{g.seg_v_osm[s]},5" for s in segs) + "\n"
    fast = "\n".join(f"{g.seg_u_osm[s]},{g.seg_v_osm[s]},{g.seg_speed_kph[s]}" for s in segs) + "\n"
    r.apply_traffic(slow)
    slowed = r.route(a, b).duration_s
    r.apply_traffic(fast)
    assert r.route(a, b).duration_s == base.duration_s
    assert slowed > base.duration_s
    seen: set[float] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.add(r.route(a, b).duration_s)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(40):
        r.apply_traffic(slow if i % 2 == 0 else fast)
    stop.set()
    for t in threads:
        t.join()
    assert seen <= {base.duration_s, slowed}
    assert seen


def test_route_without_geometry_has_the_same_time_and_length(router: Router) -> None:
    b = router.region.bbox
    rng = np.random.default_rng(21)
    done = 0
    while done < 20:
        try:
            a = router.snap(rng.uniform(b[0], b[2]), rng.uniform(b[1], b[3]))
            c = router.snap(rng.uniform(b[0], b[2]), rng.uniform(b[1], b[3]))
        except SnapError:
            continue
        try:
            full = router.route_snapped(a, c)
        except NoRouteError:
            continue
        bare = router.route_snapped(a, c, geometry=False)
        assert (bare.duration_s, bare.distance_m, bare.edges) == (full.duration_s, full.distance_m, full.edges)
        assert bare.coordinates.shape[0] == 0 or bare.edges == [bare.edges[0]]
        done += 1


def test_one_to_many_equals_routes_on_the_origin_s_own_road(router: Router) -> None:
    """Targets ahead of and behind the origin on its own road (the direct drive along one edge), and batches
    snapped with snap_many: the same times as routes."""
    g = router.graph
    rng = np.random.default_rng(5)
    long_edges = np.flatnonzero(np.diff(g.seg_off) >= 3)
    for e in rng.choice(long_edges, size=min(12, long_edges.shape[0]), replace=False).tolist():
        row = int(g.seg_off[e]) + e
        pts = g.coords[row : row + int(g.seg_off[e + 1] - g.seg_off[e]) + 1]
        mids = (pts[:-1] + pts[1:]) / 2  # the middles of the edge's segments, in driving order
        snaps = router.snap_many(mids[:, 0], mids[:, 1])
        for k, origin in enumerate(snaps):
            # the batch's own slices (one_to_many reads their columns) and the same snaps as a list
            targets = snaps[k + 1 :] if k == 0 else [*snaps[:k], *snaps[k + 1 :]]

            def duration(t: Snap, origin: Snap = origin) -> float:
                try:
                    return router.route_snapped(origin, t).duration_s
                except NoRouteError:
                    return math.inf

            times = router.one_to_many(origin, targets)
            np.testing.assert_allclose(times, [duration(t) for t in targets], rtol=0, atol=1e-9)
