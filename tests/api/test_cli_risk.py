"""``fevermap risk areas`` reads the case formats of ``trace match --cases`` and prints GeoJSON areas; ``--avoid
sealed`` on ``route`` and ``clinics nearest``; bad input exits 2 with a message."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fevermap.api.cli import app
from fevermap.config import PACKAGE_DATA_DIR

SH = str(PACKAGE_DATA_DIR / "cases" / "shanghai2022")
runner = CliRunner()


def test_risk_areas_from_shanghai_address_days() -> None:
    r = runner.invoke(app, ["risk", "areas", "--cases", SH, "--date", "2022-04-02", "--level", "sealed"])
    assert r.exit_code == 0, r.output
    fc = json.loads(r.stdout)
    props = fc["features"][0]["properties"]
    assert fc["type"] == "FeatureCollection" and props["level"] == "sealed"
    assert {"since", "until", "cases", "sources"} <= set(props)


def test_risk_areas_from_a_csv_of_day_level_records_and_hamagen_rules(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("id,lon,lat,start,end\nc1,121.47,31.23,2022-04-01,2022-04-01\n"
                     "c2,121.4703,31.2301,2022-04-05T10:00:00+08:00,2022-04-05T11:00:00+08:00\n")  # fmt: skip
    r = runner.invoke(app, ["risk", "areas", "--cases", str(cases), "--date", "2022-04-10"])
    assert r.exit_code == 0, r.output
    levels = sorted(f["properties"]["level"] for f in json.loads(r.stdout)["features"])
    assert levels == ["controlled", "prevention", "sealed"]  # c1 9 days before: controlled; c2 5 days: sealed
    r = runner.invoke(app, ["risk", "areas", "--cases", str(cases), "--date", "2022-04-10", "--rules", "hamagen"])
    assert [f["properties"]["level"] for f in json.loads(r.stdout)["features"]] == ["exposure"]


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps({"name": "x", "levels": [{"name": "a", "basis": "cases", "window_days": [3, 1],
                                                        "radius_m": 50}], "match": {}}))  # fmt: skip
    for args, msg in (([SH, "--date", "2022-04-31"], "YYYY-MM-DD"), ([SH, "--date", "2022-04-02", "--rules", str(bad)],
                      "empty")):  # fmt: skip
        r = runner.invoke(app, ["risk", "areas", "--cases", *args])
        assert r.exit_code == 2 and msg in r.output, r.output


def test_route_avoid_sealed() -> None:
    r = runner.invoke(app, ["route", "--from", "121.4737,31.2304", "--to", "121.4997,31.2397", "--avoid", "sealed",
                            "--date", "2022-04-02"])  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["avoided"] and out["extra_duration_s"] > 0
