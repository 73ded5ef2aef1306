"""BD-09 <-> GCJ-02 (and WGS-84) conversion: the datum Baidu Maps expects.

Baidu Maps adds its own offset on top of GCJ-02 (:mod:`fevermap.geo.gcj02`); a destination handed to Baidu in GCJ-02
or WGS-84 lands a few hundred metres off. The forward transform is the widely published one (rotation and scaling
about the origin plus a constant shift of 0.0065, 0.006 degrees); the inverse is the published closed form, whose
round trip is within about 1e-6 degrees (0.1 m). Unlike GCJ-02, BD-09 is applied everywhere (Baidu's own convention).

All functions take and return ``(lon, lat)`` in degrees and are vectorised over numpy arrays.

Examples
--------
>>> lon, lat = gcj02_to_bd09(116.404, 39.915)
>>> round(float(lon), 6), round(float(lat), 6)
(116.410369, 39.921337)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fevermap.geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02

FloatArray = npt.NDArray[np.float64]
_X_PI = np.pi * 3000.0 / 180.0


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 ``(lon, lat)`` degrees to BD-09 ``(lon, lat)`` degrees."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 ``(lon, lat)`` degrees to GCJ-02 ``(lon, lat)`` degrees (published closed form)."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 ``(lon, lat)`` degrees to BD-09 (through GCJ-02, which is the identity outside China)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 ``(lon, lat)`` degrees to WGS-84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
