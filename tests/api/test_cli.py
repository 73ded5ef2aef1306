"""The ``fevermap`` command line end to end through click (and once as the installed console script)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner, Result
from pyproj import Geod

from fevermap.api.cli import app
from fevermap.config import REPO_DATA_DIR, get_settings
from fevermap.routing.region import Region, load_region
from fevermap.routing.router import Router

GEOD = Geod(ellps="WGS84")
PEOPLES_SQUARE = (121.4737, 31.2304)
LUJIAZUI = (121.4997, 31.2397)
EAST_CHINA_SEA = (122.40, 31.00)
MONTE_CARLO = (7.4275, 43.7395)
FONTVIEILLE = (7.4190, 43.7310)


def _runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout (click < 8.2 needs ``mix_stderr=False``, later ones always do)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def _pt(p: tuple[float, float]) -> str:
    return f"{p[0]},{p[1]}"


def run(*args: str | Path) -> Result:
    return _runner().invoke(app, [str(a) for a in args])


def ok_json(result: Result) -> Any:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def _geodesic(a: list[float] | tuple[float, float], b: list[float] | tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _check_route(answer: dict[str, Any], region: Region, a: tuple[float, float], b: tuple[float, float]) -> None:
    assert set(answer) >= {"duration_s", "distance_m", "geometry", "from", "to"}
    geometry = answer["geometry"]
    assert geometry["type"] == "LineString"
    coords = np.array(geometry["coordinates"], dtype=float)
    assert coords.ndim == 2 and coords.shape[1] == 2 and coords.shape[0] >= 2
    lon_min, lat_min, lon_max, lat_max = region.bbox
    eps = 1e-9
    assert np.all((coords[:, 0] >= lon_min - eps) & (coords[:, 0] <= lon_max + eps)), "[lon, lat] order or outside"
    assert np.all((coords[:, 1] >= lat_min - eps) & (coords[:, 1] <= lat_max + eps))
    for end, query, pos in ((answer["from"], a, 0), (answer["to"], b, -1)):
        assert end["location"] == pytest.approx(list(coords[pos]), abs=1e-12)
        assert end["snap_distance_m"] == pytest.approx(_geodesic(query, end["location"]), abs=0.006)
        assert 0 <= end["snap_distance_m"] < 1000
    _, _, steps = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    assert answer["distance_m"] == pytest.approx(float(np.sum(steps)), rel=1e-6, abs=0.01)
    crow = _geodesic(answer["from"]["location"], answer["to"]["location"])
    assert answer["distance_m"] >= crow - 0.01
    top_speed_mps = float(region.graph.seg_speed_kph.max()) / 3.6
    assert answer["duration_s"] >= crow / top_speed_mps - 1e-3
    assert answer["duration_s"] > 0


def test_route_prints_one_json_object(shanghai: Region) -> None:
    answer = ok_json(run("route", "--from", _pt(PEOPLES_SQUARE), "--to", _pt(LUJIAZUI), "--region", shanghai.path))
    _check_route(answer, shanghai, PEOPLES_SQUARE, LUJIAZUI)
    assert answer["distance_m"] > _geodesic(PEOPLES_SQUARE, LUJIAZUI)  # the river is crossed where a road does
    direct = Router(shanghai).route(PEOPLES_SQUARE, LUJIAZUI)
    assert answer["duration_s"] == pytest.approx(direct.duration_s, abs=1e-3)


def test_route_pairs_answers_each_row_in_order(shanghai: Region, tmp_path: Path) -> None:
    rows = [
        (*PEOPLES_SQUARE, *LUJIAZUI),
        (*EAST_CHINA_SEA, *LUJIAZUI),
        ("121.47", "north", *LUJIAZUI),
        (121.47, 91.0, *LUJIAZUI),
        (*LUJIAZUI, *PEOPLES_SQUARE),
    ]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("from_lon,from_lat,to_lon,to_lat\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    result = run("route", "--pairs", pairs, "--region", shanghai.path)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["line"] for a in answers] == [2, 3, 4, 5, 6]
    assert [("error" in a) for a in answers] == [False, True, True, True, False]
    assert "from the nearest road" in answers[1]["error"]
    assert "must be numbers" in answers[2]["error"]
    assert "latitude 91.0 is out of range" in answers[3]["error"]
    _check_route(answers[0], shanghai, PEOPLES_SQUARE, LUJIAZUI)
    _check_route(answers[4], shanghai, LUJIAZUI, PEOPLES_SQUARE)
    single = ok_json(run("route", "--from", _pt(LUJIAZUI), "--to", _pt(PEOPLES_SQUARE), "--region", shanghai.path))
    assert {k: v for k, v in answers[4].items() if k != "line"} == single


@pytest.mark.parametrize(
    ("origin", "code", "message"),
    [
        (_pt(EAST_CHINA_SEA), 2, "is [0-9,]+ m from the nearest road and outside the region.*give a point"),
        ("121.47,91", 2, r"latitude 91\.0 is out of range \[-90, 90\]"),
        ("31.2304,121.4737", 2, "did you swap them"),
        ("121.47", 2, "--from '121.47' must be LON,LAT"),
    ],
)
def test_a_bad_point_exits_non_zero_with_a_message_on_stderr(
    shanghai: Region, origin: str, code: int, message: str
) -> None:
    result = run("route", "--from", origin, "--to", _pt(LUJIAZUI), "--region", shanghai.path)
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1
    assert re.search(message, result.stderr), result.stderr


def test_route_needs_both_ends_or_pairs(shanghai: Region) -> None:
    result = run("route", "--from", _pt(PEOPLES_SQUARE), "--region", shanghai.path)
    assert result.exit_code == 2
    assert "give --from LON,LAT and --to LON,LAT, or --pairs FILE.csv" in result.stderr


def test_traffic_closure_changes_the_route(shanghai: Region, tmp_path: Path) -> None:
    args = ("route", "--from", _pt(PEOPLES_SQUARE), "--to", _pt(LUJIAZUI), "--region", shanghai.path)
    base = ok_json(run(*args))
    router = Router(shanghai)
    g = router.graph
    inner = router.route(PEOPLES_SQUARE, LUJIAZUI).edges[1:-1]
    closed = inner[len(inner) // 2]
    segs = range(int(g.seg_off[closed]), int(g.seg_off[closed + 1]))
    traffic = tmp_path / "closure.csv"
    traffic.write_text(
        "from_osm_node_id,to_osm_node_id,speed_kmh\n" + "".join(f"{g.seg_u_osm[s]},{g.seg_v_osm[s]},0\n" for s in segs)
    )
    result = run(*args, "--traffic", traffic)
    detour = ok_json(result)
    _check_route(detour, shanghai, PEOPLES_SQUARE, LUJIAZUI)
    assert detour["duration_s"] > base["duration_s"]
    assert detour["geometry"] != base["geometry"]
    report = json.loads(result.stderr.removeprefix("traffic: "))
    assert report["segments_closed"] >= len(segs) and report["unknown_pairs"] == 0
    # the closed piece is not driven: none of its consecutive coordinate pairs appears in the detour
    piece = g.coords[int(g.seg_off[closed]) + closed : int(g.seg_off[closed + 1]) + closed + 1].tolist()
    driven = detour["geometry"]["coordinates"]
    closed_steps = {(tuple(a), tuple(b)) for a, b in itertools.pairwise(piece)}
    assert not closed_steps & {(tuple(a), tuple(b)) for a, b in itertools.pairwise(driven)}


def test_csv_files_saved_with_a_byte_order_mark_are_read(shanghai: Region, tmp_path: Path) -> None:
    """Spreadsheets save "CSV UTF-8" with a BOM: the header must still be found, and no first row lost."""
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"from_lon,from_lat,to_lon,to_lat\n{_pt(PEOPLES_SQUARE)},{_pt(LUJIAZUI)}\n", encoding="utf-8-sig")
    answer = ok_json(run("route", "--pairs", pairs, "--region", shanghai.path))
    assert answer["line"] == 2 and "error" not in answer
    g = shanghai.graph
    traffic = tmp_path / "traffic.csv"  # no header: every row is data
    traffic.write_text("".join(f"{g.seg_u_osm[s]},{g.seg_v_osm[s]},5\n" for s in range(3)), encoding="utf-8-sig")
    result = run("route", "--pairs", pairs, "--region", shanghai.path, "--traffic", traffic)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stderr.removeprefix("traffic: "))
    assert (report["rows"], report["unknown_pairs"]) == (3, 0)


def test_malformed_traffic_csv_names_its_line(shanghai: Region, tmp_path: Path) -> None:
    traffic = tmp_path / "bad.csv"
    traffic.write_text("from_osm_node_id,to_osm_node_id,speed_kmh\n1,2,30\n3,x,40\n")
    result = run("route", "--from", _pt(PEOPLES_SQUARE), "--to", _pt(LUJIAZUI), "--region", shanghai.path,
                 "--traffic", traffic)  # fmt: skip
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "traffic line 3" in result.stderr and "'x' is not an integer" in result.stderr


def test_build_then_route_on_the_built_region(tmp_path: Path) -> None:
    out = tmp_path / "monaco"
    built = ok_json(run("build", REPO_DATA_DIR / "fixtures" / "monaco.osm.gz", "--out", out))
    region = load_region(out)
    assert built["name"] == region.name == "monaco"
    assert built["timezone"] == "Europe/Monaco"
    assert (built["nodes"], built["edges"]) == (region.graph.node_count, region.graph.edge_count)
    answer = ok_json(run("route", "--from", _pt(MONTE_CARLO), "--to", _pt(FONTVIEILLE), "--region", out))
    _check_route(answer, region, MONTE_CARLO, FONTVIEILLE)


def test_build_refuses_a_bad_extract(tmp_path: Path) -> None:
    bad = tmp_path / "roads.geojson"
    bad.write_text("{}")
    result = run("build", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "unsupported OSM file 'roads.geojson'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_export_graph_writes_graphml(monaco: Region, tmp_path: Path) -> None:
    out = tmp_path / "export" / "monaco.graphml"
    answer = ok_json(run("export-graph", "--out", out, "--region", monaco.path))
    assert Path(answer["graphml"]) == out
    graph = nx.read_graphml(out, node_type=int, force_multigraph=True)
    assert graph.number_of_nodes() == monaco.graph.node_count
    assert graph.number_of_edges() == monaco.graph.edge_count
    assert set(graph.nodes) == set(monaco.graph.node_osm.tolist())


def test_info_describes_the_region(andorra: Region) -> None:
    meta = ok_json(run("info", "--region", andorra.path))
    assert meta == json.loads((andorra.path / "meta.json").read_text())
    assert meta["name"] == "andorra" and meta["timezone"] == "Europe/Andorra"


def test_missing_region_is_a_clear_error(tmp_path: Path) -> None:
    result = run("info", "--region", tmp_path / "nowhere")
    assert result.exit_code != 0
    assert "not a fevermap region directory" in result.stderr and "fevermap build" in result.stderr


def test_region_omitted_uses_the_demo_region(shanghai: Region) -> None:
    meta = ok_json(run("info"))
    assert (meta["name"], meta["timezone"]) == ("shanghai_center", "Asia/Shanghai")
    assert meta["source"]["sha256"] == shanghai.meta["source"]["sha256"]
    cache = get_settings().cache_dir  # the test session's own cache folder (tests/conftest.py)
    assert [p.name for p in (cache / "regions").iterdir() if p.name.startswith("shanghai_center-")]
    demo = ok_json(run("route", "--from", _pt(PEOPLES_SQUARE), "--to", _pt(LUJIAZUI)))
    explicit = ok_json(run("route", "--from", _pt(PEOPLES_SQUARE), "--to", _pt(LUJIAZUI), "--region", shanghai.path))
    assert demo == explicit  # the same extract, so the same graph and the same answer


def test_installed_console_script() -> None:
    script = Path(sys.executable).parent / "fevermap"
    assert script.exists(), script
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for command in ("route", "build", "export-graph", "info"):
        assert command in done.stdout
    assert "OpenStreetMap" in done.stdout
