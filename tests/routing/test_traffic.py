"""Live traffic in OSRM's segment-speed format: exact pieces, closures, unknown pairs, malformed rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fevermap.errors import InputError
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from fevermap.routing.traffic import parse_traffic


def _long_route(router: Router) -> tuple[tuple[float, float], tuple[float, float]]:
    return (121.4600, 31.2200), (121.5000, 31.2450)


def test_row_changes_exactly_its_piece_inside_a_simplified_edge(shanghai: Region) -> None:
    router = Router(shanghai)
    g = router.graph
    n_segs = np.diff(g.seg_off)
    e = int(np.flatnonzero(n_segs >= 3)[0])
    s = int(g.seg_off[e]) + 1  # a segment strictly inside the edge
    before = router.edge_weights_ms.copy()
    new_speed = g.seg_speed_kph[s] / 2
    report = router.apply_traffic(f"{g.seg_u_osm[s]},{g.seg_v_osm[s]},{new_speed}\n")
    after = router.edge_weights_ms
    changed = np.flatnonzero(after != before)
    same_pair = np.flatnonzero((g.seg_u_osm == g.seg_u_osm[s]) & (g.seg_v_osm == g.seg_v_osm[s]))
    edges_of_pair = np.searchsorted(g.seg_off, same_pair, side="right") - 1
    assert set(changed.tolist()) == set(edges_of_pair.tolist())
    extra_ms = g.seg_length_m[s] * 3600.0 / new_speed - g.seg_length_m[s] * 3600.0 / g.seg_speed_kph[s]
    assert after[e] - before[e] == pytest.approx(extra_ms, abs=1.0)
    assert report.segments_changed == len(same_pair)
    assert report.unknown_pairs == 0


def test_closed_segment_is_avoided(router: Router) -> None:
    rng = np.random.default_rng(5)
    g = router.graph
    for _ in range(50):
        a, b = (int(x) for x in rng.integers(0, g.node_count, 2))
        pa = (float(g.node_lon[a]), float(g.node_lat[a]))
        pb = (float(g.node_lon[b]), float(g.node_lat[b]))
        route = router.route(pa, pb)
        inner = route.edges[1:-1]
        if len(inner) >= 3:
            break
    e = inner[len(inner) // 2]
    s = int(g.seg_off[e] + (g.seg_off[e + 1] - g.seg_off[e]) // 2)
    closed = (int(g.seg_u_osm[s]), int(g.seg_v_osm[s]))
    report = router.apply_traffic(f"{closed[0]},{closed[1]},0\n")
    assert report.segments_closed >= 1
    detour = router.route(pa, pb)
    used = set()
    for edge in detour.edges:
        for k in range(int(g.seg_off[edge]), int(g.seg_off[edge + 1])):
            used.add((int(g.seg_u_osm[k]), int(g.seg_v_osm[k])))
    assert closed not in used
    assert detour.duration_s > route.duration_s
    router.reset_traffic()
    assert router.route(pa, pb).duration_s == route.duration_s


def test_unknown_pairs_are_counted_not_fatal(shanghai_router: Router) -> None:
    g = shanghai_router.graph
    s = 10
    text = f"from,to,speed\n{g.seg_u_osm[s]},{g.seg_v_osm[s]},12,1.5\n1,2,30\n3,4,40\n"
    report = shanghai_router.apply_traffic(text)
    assert report.rows == 3
    assert report.unknown_pairs == 2
    assert report.unknown_examples == [(1, 2), (3, 4)]
    assert report.segments_changed >= 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2\n", "line 1: expected from_osm_node_id,to_osm_node_id,speed_kmh"),
        ("1,2,30\n1,x,30\n", "line 2: to_osm_node_id 'x' is not an integer"),
        ("1,2,fast\n", "line 1: speed_kmh 'fast' is not a number"),
        ("1,2,-5\n", "speed_kmh -5.0 must be between 0 and 300"),
        ("1,2,30,abc\n", "rate 'abc' is not a number"),
        ("1,2,30,4,5\n", "got 5 fields"),
    ],
)
def test_malformed_rows_are_clear_errors_and_nothing_is_applied(
    shanghai_router: Router, text: str, message: str
) -> None:
    version = shanghai_router.metric_version
    with pytest.raises(InputError, match=message):
        shanghai_router.apply_traffic(text)
    assert shanghai_router.metric_version == version


def test_missing_traffic_file(tmp_path: object) -> None:
    with pytest.raises(InputError, match="traffic file not found"):
        parse_traffic(Path("/nonexistent/traffic.csv"))


def test_traffic_slows_a_route(shanghai_router: Router) -> None:
    a, b = _long_route(shanghai_router)
    base = shanghai_router.route(a, b).duration_s
    g = shanghai_router.graph
    rows = "\n".join(f"{u},{v},{sp / 2}" for u, v, sp in zip(g.seg_u_osm, g.seg_v_osm, g.seg_speed_kph, strict=True))
    shanghai_router.apply_traffic(rows + "\n")
    slowed = shanghai_router.route(a, b).duration_s
    # driving time doubles; turn and signal costs do not change with speed (1,384 signals in central Shanghai)
    assert 1.5 * base < slowed <= 2 * base + 0.01


@pytest.mark.parametrize(
    "text",
    [
        "from,to,speed\n11,12,40\n13,14,0\n15,16,37.25\n",  # a header, a closure, a decimal speed
        "11,12,40,1.5\n13,14,300,0\n15,16,1e1,2\n",  # rates; an exponent
        "11,12,40\n13,14,50",  # no final newline
        '"11","12","40"\n13,14,50\n',  # quoted fields
        "11.0,12,40\n13,14,50\n",  # an id written as a float: numpy's reader, as before
        " 11, 12, 40\n13,14,50\n",  # spaces
        "11,12,40\n13,14\n",  # a short row: the careful parser names it
        "11,12,301\n",  # out of range
        "11,12,40\n\n13,14,50\n",  # a blank line: the careful parser counts lines
        "11,12,007.50\n13,14,0.1\n15,16,123.456789\n",  # leading zeros, decimals: the byte reader
        "11,12,.5\n13,14,5.\n",  # a point at an end: numpy's reader
        "11,12,3.4.5\n",  # two points: refused
        "11,12,40,\n13,14,50,1\n",  # an empty rate
        "99999999999999999999,12,40\n",  # an id too long for the byte reader
    ],
)
def test_every_reader_of_a_feed_gives_the_careful_parsers_answer(text: str) -> None:
    def careful() -> object:
        try:
            rows = parse_traffic(text.splitlines())  # lines: always the careful parser
        except InputError as exc:
            return str(exc)
        assert rows.lines is not None
        return (rows.from_osm.tolist(), rows.to_osm.tolist(), rows.speed_kph.tolist(), rows.lines.tolist())

    try:
        fast = parse_traffic(text)
    except InputError as exc:
        assert careful() == str(exc)
        return
    assert fast.lines is not None and fast.from_osm.dtype == np.int64 and fast.speed_kph.dtype == np.float64
    assert (fast.from_osm.tolist(), fast.to_osm.tolist(), fast.speed_kph.tolist(), fast.lines.tolist()) == careful()


def test_the_byte_reader_reads_speeds_as_float_does() -> None:
    rng = np.random.default_rng(3)
    ids = rng.integers(1, 2**53, size=(500, 2))
    speeds = [f"{v:.{d}f}" for v, d in zip(rng.uniform(0, 300, size=500), rng.integers(0, 7, size=500), strict=True)]
    text = "".join(f"{a},{b},{v}\n" for (a, b), v in zip(ids.tolist(), speeds, strict=True))
    rows = parse_traffic(text)
    assert rows.from_osm.tolist() == ids[:, 0].tolist() and rows.to_osm.tolist() == ids[:, 1].tolist()
    assert rows.speed_kph.tolist() == [float(v) for v in speeds]
    assert rows.lines is not None and rows.lines.tolist() == list(range(1, 501))


def test_parsing_a_feed_imports_no_csv_library() -> None:
    """The first update of a process pays no import (pyarrow's took some 400 ms)."""
    code = "import sys; from fevermap.routing.traffic import parse_traffic; parse_traffic('1,2,3\\n4,5,6.5\\n'); "
    code += "print(sorted(m for m in ('pyarrow', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
