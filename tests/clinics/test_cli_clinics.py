"""``fevermap clinics ...`` end to end through click, on both backends, on the real Shanghai extract."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from fevermap.api.cli_clinics import clinics_app
from fevermap.routing.region import Region

app = click.Group()
app.add_command(clinics_app, "clinics")

CSV = (
    "name,lon,lat,phone,address,night_emergency,opening_hours\n"
    "瑞金医院,121.4666,31.2109,021-64370045,瑞金二路197号,true,24/7\n"
    "华东医院,121.4372133,31.22062219,,延安西路221号,false,Mo-Fr 08:00-17:00\n"
    "nowhere,,,,,,\n"
)


Invoke = Callable[..., Any]


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Invoke:
    runner = CliRunner()
    env = {"FEVERMAP_DATABASE_URL": db_url}

    def invoke(*args: str, code: int = 0) -> Any:
        res = runner.invoke(app, ["clinics", *args], env=env)
        assert res.exit_code == code, (res.exit_code, res.output, res.stderr if hasattr(res, "stderr") else "")
        return json.loads(res.stdout) if code == 0 else {"stderr": res.stderr}

    return invoke


def test_import_nearest_status_show(run: Invoke, shanghai: Region, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(CSV, encoding="utf-8")
    region = str(shanghai.path)
    rep = run("import", "--region", region, str(f))
    assert (rep["created"], rep["skipped"][0]["name"]) == (2, "nowhere")
    assert run("import", "--region", region, str(f))["unchanged"] == 2
    ans = run(
        "nearest", "--region", region, "--at", "121.4737,31.2304", "--limit", "2", "--time", "2026-11-25T23:40+08:00"
    )
    assert ans["at_local"] == "2026-11-25T23:40:00+08:00"
    assert [c["rank"] for c in ans["clinics"]] == [1, 2]
    assert ans["clinics"][0]["eta_s"] <= ans["clinics"][1]["eta_s"]
    assert ans["clinics"][0]["route"]["type"] == "LineString"
    night = run("nearest", "--region", region, "--at", "121.4737,31.2304", "--night", "--open-now", "--strict",
                "--time", "2026-11-25T23:40+08:00")  # fmt: skip
    assert [c["name"] for c in night["clinics"]] == ["瑞金医院"]
    cid = night["clinics"][0]["id"]
    st = run("status", cid, "--slots", "6", "--doctor", "--observed-at", "2026-11-25T23:30+08:00")
    assert st["applied"] and st["status"]["updated_at_local"] == "2026-11-25T23:30:00+08:00"
    shown = run("show", cid, "--time", "2026-11-25T23:40+08:00")
    assert shown["status"]["slots"] == 6 and shown["status"]["doctor_on_duty"] is True
    older = run("status", cid, "--slots", "1", "--observed-at", "2026-11-25T23:00+08:00")
    assert older["applied"] is False
    listed = run("list", "--region", region, "--time", "2026-11-25T23:40+08:00")
    assert {c["name"] for c in listed} == {"瑞金医院", "华东医院"}


def test_clear_errors(run: Invoke, shanghai: Region, tmp_path: Path) -> None:
    region = str(shanghai.path)
    f = tmp_path / "c.csv"
    f.write_text(CSV, encoding="utf-8")
    run("import", "--region", region, str(f))
    assert "unknown clinic id 'nope'" in run("show", "nope", code=1)["stderr"]
    assert "outside the region" in run("nearest", "--region", region, "--at", "116.39,39.90", code=2)["stderr"]
    assert "LON,LAT" in run("nearest", "--region", region, "--at", "121.47", code=2)["stderr"]
    cid = run("list", "--region", region)[0]["id"]
    assert "in the future" in run("status", cid, "--slots", "1", "--observed-at", "2099-01-01T00:00Z", code=2)["stderr"]
    assert "not an ISO 8601" in run("status", cid, "--observed-at", "yesterday", code=2)["stderr"]
    naive = run("status", cid, "--slots", "1", "--observed-at", "2026-11-25T23:00", code=2)["stderr"]
    assert "--observed-at '2026-11-25T23:00' has no UTC offset" in naive  # one policy: refused, naming the field
    assert "empty status report" in run("status", cid, code=2)["stderr"]
    assert "unknown datum" in run("import", "--region", region, "--datum", "bd09", str(f), code=2)["stderr"]


def test_traffic_file_changes_the_answer(run: Invoke, shanghai: Region, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(CSV, encoding="utf-8")
    region = str(shanghai.path)
    run("import", "--region", region, str(f))
    g = shanghai.graph
    slow = tmp_path / "slow.csv"
    slow.write_text("".join(f"{u},{v},5\n" for u, v in zip(g.seg_u_osm, g.seg_v_osm, strict=True)), encoding="utf-8")
    base = run("nearest", "--region", region, "--at", "121.4737,31.2304", "--limit", "1")
    jam = run("nearest", "--region", region, "--at", "121.4737,31.2304", "--limit", "1", "--traffic", str(slow))
    assert jam["traffic"]["segments_changed"] > 0
    assert jam["clinics"][0]["eta_s"] > 3 * base["clinics"][0]["eta_s"]


def test_demo_region_by_default_with_labelled_simulator(run: Invoke) -> None:
    ans = run("nearest", "--at", "121.4737,31.2304", "--limit", "3")
    assert ans["region"] == "shanghai_center" and len(ans["clinics"]) == 3
    # 第六人民医院 lies 2.3 km from the clipped extract's roads: reported, not ranked
    assert [u["reason"].split(":")[0] for u in ans["not_routable"]] == ["上海市第六人民医院"]
    assert all(c["call_first"] and c["stale"] for c in ans["clinics"])  # no real live status
    sim = run("simulate", "--seed", "1")
    assert sim["simulated"] is True and all(c["status"]["simulated"] for c in sim["clinics"])
    after = run("nearest", "--at", "121.4737,31.2304", "--limit", "3")
    fresh = [c for c in after["clinics"] if not c["stale"]]
    assert fresh and all(c["status"]["reporter"] == "demo-simulator" for c in fresh)


def test_import_into_two_regions_assigns_each_clinic(
    run: Invoke, shanghai: Region, andorra: Region, tmp_path: Path
) -> None:
    f = tmp_path / "two.csv"
    f.write_text("name,lon,lat\nS,121.4800,31.2200\nA,1.5600,42.5100\nAtlantic,-30.0,0.0\n", encoding="utf-8")
    rep = run("import", "--region", str(shanghai.path), "--region", str(andorra.path), "--tz", "UTC", str(f))
    assert rep["regions"] == {shanghai.name: 1, andorra.name: 1} and rep["outside"] == 1 and rep["region"] is None
