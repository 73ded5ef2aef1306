"""Local transverse Mercator projections and their error bound (fevermap.geo.projection)."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.geo.geodesy import destination, geodesic_distance_m
from fevermap.geo.projection import _MATH, _RECT, LocalProjection, _forward, strip_of, strip_projection


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


def test_the_series_equals_pyproj_tmerc_to_a_micrometre() -> None:
    # The projection is hand-written (numpy / math, see the module); PROJ's tmerc is the reference.
    from pyproj import CRS, Proj, Transformer

    rng = np.random.default_rng(11)
    for lon_0, lat_0 in [(121.47, 31.23), (-8.61, 41.15), (0.0, 0.0), (179.5, -60.0), (-179.9, 70.0)]:
        proj = LocalProjection(lon_0, lat_0)
        crs = CRS.from_proj4(f"+proj=tmerc +lat_0={lat_0} +lon_0={lon_0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m")
        lon = (lon_0 + rng.uniform(-4.0, 4.0, 20_000) + 180.0) % 360.0 - 180.0
        lat = np.clip(lat_0 + rng.uniform(-10.0, 10.0, 20_000), -85.0, 85.0)
        x, y = proj.forward(lon, lat)
        ref_x, ref_y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        assert np.abs(x - ref_x).max() < 1e-6 and np.abs(y - ref_y).max() < 1e-6
        back_lon, back_lat = proj.inverse(x, y)
        assert np.abs((back_lon - lon + 180.0) % 360.0 - 180.0).max() < 1e-11
        assert np.abs(back_lat - lat).max() < 1e-11
        one = np.array([proj.forward_one(float(a), float(b)) for a, b in zip(lon[:300], lat[:300], strict=True)])
        assert np.abs(one[:, 0] - x[:300]).max() < 1e-8 and np.abs(one[:, 1] - y[:300]).max() < 1e-8
        factors = Proj(crs).get_factors(lon[:2000], lat[:2000])
        assert np.abs(proj.point_scale(lon[:2000], lat[:2000]) - np.asarray(factors.meridional_scale)).max() < 1e-9


def test_shapes_and_empty_input_are_kept() -> None:
    proj = LocalProjection(121.0)
    x, y = proj.forward(np.full((3, 2), 121.2), np.full((3, 2), 31.1))
    assert x.shape == y.shape == (3, 2)
    x0, y0 = proj.forward([], [])
    assert x0.shape == (0,) and y0.shape == (0,)
    lon, lat = proj.inverse(x, y)
    assert np.allclose(lon, 121.2) and np.allclose(lat, 31.1)


def test_the_c_forward_is_bit_identical_to_the_series_in_python() -> None:
    rng = np.random.default_rng(11)
    for lon_0 in (-8.6, 121.47, 179.9, -179.5):
        p = LocalProjection(lon_0, 30.0)
        lons = np.concatenate([rng.uniform(lon_0 - 3, lon_0 + 3, 1500), rng.uniform(-180, 180, 500), [180.0, -180.0]])
        lats = np.concatenate([rng.uniform(-89.9, 89.9, 2000), [0.0, 45.0]])
        x, y = p.forward_each(lons, lats)
        for k, (lo, la) in enumerate(zip(lons.tolist(), lats.tolist(), strict=True)):
            xi, eta = _forward(_MATH, lo, la, lon_0)
            want = (_RECT * eta, _RECT * xi - p._northing_0)
            assert p.forward_one(lo, la) == want == (x[k], y[k]), (lon_0, lo, la)
        vx, vy = p.forward(lons[:1500], lats[:1500])  # numpy's functions: equal to within rounding
        assert np.allclose(vx, x[:1500], rtol=0, atol=1e-6) and np.allclose(vy, y[:1500], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="as many"):
        p.forward_each([1.0, 2.0], [1.0])
    assert [a.shape for a in p.forward_each([], [])] == [(0,), (0,)]
