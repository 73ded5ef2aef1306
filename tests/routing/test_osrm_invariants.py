"""Invariants of OSRM route responses on 200 random routes (Shanghai, and Porto when its extract is there): steps join
into the geometry, step and annotation sums equal the leg's, annotation nodes are consecutive OSM nodes of one way,
modifiers agree with the bearing change, alternatives differ."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from fevermap.routing.guidance.geometry import modifier, turn_angle
from fevermap.routing.region import Region
from fevermap.routing.router import Router

from .osrm_fixtures import cached_porto, random_pairs, route_json, sample_routes

_ANGLE_TYPES = {"turn", "continue", "new name"}


@pytest.fixture(params=["shanghai", "porto"])
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Router, list[Any]]:
    region: Region = cached_porto(tmp_path_factory) if request.param == "porto" else request.getfixturevalue("shanghai")
    return sample_routes(region)


def _legs(routes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [leg for body in routes for leg in body["routes"][0]["legs"]]


def test_steps_join_into_the_route_geometry(sample: tuple[Router, list[Any]]) -> None:
    _, routes = sample
    for body in routes:
        route = body["routes"][0]
        joined: list[list[float]] = []
        for leg in route["legs"]:
            steps = leg["steps"]
            assert steps[0]["maneuver"]["type"] == "depart" and steps[-1]["maneuver"]["type"] == "arrive"
            for step in steps[:-1]:
                c = step["geometry"]["coordinates"]
                joined.extend(c if not joined else c[1:])
            arrive = steps[-1]["geometry"]["coordinates"]
            assert arrive[0] == arrive[1] == joined[-1]
        assert joined == route["geometry"]["coordinates"] or _dedup(joined) == _dedup(route["geometry"]["coordinates"])


def _dedup(c: list[list[float]]) -> list[list[float]]:
    return [p for i, p in enumerate(c) if i == 0 or p != c[i - 1]]


def test_step_and_annotation_sums_equal_the_leg(sample: tuple[Router, list[Any]]) -> None:
    _, routes = sample
    for leg in _legs(routes):
        n = len(leg["steps"])
        assert sum(s["duration"] for s in leg["steps"]) == pytest.approx(leg["duration"], abs=0.05 * n + 0.05)
        assert sum(s["distance"] for s in leg["steps"]) == pytest.approx(leg["distance"], abs=0.05 * n + 0.05)
        ann = leg["annotation"]
        k = len(ann["duration"])
        assert len(ann["distance"]) == len(ann["speed"]) == len(ann["weight"]) == len(ann["datasources"]) == k
        assert len(ann["nodes"]) == k + 1
        assert sum(ann["duration"]) == pytest.approx(leg["duration"], abs=0.05 * k + 0.05)
        assert sum(ann["distance"]) == pytest.approx(leg["distance"], abs=0.05 * k + 0.05)
        assert set(ann["datasources"]) <= {0}  # base speeds: no live traffic applied


def test_annotation_nodes_are_consecutive_nodes_of_a_way(sample: tuple[Router, list[Any]]) -> None:
    router, routes = sample
    g = router.graph
    pairs = set(zip(g.seg_u_osm.tolist(), g.seg_v_osm.tolist(), strict=True))
    for leg in _legs(routes):
        nodes = leg["annotation"]["nodes"]
        for a, b in itertools.pairwise(nodes):
            assert (a, b) in pairs, f"{a} -> {b} is no segment of an OSM way"


def _modifiers_near(before: float, after: float) -> set[str]:
    return {modifier(turn_angle(before, after + d)) for d in (-1.0, 0.0, 1.0)}


def test_modifier_agrees_with_the_bearing_change(sample: tuple[Router, list[Any]]) -> None:
    _, routes = sample
    checked = 0
    for leg in _legs(routes):
        for step in leg["steps"]:
            m = step["maneuver"]
            if m["type"] in _ANGLE_TYPES:
                assert m["modifier"] in _modifiers_near(m["bearing_before"], m["bearing_after"]), m
                checked += 1
            if m["type"] == "end of road":
                assert (turn_angle(m["bearing_before"], m["bearing_after"]) > 180) == (m["modifier"] == "left"), m
    assert checked > len(routes)


def test_alternatives_differ_from_the_best_and_each_other(shanghai: Region) -> None:
    router = Router(shanghai)
    with_alternatives = 0
    for a, b in random_pairs(router, 12, seed=3):
        routes = route_json(router, a, b, alternatives="3")["routes"]
        best = routes[0]
        geoms = [tuple(map(tuple, r["geometry"]["coordinates"])) for r in routes]
        assert len(set(geoms)) == len(geoms)
        for alt in routes[1:]:
            assert best["duration"] <= alt["duration"] <= 1.4 * best["duration"] + 0.1
        with_alternatives += len(routes) > 1
        durations = [r["duration"] for r in routes[1:]]
        assert durations == sorted(durations)
    assert with_alternatives >= 6


def test_overview_simplified_is_a_subset_of_full(shanghai: Region) -> None:
    router = Router(shanghai)
    (a, b), *_ = random_pairs(router, 1, seed=5)
    full = route_json(router, a, b)["routes"][0]["geometry"]["coordinates"]
    simple = route_json(router, a, b, overview="simplified")["routes"][0]["geometry"]["coordinates"]
    assert simple[0] == full[0] and simple[-1] == full[-1] and 2 <= len(simple) < len(full)
    assert all(p in full for p in simple)
    assert np.isfinite(np.asarray(simple)).all()
