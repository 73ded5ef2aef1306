"""Daily counts by district over plain (day, district) records: ranking, change against the day before, gaps,
centroids, and clear errors."""

from __future__ import annotations

from datetime import date

import pytest

from fevermap.cases.daily import DailyCounts, parse_day
from fevermap.errors import InputError, NotFoundError

D1, D2, D3, D4 = date(2022, 4, 1), date(2022, 4, 2), date(2022, 4, 3), date(2022, 4, 4)


def _counts() -> DailyCounts:
    days = [D1, D1, D1, D2, D2, D2, D2, D4]
    districts = ["A", "A", "B", "A", "B", "B", "C", "B"]
    lon = [121.0, 121.2, 121.4, 121.1, float("nan"), 121.6, 121.8, 121.5]
    lat = [31.0, 31.2, 31.4, 31.3, 31.5, 31.6, 31.8, 31.5]
    return DailyCounts.from_records(days, districts, lon=lon, lat=lat, source="test", unit="address")


def test_counts_change_and_rank() -> None:
    s = _counts().summary(D2)
    assert [(d.district, d.count, d.previous, d.change) for d in s.districts] == [
        ("B", 2, 1, 1), ("C", 1, 0, 1), ("A", 1, 2, -1)]  # fmt: skip
    assert (s.total, s.previous_total, s.previous_day) == (4, 3, D1)
    assert (s.first_day, s.last_day, s.source, s.unit) == (D1, D4, "test", "address")


def test_default_is_the_newest_day_and_a_gap_day_counts_zero() -> None:
    c = _counts()
    assert c.summary().day == D4
    gap = c.summary(D3)
    assert gap.total == 0 and {d.district: d.previous for d in gap.districts} == {"A": 1, "B": 2, "C": 1}
    assert {d.district: d.change for d in c.summary(D4).districts} == {"A": 0, "B": 1, "C": 0}


def test_first_day_has_no_previous() -> None:
    s = _counts().summary(D1)
    assert s.previous_total is None and all(d.previous is None and d.change is None for d in s.districts)


def test_centroids_are_the_mean_of_known_coordinates_over_all_days() -> None:
    s = {d.district: d for d in _counts().summary(D2).districts}
    assert (s["A"].lon, s["A"].lat) == pytest.approx((121.1, 31.1666667))
    assert (s["B"].lon, s["B"].lat) == pytest.approx((121.5, 31.5))  # the NaN longitude's record is left out


def test_without_coordinates_there_are_no_points() -> None:
    c = DailyCounts.from_records([D1], ["A"], source="s")
    assert c.summary().districts[0].lon is None


def test_clear_errors() -> None:
    with pytest.raises(NotFoundError, match="covers 2022-04-01 to 2022-04-04"):
        _counts().summary(date(2021, 1, 1))
    with pytest.raises(InputError, match="no records"):
        DailyCounts.from_records([], [], source="s")
    with pytest.raises(InputError, match="district"):
        DailyCounts.from_records([D1], [""], source="s")


def test_parse_day() -> None:
    assert parse_day("2022-04-15") == parse_day("20220415") == date(2022, 4, 15)
    assert parse_day(None) is None and parse_day(" ") is None
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        parse_day("15/04/2022")
