"""``fevermap surveillance detect`` on a CSV and ``run --date`` on the database the settings name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from fevermap.api.cli import app


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def test_detect_prints_one_object_per_area_and_day(tmp_path: Path) -> None:
    days = pd.date_range("2022-01-01", periods=40).strftime("%Y-%m-%d")
    rng = np.random.default_rng(3)
    y = rng.poisson(10, 40)
    y[-1] = 60
    frame = pd.concat([pd.DataFrame({"area": a, "date": days, "count": y}) for a in ("north", "south")])
    csv = tmp_path / "series.csv"
    frame.to_csv(csv, index=False)
    result = _runner().invoke(app, ["surveillance", "detect", "--series", str(csv)])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 80
    assert set(rows[0]) >= {"area", "date", "observed", "expected", "level", "statistic", "p_value"}
    last = [r for r in rows if r["date"] == days[-1]]
    assert [r["level"] for r in last] == ["alert", "alert"] and last[0]["observed"] == 60


def test_detect_refuses_a_series_with_gaps_and_run_a_bad_date(tmp_path: Path) -> None:
    csv = tmp_path / "gap.csv"
    csv.write_text("area,date,count\na,2022-01-01,1\na,2022-01-03,1\n")
    result = _runner().invoke(app, ["surveillance", "detect", "--series", str(csv)])
    assert result.exit_code == 2 and "no row for the day after 2022-01-01" in result.stderr
    bad = _runner().invoke(app, ["surveillance", "run", "--date", "15/04/2022"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_run_stores_the_days_of_the_bundled_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEVERMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite3'}")
    result = _runner().invoke(app, ["surveillance", "run", "--date", "2022-04-15", "--days", "5"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["series"]["cases"]["rows"] == 5 * summary["series"]["cases"]["areas"] > 0
