"""``fevermap isochrone`` and ``fevermap coverage`` on the demo region; bad input exits 2 with what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.test_cli import ok_json, run


@pytest.fixture(autouse=True)
def _own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEVERMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")


def test_isochrone_cli() -> None:
    fc = ok_json(run("isochrone", "--at", "121.4737,31.2304", "--minutes", "3,6"))
    assert [f["properties"]["minutes"] for f in fc["features"]] == [6, 3]
    rev = ok_json(run("isochrone", "--at", "121.4737,31.2304", "--minutes", "3", "--reverse"))
    assert rev["features"][0]["properties"]["reverse"] is True


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (["isochrone", "--at", "121.4737,31.2304", "--minutes", "1,2,3,4,5"], "1 to 4"),
        (["isochrone", "--at", "2,41", "--minutes", "5"], "outside the region"),
        (["coverage", "--resolution", "12"], "too fine"),
        (["coverage", "--minutes", "500"], "out of range"),
    ],
)
def test_bad_input_exits_2(args: list[str], fix: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert fix in result.stderr


def test_coverage_cli_and_time_to_care_rank() -> None:
    summary = ok_json(run("coverage", "--minutes", "5", "--resolution", "8", "--summary"))
    assert summary["cells"] > 0 and summary["weight_kind"] == "case_addresses"
    nearest = json.loads(run("clinics", "nearest", "--at", "121.4737,31.2304", "--rank", "time_to_care").stdout)
    assert nearest["filters"]["rank"] == "time_to_care"
    assert all("wait_min" in c and "time_to_care_min" in c for c in nearest["clinics"])
