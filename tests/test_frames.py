"""fevermap.frames: GeoDataFrames of routes, locator answers, clinics and match records, in (lon, lat) WGS-84."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fevermap.errors import InputError
from fevermap.frames import to_geodataframe
from fevermap.routing.router import Router

A, B = (121.4737, 31.2304), (121.4997, 31.2397)


def test_route_is_one_linestring(shanghai_router: Router) -> None:
    route = shanghai_router.route(A, B)
    gdf = to_geodataframe(route)
    assert str(gdf.crs) == "EPSG:4326" and len(gdf) == 1
    np.testing.assert_array_equal(np.asarray(gdf.geometry.iloc[0].coords), route.coordinates)
    assert gdf["duration_s"].iloc[0] == route.duration_s


def test_answer_and_clinics_are_points_at_their_lon_lat() -> None:
    answer = {"clinics": [{"id": "a", "location": [121.47, 31.23], "route": {"coordinates": []}},
                          {"id": "b", "location": [121.48, 31.24]}]}  # fmt: skip
    gdf = to_geodataframe(answer)
    assert list(gdf["id"]) == ["a", "b"] and "route" not in gdf.columns
    assert [(p.x, p.y) for p in gdf.geometry] == [(121.47, 31.23), (121.48, 31.24)]
    clinics = to_geodataframe([{"id": "c", "lon": 121.5, "lat": 31.2}])
    assert (clinics.geometry.iloc[0].x, clinics.geometry.iloc[0].y) == (121.5, 31.2)


def test_match_records_locate_at_the_case_visit() -> None:
    matches = pd.DataFrame({"declarant_id": ["d"], "case_id": ["c"], "case_lon": [121.49], "case_lat": [31.25]})
    gdf = to_geodataframe(matches)
    assert (gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y) == (121.49, 31.25) and gdf["case_id"].iloc[0] == "c"


def test_other_objects_are_refused() -> None:
    with pytest.raises(InputError, match="lon/lat"):
        to_geodataframe([{"name": "no location"}])
    with pytest.raises(InputError, match="no GeoDataFrame"):
        to_geodataframe(42)
