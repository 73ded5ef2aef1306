"""``exclude=toll|motorway|ferry`` on a real extract (Porto: motorways, motorway links and tolled roads): routes never
use a segment of an excluded class, never beat the unrestricted route, and the table agrees with them."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from fevermap.routing import osrm
from fevermap.routing.router import Router

from .osrm_fixtures import cached_porto, random_pairs, route_json

N = 25


@pytest.fixture(scope="module")
def porto(tmp_path_factory: pytest.TempPathFactory) -> Router:
    return Router(cached_porto(tmp_path_factory))


def _segments_of(router: Router, edges: np.ndarray) -> set[tuple[int, int]]:
    g = router.graph
    segs = np.concatenate([np.arange(g.seg_off[e], g.seg_off[e + 1]) for e in np.flatnonzero(edges)])
    return set(zip(g.seg_u_osm[segs].tolist(), g.seg_v_osm[segs].tolist(), strict=True))


def _pairs(body: dict[str, Any]) -> set[tuple[int, int]]:
    nodes = body["routes"][0]["legs"][0]["annotation"]["nodes"]
    return set(itertools.pairwise(nodes))


@pytest.mark.slow
@pytest.mark.parametrize("classes", ["motorway", "toll", "motorway,toll,ferry"])
def test_excluded_classes_are_never_driven(porto: Router, classes: str) -> None:
    g = porto.graph
    highway = np.asarray(g.edge_highway, dtype=object)
    flags = {"motorway": np.isin(highway, ["motorway", "motorway_link"]), "toll": g.edge_toll, "ferry": g.edge_ferry}
    mask = np.logical_or.reduce([flags[c] for c in classes.split(",")])
    assert mask.sum() > 50  # the extract has such roads
    forbidden = _segments_of(porto, mask)
    used_plain = 0
    for a, b in random_pairs(porto, N, seed=12):
        plain = route_json(porto, a, b)
        avoiding = route_json(porto, a, b, exclude=classes)
        used_plain += bool(_pairs(plain) & forbidden)
        assert not _pairs(avoiding) & forbidden
        assert avoiding["routes"][0]["duration"] >= plain["routes"][0]["duration"] - 0.1
        coords = f"{a[0]},{a[1]};{b[0]},{b[1]}"
        table = osrm.table_response(porto, coords, {"exclude": classes}, max_coordinates=25, max_snap_m=1000)
        assert table["durations"][0][1] == pytest.approx(avoiding["routes"][0]["duration"], abs=0.11)
    if classes != "toll":
        assert used_plain > 0  # the unrestricted routes do take them: the test shows a difference
