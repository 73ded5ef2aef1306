"""A region's footprint: the area its roads cover, as a polygon of grid cells around the road geometry.

A point belongs to a region when the region's router can snap it (within the snap limit of a road); the footprint
polygon is what ``GET /regions`` shows and what names the nearest region for a point in none. It is the union of
the square cells (``cell_m`` on a side, default 1 km, in degrees scaled at the region's mean latitude) that hold
road vertices, each grown by one cell so that a point within the snap limit of a road lies inside.

Examples
--------
>>> import numpy as np
>>> fp = road_footprint(np.array([[121.47, 31.23], [121.48, 31.23]]))
>>> fp.geom_type, round(fp.area, 5) > 0
('Polygon', True)
>>> round(distance_to_footprint_m(fp, 121.475, 31.23))
0
>>> 90_000 < distance_to_footprint_m(fp, 122.5, 31.23) < 100_000
True
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

_GEOD = Geod(ellps="WGS84")
_M_PER_DEG_LAT = 111_320.0


def road_footprint(coords: npt.ArrayLike, cell_m: float = 1000.0) -> BaseGeometry:
    """Union of grid cells around ``coords`` (``(N, 2)`` ``(lon, lat)`` degrees of road vertices), simplified.

    Parameters
    ----------
    coords : array, shape (N, 2)
        Road vertices, WGS-84 ``(lon, lat)`` degrees.
    cell_m : float
        Cell size in metres (about; degrees scaled at the mean latitude). Each occupied cell is grown by one cell.
    """
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    if xy.shape[0] == 0:
        return shapely.Polygon()
    lat0 = float(np.mean(xy[:, 1]))
    dlat = cell_m / _M_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians(lat0)), 0.05)
    cells = _unique_rows(np.floor(xy / (dlon, dlat)).astype(np.int64))
    grown = np.unique((cells[:, None, :] + _NEIGHBOURS[None, :, :]).reshape(-1, 2), axis=0)
    boxes = shapely.box(grown[:, 0] * dlon, grown[:, 1] * dlat, (grown[:, 0] + 1) * dlon, (grown[:, 1] + 1) * dlat)
    return shapely.union_all(boxes).simplify(0, preserve_topology=True)


def _unique_rows(ij: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct ``(i, j)`` rows of an integer array (as ``np.unique(axis=0)``, via one int64 key: 20x faster)."""
    lo = ij.min(axis=0)
    span = int(ij[:, 1].max() - lo[1]) + 1
    keys = np.unique((ij[:, 0] - lo[0]) * span + (ij[:, 1] - lo[1]))
    return np.column_stack([keys // span + lo[0], keys % span + lo[1]])


_NEIGHBOURS = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=np.int64)


def distance_to_footprint_m(footprint: BaseGeometry, lon: float, lat: float) -> float:
    """Geodesic distance in metres from ``(lon, lat)`` to the nearest point of ``footprint`` (0 inside it).

    The nearest point is found in degrees (planar), then measured on the ellipsoid: exact inside and on the edge,
    within a few per cent far away, which is what naming the nearest region needs.
    """
    point = shapely.Point(lon, lat)
    if footprint.is_empty:
        return math.inf
    if footprint.covers(point):
        return 0.0
    near = nearest_points(footprint, point)[0]
    _, _, dist = _GEOD.inv(lon, lat, near.x, near.y)
    return float(dist)
