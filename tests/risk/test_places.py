"""Place levels on the Shanghai 2022 address-days equal a brute-force evaluation of the rule, for three dates."""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from fevermap.geo.gcj02 import gcj02_to_wgs84
from fevermap.risk.engine import RiskEngine
from fevermap.risk.places import PLACE_GRID_DEG, evaluate

from .conftest import SHANGHAI2022


@functools.cache
def _brute_days() -> dict[tuple[int, int], set[date]]:
    """Case days per place, straight from the two CSV files (join, convert, round), one row at a time."""
    with (SHANGHAI2022 / "geo.csv").open(encoding="utf-8") as fh:
        raw: dict[tuple[str, str], tuple[float, float]] = {}
        for row in csv.DictReader(fh):
            raw.setdefault((row["district"], row["address"]), (float(row["gcj02_lng"]), float(row["gcj02_lat"])))
    lon, lat = gcj02_to_wgs84(np.array([v[0] for v in raw.values()]), np.array([v[1] for v in raw.values()]))
    geo = {k: (round(x / PLACE_GRID_DEG), round(y / PLACE_GRID_DEG)) for k, x, y in zip(raw, lon, lat, strict=True)}
    days: dict[tuple[int, int], set[date]] = defaultdict(set)
    with (SHANGHAI2022 / "address.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = geo.get((row["district"], row["address"]))
            if key is not None:
                days[key].add(date.fromisoformat(row["date"]))
    return days


@pytest.mark.parametrize("on", [date(2022, 3, 20), date(2022, 4, 5), date(2022, 4, 15)])
def test_sealed_and_controlled_places_equal_brute_force(sh_engine: RiskEngine, on: date) -> None:
    days = _brute_days()
    expected: dict[str, set[tuple[int, int]]] = {"sealed": set(), "controlled": set()}
    for key, ds in days.items():
        latest = max((d for d in ds if d <= on), default=None)
        if latest is None:
            continue
        age = (on - latest).days
        if age < 7:
            expected["sealed"].add(key)
        elif age < 14:
            expected["controlled"].add(key)
    pl = evaluate(sh_engine.places, sh_engine.rules, on)
    keys = list(zip(np.round(sh_engine.places.lon / PLACE_GRID_DEG).astype(int).tolist(),
                    np.round(sh_engine.places.lat / PLACE_GRID_DEG).astype(int).tolist(), strict=True))  # fmt: skip
    got = {name: {keys[i] for i in np.flatnonzero(pl.level == k)} for k, name in enumerate(("sealed", "controlled"))}
    assert got == expected
    assert expected["sealed"], "the date should have sealed places"
    # since/until: a sealed place's stretch starts at a case day and ends 7 days after its latest case
    for i in np.flatnonzero(pl.level == 0)[:200]:
        ds = days[keys[i]]
        latest = max(d for d in ds if d <= on)
        assert pl.until[i] == (latest + timedelta(days=7) - date(1970, 1, 1)).days
        since = date(1970, 1, 1) + timedelta(days=int(pl.since[i]))
        assert since in ds and all(any(0 < (b - a).days <= 7 for b in ds if b > a) for a in ds if since <= a < latest)
