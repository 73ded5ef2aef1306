"""Isochrones against brute force: networkx on the exported graph, random origins and times, forward and reverse."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import shape

from fevermap.care.isochrone import check_minutes, isochrone, parse_minutes
from fevermap.care.samples import region_projection
from fevermap.errors import CoordinateError, InputError
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from tests.care.brute import edge_times_ms, node_times_ms, point_times_ms

#: Contour times per extract (minutes), and the least share of the road length inside a polygon that must be reached
#: within its time. In central Shanghai dual carriageways, parallel service lanes and elevated roads run a few metres
#: beside (or above) reached road, but with one-way streets, turn restrictions and no U-turns they are reached
#: minutes later: a polygon of a ~13 m grid cannot leave them out, so there about 88-97 % of the road inside is
#: reached; the rest must lie within the polygon's stated margin of reached road (:data:`FRINGE_CELLS`).
CASES = {"shanghai": ([8.0, 12.0], 0.85), "andorra": ([10.0, 20.0], 0.95)}
#: Unreached road inside a polygon may lie this many grid cells from reached road (the closing and the one-cell
#: dilation of :mod:`fevermap.care.raster`); beyond it, at least 95 % of the road inside must be reached everywhere.
FRINGE_CELLS = 1.5


def random_points(router: Router, n: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    g = router.graph
    idx = rng.choice(g.node_count, size=n, replace=False)
    return [(float(g.node_lon[i]) + 1e-4, float(g.node_lat[i]) + 1e-4) for i in idx]


@pytest.mark.slow
@pytest.mark.parametrize("reverse", [False, True])
def test_isochrone_matches_brute_force(any_region: Region, reverse: bool) -> None:
    router = Router(any_region)
    minutes, least = CASES[any_region.name]
    proj = region_projection(router.graph)
    for lon, lat in random_points(router, 2, seed=7 if reverse else 3):
        iso = isochrone(router, lon, lat, minutes, reverse=reverse)
        node_ms = node_times_ms(router, iso.snap, reverse=reverse)
        edge_ms = edge_times_ms(router, iso.snap, reverse=reverse)
        pts, lens, times = point_times_ms(router, iso.snap, edge_ms, 3.0, reverse=reverse)
        px, py = proj.forward(pts[:, 0], pts[:, 1])
        feats = {f["properties"]["minutes"]: f for f in iso.to_geojson()["features"]}
        g = router.graph
        for k, t in enumerate(minutes):
            within = node_ms <= t * 60_000
            assert within.sum() == iso.nodes_reached[k]
            # every node reached within T lies inside the T polygon (of the request with all contours)
            poly = shape(feats[t]["geometry"])
            inside_nodes = shapely.contains_xy(poly, g.node_lon[within], g.node_lat[within])
            assert inside_nodes.all(), f"{(~inside_nodes).sum()} reached nodes outside the {t} min polygon"
            # of the road length inside the polygon, the share reachable within T (the contour asked alone: its grid
            # cell follows its own extent)
            alone = isochrone(router, lon, lat, [t], reverse=reverse)
            inside = shapely.contains_xy(shape(alone.to_geojson()["features"][0]["geometry"]), pts[:, 0], pts[:, 1])
            reached = times <= t * 60_000
            share = lens[inside & reached].sum() / lens[inside].sum()
            assert share >= least, f"only {share:.3f} of the road length inside the {t} min polygon is reachable"
            # farther than the polygon's margin from reached road, at least 95 % of the road inside is reachable
            gap, _ = cKDTree(np.column_stack([px[reached], py[reached]])).query(np.column_stack([px, py]))
            far = inside & (gap > FRINGE_CELLS * alone.cell_m)
            if lens[far].sum() > 0.01 * lens[inside].sum():
                far_share = lens[far & reached].sum() / lens[far].sum()
                assert far_share >= 0.95, f"beyond the margin only {far_share:.3f} of the road inside is reachable"


def test_contours_are_nested_and_largest_first(shanghai: Region) -> None:
    router = Router(shanghai)
    b = shanghai.bbox
    fc = isochrone(router, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, [2, 4, 6]).to_geojson()
    assert [f["properties"]["minutes"] for f in fc["features"]] == [6, 4, 2]
    polys = [shape(f["geometry"]) for f in fc["features"]]
    assert polys[0].area > polys[1].area > polys[2].area > 0
    assert polys[0].buffer(1e-6).contains(polys[1]) and polys[1].buffer(1e-6).contains(polys[2])


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
