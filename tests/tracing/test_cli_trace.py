"""``fevermap trace`` end to end on real files: synth, match, summary, bad records, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from fevermap.api.cli_trace import trace_app
from fevermap.config import PACKAGE_DATA_DIR
from fevermap.geo.geodesy import destination
from fevermap.tracing.service import trace_match
from fevermap.tracing.shanghai2022 import read_shanghai2022
from fevermap.tracing.timeparse import to_iso

runner = CliRunner()


def test_synth_then_match_finds_the_planted_pairs(tmp_path: Path) -> None:
    res = runner.invoke(trace_app, ["synth", "--out", str(tmp_path), "--cases", "800", "--stops", "8000",
                                    "--planted", "0.05", "--seed", "4"])  # fmt: skip
    assert res.exit_code == 0, res.output
    paths = json.loads(res.output)
    summary = tmp_path / "summary.jsonl"
    res = runner.invoke(trace_app, ["match", "--cases", paths["cases"], "--itineraries", paths["itineraries"],
                                    "--summary", str(summary)])  # fmt: skip
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert lines and all(x["type"] == "proximity" for x in lines)
    assert all(x["distance_m"] <= x["radius_m"] and x["overlap_min"] >= 15 for x in lines)
    found = {(x["stop_record"], x["case_record"]) for x in lines}
    planted = pd.read_csv(paths["planted"])
    inside = planted[planted["kind"] == "inside"]
    cases = pd.read_csv(paths["cases"])
    long_enough = [
        (pd.Timestamp(cases["end"][cl - 2]) - pd.Timestamp(cases["start"][cl - 2])).total_seconds() >= 900
        for cl in inside["case_line"]
    ]
    pairs = zip(inside["itinerary_line"], inside["case_line"], long_enough, strict=True)
    want = {(f"itineraries.csv:line {a}", f"cases.csv:line {b}") for a, b, ok in pairs if ok}
    assert len(want) > 100 and want <= found
    ranked = [json.loads(x) for x in summary.read_text().splitlines()]
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert {r["declarant_id"] for r in ranked} == {x["declarant_id"] for x in lines}
    # The library call gives the same matches as the CLI.
    report = trace_match([paths["cases"]], paths["itineraries"], tz="Asia/Shanghai", chunk_rows=3000).collect()
    assert set(zip(report.matches["stop_record"], report.matches["case_record"], strict=True)) == found
    assert report.stats["stops"] == 8000 and report.stats["proximity_matches"] == len(lines)
    # A larger radius never loses a match.
    res2 = runner.invoke(trace_app, ["match", "--cases", paths["cases"], "--itineraries", paths["itineraries"],
                                     "--radius-m", "80", "--min-overlap-min", "5"])  # fmt: skip
    found2 = {(x["stop_record"], x["case_record"]) for x in map(json.loads, res2.stdout.splitlines())}
    assert found <= found2 and len(found2) > len(found)


def test_bad_records_are_reported_and_others_kept(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "id,lon,lat,start,end\nc1,121.47,31.23,2022-04-12,2022-04-12\nc2,121.47,95,2022-04-12,2022-04-12\n"
    )
    its = tmp_path / "it.csv"
    its.write_text("id,lon,lat,start,end\n"
                   "r1,121.4701,31.2301,2022-04-12T09:00:00+08:00,2022-04-12T10:00:00+08:00\n"
                   "r2,121.4701,31.2301,2022-04-12T09:00:00,2022-04-12T10:00:00+08:00\n")  # fmt: skip
    res = runner.invoke(trace_app, ["match", "--cases", str(cases), "--itineraries", str(its)])
    assert res.exit_code == 0
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [(x["declarant_id"], x["case_id"]) for x in out] == [("r1", "c1")]
    errs = [json.loads(x) for x in res.stderr.splitlines()]
    records = {e["record"]: e["error"] for e in errs if "record" in e}
    assert "latitude 95.0" in records["cases.csv:line 3"]
    assert "no UTC offset" in records["it.csv:line 3"]
    strict = runner.invoke(trace_app, ["match", "--cases", str(cases), "--itineraries", str(its), "--strict"])
    assert strict.exit_code == 2
    unknown = tmp_path / "x.json"
    unknown.write_text("[1, 2]")
    res = runner.invoke(trace_app, ["match", "--cases", str(unknown), "--itineraries", str(its)])
    assert res.exit_code == 2 and "unknown format" in res.stderr


def test_demo_cases_and_transport_legs(tmp_path: Path) -> None:
    # A resident 20 m from a real case address (Shanghai 2022), 09:00-11:00 local on the announced day.
    visits = read_shanghai2022(PACKAGE_DATA_DIR / "cases" / "shanghai2022").visits
    lon, lat = destination(visits.lon[100], visits.lat[100], 45.0, 20.0)
    day = to_iso(int(visits.start[100]), "Asia/Shanghai")[:10]
    decl = {"declarations": [{
        "id": "resident-1",
        "stops": [{"lon": float(lon), "lat": float(lat), "start": f"{day}T09:00:00+08:00",
                   "end": f"{day}T11:00:00+08:00", "place": "home"}],
        "legs": [{"kind": "flight", "number": "GS6635", "date": "2020-01-26", "seat": "11B"}],
    }]}  # fmt: skip
    path = tmp_path / "decl.json"
    path.write_text(json.dumps(decl))
    res = runner.invoke(trace_app, ["match", "--cases", str(PACKAGE_DATA_DIR / "cases" / "shanghai2022"),
                                    "--cases", str(PACKAGE_DATA_DIR / "cases" / "wuhan2020_travel.json"),
                                    "--itineraries", str(path)])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    out = [json.loads(x) for x in res.stdout.splitlines()]
    kinds = {x["type"] for x in out}
    assert kinds == {"proximity", "transport"}
    prox = [x for x in out if x["type"] == "proximity"]
    assert all(x["case_id"].startswith("sh2022:") and x["overlap_min"] == 120.0 for x in prox)
    assert visits.owner[100] in {x["case_id"] for x in prox}
    assert any(abs(x["distance_m"] - 20.0) < 1e-3 for x in prox)
    transport = [x for x in out if x["type"] == "transport"]
    assert {x["number"] for x in transport} == {"GS6635"} and {x["level"] for x in transport} == {"seat-near"}


def test_datum_options_take_the_aliases_and_refuse_unknown_datums(tmp_path: Path) -> None:
    from fevermap.geo.gcj02 import wgs84_to_gcj02

    g_lon, g_lat = wgs84_to_gcj02(121.4737, 31.2304)
    cases = tmp_path / "cases.csv"
    cases.write_text(f"id,lon,lat,start,end\nc1,{float(g_lon)!r},{float(g_lat)!r},"
                     "2022-04-12T09:00+08:00,2022-04-12T11:00+08:00\n")  # fmt: skip
    its = tmp_path / "its.csv"
    its.write_text("id,lon,lat,start,end\np1,121.4737,31.2304,2022-04-12T09:30+08:00,2022-04-12T10:30+08:00\n")
    res = runner.invoke(
        trace_app, ["match", "--cases", str(cases), "--itineraries", str(its), "--cases-datum", "GCJ-02"]
    )
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["declarant_id"] for line in res.stdout.splitlines()] == ["p1"]
    bad = runner.invoke(trace_app, ["match", "--cases", str(cases), "--itineraries", str(its), "--cases-datum", "utm"])
    assert bad.exit_code == 2 and "unknown datum 'utm': use wgs84" in bad.output
