"""OSRM's own car scenarios, ported: Project-OSRM/osrm-backend @ 4fc76ca ``features/car/restrictions.feature``,
``oneway.feature`` and ``traffic_light_penalties.feature`` (BSD-2-Clause). Each keeps OSRM's node map, ways,
relations and expected ``route`` (way names, repeats merged; empty = no route). Times are compared as differences
(fevermap's speeds are osmnx's, not OSRM's), so a signal's cost is checked to the millisecond.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.routing.osm_grid import Scenario, osrm_route, route_names

CROSS = """
  a
d j b
  c
"""
CROSS_WAYS = [{"nodes": "cj", "oneway": "yes"}, {"nodes": "aj", "oneway": "-1"}, {"nodes": "dj", "oneway": "-1"},
              {"nodes": "bj", "oneway": "-1"}]  # fmt: skip
BLOCK = """
c
|
|   f
|   |
b---e
|   |
a   d
"""
BLOCK_WAYS = [{"nodes": n} for n in ("ab", "bc", "be", "de", "ef")]
R = 200.0  # restrictions.feature: "Given a grid size of 200 meters"


def cross(relation: dict[str, object]) -> Scenario:
    return Scenario(CROSS, CROSS_WAYS, [relation], grid_m=R)


SCENARIOS: dict[str, tuple[Scenario, list[tuple[str, str, str]]]] = {
    "No left turn": (
        cross({"from": "cj", "to": "dj", "via": "j", "restriction": "no_left_turn"}),
        [("c", "d", ""), ("c", "a", "cj,aj,aj"), ("c", "b", "cj,bj,bj")],
    ),
    "No straight on": (
        Scenario(
            "\na b j d e\nv       z\n  w x y\n",
            [{"nodes": n, "oneway": "no"} for n in ("ab", "bj", "jd", "de")]
            + [{"nodes": n, "oneway": "yes"} for n in ("av", "vw", "wx", "xy", "yz", "ze")],
            [{"from": "bj", "to": "jd", "via": "j", "restriction": "no_straight_on"}],
            grid_m=R,
        ),
        [("a", "e", "av,vw,wx,xy,yz,ze,ze")],
    ),
    "No right turn": (
        cross({"from": "cj", "to": "bj", "via": "j", "restriction": "no_right_turn"}),
        [("c", "d", "cj,dj,dj"), ("c", "a", "cj,aj,aj"), ("c", "b", "")],
    ),
    "No u-turn": (
        cross({"from": "cj", "to": "dj", "via": "j", "restriction": "no_u_turn"}),
        [("c", "d", ""), ("c", "a", "cj,aj,aj"), ("c", "b", "cj,bj,bj")],
    ),
    "Handle any no_* relation": (
        cross({"from": "cj", "to": "dj", "via": "j", "restriction": "no_weird_zigzags"}),
        [("c", "d", ""), ("c", "a", "cj,aj,aj"), ("c", "b", "cj,bj,bj")],
    ),
    "Ignore no_*_on_red relations": (
        Scenario(
            CROSS,
            CROSS_WAYS,
            [
                {"from": "cj", "to": "dj", "via": "j", "restriction": "no_turn_on_red"},
                {"from": "cj", "to": "bj", "via": "j", "restriction": "no_right_turn_on_red"},
            ],
            grid_m=R,
        ),
        [("c", "d", "cj,dj,dj"), ("c", "a", "cj,aj,aj"), ("c", "b", "cj,bj,bj")],
    ),
    "Only left turn": (
        cross({"from": "cj", "to": "dj", "via": "j", "restriction": "only_left_turn"}),
        [("c", "a", ""), ("c", "b", ""), ("c", "d", "cj,dj,dj")],
    ),
    "Only right turn, invalid": (
        Scenario(
            "\n  a\nd j b r\n  c\n",
            [*CROSS_WAYS, {"nodes": "rb", "oneway": "-1"}],
            [{"from": "cj", "to": "br", "via": "j", "restriction": "only_right_on"}],
            grid_m=R,
        ),
        [("c", "r", "cj,bj,rb,rb")],
    ),
    "Only right turn": (
        cross({"from": "cj", "to": "bj", "via": "j", "restriction": "only_right_turn"}),
        [("c", "d", ""), ("c", "a", ""), ("c", "b", "cj,bj,bj")],
    ),
    "Only straight on": (
        cross({"from": "cj", "to": "aj", "via": "j", "restriction": "only_straight_on"}),
        [("c", "d", ""), ("c", "a", "cj,aj,aj"), ("c", "b", "")],
    ),
    "Handle any only_* restriction": (
        cross({"from": "cj", "to": "aj", "via": "j", "restriction": "only_weird_zigzags"}),
        [("c", "d", ""), ("c", "a", "cj,aj,aj"), ("c", "b", "")],
    ),
    ":motorcar-qualified on a standard turn restriction": (
        cross({"from": "cj", "to": "aj", "via": "j", "restriction:motorcar": "no_straight_on"}),
        [("c", "d", "cj,dj,dj"), ("c", "a", ""), ("c", "b", "cj,bj,bj")],
    ),
    "Except tag and on no_ restrictions": (
        Scenario(
            "\nb x c\na j d\n  s\n",
            [
                {"nodes": "sj", "oneway": "no"},
                {"nodes": "xj", "oneway": "-1"},
                {"nodes": "aj", "oneway": "-1"},
                {"nodes": "bj", "oneway": "no"},
                {"nodes": "cj", "oneway": "no"},
                {"nodes": "dj", "oneway": "-1"},
            ],
            [
                {"from": "sj", "to": "aj", "via": "j", "restriction": "no_left_turn", "except": "motorcar"},
                {"from": "sj", "to": "bj", "via": "j", "restriction": "no_left_turn"},
                {"from": "sj", "to": "cj", "via": "j", "restriction": "no_right_turn"},
                {"from": "sj", "to": "dj", "via": "j", "restriction": "no_right_turn", "except": "motorcar"},
            ],
            grid_m=R,
        ),
        [("s", "a", "sj,aj,aj"), ("s", "b", ""), ("s", "c", ""), ("s", "d", "sj,dj,dj")],
    ),
    "Except tag and on only_ restrictions": (
        Scenario(
            "\na   b\n  j\n  s\n",
            [{"nodes": "sj", "oneway": "yes"}, {"nodes": "aj", "oneway": "no"}, {"nodes": "bj", "oneway": "no"}],
            [{"from": "sj", "to": "aj", "via": "j", "restriction": "only_straight_on", "except": "motorcar"}],
            grid_m=R,
        ),
        [("s", "a", "sj,aj,aj"), ("s", "b", "sj,bj,bj")],
    ),
    "Several only_ restrictions at the same segment": (
        Scenario(
            "\n        y\ni j f b x a e g h\n      c1   d\n",
            [
                {"nodes": "fb", "oneway": "no"},
                {"nodes": "bx", "oneway": "-1"},
                {"nodes": "xa", "oneway": "no"},
                {"nodes": "ae", "oneway": "no"},
                {"nodes": "cb", "oneway": "no"},
                {"nodes": "dc", "oneway": "-1"},
                {"nodes": "da", "oneway": "no"},
                {"nodes": "fj", "oneway": "no"},
                {"nodes": "jf", "oneway": "no"},
                {"nodes": "ge", "oneway": "no"},
                {"nodes": "hg", "oneway": "no"},
            ],
            [
                {"from": "ae", "to": "xa", "via": "a", "restriction": "only_straight_on"},
                {"from": "xb", "to": "fb", "via": "b", "restriction": "only_straight_on"},
                {"from": "cb", "to": "bx", "via": "b", "restriction": "only_right_turn"},
                {"from": "da", "to": "ae", "via": "a", "restriction": "only_right_turn"},
            ],
            grid_m=R,
        ),
        [("e", "f", "ae,xa,bx,fb,fb"), ("d", "f", "da,ae,ge,hg,hg,ge,ae,xa,bx,fb,fb")],
    ),
    "two only_ restrictions share same to-way": (
        Scenario(
            "\n    e       f\n        a\n    c   x   d\n        y\n        b\n",
            [{"nodes": n, "oneway": "no"} for n in ("ef", "ce", "fd", "ca", "ad", "ax", "xy", "yb", "cb", "db")],
            [
                {"from": "ax", "to": "xy", "via": "x", "restriction": "only_straight_on"},
                {"from": "by", "to": "xy", "via": "y", "restriction": "only_straight_on"},
            ],
            grid_m=R,
        ),
        [("a", "b", "ax,xy,yb,yb"), ("b", "a", "yb,xy,ax,ax")],
    ),
    "two only_ restrictions share same from-way": (
        Scenario(
            "\n    e       f\n        a\n    c   x   d\n        y\n        b\n",
            [{"nodes": n, "oneway": "no"} for n in ("ef", "ce", "fd", "ca", "ad", "ax", "xy", "yb", "cb", "db")],
            [
                {"from": "xy", "to": "xa", "via": "x", "restriction": "only_straight_on"},
                {"from": "xy", "to": "yb", "via": "y", "restriction": "only_straight_on"},
            ],
            grid_m=R,
        ),
        [("a", "b", "ax,xy,yb,yb"), ("b", "a", "yb,xy,ax,ax")],
    ),
    "Ignore unrecognized restriction": (
        cross({"from": "cj", "to": "dj", "via": "j", "restriction": "yield"}),
        [("c", "d", "cj,dj,dj"), ("c", "a", "cj,aj,aj"), ("c", "b", "cj,bj,bj")],
    ),
    "prohibit turn (via way)": (
        Scenario(
            BLOCK, BLOCK_WAYS, [{"from": "ab", "via": ["be"], "to": "de", "restriction": "no_right_turn"}], grid_m=R
        ),
        [
            ("a", "d", "ab,be,ef,ef,de,de"),
            ("a", "f", "ab,be,ef,ef"),
            ("c", "d", "bc,be,de,de"),
            ("c", "f", "bc,be,ef,ef"),
        ],
    ),
    "prohibit turn (two via-way restrictions overlapping)": (
        Scenario(
            "\nc\n|\n|   f\n|   |\nb---e\n|   |\n|   d\n|\na\n",
            BLOCK_WAYS,
            [
                {"from": "ab", "via": ["be"], "to": "de", "restriction": "no_right_turn"},
                {"from": "bc", "via": ["be"], "to": "ef", "restriction": "no_left_turn"},
            ],
            grid_m=R,
        ),
        [
            ("a", "d", "ab,be,ef,ef,de,de"),
            ("a", "f", "ab,be,ef,ef"),
            ("c", "d", "bc,be,de,de"),
            ("c", "f", "bc,be,de,de,ef,ef"),
        ],
    ),
    "prohibit u-turns through via ways (ladder)": (
        Scenario(
            "\na   j\n|   |\nb---i\n|   |\nc---h\n|   |\nd---g\n|   |\ne   f\n",
            [
                {"nodes": "ab", "name": "left", "oneway": "yes"},
                {"nodes": "bc", "name": "left", "oneway": "yes"},
                {"nodes": "cd", "name": "left", "oneway": "yes"},
                {"nodes": "de", "name": "left", "oneway": "yes"},
                {"nodes": "fg", "name": "right", "oneway": "yes"},
                {"nodes": "gh", "name": "right", "oneway": "yes"},
                {"nodes": "hi", "name": "right", "oneway": "yes"},
                {"nodes": "ij", "name": "right", "oneway": "yes"},
                {"nodes": "dg", "name": "first", "oneway": "no"},
                {"nodes": "ch", "name": "second", "oneway": "no"},
                {"nodes": "bi", "name": "third", "oneway": "no"},
            ],
            [
                {"from": "ab", "via": ["bi"], "to": "ij", "restriction": "no_u_turn"},
                {"from": "bc", "via": ["ch"], "to": "hi", "restriction": "no_u_turn"},
                {"from": "fg", "via": ["dg"], "to": "de", "restriction": "no_u_turn"},
                {"from": "gh", "via": ["ch"], "to": "cd", "restriction": "no_u_turn"},
            ],
            grid_m=R,
        ),
        [("a", "j", "left,first,right,right"), ("f", "e", "right,third,left,left")],
    ),
    "allow only turn (via way)": (
        Scenario(
            BLOCK, BLOCK_WAYS, [{"from": "ab", "via": ["be"], "to": "ef", "restriction": "only_left_on"}], grid_m=R
        ),
        [
            ("a", "d", "ab,be,ef,ef,de,de"),
            ("a", "f", "ab,be,ef,ef"),
            ("c", "d", "bc,be,de,de"),
            ("c", "f", "bc,be,ef,ef"),
        ],
    ),
    "allow only turn (via way, right)": (
        Scenario(
            BLOCK, BLOCK_WAYS, [{"from": "ab", "via": ["be"], "to": "ed", "restriction": "only_right_on"}], grid_m=R
        ),
        [("a", "d", "ab,be,de,de")],
    ),
    "oneway: Around the Block": (
        Scenario(
            "\n  a b\nf d c e\n",
            [{"nodes": "ab", "oneway": "yes"}, *({"nodes": n} for n in ("bc", "cd", "da", "ce", "df"))],
        ),
        [("a", "b", "ab,ab"), ("b", "a", "bc,cd,da,da")],
    ),
    "oneway: Two consecutive oneways": (
        Scenario("\na b   c\n", [{"nodes": "ab", "oneway": "yes"}, {"nodes": "bc", "oneway": "yes"}]),
        [("a", "c", "ab,bc,bc")],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_osrm_route(name: str, tmp_path: Path) -> None:
    scenario, expected = SCENARIOS[name]
    router = scenario.router(tmp_path)
    loc = scenario.locations()
    for a, b, route in expected:
        assert route_names(router, loc, a, b) == osrm_route(route), (name, a, b)


# oneway.feature "routability should be": (tags, forward routable, backward routable)
ROUTABILITY = [
    ({"oneway": "yes"}, True, False),
    ({"oneway": "-1"}, False, True),
    ({"oneway:motorcar": "yes"}, True, False),
    ({"oneway:motor_vehicle": "yes"}, True, False),
    ({"oneway:vehicle": "yes"}, True, False),
    ({"oneway:motorcar": "yes", "oneway:motor_vehicle": "no"}, True, False),
    ({"oneway:motor_vehicle": "yes", "oneway:vehicle": "no"}, True, False),
    ({"oneway:vehicle": "yes", "oneway": "no"}, True, False),
    ({"oneway:motorcar": "no", "oneway:motor_vehicle": "yes"}, True, True),
    ({"oneway:motor_vehicle": "no", "oneway:vehicle": "yes"}, True, True),
    ({"oneway:vehicle": "no", "oneway": "yes"}, True, True),
    ({"highway": "motorway"}, True, False),
    ({"highway": "motorway_link"}, True, True),
    ({"highway": "motorway", "junction": "roundabout"}, True, False),
    ({"highway": "motorway_link", "junction": "roundabout"}, True, False),
    ({"junction": "roundabout"}, True, False),
    ({"highway": "motorway", "oneway": "no"}, True, True),
    ({"highway": "motorway_link", "oneway": "yes"}, True, False),
    ({"oneway": "yes", "oneway:bicycle": "no"}, True, False),
    ({"oneway": "-1", "oneway:bicycle": "yes"}, False, True),
    ({"junction": "roundabout", "oneway:bicycle": "-1"}, True, False),
    ({"oneway": "alternating"}, True, True),
]


def test_oneway_routability(tmp_path: Path) -> None:
    """Each row's tags on a single way ``ab``, tried in both directions."""
    for i, (tags, forw, backw) in enumerate(ROUTABILITY):
        scenario = Scenario("\na   b\n", [{"nodes": "ab", **tags}])
        router = scenario.router(tmp_path / str(i))
        loc = scenario.locations()
        assert (route_names(router, loc, "a", "b") is not None, route_names(router, loc, "b", "a") is not None) == (
            forw,
            backw,
        ), tags
    reversible = Scenario("\na   b\nc   d\n", [{"nodes": "ab", "oneway": "reversible"}, {"nodes": "cd"}])
    router = reversible.router(tmp_path / "reversible")
    assert "ab" not in router.graph.edge_name  # OSRM does not route reversible ways


