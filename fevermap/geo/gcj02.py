"""GCJ-02 <-> WGS-84 conversion.

Chinese map services (Amap, Tencent, Baidu before its own BD-09 step) publish coordinates in GCJ-02, an obfuscated
datum offset 100-700 m from WGS-84, the datum of OpenStreetMap and GPS. Importing them unconverted puts a clinic on
the wrong street. The forward transform is the widely published one; the inverse is computed by fixed-point
iteration to better than 1e-9 degrees (about 0.1 mm). Outside mainland China GCJ-02 equals WGS-84.

All functions take and return ``(lon, lat)`` in degrees and are vectorised over numpy arrays.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(121.4737, 31.2304)
>>> round(float(lon), 6), round(float(lat), 6)
(121.478223, 31.228458)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 7), round(float(back[1]), 7)
(121.4737, 31.2304)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
_EE = 0.00669342162296594323  # its first eccentricity squared

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


def in_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether GCJ-02 applies: the rough mainland-China box used by the published algorithm.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees.
    """
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    return (lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271)


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 ``(lon, lat)`` degrees to GCJ-02 ``(lon, lat)`` degrees."""
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 ``(lon, lat)`` degrees to WGS-84 ``(lon, lat)`` degrees.

    Inverts :func:`wgs84_to_gcj02` by fixed-point iteration until the round trip is within ``tol_deg`` degrees
    (the default is about 0.01 mm); the simple one-step inverse is off by up to a metre or two.
    """
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(30):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if float(np.max(np.abs(e_lon), initial=0.0)) < tol_deg and float(np.max(np.abs(e_lat), initial=0.0)) < tol_deg:
            break
    return w_lon, w_lat
