"""Local metric projections with a known bound on their distance error.

A transverse Mercator projection centred on a meridian near the data keeps distances within a relative error
``scale_error`` over a strip a few degrees wide: about 1.1e-4 one degree of longitude away from the central meridian at
31° N, 5.5 mm at 50 m. That is good enough to *prune* candidate pairs, never to decide pairs near a radius: the caller
re-checks those with :func:`fevermap.geo.geodesy.geodesic_distance_m`. (PostGIS on UTM zone 51N geometry accepts pairs
in central Shanghai whose geodesic distance is 50.000-50.008 m at a 50 m radius, because the scale factor there is
about 0.99984.)

All functions take ``(lon, lat)`` in degrees and return ``(x, y)`` in metres (easting, northing).

The projection is computed here with Krüger's series to sixth order in the third flattening (Karney 2011,
"Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85: 475-485; the same series PROJ's
``tmerc`` uses), in numpy for arrays and in C for single points (:meth:`LocalProjection.forward_one`), not through
pyproj: importing pyproj costs about 90 ms of CPU, most of a one-route command's start-up (``benchmarks/RESULTS.md``,
CLI start-up). ``tests/geo/test_projection.py`` checks it against pyproj's ``+proj=tmerc`` to 1 µm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from fevermap.geo._native import Forward

FloatArray = npt.NDArray[np.float64]

#: Points per numpy pass: the series' temporaries then stay in the processor's cache (about 20% faster).
_CHUNK = 4096

#: Relative slack added to every computed scale error (covers the chord-vs-geodesic difference and rounding).
SCALE_ERROR_SLACK = 1e-6

# WGS-84 and the series coefficients (third flattening n; alpha: conformal -> rectifying, beta: back;
# delta: conformal -> geodetic latitude).
_A_AXIS = 6378137.0
_F = 1.0 / 298.257223563
_E = math.sqrt(_F * (2.0 - _F))
_N = _F / (2.0 - _F)
_RECT = _A_AXIS / (1.0 + _N) * (1.0 + _N**2 / 4.0 + _N**4 / 64.0 + _N**6 / 256.0)
_n1, _n2, _n3, _n4, _n5, _n6 = (_N**k for k in range(1, 7))
_ALPHA = (
    _n1 / 2 - 2 * _n2 / 3 + 5 * _n3 / 16 + 41 * _n4 / 180 - 127 * _n5 / 288 + 7891 * _n6 / 37800,
    13 * _n2 / 48 - 3 * _n3 / 5 + 557 * _n4 / 1440 + 281 * _n5 / 630 - 1983433 * _n6 / 1935360,
    61 * _n3 / 240 - 103 * _n4 / 140 + 15061 * _n5 / 26880 + 167603 * _n6 / 181440,
    49561 * _n4 / 161280 - 179 * _n5 / 168 + 6601661 * _n6 / 7257600,
    34729 * _n5 / 80640 - 3418889 * _n6 / 1995840,
    212378941 * _n6 / 319334400,
)
_BETA = (
    _n1 / 2 - 2 * _n2 / 3 + 37 * _n3 / 96 - _n4 / 360 - 81 * _n5 / 512 + 96199 * _n6 / 604800,
    _n2 / 48 + _n3 / 15 - 437 * _n4 / 1440 + 46 * _n5 / 105 - 1118711 * _n6 / 3870720,
    17 * _n3 / 480 - 37 * _n4 / 840 - 209 * _n5 / 4480 + 5569 * _n6 / 90720,
    4397 * _n4 / 161280 - 11 * _n5 / 504 - 830251 * _n6 / 7257600,
    4583 * _n5 / 161280 - 108847 * _n6 / 3991680,
    20648693 * _n6 / 638668800,
)
_DELTA = (
    2 * _n1 - 2 * _n2 / 3 - 2 * _n3 + 116 * _n4 / 45 + 26 * _n5 / 45 - 2854 * _n6 / 675,
    7 * _n2 / 3 - 8 * _n3 / 5 - 227 * _n4 / 45 + 2704 * _n5 / 315 + 2323 * _n6 / 945,
    56 * _n3 / 15 - 136 * _n4 / 35 - 1262 * _n5 / 105 + 73814 * _n6 / 2835,
    4279 * _n4 / 630 - 332 * _n5 / 35 - 399572 * _n6 / 14175,
    4174 * _n5 / 315 - 144838 * _n6 / 6237,
    601676 * _n6 / 22275,
)


class _Ops(NamedTuple):
    """The functions the series need, from :mod:`math` (one point: no array overhead) or numpy (arrays)."""

    sin: Any
    cos: Any
    tan: Any
    sinh: Any
    cosh: Any
    asin: Any
    atan2: Any
    asinh: Any
    atanh: Any
    sqrt: Any


_MATH = _Ops(math.sin, math.cos, math.tan, math.sinh, math.cosh, math.asin, math.atan2, math.asinh, math.atanh,
             math.sqrt)  # fmt: skip
_NUMPY = _Ops(np.sin, np.cos, np.tan, np.sinh, np.cosh, np.arcsin, np.arctan2, np.arcsinh, np.arctanh, np.sqrt)


def _add_series(op: _Ops, coef: tuple[float, ...], sign: float, xi: Any, eta: Any) -> tuple[Any, Any]:
    """``zeta + sign * sum(c_j * sin(2 j zeta), j = 1..6)`` for ``zeta = xi + i eta``, in real arithmetic.

    Clenshaw's recurrence on the complex argument, written out in real and imaginary parts (numpy's complex
    ``sin``/``cos`` are several times slower than four real ones).
    """
    s, c = op.sin(2.0 * xi), op.cos(2.0 * xi)
    sh, ch = op.sinh(2.0 * eta), op.cosh(2.0 * eta)
    pr, pi = 2.0 * c * ch, -2.0 * s * sh  # 2 cos(2 zeta)
    b1r: Any = 0.0
    b1i: Any = 0.0
    b2r: Any = 0.0
    b2i: Any = 0.0
    for k in reversed(coef):
        b1r, b1i, b2r, b2i = k + pr * b1r - pi * b1i - b2r, pr * b1i + pi * b1r - b2i, b1r, b1i
    sr, si = s * ch, c * sh  # sin(2 zeta)
    return xi + sign * (b1r * sr - b1i * si), eta + sign * (b1r * si + b1i * sr)


def _conformal(op: _Ops, lon: Any, lat: Any, lon_0: float) -> tuple[Any, Any, Any]:
    """``tan`` of the conformal latitude and the spherical transverse Mercator ``(xi', eta')`` (radians)."""
    phi = lat * (math.pi / 180.0)
    dl = ((lon - lon_0 + 180.0) % 360.0 - 180.0) * (math.pi / 180.0)
    tau = op.tan(phi)
    root = op.sqrt(1.0 + tau * tau)
    sigma = op.sinh(_E * op.atanh(_E * tau / root))
    tau_c = tau * op.sqrt(1.0 + sigma * sigma) - sigma * root
    cos_dl = op.cos(dl)
    return tau_c, op.atan2(tau_c, cos_dl), op.asinh(op.sin(dl) / op.sqrt(tau_c * tau_c + cos_dl * cos_dl))


def _forward(op: _Ops, lon: Any, lat: Any, lon_0: float) -> tuple[Any, Any]:
    """Rectifying ``(xi, eta)`` (radians; times the rectifying radius: northing and easting) of ``(lon, lat)``."""
    _, xi, eta = _conformal(op, lon, lat, lon_0)
    return _add_series(op, _ALPHA, 1.0, xi, eta)


def _inverse(op: _Ops, xi: Any, eta: Any, lon_0: float) -> tuple[Any, Any]:
    """``(lon, lat)`` degrees of rectifying ``(xi, eta)``."""
    xi, eta = _add_series(op, _BETA, -1.0, xi, eta)
    chi = op.asin(op.sin(xi) / op.cosh(eta))  # conformal latitude
    phi, _ = _add_series(op, _DELTA, 1.0, chi, 0.0 * chi)
    lon = lon_0 + op.atan2(op.sinh(eta), op.cos(xi)) * (180.0 / math.pi)
    return lon, phi * (180.0 / math.pi)


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

    Examples
    --------
    >>> p = LocalProjection(121.0, 31.0)
    >>> [round(float(v), 3) for v in p.forward(121.0, 31.0)]
    [0.0, 0.0]
    >>> x, y = p.forward(121.47, 31.23)
    >>> [round(float(v), 6) for v in p.inverse(x, y)]
    [121.47, 31.23]
    """

    lon_0: float
    lat_0: float = 0.0

    _northing_0: float = field(init=False, repr=False, compare=False)
    _native: Forward = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        xi, _ = _forward(_MATH, float(self.lon_0), float(self.lat_0), float(self.lon_0))
        object.__setattr__(self, "_northing_0", _RECT * xi)
        object.__setattr__(self, "_native", Forward(float(self.lon_0), _E, _RECT, _RECT * xi, _ALPHA))

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project ``(lon, lat)`` degrees to ``(x, y)`` metres."""
        lo = np.asarray(lon, dtype=np.float64)
        la = np.asarray(lat, dtype=np.float64)
        if lo.size == 0:
            return np.zeros(lo.shape), np.zeros(lo.shape)
        lo, la = np.broadcast_arrays(lo, la)
        x, y = np.empty(lo.shape), np.empty(lo.shape)
        fx, fy, flo, fla = x.reshape(-1), y.reshape(-1), lo.reshape(-1), la.reshape(-1)
        for i in range(0, flo.size, _CHUNK):
            xi, eta = _forward(_NUMPY, flo[i : i + _CHUNK], fla[i : i + _CHUNK], self.lon_0)
            fx[i : i + _CHUNK] = _RECT * eta
            fy[i : i + _CHUNK] = _RECT * xi - self._northing_0
        return x, y

    def forward_one(self, lon: float, lat: float) -> tuple[float, float]:
        """Project one ``(lon, lat)`` in degrees to ``(x, y)`` metres (the per-request path: no arrays).

        Computed in C (:mod:`fevermap.geo._native`) with the series of :func:`_forward` over :mod:`math`, the same
        functions in the same order: bit-identical to ``_forward(_MATH, ...)``, which the tests check. It agrees with
        :meth:`forward`, whose numpy functions may round differently in the last bit, to 1e-6 m (also tested).
        """
        return self._native.one(float(lon), float(lat))

    def forward_each(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """:meth:`forward_one` of each point (aligned 1-d arrays of degrees), bit for bit, in one C loop."""
        lo = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
        la = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
        if lo.shape != la.shape:
            raise ValueError(f"forward_each needs as many longitudes as latitudes, got {lo.shape[0]} and {la.shape[0]}")
        x, y = np.empty(lo.shape[0]), np.empty(lo.shape[0])
        self._native.many(lo, la, x, y)
        return x, y

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Unproject ``(x, y)`` metres back to ``(lon, lat)`` degrees."""
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        if xa.size == 0:
            return np.zeros(xa.shape), np.zeros(xa.shape)
        xa, ya = np.broadcast_arrays(xa, ya)
        lon, lat = np.empty(xa.shape), np.empty(xa.shape)
        flon, flat, fx, fy = lon.reshape(-1), lat.reshape(-1), xa.reshape(-1), ya.reshape(-1)
        for i in range(0, fx.size, _CHUNK):
            s = slice(i, i + _CHUNK)
            flon[s], flat[s] = _inverse(_NUMPY, (fy[s] + self._northing_0) / _RECT, fx[s] / _RECT, self.lon_0)
        return lon, lat

    def point_scale(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
        """Point scale ``k`` (the same in every direction: the projection is conformal) at ``(lon, lat)`` degrees."""
        lo = np.asarray(lon, dtype=np.float64)
        la = np.asarray(lat, dtype=np.float64)
        tau_c, xi, eta = _conformal(_NUMPY, lo, la, self.lon_0)
        zeta = xi + 1j * eta
        deriv = 1.0 + sum(2 * j * a * np.cos(2 * j * zeta) for j, a in enumerate(_ALPHA, 1))
        phi = np.radians(la)
        cos_dl = np.cos(np.radians(lo - self.lon_0))
        k = (
            (_RECT / _A_AXIS)
            * np.sqrt(1.0 - (_E * np.sin(phi)) ** 2)
            * np.sqrt(1.0 + np.tan(phi) ** 2)
            / np.sqrt(tau_c * tau_c + cos_dl * cos_dl)
            * np.abs(deriv)
        )
        return np.asarray(k, dtype=np.float64)

    def scale_error(self, lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> float:
        """Bound on ``|projected distance / geodesic distance - 1|`` for short segments inside a box (degrees).

        ``k`` grows with the distance from the central meridian. The bound is the largest ``|k - 1|`` on a grid over
        the box (which contains the extreme, on the edge farthest from ``lon_0``) plus :data:`SCALE_ERROR_SLACK`.
        """
        lons = np.linspace(lon_min, lon_max, 9)
        lats = np.linspace(max(lat_min, -89.0), min(lat_max, 89.0), 9)
        glon, glat = np.meshgrid(np.append(lons, np.clip(self.lon_0, lon_min, lon_max)), lats)
        k = self.point_scale(glon.ravel(), glat.ravel())
        return float(np.max(np.abs(k - 1.0))) + SCALE_ERROR_SLACK


def strip_of(lon: npt.ArrayLike, width_deg: float) -> npt.NDArray[np.int64]:
    """Index of the longitude strip ``[-180 + i * width, -180 + (i + 1) * width)`` holding each ``lon`` (degrees)."""
    lo = np.asarray(lon, dtype=np.float64)
    return np.floor((lo + 180.0) / width_deg).astype(np.int64)


def strip_projection(strip: int, width_deg: float) -> LocalProjection:
    """The transverse Mercator projection centred on the middle meridian of a longitude strip."""
    return LocalProjection(lon_0=-180.0 + (strip + 0.5) * width_deg)
