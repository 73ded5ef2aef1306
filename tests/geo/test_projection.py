"""Local transverse Mercator projections and their error bound (fevermap.geo.projection)."""

from __future__ import annotations

import numpy as np

from fevermap.geo.geodesy import destination, geodesic_distance_m
from fevermap.geo.projection import LocalProjection, strip_of, strip_projection


def test_scale_error_bounds_projected_distances_over_the_strip() -> None:
    rng = np.random.default_rng(7)
    strip = int(strip_of(121.47, 2.0))
    proj = strip_projection(strip, 2.0)
    lon_min = -180.0 + strip * 2.0
    lon = lon_min + rng.random(5000) * 2.0
    lat = 30.0 + rng.random(5000) * 2.0
    lon2, lat2 = destination(lon, lat, rng.uniform(0, 360, 5000), rng.uniform(1, 200, 5000))
    x1, y1 = proj.forward(lon, lat)
    x2, y2 = proj.forward(lon2, lat2)
    ratio = np.hypot(x2 - x1, y2 - y1) / geodesic_distance_m(lon, lat, lon2, lat2)
    bound = proj.scale_error(lon_min, 29.9, lon_min + 2.0, 32.1)
    assert np.all(np.abs(ratio - 1.0) <= bound)
    # The bound is tight enough to be useful: a strip 2 degrees wide distorts by about 1e-4 at most.
    assert 1e-5 < bound < 3e-4


def test_a_far_meridian_is_not_exact_at_the_radius() -> None:
    # UTM zone 51N's central meridian (123 E) is 1.5 degrees from Shanghai: 50 m there projects to about 49.992 m.
    utm_like = LocalProjection(123.0)
    lon2, lat2 = destination(121.47, 31.23, 90.0, 50.0)
    x1, y1 = utm_like.forward(121.47, 31.23)
    x2, y2 = utm_like.forward(lon2, lat2)
    assert abs(float(np.hypot(x2 - x1, y2 - y1)) - 50.0) > 1e-3


def test_strips_tile_the_longitudes() -> None:
    assert strip_of(-180.0, 2.0) == 0
    assert strip_of(121.47, 2.0) == 150
    assert strip_projection(150, 2.0).lon_0 == 121.0
