"""Geodesic distances and destinations on the WGS-84 ellipsoid.

Every function takes ``(lon, lat)`` in degrees, in that order, and is vectorised over numpy arrays. Distances are
metres along the geodesic (Karney's algorithm, as implemented by ``pyproj.Geod``), the reference against which any
projected distance is checked.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Geod

#: The WGS-84 ellipsoid, the datum of GPS and OpenStreetMap.
WGS84 = Geod(ellps="WGS84")

FloatArray = npt.NDArray[np.float64]


def _float_arrays(*values: npt.ArrayLike) -> tuple[FloatArray, ...]:
    """The arguments as float64 arrays broadcast against each other."""
    return tuple(np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values)))


def geodesic_distance_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Geodesic distance in metres between ``(lon1, lat1)`` and ``(lon2, lat2)`` (degrees, WGS-84).

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Longitudes and latitudes in degrees; broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Distances in metres (float64), accurate to about 15 nm.

    Examples
    --------
    >>> round(float(geodesic_distance_m(121.47, 31.23, 121.48, 31.23)), 3)
    952.743
    """
    a, b, c, d = _float_arrays(lon1, lat1, lon2, lat2)
    if a.size == 0:
        return np.zeros(a.shape, dtype=np.float64)
    _, _, dist = WGS84.inv(np.ravel(a), np.ravel(b), np.ravel(c), np.ravel(d))
    return np.asarray(dist, dtype=np.float64).reshape(a.shape)


def destination(
    lon: npt.ArrayLike, lat: npt.ArrayLike, azimuth_deg: npt.ArrayLike, distance_m: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point reached from ``(lon, lat)`` by going ``distance_m`` metres along azimuth ``azimuth_deg``.

    Parameters
    ----------
    lon, lat : array_like
        Start point in degrees.
    azimuth_deg : array_like
        Azimuth in degrees clockwise from north.
    distance_m : array_like
        Distance in metres along the geodesic.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        End points in degrees.
    """
    a, b, c, d = _float_arrays(lon, lat, azimuth_deg, distance_m)
    if a.size == 0:
        return np.zeros(a.shape), np.zeros(a.shape)
    lon2, lat2, _ = WGS84.fwd(np.ravel(a), np.ravel(b), np.ravel(c), np.ravel(d))
    return np.asarray(lon2, dtype=np.float64).reshape(a.shape), np.asarray(lat2, dtype=np.float64).reshape(a.shape)
