"""Route geometry simplification as OSRM's ``overview=simplified`` does it: Douglas-Peucker, tolerance by zoom.

OSRM picks the zoom at which the route's bounding box fits a large screen (8 x 5 tiles of 256 px, zoom 1..18) and
drops points closer to the simplified line than that zoom's threshold: about 4.5 pixels, ``703125 / 2**z`` Web
Mercator metres, which is ``703125 / 2**z * cos(latitude)`` metres on the ground. Distances are measured here in a
local equirectangular projection around the route (metres; good to well under 1% over a city).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
TILE_PX = 256.0
VIEWPORT_PX = (8 * TILE_PX, 5 * TILE_PX)
MIN_ZOOM, MAX_ZOOM = 1, 18
_Z0_THRESHOLD_M = 703125.0
_EARTH_R = 6378137.0


def _lat_to_y(lat: float) -> float:
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def fitted_zoom(coords: FloatArray) -> int:
    """The largest zoom (1..18) at which the ``(lon, lat)`` points fit OSRM's viewport."""
    lon_span = float(coords[:, 0].max() - coords[:, 0].min())
    y_span = abs(_lat_to_y(float(coords[:, 1].max())) - _lat_to_y(float(coords[:, 1].min())))
    zoom = MAX_ZOOM
    for span, px in ((lon_span, VIEWPORT_PX[0]), (y_span, VIEWPORT_PX[1])):
        if span > 0:
            zoom = min(zoom, math.floor(math.log2(px / TILE_PX * 360.0 / span)))
    return max(MIN_ZOOM, min(MAX_ZOOM, zoom))


def tolerance_m(zoom: int, lat: float) -> float:
    """Ground tolerance (m) of OSRM's simplification at ``zoom`` and latitude ``lat`` (degrees)."""
    return _Z0_THRESHOLD_M / 2**zoom * math.cos(math.radians(lat))


def douglas_peucker(coords: FloatArray, tol_m: float) -> FloatArray:
    """Keep the first and last points and every point farther than ``tol_m`` metres from the simplified line."""
    n = coords.shape[0]
    if n <= 2:
        return coords
    lat0 = math.radians(float(coords[:, 1].mean()))
    xy = np.column_stack([np.radians(coords[:, 0]) * math.cos(lat0) * _EARTH_R, np.radians(coords[:, 1]) * _EARTH_R])
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = xy[i], xy[j]
        pts = xy[i + 1 : j]
        ab = b - a
        denom = float(ab @ ab)
        if denom == 0:
            d = np.hypot(*(pts - a).T)
        else:
            t = np.clip(((pts - a) @ ab) / denom, 0.0, 1.0)
            d = np.hypot(*(pts - (a + t[:, None] * ab)).T)
        k = int(np.argmax(d))
        if d[k] > tol_m:
            m = i + 1 + k
            keep[m] = True
            stack.extend([(i, m), (m, j)])
    return coords[keep]


def simplify(coords: FloatArray) -> FloatArray:
    """OSRM's simplified overview of a route's ``(lon, lat)`` coordinates."""
    if coords.shape[0] <= 2:
        return coords
    zoom = fitted_zoom(coords)
    return douglas_peucker(coords, tolerance_m(zoom, float(coords[:, 1].mean())))
