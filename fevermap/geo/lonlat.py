"""Coordinate input: parse ``LON,LAT`` text and check ``(lon, lat)`` degrees, hinting when they look swapped.

The one place where fevermap says what is wrong with a coordinate; every reader, command and endpoint calls it.

Examples
--------
>>> parse_lonlat("121.4737,31.2304")
(121.4737, 31.2304)
>>> describe_bad_lonlat(31.23, 121.47)
'latitude 121.47 is out of range [-90, 90]; did you swap them? fevermap takes lon,lat, not lat,lon (lon comes first)'
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from fevermap.errors import CoordinateError, InputError

#: Appended to a message when the pair would be valid the other way round.
SWAP_HINT = "did you swap them? fevermap takes lon,lat, not lat,lon (lon comes first)"

BoolArray = npt.NDArray[np.bool_]


def parse_lonlat(text: str, what: str = "point") -> tuple[float, float]:
    """Parse ``"LON,LAT"`` into a ``(lon, lat)`` float pair (not range-checked), with a message saying what to fix.

    Raises
    ------
    InputError
        Unless the text is two numbers separated by a comma.
    """
    parts = text.split(",")
    if len(parts) != 2:
        raise InputError(f"{what} {text!r} must be LON,LAT (two numbers separated by a comma)")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError(f"{what} {text!r} must be LON,LAT (two numbers separated by a comma)") from None


def invalid_lonlat(lon: npt.ArrayLike, lat: npt.ArrayLike) -> BoolArray:
    """Which ``(lon, lat)`` pairs are unusable: not finite, ``lon`` outside [-180, 180] or ``lat`` outside [-90, 90]."""
    lo = np.asarray(lon, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lo) & np.isfinite(la) & (np.abs(lo) <= 180.0) & (np.abs(la) <= 90.0)
    return np.asarray(~ok)


def describe_bad_lonlat(lon: float, lat: float) -> str:
    """A message saying what is wrong with one ``(lon, lat)`` pair (degrees), and how to fix it."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"coordinate ({lon}, {lat}) is not a finite number pair; give lon,lat in degrees"
    if abs(lat) > 90.0:
        return f"latitude {lat} is out of range [-90, 90]" + (f"; {SWAP_HINT}" if abs(lon) <= 90.0 else "")
    if abs(lon) > 180.0:
        return f"longitude {lon} is out of range [-180, 180]"
    return f"coordinate ({lon}, {lat}) is valid"


def check_lonlat(lon: float, lat: float) -> None:
    """Raise :class:`CoordinateError` for a non-finite or out-of-range ``(lon, lat)``, hinting at swapped order."""
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180.0 and abs(lat) <= 90.0):
        raise CoordinateError(describe_bad_lonlat(lon, lat))


def check_in_bbox(lon: float, lat: float, bbox: tuple[float, float, float, float], *, what: str = "point") -> None:
    """Raise :class:`CoordinateError` unless ``(lon, lat)`` lies in ``bbox`` (lon_min, lat_min, lon_max, lat_max).

    The message names the distance in metres to the box (geodesic, to the nearest point of the box in degrees) and
    hints at swapped order when the swapped pair lies inside.
    """
    check_lonlat(lon, lat)
    lon_min, lat_min, lon_max, lat_max = bbox
    if not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max):
        hint = ""
        if lon_min <= lat <= lon_max and lat_min <= lon <= lat_max:
            hint = f"; {SWAP_HINT}"
        near_lon, near_lat = min(max(lon, lon_min), lon_max), min(max(lat, lat_min), lat_max)
        from fevermap.geo.geodesy import geodesic_distance_m  # pyproj: only on this error path

        dist = float(geodesic_distance_m(lon, lat, near_lon, near_lat))
        raise CoordinateError(
            f"{what} at lon={lon:.6f}, lat={lat:.6f} is outside the region "
            f"(lon {lon_min:.4f}..{lon_max:.4f}, lat {lat_min:.4f}..{lat_max:.4f}): it is {dist:,.0f} m from "
            f"the region{hint}"
        )
