"""Which region answers a point: held by the region whose roads are within snap distance, nearest roads first on
overlap; a point in no region names the nearest one and its distance; points in two regions cannot be routed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fevermap.errors import NoRouteError, NotFoundError, SnapError
from fevermap.regions.footprint import distance_to_footprint_m, road_footprint
from fevermap.regions.selection import RegionSet
from fevermap.routing.region import Region
from fevermap.routing.router import Router


@pytest.fixture(scope="module")
def regions(shanghai: Region, andorra: Region, monaco: Region) -> RegionSet:
    return RegionSet([Router(shanghai), Router(andorra), Router(monaco)])


def test_points_go_to_the_region_that_holds_them(regions: RegionSet) -> None:
    rng = np.random.default_rng(7)
    for served in regions:
        g = served.router.graph
        for i in rng.choice(g.node_count, 20, replace=False):
            lon, lat = float(g.node_lon[i]), float(g.node_lat[i])
            picked, snaps = regions.pick([(lon, lat)])
            assert picked.name == served.name
            assert snaps[0].distance_m == pytest.approx(served.router.snap(lon, lat).distance_m)


def test_the_sole_candidate_is_the_region_pick_chooses_or_none(regions: RegionSet, shanghai: Region) -> None:
    rng = np.random.default_rng(5)
    for served in regions:
        g = served.router.graph
        for i, j in rng.choice(g.node_count, (20, 2)):
            pts = [(float(g.node_lon[i]), float(g.node_lat[i])), (float(g.node_lon[j]), float(g.node_lat[j]))]
            sole = regions.sole_candidate(pts)
            assert sole is None or sole is regions.pick(pts)[0]
    assert regions.sole_candidate([(121.4737, 31.2304)]) is regions.get("shanghai")
    assert regions.sole_candidate([(0.0, 0.0)]) is None  # in no box: pick says which region is nearest
    assert regions.sole_candidate([(121.4737, 31.2304), (1.5218, 42.5063)]) is None  # two regions
    assert regions.sole_candidate([(121.4737, 31.2304), (0.0, 0.0)]) is None
    assert regions.sole_candidate([]) is None
    twin = dataclasses.replace(shanghai, meta={**shanghai.meta, "name": "a_twin"})
    assert RegionSet([Router(shanghai), Router(twin)]).sole_candidate([(121.4737, 31.2304)]) is None  # overlap


def test_every_road_vertex_lies_inside_its_footprint(regions: RegionSet) -> None:
    for served in regions:
        coords = served.router.graph.coords
        idx = np.random.default_rng(3).choice(coords.shape[0], 200, replace=False)
        assert all(distance_to_footprint_m(served.footprint, *coords[i]) == 0 for i in idx)


def test_a_point_in_no_region_names_the_nearest_region_and_its_distance(regions: RegionSet) -> None:
    with pytest.raises(SnapError, match=r"nearest region is 'andorra', about 6\d\.\d km away"):
        regions.pick([(2.0, 42.0)])
    with pytest.raises(SnapError, match="nearest region is"):
        regions.pick([(0.0, 0.0)])


def test_points_in_two_regions_cannot_be_routed(regions: RegionSet) -> None:
    with pytest.raises(NoRouteError, match=r"region 'shanghai'.*region 'andorra'"):
        regions.pick([(121.4737, 31.2304), (1.5218, 42.5063)])


def test_unknown_region_names_list_the_known_ones(regions: RegionSet) -> None:
    with pytest.raises(NotFoundError, match="andorra, monaco, shanghai"):
        regions.get("atlantis")


def test_overlapping_regions_pick_the_nearest_roads(shanghai: Region) -> None:
    # the same roads twice under two names: the tie goes by name, and every point is held by both
    twin = dataclasses.replace(shanghai, meta={**shanghai.meta, "name": "a_twin"})
    both = RegionSet([Router(shanghai), Router(twin)])
    assert both.pick([(121.4737, 31.2304)])[0].name == "a_twin"


def test_footprint_of_nothing_is_empty() -> None:
    assert road_footprint(np.empty((0, 2))).is_empty
