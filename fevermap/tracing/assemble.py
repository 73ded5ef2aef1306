"""Turn raw columns read from any format into a checked :class:`Visits` table plus per-record errors.

Shared by every reader, so that all formats apply the same checks (id present, coordinates in range, times with an
offset or day-level, end not before start, positive radius) and the same GCJ-02 conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from fevermap.errors import RecordError
from fevermap.geo.datum import Datum, to_wgs84
from fevermap.geo.lonlat import describe_bad_lonlat, invalid_lonlat
from fevermap.tracing.models import Declaration, TransportLeg, Visits


@dataclass
class ReadResult:
    """What a reader got from one input: the good rows, transport legs, declaration extras, and bad records."""

    visits: Visits
    legs: list[TransportLeg] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


def _numbers(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    if isinstance(values, np.ndarray) and values.dtype == np.float64:
        return values
    return pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(dtype=np.float64)


def _as_str(values: np.ndarray) -> np.ndarray:
    """Ids as Python strings (JSON inputs may give numbers, e.g. Hamagen's ``OBJECTID``)."""
    if len(values) == 0 or pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    return np.array([str(v) for v in values], dtype=object)


def assemble(
    *,
    owner: npt.ArrayLike,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    start: npt.NDArray[np.int64],
    start_err: npt.NDArray[np.object_],
    end: npt.NDArray[np.int64],
    end_err: npt.NDArray[np.object_],
    records: npt.NDArray[np.object_],
    radius_m: npt.ArrayLike | None = None,
    place: npt.ArrayLike | None = None,
    datum: Datum = "wgs84",
) -> tuple[Visits, list[RecordError]]:
    """Check every row, convert GCJ-02 or BD-09 to WGS-84 if asked, and split good rows from bad ones.

    Parameters
    ----------
    owner, lon, lat : array_like
        Ids and raw coordinates (degrees, ``(lon, lat)`` order; strings are parsed).
    start, end : numpy.ndarray of int64
        UTC epoch seconds from :mod:`fevermap.tracing.timeparse`, with their error arrays.
    records : numpy.ndarray of object
        Name of each record for messages (``cases.csv:line 7``).
    radius_m, place : array_like, optional
        Raw radius (metres) and place name per row.
    datum : {"wgs84", "gcj02", "bd09"}
        Datum of the input coordinates (:mod:`fevermap.geo.datum`).
    """
    n = len(records)
    lon_f, lat_f = _numbers(lon), _numbers(lat)
    own = np.asarray(owner, dtype=object)
    own_ok = np.asarray(~pd.isna(own), dtype=bool)
    own_ok[own_ok] = own[own_ok] != ""
    rad = np.full(n, np.nan) if radius_m is None else _numbers(radius_m)
    rad_raw = None if radius_m is None else np.asarray(radius_m, dtype=object)
    rad_given = np.zeros(n, bool) if rad_raw is None else np.array([v not in (None, "") for v in rad_raw], bool)
    with np.errstate(invalid="ignore"):
        rad_bad = rad_given & ~(np.isfinite(rad) & (rad > 0))
    bad_xy = invalid_lonlat(lon_f, lat_f)
    order_bad = (start_err == None) & (end_err == None) & (end < start)  # noqa: E711
    bad = ~own_ok | bad_xy | rad_bad | order_bad | (start_err != None) | (end_err != None)  # noqa: E711
    errors: list[RecordError] = []
    for i in np.flatnonzero(bad):
        reasons: list[str] = []
        if not own_ok[i]:
            reasons.append("id is missing")
        if bad_xy[i]:
            reasons.append(describe_bad_lonlat(float(lon_f[i]), float(lat_f[i])))
        if start_err[i] is not None:
            reasons.append(str(start_err[i]))
        if end_err[i] is not None:
            reasons.append(str(end_err[i]))
        if order_bad[i]:
            reasons.append("end is before start")
        if rad_bad[i]:
            reasons.append(f"radius_m {rad_raw[i]!r} is not a positive number of metres")  # type: ignore[index]
        errors.append(RecordError(str(records[i]), "; ".join(reasons)))
    good = ~bad
    glon, glat = lon_f[good], lat_f[good]
    if datum != "wgs84" and len(glon):
        glon, glat = to_wgs84(glon, glat, datum)
    pl: np.ndarray | None = None
    if place is not None:
        raw_pl = np.asarray(place, dtype=object)[good]
        empty = np.asarray(pd.isna(raw_pl), dtype=bool) | (raw_pl == "")
        pl = raw_pl.copy()
        pl[empty] = None
    visits = Visits.from_arrays(
        owner=_as_str(own[good]),
        lon=glon,
        lat=glat,
        start=start[good],
        end=end[good],
        radius_m=rad[good],
        place=pl,
        record=np.asarray(records, dtype=object)[good],
    )
    return visits, errors
