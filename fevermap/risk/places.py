"""Case places and their level on a date: the rule set's windows evaluated over case place-days, vectorised.

Case records come as a :class:`~fevermap.tracing.models.Visits` table (any reader of ``fevermap trace match
--cases``). A record's *case day* is the local day (in the region's time zone) of its last moment, so a day-level
record (start and end at local midnights) counts on its own day. Records at the same point (``(lon, lat)`` rounded
to 1e-6 degrees, about 0.1 m; with the record's own radius when the level uses it) are one *place*. Dates are whole
days since 1970-01-01 in that time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from fevermap.errors import InputError
from fevermap.risk.rules import Level, RuleSet
from fevermap.tracing.models import Visits

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
EPOCH = date(1970, 1, 1)
#: Rounding of place coordinates (degrees): records closer than this are one place.
PLACE_GRID_DEG = 1e-6


def day_number(d: date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return (d - EPOCH).days


def day_date(n: int) -> date:
    """Calendar date of a day number."""
    return EPOCH + timedelta(days=int(n))


def parse_day(text: str) -> date:
    """Parse ``YYYY-MM-DD`` (the message says what to fix)."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(f"date {text!r} must be a calendar date YYYY-MM-DD, e.g. 2022-04-10") from None


@dataclass(frozen=True)
class CasePlaces:
    """Case records grouped by place, sorted by (place, case day).

    Attributes
    ----------
    lon, lat, radius_m : numpy.ndarray
        Per place: WGS-84 degrees, and the record radius in metres (NaN: the level's radius applies).
    name : numpy.ndarray of object
        A place name per place (the first record's ``place``), or None.
    rec_place, rec_day : numpy.ndarray of int64
        Per record: its place and its case day (local day number).
    rec_source : numpy.ndarray of object
        Per record: where it came from (``file:line``), never the case id.
    rec_start, rec_end : numpy.ndarray of int64
        Per record: its interval in UTC epoch seconds.
    """

    lon: FloatArray
    lat: FloatArray
    radius_m: FloatArray
    name: npt.NDArray[np.object_]
    rec_place: IntArray
    rec_day: IntArray
    rec_source: npt.NDArray[np.object_]
    rec_start: IntArray
    rec_end: IntArray
    tz: str

    @classmethod
    def from_visits(cls, visits: Visits, tz: str, *, keep_radius: bool = False) -> CasePlaces:
        """Group ``visits`` by place; ``keep_radius`` keeps each record's own radius as part of its place."""
        last = pd.to_datetime(np.maximum(visits.start, visits.end - 1), unit="s", utc=True).tz_convert(tz)
        day = (last.tz_localize(None).as_unit("s").asi8 // 86_400).astype(np.int64)
        qx = np.round(visits.lon / PLACE_GRID_DEG).astype(np.int64)
        qy = np.round(visits.lat / PLACE_GRID_DEG).astype(np.int64)
        rad = visits.radius_m if keep_radius else np.full(len(visits), np.nan)
        qr = np.where(np.isfinite(rad), np.round(np.nan_to_num(rad) * 100), -1).astype(np.int64)
        keys = np.stack([qx, qy, qr], axis=1)
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        order = np.lexsort((day, inverse))
        return cls(
            lon=(uniq[:, 0] * PLACE_GRID_DEG).astype(np.float64),
            lat=(uniq[:, 1] * PLACE_GRID_DEG).astype(np.float64),
            radius_m=np.where(uniq[:, 2] >= 0, uniq[:, 2] / 100.0, np.nan),
            name=visits.place[first],
            rec_place=inverse[order].astype(np.int64),
            rec_day=day[order],
            rec_source=visits.record[order],
            rec_start=visits.start[order],
            rec_end=visits.end[order],
            tz=tz,
        )

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def day_range(self) -> tuple[date, date] | None:
        """First and last case day, or None without records."""
        if self.rec_day.size == 0:
            return None
        return day_date(int(self.rec_day.min())), day_date(int(self.rec_day.max()))


@dataclass(frozen=True)
class PlaceLevels:
    """Each place's level on one date: ``level`` indexes the rule set's ``cases`` levels (-1: none).

    ``latest`` is the place's most recent case day up to the date, ``since`` the first day of its current stretch at
    that level, ``until`` the day it leaves the level unless a new case comes (exclusive); ``cases`` counts its records
    inside the level's window.
    """

    day: int
    levels: tuple[Level, ...]
    level: IntArray
    latest: IntArray
    since: IntArray
    until: IntArray
    cases: IntArray


def evaluate(places: CasePlaces, rules: RuleSet, on: date) -> PlaceLevels:
    """The level of every place on date ``on`` (local), by the rule set's ``cases`` levels."""
    d = day_number(on)
    levels = tuple(lv for lv in rules.levels if lv.basis == "cases")
    n = len(places)
    upto = places.rec_day <= d
    rp, rd = places.rec_place[upto], places.rec_day[upto]
    latest = np.full(n, np.iinfo(np.int64).min // 2, dtype=np.int64)
    np.maximum.at(latest, rp, rd)
    age = d - latest
    level = np.full(n, -1, dtype=np.int64)
    since = np.zeros(n, dtype=np.int64)
    until = np.zeros(n, dtype=np.int64)
    cases = np.zeros(n, dtype=np.int64)
    for k, lv in enumerate(levels):
        lo, hi = lv.window_days
        at = (age >= lo) & (age < hi) & (level < 0)
        level[at] = k
        until[at] = latest[at] + hi
        since[at] = latest[at] + lo
        inwin = (rd > d - hi) & (rd <= d - lo)
        np.add.at(cases, rp[inwin], at[rp[inwin]].astype(np.int64))
        if lo == 0 and rp.size:
            # a stretch at a level that starts at day 0 goes on while consecutive case days are at most `hi` apart
            brk = np.ones(rp.size, dtype=bool)
            brk[1:] = (rp[1:] != rp[:-1]) | (rd[1:] - rd[:-1] > hi)
            start_of = rd[np.maximum.accumulate(np.where(brk, np.arange(rp.size), 0))]
            last_idx = np.full(n, -1, dtype=np.int64)
            np.maximum.at(last_idx, rp, np.arange(rp.size))
            sel = at & (last_idx >= 0)
            since[sel] = start_of[last_idx[sel]]
    return PlaceLevels(d, levels, level, latest, since, until, cases)
