"""Vectorised parsing of record times into UTC epoch seconds, with a reason for every value that fails.

Accepted values
---------------
* ISO 8601 with an offset or ``Z`` (``2022-04-12T09:30:00+08:00``): an instant.
* A date alone (``2022-04-12`` or ``20220412``): a *day-level* record covering the whole local day in the region's
  time zone: as a start it means local midnight, as an end the next local midnight.
* ISO 8601 without an offset: only when the caller names a time zone to assume (``assume_tz``); otherwise an error,
  since the instant is unknown.
* Epoch milliseconds (Hamagen's ``fromTime_utc``/``toTime_utc``): see :func:`parse_epoch_ms`.

Sub-second parts are rounded outwards (starts down, ends up), so rounding never removes an overlap.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fevermap.times import naive_message

IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
Role = Literal["start", "end"]

_DATE_RE = r"\d{4}-\d{2}-\d{2}|\d{8}"
_OFFSET_RE = r".*[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)"
_NAIVE_RE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_NS = 1_000_000_000


def _utc_ns(values: pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """Nanoseconds since the epoch of a timezone-aware index."""
    return np.asarray(values.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8, dtype=np.int64)


def _seconds(ns: npt.NDArray[np.int64], role: Role) -> IntArray:
    return np.asarray(ns // _NS if role == "start" else -((-ns) // _NS), dtype=np.int64)


def parse_times(
    values: npt.ArrayLike, *, role: Role, tz: str, assume_tz: str | None = None, field: str | None = None
) -> tuple[IntArray, ObjArray]:
    """Parse strings to UTC epoch seconds.

    Parameters
    ----------
    values : array_like of str, or a pyarrow string array
        Time strings (see the module docstring); empty or None is an error. An Arrow array whose values all carry
        an offset (the common case) is parsed in one vectorised cast.
    role : {"start", "end"}
        Whether the values start or end intervals (decides day-level records and rounding).
    tz : str
        IANA time zone of the region, for day-level records (e.g. ``"Asia/Shanghai"``).
    assume_tz : str, optional
        Time zone to assume for date-times without an offset; without it they are errors.
    field : str, optional
        Field name used in error messages (defaults to ``role``).

    Returns
    -------
    seconds : numpy.ndarray of int64
        UTC epoch seconds (0 where the value failed).
    errors : numpy.ndarray of object
        None where the value parsed, else a message saying what is wrong and how to fix it.
    """
    name = field or role
    if isinstance(values, pa.Array | pa.ChunkedArray):
        try:  # Fast path: every value an ISO 8601 time with offset, whole seconds (Arrow refuses anything else).
            utc = pc.cast(values, pa.timestamp("s", tz="UTC"))
            if utc.null_count == 0:
                sec = np.asarray(utc.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
                return sec, np.full(len(sec), None, dtype=object)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        values = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    s = pd.Series(np.asarray(values, dtype=object)).astype("string").str.strip()
    n = len(s)
    out = np.zeros(n, dtype=np.int64)
    err = np.full(n, None, dtype=object)
    if n == 0:
        return out, err
    missing = s.isna().to_numpy() | (s.fillna("") == "").to_numpy()
    is_date = s.str.fullmatch(_DATE_RE).fillna(False).to_numpy(dtype=bool) & ~missing
    has_off = s.str.fullmatch(_OFFSET_RE).fillna(False).to_numpy(dtype=bool) & ~missing & ~is_date
    looks_naive = s.str.fullmatch(_NAIVE_RE).fillna(False).to_numpy(dtype=bool)
    naive = ~missing & ~is_date & ~has_off & looks_naive
    for i in np.flatnonzero(~missing & ~is_date & ~has_off & ~looks_naive):
        err[i] = f"{name} {s.iloc[i]!r} is not an ISO 8601 time (like 2022-04-12T09:30:00+08:00) nor a date"
    for i in np.flatnonzero(missing):
        err[i] = f"{name} is missing"
    if has_off.any():
        ts = pd.to_datetime(s[has_off], format="ISO8601", utc=True, errors="coerce")
        ok = ts.notna().to_numpy()
        idx = np.flatnonzero(has_off)
        out[idx[ok]] = _seconds(_utc_ns(pd.DatetimeIndex(ts[ok])), role)
        for i in idx[~ok]:
            err[i] = f"{name} {s.iloc[i]!r} is not a valid ISO 8601 time"
    if is_date.any():
        idx = np.flatnonzero(is_date)
        txt = s[is_date].str.replace("-", "", regex=False)
        day = pd.to_datetime(txt, format="%Y%m%d", errors="coerce")
        ok = day.notna().to_numpy()
        if role == "end":
            day = day + pd.Timedelta(days=1)
        local = pd.DatetimeIndex(day[ok]).tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
        out[idx[ok]] = _seconds(_utc_ns(local), role)
        for i in idx[~ok]:
            err[i] = f"{name} {s.iloc[i]!r} is not a valid date"
    if naive.any():
        idx = np.flatnonzero(naive)
        if assume_tz is None:
            for i in idx:
                err[i] = naive_message(name, s.iloc[i], can_assume=True)
        else:
            ts = pd.to_datetime(s[naive], format="ISO8601", errors="coerce")
            ok = ts.notna().to_numpy()
            loc = pd.DatetimeIndex(ts[ok]).tz_localize(assume_tz, ambiguous="NaT", nonexistent="NaT")
            good = ~pd.isna(loc)
            sub = idx[ok]
            out[sub[good]] = _seconds(_utc_ns(loc[good]), role)
            for i in np.concatenate([idx[~ok], sub[~good]]):
                err[i] = f"{name} {s.iloc[i]!r} is not a valid time (or does not exist in {assume_tz})"
    return out, err


def parse_epoch_ms(values: npt.ArrayLike, *, role: Role, field: str | None = None) -> tuple[IntArray, ObjArray]:
    """Parse epoch milliseconds (UTC) to epoch seconds, rounding starts down and ends up."""
    name = field or role
    num = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(dtype=np.float64)
    err = np.full(len(num), None, dtype=object)
    bad = ~np.isfinite(num)
    raw = np.asarray(values, dtype=object)
    for i in np.flatnonzero(bad):
        err[i] = f"{name} {raw[i]!r} is not a number of milliseconds since 1970-01-01 UTC"
    ms = np.where(bad, 0, num).astype(np.int64)
    sec = ms // 1000 if role == "start" else -((-ms) // 1000)
    return sec.astype(np.int64), err


def to_iso(seconds: int, tz: str | None = None) -> str:
    """ISO 8601 text of UTC epoch ``seconds``, in UTC (``Z``) or in time zone ``tz`` with its offset."""
    ts = pd.Timestamp(int(seconds), unit="s", tz="UTC")
    if tz is None:
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ts.tz_convert(tz).isoformat()
