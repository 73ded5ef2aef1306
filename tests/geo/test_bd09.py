"""BD-09 and GCJ-02 against published sample points, and the BD-09 round trip."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fevermap.geo import bd09
from fevermap.geo.bd09 import bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, wgs84_to_bd09
from fevermap.geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02

# github wandergis/coordtransform test/app.js: every conversion of the point (116.404, 39.915), as printed there
COORDTRANSFORM = {
    "bd09togcj02": (bd09_to_gcj02, (116.39762729119315, 39.90865673957631)),
    "gcj02tobd09": (gcj02_to_bd09, (116.41036949371029, 39.92133699351021)),
    "wgs84togcj02": (wgs84_to_gcj02, (116.41024449916938, 39.91640428150164)),
    "gcj02towgs84": (gcj02_to_wgs84, (116.39775550083061, 39.91359571849836)),
}


@pytest.mark.parametrize("name", sorted(COORDTRANSFORM))
def test_published_coordtransform_sample(name: str) -> None:
    func, expected = COORDTRANSFORM[name]
    lon, lat = func(116.404, 39.915)
    # the one-step GCJ-02 inverse printed there differs from our iterated exact inverse by up to ~1e-5 degrees
    tol = 2e-5 if name == "gcj02towgs84" else 1e-9
    assert float(lon) == pytest.approx(expected[0], abs=tol)
    assert float(lat) == pytest.approx(expected[1], abs=tol)


def test_beijing_railway_station_in_both_datums() -> None:
    # Beijing railway station, GCJ-02 (116.42703, 39.90245) and BD-09 (116.43351, 39.90851), as published (5 decimals)
    lon, lat = gcj02_to_bd09(116.42703, 39.90245)
    assert (round(float(lon), 5), round(float(lat), 5)) == (116.43351, 39.90850)  # 39.908503: within the 5th digit
    lon, lat = bd09_to_gcj02(116.43351, 39.90851)
    assert float(lon) == pytest.approx(116.42703, abs=1e-5) and float(lat) == pytest.approx(39.90245, abs=1e-5)


def test_bd09_is_a_few_hundred_metres_from_gcj02_in_shanghai() -> None:
    g = wgs84_to_gcj02(121.4737, 31.2304)
    b = wgs84_to_bd09(121.4737, 31.2304)
    d_lon_m = (float(b[0]) - float(g[0])) * 111_320 * np.cos(np.radians(31.23))
    d_lat_m = (float(b[1]) - float(g[1])) * 110_574
    assert 500 < float(np.hypot(d_lon_m, d_lat_m)) < 1200


@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_round_trip_within_a_decimetre(lon: float, lat: float) -> None:
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert abs(float(back[0]) - lon) < 2e-6 and abs(float(back[1]) - lat) < 2e-6


def test_vectorised() -> None:
    lon, _ = gcj02_to_bd09(np.array([116.404, 121.47]), np.array([39.915, 31.23]))
    assert lon.shape == (2,) and float(lon[0]) == pytest.approx(116.41036949371029)


def test_docstring_examples() -> None:
    result = doctest.testmod(bd09, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0
