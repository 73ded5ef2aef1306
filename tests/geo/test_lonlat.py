"""Coordinate parsing and checks with the swap hint (fevermap.geo.lonlat)."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.errors import CoordinateError, InputError
from fevermap.geo.lonlat import check_in_bbox, check_lonlat, describe_bad_lonlat, invalid_lonlat, parse_lonlat

SHANGHAI = (121.4093, 31.1801, 121.5407, 31.2783)


def test_parse_lonlat() -> None:
    assert parse_lonlat("121.5,31.2") == (121.5, 31.2)
    with pytest.raises(InputError, match="LON,LAT"):
        parse_lonlat("121.5;31.2")


def test_invalid_coordinates_are_flagged_with_a_reason() -> None:
    bad = invalid_lonlat([121.0, 200.0, 31.2, np.nan], [31.0, 31.0, 121.4, 0.0])
    assert bad.tolist() == [False, True, True, True]
    assert "did you swap them" in describe_bad_lonlat(31.2, 121.4)
    assert "longitude 200.0" in describe_bad_lonlat(200.0, 31.0)
    assert "not a finite" in describe_bad_lonlat(float("nan"), 0.0)


def test_check_lonlat_raises_the_described_error() -> None:
    check_lonlat(-180.0, 90.0)
    with pytest.raises(CoordinateError, match=r"latitude 121\.4 is out of range \[-90, 90\]; did you swap them"):
        check_lonlat(31.2, 121.4)


def test_outside_the_box_names_the_distance_and_the_swap() -> None:
    check_in_bbox(121.47, 31.23, SHANGHAI)
    with pytest.raises(CoordinateError, match=r"is 12,9\d\d,\d{3} m from the region"):
        check_in_bbox(0.0, 0.0, SHANGHAI)
    monaco = (7.40, 43.72, 7.44, 43.75)
    with pytest.raises(CoordinateError, match=r"outside the region .*; did you swap them"):
        check_in_bbox(43.73, 7.42, monaco)
