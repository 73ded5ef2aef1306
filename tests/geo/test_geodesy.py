"""Geodesic distances, and destinations (fevermap.geo.geodesy)."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.geo.geodesy import destination, geodesic_distance_m


def test_one_degree_of_latitude_at_the_equator_is_the_known_meridian_arc() -> None:
    # WGS-84 meridian arc from 0 to 1 degree north: 110,574.389 m (e.g. NGA/Karney tables).
    d = geodesic_distance_m(0.0, 0.0, 0.0, 1.0)
    assert float(d) == pytest.approx(110_574.389, abs=0.01)


def test_distance_is_symmetric_and_vectorised() -> None:
    rng = np.random.default_rng(3)
    lon1, lat1 = 121.4 + rng.random(50) * 0.1, 31.2 + rng.random(50) * 0.1
    lon2, lat2 = 121.4 + rng.random(50) * 0.1, 31.2 + rng.random(50) * 0.1
    a = geodesic_distance_m(lon1, lat1, lon2, lat2)
    b = geodesic_distance_m(lon2, lat2, lon1, lat1)
    assert a.shape == (50,)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert geodesic_distance_m([], [], [], []).shape == (0,)


def test_destination_round_trips_through_distance() -> None:
    lon, lat = destination(121.47, 31.23, [0.0, 90.0, 200.0], [50.0, 49.999, 1234.5])
    np.testing.assert_allclose(geodesic_distance_m(121.47, 31.23, lon, lat), [50.0, 49.999, 1234.5], atol=1e-8)
