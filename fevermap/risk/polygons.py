"""A caller's exclude polygon (GeoJSON) checked before use: shape, closure, axis order, validity, size.

Every refusal is an :class:`~fevermap.errors.ExcludePolygonError` whose message says what to fix.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from fevermap.errors import ExcludePolygonError
from fevermap.geo.geodesy import WGS84

Bbox = tuple[float, float, float, float]


def _rings(geom: dict[str, Any]) -> list[list[Any]]:
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind == "Polygon" and isinstance(coords, list):
        return coords
    if kind == "MultiPolygon" and isinstance(coords, list) and all(isinstance(p, list) for p in coords):
        return [ring for poly in coords for ring in poly]
    raise ExcludePolygonError(f"exclude polygon must be a GeoJSON Polygon or MultiPolygon (or a Feature of one), "
                              f"got type {kind!r}")  # fmt: skip


def _check_positions(rings: list[Any], max_vertices: int) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i, ring in enumerate(rings):
        if not isinstance(ring, list) or len(ring) < 4:
            raise ExcludePolygonError(f"ring {i} needs at least 4 positions [lon, lat] (a closed triangle)")
        for j, pos in enumerate(ring):
            if (not isinstance(pos, list) or len(pos) < 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])):  # fmt: skip
                raise ExcludePolygonError(f"ring {i} position {j} must be [lon, lat] numbers, got {pos!r}")
            points.append((float(pos[0]), float(pos[1])))
        if ring[0][:2] != ring[-1][:2]:
            raise ExcludePolygonError(f"ring {i} is not closed: repeat its first position {ring[0]} at the end")
    if len(points) > max_vertices:
        raise ExcludePolygonError(f"exclude polygon has {len(points)} positions; at most {max_vertices} are "
                                  "accepted: simplify it")  # fmt: skip
    return points


def _in_box(points: list[tuple[float, float]], bbox: Bbox) -> bool:
    return all(bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3] for x, y in points)


def parse_exclude_polygon(
    data: str | dict[str, Any], *, bbox: Bbox | None, max_vertices: int = 1000, max_area_km2: float = 50.0
) -> BaseGeometry:
    """Parse and check an exclude polygon given as GeoJSON text or object; ``bbox`` is the region's
    ``(lon_min, lat_min, lon_max, lat_max)``.

    Raises
    ------
    ExcludePolygonError
        Not GeoJSON, not a (Multi)Polygon, unclosed or short rings, too many positions, latitude out of range or
        swapped axes ([lat, lon] instead of [lon, lat]), self-intersecting or otherwise invalid, larger than
        ``max_area_km2``, or outside the region.
    """
    if isinstance(data, str):
        try:
            obj = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ExcludePolygonError(f"exclude polygon is not valid JSON ({exc}); give a GeoJSON Polygon") from None
    else:
        obj = data
    if not isinstance(obj, dict):
        raise ExcludePolygonError("exclude polygon must be a GeoJSON object")
    geom = obj.get("geometry") if obj.get("type") == "Feature" else obj
    if not isinstance(geom, dict):
        raise ExcludePolygonError("the Feature has no geometry; give a Polygon geometry")
    points = _check_positions(_rings(geom), max_vertices)
    swapped = [(y, x) for x, y in points]
    if any(abs(y) > 90 for _, y in points):
        hint = "; the positions look like [lat, lon]: GeoJSON is [lon, lat]" if all(abs(x) <= 90 for x, _ in points) \
            else ""  # fmt: skip
        raise ExcludePolygonError(f"latitude out of range [-90, 90]{hint}")
    if bbox is not None and not _in_box(points, bbox) and _in_box(swapped, bbox):
        raise ExcludePolygonError("axis order is swapped: the positions are [lat, lon] but GeoJSON is [lon, lat]; "
                                  "swap each pair")  # fmt: skip
    poly = shape(geom)
    if not poly.is_valid:
        reason = shapely.is_valid_reason(poly)
        if reason.startswith("Self-intersection"):
            raise ExcludePolygonError(f"exclude polygon intersects itself ({reason}); draw its outline without "
                                      "crossing edges")  # fmt: skip
        raise ExcludePolygonError(f"exclude polygon is not a valid polygon ({reason})")
    area_m2 = abs(WGS84.geometry_area_perimeter(poly)[0])
    if area_m2 > max_area_km2 * 1e6:
        raise ExcludePolygonError(f"exclude polygon is too large: {area_m2 / 1e6:.1f} km², at most {max_area_km2:g} "
                                  "km² are accepted")  # fmt: skip
    if bbox is not None and not poly.intersects(shapely.box(*bbox)):
        raise ExcludePolygonError(f"exclude polygon lies outside the region (lon {bbox[0]:.4f}-{bbox[2]:.4f}, "
                                  f"lat {bbox[1]:.4f}-{bbox[3]:.4f})")  # fmt: skip
    assert isinstance(poly, Polygon | MultiPolygon)
    return poly
