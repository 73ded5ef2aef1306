"""Daily new case counts by district: per announcement day, with the change against the day before.

Written over plain records ``(day, district[, lon, lat])``, one per announced case (or per announced case address),
so any source of dated, districted records can use it: the bundled Shanghai 2022 address-days
(:mod:`fevermap.cases.shanghai2022`), risk areas, surveillance reports. A district's point is the centroid of its
records' coordinates (WGS-84 ``(lon, lat)`` degrees, plain mean: districts span a few km), over all days, so it
stays put from one day to the next. Nothing personal is kept: only counts per (day, district).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from fevermap.errors import InputError, NotFoundError


@dataclass(frozen=True)
class DistrictDay:
    """One district on one day: ``count`` records, ``previous`` on the day before (``None``: before the data
    starts), ``change = count - previous``, and the district's point ``(lon, lat)`` (``None`` without coordinates)."""

    district: str
    count: int
    previous: int | None
    change: int | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class DaySummary:
    """Every district on ``day``, ranked by count (then change, then name); totals; the data's range and source."""

    day: date
    previous_day: date
    total: int
    previous_total: int | None
    districts: list[DistrictDay]
    first_day: date
    last_day: date
    source: str
    unit: str
    source_id: str = ""


@dataclass(frozen=True)
class DailyCounts:
    """Counts of records per (day, district), with district centroids.

    Build it with :meth:`from_records`. ``source`` says where the records come from (shown as is); ``unit`` says
    what one record is (``"case"``, ``"address"``).
    """

    counts: pd.DataFrame  # index: day (datetime.date), columns: districts, values: int counts (0 where none)
    centroids: dict[str, tuple[float, float]]
    source: str
    unit: str = "case"
    days: list[date] = field(default_factory=list)
    source_id: str = ""

    @classmethod
    def from_records(cls, days: Sequence[date], districts: Sequence[str], *, lon: Sequence[float] | None = None,
                     lat: Sequence[float] | None = None, source: str, unit: str = "case",
                     source_id: str = "") -> DailyCounts:  # fmt: skip
        """Count records per (day, district).

        Parameters
        ----------
        days : sequence of datetime.date
            Announcement day of each record (local date).
        districts : sequence of str
            District of each record, as the data names it.
        lon, lat : sequence of float, optional
            WGS-84 degrees of each record (NaN where unknown), for the district centroids.
        source, unit, source_id : str
            Provenance shown with the counts; what one record is; a short id of the source.
        """
        frame = pd.DataFrame({"day": list(days), "district": list(districts)})
        if frame.empty:
            raise InputError("no records to count")
        if frame["district"].isna().any() or (frame["district"] == "").any():
            raise InputError("every record needs a district")
        counts = frame.groupby(["day", "district"]).size().unstack(fill_value=0).sort_index()
        all_days = pd.date_range(min(counts.index), max(counts.index), freq="D").date
        counts = counts.reindex(all_days, fill_value=0).astype(np.int64)
        centroids: dict[str, tuple[float, float]] = {}
        if lon is not None and lat is not None:
            pts = frame.assign(lon=np.asarray(lon, dtype=float), lat=np.asarray(lat, dtype=float)).dropna()
            for district, g in pts.groupby("district"):
                centroids[str(district)] = (float(g["lon"].mean()), float(g["lat"].mean()))
        return cls(counts, centroids, source, unit, list(all_days), source_id)

    def summary(self, day: date | None = None) -> DaySummary:
        """The districts on ``day`` (default: the newest day), ranked by count, with the change against the
        calendar day before. Raises :class:`~fevermap.errors.NotFoundError` for a day outside the data."""
        first, last = self.days[0], self.days[-1]
        day = last if day is None else day
        if not first <= day <= last:
            raise NotFoundError(f"no case data for {day.isoformat()}: the data covers {first} to {last}")
        before = day - timedelta(days=1)
        today = self.counts.loc[day]
        prev = self.counts.loc[before] if before >= first else None
        rows = []
        for district in self.counts.columns:
            n = int(today[district])
            p = None if prev is None else int(prev[district])
            point = self.centroids.get(str(district))
            rows.append(DistrictDay(str(district), n, p, None if p is None else n - p,
                                    point[0] if point else None, point[1] if point else None))  # fmt: skip
        rows.sort(key=lambda r: (-r.count, -(r.change or 0), r.district))
        return DaySummary(day=day, previous_day=before, total=int(today.sum()),
                          previous_total=None if prev is None else int(prev.sum()), districts=rows,
                          first_day=first, last_day=last, source=self.source, unit=self.unit,
                          source_id=self.source_id)  # fmt: skip


def parse_day(text: str | None) -> date | None:
    """``YYYY-MM-DD`` (or ``YYYYMMDD``) as a date; ``None`` for none. Raises :class:`~fevermap.errors.InputError`."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    try:
        return date.fromisoformat(t if "-" in t or len(t) != 8 else f"{t[:4]}-{t[4:6]}-{t[6:]}")
    except ValueError as exc:
        raise InputError(f"date {text!r} is not a day: give YYYY-MM-DD, e.g. 2022-04-15") from exc
