"""Isochrones against brute force: networkx on the exported graph, random origins and times, forward and reverse."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from fevermap.care import contour, raster
from fevermap.care.isochrone import check_minutes, isochrone, parse_minutes
from fevermap.errors import CoordinateError, InputError
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from tests.care.brute import edge_times_ms, node_times_ms, point_times_ms

#: Contour times per extract (minutes).
CASES = {"shanghai": [8.0, 12.0], "andorra": [10.0, 20.0]}


def random_points(router: Router, n: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    g = router.graph
    idx = rng.choice(g.node_count, size=n, replace=False)
    return [(float(g.node_lon[i]) + 1e-4, float(g.node_lat[i]) + 1e-4) for i in idx]


@pytest.mark.slow
@pytest.mark.parametrize("reverse", [False, True])
def test_isochrone_matches_brute_force(any_region: Region, reverse: bool) -> None:
    router = Router(any_region)
    minutes = CASES[any_region.name]
    g = router.graph
    for lon, lat in random_points(router, 3, seed=7 if reverse else 3):
        iso = isochrone(router, lon, lat, minutes, reverse=reverse)
        node_ms = node_times_ms(router, iso.snap, reverse=reverse)
        edge_ms = edge_times_ms(router, iso.snap, reverse=reverse)
        pts, lens, times = point_times_ms(router, iso.snap, edge_ms, 3.0, reverse=reverse)
        feats = {f["properties"]["minutes"]: f for f in iso.to_geojson()["features"]}
        for k, t in enumerate(minutes):
            within = node_ms <= t * 60_000
            assert within.sum() == iso.nodes_reached[k]
            poly = shape(feats[t]["geometry"])
            assert poly.is_valid, shapely.is_valid_reason(poly)
            # every node reached within T lies inside the T polygon
            inside_nodes = shapely.contains_xy(poly, g.node_lon[within], g.node_lat[within])
            assert inside_nodes.all(), f"{(~inside_nodes).sum()} reached nodes outside the {t} min polygon"
            # at least 95 % of the road length inside is reachable within T
            inside = shapely.contains_xy(poly, pts[:, 0], pts[:, 1])
            reached = times <= t * 60_000
            share = lens[inside & reached].sum() / lens[inside].sum()
            assert share >= 0.95, f"only {share:.3f} of the road length inside the {t} min polygon is reached"


def test_contours_are_nested_and_largest_first(shanghai: Region) -> None:
    router = Router(shanghai)
    b = shanghai.bbox
    fc = isochrone(router, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, [2, 4, 6]).to_geojson()
    assert [f["properties"]["minutes"] for f in fc["features"]] == [6, 4, 2]
    polys = [shape(f["geometry"]) for f in fc["features"]]
    assert polys[0].area > polys[1].area > polys[2].area > 0
    assert polys[0].buffer(1e-7).contains(polys[1]) and polys[1].buffer(1e-7).contains(polys[2])  # 1 cm: rounding


def test_traffic_closure_shrinks_the_isochrone(shanghai: Region) -> None:
    router = Router(shanghai)
    b = shanghai.bbox
    at = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    before = isochrone(router, *at, [5]).nodes_reached[0]
    g = router.graph
    rows = [f"{u},{v},5" for u, v in zip(g.seg_u_osm.tolist(), g.seg_v_osm.tolist(), strict=True)]
    router.apply_traffic(rows)  # every road at 5 km/h
    assert isochrone(router, *at, [5]).nodes_reached[0] < before


@pytest.mark.parametrize(
    ("minutes", "fix"),
    [([], "1 to 4"), ([1, 2, 3, 4, 5], "1 to 4"), ([0], "> 0"), ([121], "<= 120"), ([5, 5], "distinct")],
)
def test_bad_minutes(minutes: list[float], fix: str) -> None:
    with pytest.raises(InputError, match=fix):
        check_minutes(minutes)


def test_parse_minutes() -> None:
    assert parse_minutes("30,5,10") == [5.0, 10.0, 30.0]
    with pytest.raises(InputError, match="numbers separated by commas"):
        parse_minutes("5,ten")


def test_point_outside_region(shanghai: Region) -> None:
    with pytest.raises(CoordinateError, match="outside the region"):
        isochrone(Router(shanghai), 2.0, 41.0, [5])


@pytest.mark.parametrize("reverse", [False, True])
def test_fine_contours_sample_their_own_box(shanghai: Region, monkeypatch: pytest.MonkeyPatch, reverse: bool) -> None:
    """A region too large to keep fine samples (here: a budget that makes Shanghai one) samples a short contour's own
    box at a finer cell; the rule still holds."""
    monkeypatch.setattr(contour, "SAMPLE_BUDGET", 60_000)
    router = Router(shanghai)
    g = router.graph
    floor = contour.min_cell(g)
    assert floor > raster.CELL_M
    ((lon, lat),) = random_points(router, 1, seed=11)
    iso = isochrone(router, lon, lat, [1.5, 3.0, 9.0], reverse=reverse)
    assert iso.cell_m[0] < floor  # sampled for its own box
    node_ms = node_times_ms(router, iso.snap, reverse=reverse)
    edge_ms = edge_times_ms(router, iso.snap, reverse=reverse)
    pts, lens, times = point_times_ms(router, iso.snap, edge_ms, 3.0, reverse=reverse)
    for f in iso.to_geojson()["features"]:
        t = f["properties"]["minutes"]
        poly = shape(f["geometry"])
        within = node_ms <= t * 60_000
        assert shapely.contains_xy(poly, g.node_lon[within], g.node_lat[within]).all()
        inside = shapely.contains_xy(poly, pts[:, 0], pts[:, 1])
        share = lens[inside & (times <= t * 60_000)].sum() / lens[inside].sum()
        assert share >= 0.95, f"only {share:.3f} of the road inside the {t} min polygon is reached"
