"""Daily series by area: events (one row per report, declaration or case) counted per area and day, zero-filled.

The kinds of series are :data:`SERIES`: ``symptoms`` (symptom reports by report day), ``fever`` (declarations with a
measured temperature of at least 37.3 degC, by day received) and ``cases`` (confirmed-case address-days of the
bundled Shanghai 2022 announcements, by district and announcement day, as :mod:`fevermap.cases.shanghai2022` counts
them). Days are local days of the region.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from fevermap.cases.daily import DailyCounts
from fevermap.cases.shanghai2022 import bundled
from fevermap.errors import FormatError, InputError

SERIES = ("symptoms", "fever", "cases")


def check_series(name: str) -> str:
    """``name`` if it is one of :data:`SERIES`."""
    if name not in SERIES:
        raise InputError(f"unknown series {name!r}: use one of {', '.join(SERIES)}")
    return name


def daily_counts(events: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Count events per area and day over every day from ``start`` to ``end`` (inclusive), zeros included.

    Parameters
    ----------
    events : pandas.DataFrame
        Columns ``area`` and ``date`` (``datetime.date`` or ``YYYY-MM-DD``), one row per event, or with a ``count``
        column: that many events.
    start, end : datetime.date
        The days of the series.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``date`` (``YYYY-MM-DD``), ``count`` (int): every area with at least one event in the range times
        every day, sorted by area and date.
    """
    if end < start:
        raise InputError(f"the series ends ({end}) before it starts ({start})")
    days = pd.date_range(start, end, freq="D")
    if events.empty:
        return pd.DataFrame({"area": pd.Series(dtype=str), "date": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    weight = events["count"].to_numpy() if "count" in events.columns else 1
    ev = pd.DataFrame({"area": events["area"].astype(str), "date": pd.to_datetime(events["date"]), "n": weight})
    ev = ev[(ev["date"] >= days[0]) & (ev["date"] <= days[-1]) & (ev["n"] > 0)]
    counts = ev.groupby(["area", "date"])["n"].sum()
    areas = sorted(ev["area"].unique())
    index = pd.MultiIndex.from_product([areas, days], names=["area", "date"])
    full = counts.reindex(index, fill_value=0).rename("count").reset_index()
    full["date"] = full["date"].dt.strftime("%Y-%m-%d")
    full["count"] = full["count"].astype(int)
    return full


def events_of(daily: DailyCounts) -> pd.DataFrame:
    """Counts per (day, district) of :class:`fevermap.cases.daily.DailyCounts` as events: ``area``, ``date``,
    ``count`` (non-zero days only)."""
    long = daily.counts.stack().rename("count").reset_index()
    long.columns = ["date", "area", "count"]
    long = long[long["count"] > 0]
    return pd.DataFrame({"area": long["area"].astype(str), "date": pd.to_datetime(long["date"]),
                         "count": long["count"].astype(int)}).reset_index(drop=True)  # fmt: skip


@lru_cache(maxsize=4)
def case_events(data_dir: Path) -> pd.DataFrame:
    """Confirmed-case address-days of the bundled Shanghai 2022 data (:func:`fevermap.cases.shanghai2022.bundled`):
    ``area`` (district), ``date``, ``count``. Each row of ``address.csv`` is one residence announced that day, so a
    count is the number of announced addresses, a lower bound of new cases."""
    try:
        return events_of(bundled(data_dir))
    except FormatError:  # no case data under this data folder
        return pd.DataFrame({"area": pd.Series(dtype=str), "date": pd.Series(dtype="datetime64[ns]"), "count": 0})


def span(events: pd.DataFrame, end: date, history_days: int) -> tuple[date, date]:
    """The days a series covers: from its first event (at most ``history_days`` back) to ``end``."""
    first = end - timedelta(days=history_days - 1)
    if not events.empty:
        earliest = pd.to_datetime(events["date"]).min().date()
        first = max(first, earliest)
    return min(first, end), end
