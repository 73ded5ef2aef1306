"""Daily series: every area times every day, zeros included; the bundled Shanghai 2022 cases by district."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from fevermap.config import PACKAGE_DATA_DIR
from fevermap.errors import InputError
from fevermap.surveillance.series import case_events, check_series, daily_counts, span


def test_counts_are_zero_filled_over_all_days_and_areas() -> None:
    ev = pd.DataFrame({"area": ["a", "a", "b"], "date": ["2022-03-01", "2022-03-03", "2022-03-03"]})
    out = daily_counts(ev, date(2022, 3, 1), date(2022, 3, 4))
    assert len(out) == 8
    got = {(r.area, r.date): r.count for r in out.itertuples()}
    assert got[("a", "2022-03-01")] == 1 and got[("a", "2022-03-02")] == 0 and got[("b", "2022-03-03")] == 1
    assert got[("b", "2022-03-04")] == 0


def test_bundled_case_days_count_every_address_row_by_district() -> None:
    raw = pd.read_csv(PACKAGE_DATA_DIR / "cases" / "shanghai2022" / "address.csv", dtype=str)
    ev = case_events(PACKAGE_DATA_DIR)
    start, end = span(ev, date(2022, 4, 15), 120)
    out = daily_counts(ev, start, end)
    assert out["count"].sum() == len(raw)
    assert set(out["area"]) == set(raw["district"])
    hp = out[(out["area"] == "黄浦区") & (out["date"] == "2022-04-10")]["count"].item()
    assert hp == ((raw["district"] == "黄浦区") & (raw["date"] == "20220410")).sum()


def test_unknown_series_and_reversed_span_are_refused() -> None:
    with pytest.raises(InputError, match="unknown series"):
        check_series("rumours")
    with pytest.raises(InputError, match="before it starts"):
        daily_counts(pd.DataFrame({"area": [], "date": []}), date(2022, 3, 2), date(2022, 3, 1))
