"""Catchments of every clinic at once: each clinic's area holds its own location, catchments barely overlap, and the
road each wins is the road whose nearest clinic (by the coverage search) it is."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from fevermap.care.catchments import catchments
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from tests.care.test_coverage import sites_at


def test_catchments(shanghai: Region) -> None:
    router = Router(shanghai)
    sites = sites_at(router, 5, 2)
    fc = catchments(router, sites, 6).to_geojson()
    assert [f["properties"]["clinic_id"] for f in fc["features"]] == [s.id for s in sites]
    polys = [shape(f["geometry"]) for f in fc["features"]]
    for s, poly in zip(sites, polys, strict=True):
        assert poly.area > 0
        assert poly.buffer(2e-4).contains(shapely.Point(s.snap.location))
    for i in range(len(polys)):
        for j in range(i + 1, len(polys)):
            overlap = polys[i].intersection(polys[j]).area
            assert overlap <= 0.05 * min(polys[i].area, polys[j].area)
