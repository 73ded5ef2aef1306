"""Surveillance areas: the region's districts where the data names them, H3 cells (``h3``) for bare points.

The bundled Shanghai 2022 case data names the district of every address; :mod:`fevermap.cases.shanghai2022` gives
each district a representative point for the map (the centroid of its geocoded addresses, WGS-84: a marker, not a
boundary, since no district polygons are bundled). A point with no named district becomes the H3 cell that contains it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h3

from fevermap.cases.shanghai2022 import bundled
from fevermap.errors import CoordinateError, FormatError


def h3_cell(lon: float, lat: float, resolution: int) -> str:
    """The H3 cell (hex string) containing ``(lon, lat)`` (WGS-84 degrees) at ``resolution`` (0..15)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CoordinateError(f"({lon}, {lat}) is not a WGS-84 longitude, latitude in degrees")
    if not 0 <= resolution <= 15:
        raise CoordinateError(f"H3 resolution {resolution} is outside 0..15")
    return str(h3.latlng_to_cell(lat, lon, resolution))


def is_h3(area: str) -> bool:
    """Whether ``area`` is an H3 cell id (else it is a named area)."""
    try:
        return bool(h3.is_valid_cell(area))
    except (TypeError, ValueError):
        return False


def district_points(data_dir: Path) -> dict[str, tuple[float, float]]:
    """Each district of the bundled case data with the centroid ``(lon, lat)`` of its geocoded addresses (WGS-84)."""
    try:
        return dict(bundled(data_dir).centroids)
    except FormatError:
        return {}


def districts(data_dir: Path) -> tuple[str, ...]:
    """The districts the bundled case data names (the list a resident chooses from), sorted."""
    try:
        return tuple(sorted(str(d) for d in bundled(data_dir).counts.columns))
    except FormatError:
        return ()


def geometry(area: str, data_dir: Path) -> dict[str, Any] | None:
    """GeoJSON geometry of an area (``[lon, lat]``): the H3 cell's polygon, a district's point, else ``None``."""
    if is_h3(area):
        ring = [[float(lng), float(lat)] for lat, lng in h3.cell_to_boundary(area)]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    point = district_points(data_dir).get(area)
    if point is None:
        return None
    return {"type": "Point", "coordinates": [point[0], point[1]]}
