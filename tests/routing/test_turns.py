"""Turn-aware routing on real extracts with restrictions: no route breaks a relation (checked from the OSM file with
pyosmium, not from fevermap), durations equal networkx on the ``--turns`` export, U-turns only where OSRM allows them,
turn-penalty files, side metrics with roads closed, one-to-all times."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest

from fevermap.config import REPO_DATA_DIR
from fevermap.errors import InputError, NoRouteError
from fevermap.routing.export import export_graphml
from fevermap.routing.profile import Profile
from fevermap.routing.region import Region, build_region
from fevermap.routing.router import Router
from tests.routing.osm_grid import Scenario
from tests.routing.turn_oracle import (
    node_to_node_s,
    random_pairs,
    read_restrictions,
    route_segments,
    violations,
    weighted_turns,
)

EXTRACTS = {
    "osrm_monaco": REPO_DATA_DIR / "fixtures" / "osrm_monaco.osm.pbf",
    "porto_center": REPO_DATA_DIR / "fixtures" / "porto_center.osm.pbf",
}
_BUILT: dict[str, Region] = {}


@pytest.fixture(params=list(EXTRACTS))
def restricted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Region]:
    """Real extracts with turn restrictions (OSRM's Monaco test extract, central Porto), built once per session."""
    name: str = request.param
    if name not in _BUILT:
        _BUILT[name] = build_region(EXTRACTS[name], tmp_path_factory.mktemp(name), name=name)
    return name, _BUILT[name]


def test_every_restriction_is_accounted_for(restricted: tuple[str, Region]) -> None:
    name, region = restricted
    report = region.meta["restrictions"]
    counted = sum(v for k, v in report.items() if k != "relations")
    relations = sum(
        r.tags.get("type") == "restriction" for r in osmium.FileProcessor(str(EXTRACTS[name]), osmium.osm.RELATION)
    )
    assert counted == report["relations"] == relations
    if name == "osrm_monaco":
        assert report == {"relations": 27, "applied: via node": 27}


def test_no_route_breaks_a_restriction(restricted: tuple[str, Region]) -> None:
    """1,000 random routes per extract: no forbidden transition, every only_* obeyed (oracle: the OSM relations)."""
    name, region = restricted
    router = Router(region)
    rules = read_restrictions(EXTRACTS[name])
    vias = {r.via_node for r in rules.rules}
    g = router.graph
    routed = through = 0
    for a, b in random_pairs(router, 1000, seed=11):
        try:
            route = router.route((g.node_lon[a], g.node_lat[a]), (g.node_lon[b], g.node_lat[b]))
        except NoRouteError:
            continue
        segments = route_segments(router, route)
        assert violations(rules, segments) == [], (a, b)
        routed += 1
        through += any(v in vias for _, v in segments[:-1])
    assert routed >= 900
    assert through >= 50  # many of them drive through restricted junctions


def test_the_restrictions_change_routes(restricted: tuple[str, Region], tmp_path: Path) -> None:
    """Without the relations the engine would break some of them: the oracle is not vacuous."""
    name, _ = restricted
    rules = read_restrictions(EXTRACTS[name])
    stripped = tmp_path / "no_relations.osm.pbf"
    with osmium.SimpleWriter(str(stripped)) as out:
        for obj in osmium.FileProcessor(str(EXTRACTS[name])):
            if not isinstance(obj, osmium.osm.Relation):
                out.add(obj)
    router = Router(build_region(stripped, tmp_path / "region"))
    g = router.graph
    broken = 0
    for a, b in random_pairs(router, 1000, seed=11):
        try:
            route = router.route((g.node_lon[a], g.node_lat[a]), (g.node_lon[b], g.node_lat[b]))
        except NoRouteError:
            continue
        broken += bool(violations(rules, route_segments(router, route)))
    assert broken > 0


def test_durations_equal_networkx_on_the_turns_export(restricted: tuple[str, Region], tmp_path: Path) -> None:
    _, region = restricted
    router = Router(region)
    w = weighted_turns(nx.read_graphml(export_graphml(router, tmp_path / "t.graphml", turns=True), node_type=int))
    g = router.graph
    compared = 0
    for a, b in random_pairs(router, 60, seed=5):
        expected = node_to_node_s(w, router, a, b)
        if a == b or not math.isfinite(expected):
            continue
        got = router.route((g.node_lon[a], g.node_lat[a]), (g.node_lon[b], g.node_lat[b])).duration_s
        assert abs(got - expected) <= 1e-9 * expected, (a, b, got, expected)
        compared += 1
    assert compared >= 40


def test_u_turns_only_at_dead_ends(tmp_path: Path) -> None:
    """A cross of two-way roads: U-turns at the four dead ends (20 s + the full angle penalty), none at the centre."""
    scenario = Scenario("\n  a\nd j b\n  c\n", [{"nodes": n} for n in ("aj", "bj", "cj", "dj")])
    router = scenario.router(tmp_path)
    g, t = router.graph, router.region.turns
    via = g.node_osm[g.edge_head[t.node_edge[t.arc_from]]]
    centre = int(next(i for n, i in zip("abcdj", range(1, 6), strict=True) if n == "j"))
    assert not t.arc_u_turn[via == centre].any()
    ends = t.arc_u_turn[via != centre]
    assert ends.all() and ends.sum() == 4
    expected = Profile().turn_cost_s(np.array([180.0]), np.array([True]), np.array([True]))[0]
    np.testing.assert_array_equal(t.arc_turn_ms[t.arc_u_turn], round(expected * 1000))
    assert 27.0 < expected < 27.5  # 20 s + 7.5 s / (1 + e^-(13/1.075 - 6.5 * 1.075))


def test_left_turns_cost_more_than_right_turns_in_right_hand_traffic() -> None:
    angles = np.array([-90.0, 0.0, 90.0])
    no, yes = np.zeros(3, dtype=bool), np.ones(3, dtype=bool)
    right_hand = Profile().turn_cost_s(angles, no, yes)
    left_hand = Profile(left_hand_driving=True).turn_cost_s(angles, no, yes)
    assert right_hand[0] > right_hand[2] > right_hand[1] >= 0  # left > right > straight
    assert left_hand[2] > left_hand[0]
    np.testing.assert_allclose(right_hand[[0, 2]], left_hand[[2, 0]])  # mirror images (0 deg is not: car.lua)


def test_turn_penalty_file(tmp_path: Path) -> None:
    """OSRM's turn-penalty CSV sets a turn's cost; unknown turns are counted with their lines; bad rows refused."""
    scenario = Scenario("\na-b-c\n  |\n  d\n", [{"nodes": "abc"}, {"nodes": "bd"}])
    router = scenario.router(tmp_path)
    loc = scenario.locations()
    base = router.route(loc["a"], loc["d"]).duration_s
    ids = {n: i for i, n in enumerate(sorted(loc), start=1)}
    version = router.metric_version
    with pytest.raises(InputError, match=r"2 malformed rows.*line 2: penalty_s 'x'.*line 3: penalty_s -1"):
        router.apply_turn_penalties(f"{ids['a']},{ids['b']},{ids['d']},5\n1,2,4,x\n1,2,4,-1\n")
    assert router.metric_version == version  # nothing applied
    report = router.apply_turn_penalties(f"from,via,to,penalty\n{ids['a']},{ids['b']},{ids['d']},30\n7,8,9,1\n")
    assert (report.unknown_pairs, report.unknown_lines) == (1, [3])
    slowed = router.route(loc["a"], loc["d"]).duration_s
    changed = np.flatnonzero(router.state.turn_ms != router.region.turns.arc_turn_ms)
    assert changed.shape[0] == 1 and router.state.turn_ms[changed[0]] == 30_000
    assert math.isclose(slowed - base, 30.0 - router.region.turns.arc_turn_ms[changed[0]] / 1000, abs_tol=1e-9)
    router.reset_traffic()
    assert router.route(loc["a"], loc["d"]).duration_s == base


def test_closed_edges_side_metric(restricted: tuple[str, Region]) -> None:
    _, region = restricted
    router = Router(region)
    g = router.graph
    a, b = random_pairs(router, 1, seed=3)[0]
    pa, pb = (g.node_lon[a], g.node_lat[a]), (g.node_lon[b], g.node_lat[b])
    route = router.route(pa, pb)
    inner = route.edges[1:-1]
    close = [inner[len(inner) // 2]] if inner else []
    state = router.state_with_closed_edges(np.array(close, dtype=np.int64), key="test")
    assert router.state_with_closed_edges(np.array(close, dtype=np.int64), key="test") is state  # cached per key
    try:
        detour = router.route_snapped(route.origin, route.destination, state=state)
        assert not set(close) & set(detour.edges)
        assert detour.duration_s >= route.duration_s
    except NoRouteError:
        pass
    assert router.route(pa, pb).duration_s == route.duration_s  # the live metric is untouched
    with pytest.raises(InputError, match="road-edge ids"):
        router.state_with_closed_edges(np.array([g.edge_count]), key="bad")


def test_distances_to_all_agree_with_one_to_many(restricted: tuple[str, Region]) -> None:
    _, region = restricted
    router = Router(region)
    g = router.graph
    a, _ = random_pairs(router, 1, seed=9)[0]
    origin = router.snap(g.node_lon[a], g.node_lat[a])
    forward = router.distances_to_all(origin)
    backward = router.distances_to_all(origin, reverse=True)
    rng = np.random.default_rng(1)
    for e in rng.choice(g.edge_count, 30, replace=False).tolist():
        start = router.snap(*g.coords[g.seg_off[e] + e])
        mid_edge = [p for p in start.positions if p.edge == e]
        if not mid_edge or start.alternative is not None:
            continue
        expected = router.one_to_many(origin, [start])[0]
        assert forward[e] >= expected - 1e-9  # another edge through the same point may be quicker to reach
        back = router.one_to_many(start, [origin])[0]
        assert backward[e] >= back - 1e-9
    assert np.isfinite(forward).mean() > 0.9 and np.isfinite(backward).mean() > 0.9
