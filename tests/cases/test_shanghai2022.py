"""The bundled Shanghai 2022 address-days as daily counts: every row counted once, on its announcement day."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fevermap.cases.shanghai2022 import read_address_days
from fevermap.config import PACKAGE_DATA_DIR
from fevermap.errors import FormatError

FOLDER = PACKAGE_DATA_DIR / "cases" / "shanghai2022"


def test_counts_equal_the_rows_per_day_and_district() -> None:
    counts = read_address_days(FOLDER)
    raw = pd.read_csv(FOLDER / "address.csv", dtype=str)
    expected = raw.groupby(["date", "district"]).size()
    for day in (counts.days[0], counts.days[len(counts.days) // 2], counts.days[-1]):
        s = counts.summary(day)
        got = {d.district: d.count for d in s.districts if d.count}
        key = day.strftime("%Y%m%d")
        assert got == {k: int(v) for k, v in expected[key].items()} if key in expected.index.get_level_values(0) else {}
    assert sum(int(counts.counts.to_numpy().sum()) for _ in [0]) == len(raw)


def test_district_points_lie_in_the_demo_region() -> None:
    for d in read_address_days(FOLDER).summary().districts:
        assert d.lon is not None and d.lat is not None
        assert 121.40 <= d.lon <= 121.55 and 31.17 <= d.lat <= 31.29


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"address\.csv"):
        read_address_days(tmp_path)
