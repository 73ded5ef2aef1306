"""Local metric projections with a known bound on their distance error.

A transverse Mercator projection centred on a meridian near the data keeps distances within a relative error
``scale_error`` over a strip a few degrees wide: about 1.1e-4 one degree of longitude away from the central meridian at
31° N, 5.5 mm at 50 m. That is good enough to *prune* candidate pairs, never to decide pairs near a radius: the caller
re-checks those with :func:`fevermap.geo.geodesy.geodesic_distance_m`. (PostGIS on UTM zone 51N geometry accepts pairs
in central Shanghai whose geodesic distance is 50.000-50.008 m at a 50 m radius, because the scale factor there is
about 0.99984.)

All functions take ``(lon, lat)`` in degrees and return ``(x, y)`` in metres (easting, northing), via pyproj with
``always_xy=True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Proj, Transformer

FloatArray = npt.NDArray[np.float64]

#: Relative slack added to every computed scale error (covers the chord-vs-geodesic difference and rounding).
SCALE_ERROR_SLACK = 1e-6


@lru_cache(maxsize=64)
def _transformer(lon_0: float, lat_0: float) -> tuple[Transformer, Proj]:
    crs = CRS.from_proj4(
        f"+proj=tmerc +lat_0={lat_0!r} +lon_0={lon_0!r} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True), Proj(crs)


@dataclass(frozen=True)
class LocalProjection:
    """A transverse Mercator projection (WGS-84, scale 1 on the central meridian ``lon_0``, degrees).

    The one local metric projection of fevermap (matching's strips, snapping's region projection).

    Parameters
    ----------
    lon_0 : float
        Central meridian in degrees.
    lat_0 : float, optional
        Latitude of origin in degrees (only shifts northings; distances do not depend on it).
    """

    lon_0: float
    lat_0: float = 0.0
    _t: Transformer = field(init=False, repr=False, compare=False)
    _p: Proj = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        t, p = _transformer(float(self.lon_0), float(self.lat_0))
        object.__setattr__(self, "_t", t)
        object.__setattr__(self, "_p", p)

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project ``(lon, lat)`` degrees to ``(x, y)`` metres."""
        lo = np.asarray(lon, dtype=np.float64)
        la = np.asarray(lat, dtype=np.float64)
        if lo.size == 0:
            return np.zeros(lo.shape), np.zeros(lo.shape)
        x, y = self._t.transform(lo, la)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def forward_one(self, lon: float, lat: float) -> tuple[float, float]:
        """Project one ``(lon, lat)`` in degrees to ``(x, y)`` metres (the per-request path: no arrays)."""
        x, y = self._t.transform(lon, lat)
        return float(x), float(y)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Unproject ``(x, y)`` metres back to ``(lon, lat)`` degrees."""
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        if xa.size == 0:
            return np.zeros(xa.shape), np.zeros(xa.shape)
        lon, lat = self._t.transform(xa, ya, direction="INVERSE")
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def scale_error(self, lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> float:
        """Bound on ``|projected distance / geodesic distance - 1|`` for short segments inside a box (degrees).

        The projection is conformal, so its point scale ``k`` is the same in every direction; ``k`` grows with the
        distance from the central meridian. The bound is the largest ``|k - 1|`` on a grid over the box (which
        contains the extreme, on the edge farthest from ``lon_0``) plus :data:`SCALE_ERROR_SLACK`.
        """
        lons = np.linspace(lon_min, lon_max, 9)
        lats = np.linspace(max(lat_min, -89.0), min(lat_max, 89.0), 9)
        glon, glat = np.meshgrid(np.append(lons, np.clip(self.lon_0, lon_min, lon_max)), lats)
        factors = self._p.get_factors(glon.ravel(), glat.ravel())
        k = np.concatenate([np.asarray(factors.meridional_scale), np.asarray(factors.parallel_scale)])
        return float(np.max(np.abs(k - 1.0))) + SCALE_ERROR_SLACK


def strip_of(lon: npt.ArrayLike, width_deg: float) -> npt.NDArray[np.int64]:
    """Index of the longitude strip ``[-180 + i * width, -180 + (i + 1) * width)`` holding each ``lon`` (degrees)."""
    lo = np.asarray(lon, dtype=np.float64)
    return np.floor((lo + 180.0) / width_deg).astype(np.int64)


def strip_projection(strip: int, width_deg: float) -> LocalProjection:
    """The transverse Mercator projection centred on the middle meridian of a longitude strip."""
    return LocalProjection(lon_0=-180.0 + (strip + 0.5) * width_deg)