SIGNALS = """
a-1-b-2-c

d-3-e-4-f

g-h-i   k-l-m
  |       |
  j       n
"""
DIRECTION = """
a-1-b-2-c

d-3-e-4-f

g-5-h-6-i

j-7-k-8-l
"""


def _seconds(scenario: Scenario, tmp: Path, pairs: list[tuple[str, str]]) -> list[float]:
    router = scenario.router(tmp)
    loc = scenario.locations()
    return [router.route(loc[a], loc[b]).duration_s for a, b in pairs]


def test_a_traffic_light_costs_two_seconds(tmp_path: Path) -> None:
    """traffic_light_penalties.feature "Encounters a traffic light": 11.1 s vs 13.1 s, turns 18.7 s vs 20.7 s."""
    ways = [{"nodes": n} for n in ("abc", "def", "ghi", "klm", "hj", "ln")]
    scenario = Scenario(SIGNALS, ways, nodes={"e": {"highway": "traffic_signals"}, "l": {"highway": "traffic_signals"}})
    plain, light, turn, turn_light = _seconds(scenario, tmp_path, [("1", "2"), ("3", "4"), ("g", "j"), ("k", "n")])
    assert math.isclose(light - plain, 2.0, abs_tol=0.0015)
    assert math.isclose(turn_light - turn, 2.0, abs_tol=0.0015)


def test_a_traffic_light_counts_in_its_direction_only(tmp_path: Path) -> None:
    """traffic_light_penalties.feature "Traffic signal direction straight"."""
    ways = [{"nodes": n} for n in ("abc", "def", "ghi", "jkl")]
    nodes = {"e": {"highway": "traffic_signals"},
             "h": {"highway": "traffic_signals", "traffic_signals:direction": "forward"},
             "k": {"highway": "traffic_signals", "traffic_signals:direction": "backward"}}  # fmt: skip
    scenario = Scenario(DIRECTION, ways, nodes=nodes)
    pairs = [("1", "2"), ("2", "1"), ("3", "4"), ("4", "3"), ("5", "6"), ("6", "5"), ("7", "8"), ("8", "7")]
    t = _seconds(scenario, tmp_path, pairs)
    extra = [round(x - t[0], 2) for x in t]
    assert extra == [0.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0]
