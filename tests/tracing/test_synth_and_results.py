"""Synthetic generator (seeded, along the road graph, planted pairs) and the explained, ranked output."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pytest

from fevermap.geo.geodesy import geodesic_distance_m
from fevermap.routing.region import Region
from fevermap.tracing.engine import match_visits
from fevermap.tracing.legs import LegMatch
from fevermap.tracing.models import Declaration, MatchRule, TemperatureReading, TransportLeg
from fevermap.tracing.results import iso_local, leg_frame, match_frame, summarise
from fevermap.tracing.roadnodes import road_points
from fevermap.tracing.synth import synth_case_visits, synth_itineraries


@pytest.fixture(scope="module")
def nodes(shanghai: Region) -> tuple[np.ndarray, np.ndarray]:
    return road_points(shanghai.graph.coords)


def test_generator_is_seeded_and_stays_near_the_roads(nodes: tuple[np.ndarray, np.ndarray]) -> None:
    lon, lat = nodes
    a = synth_case_visits(lon, lat, 500, seed=3)
    b = synth_case_visits(lon, lat, 500, seed=3)
    c = synth_case_visits(lon, lat, 500, seed=4)
    np.testing.assert_array_equal(a.lon, b.lon)
    assert not np.array_equal(a.lon, c.lon)
    # Every point is within the jitter (25 m) of a road vertex.
    nearest = np.array([geodesic_distance_m(x, y, lon, lat).min() for x, y in zip(a.lon[:50], a.lat[:50], strict=True)])
    assert nearest.max() <= 25.0 + 1e-6
    assert all(o.startswith("syn-case-") for o in a.owner)


def test_planted_pairs_behave_as_labelled(nodes: tuple[np.ndarray, np.ndarray]) -> None:
    lon, lat = nodes
    rule = MatchRule()
    cases = synth_case_visits(lon, lat, 2000, seed=5)
    stops, planted = synth_itineraries(lon, lat, 20_000, seed=6, cases=cases, planted=0.05, rule=rule)
    assert all(o.startswith("syn-decl-") for o in stops.owner)
    found = match_visits(stops, cases, rule).pairs()
    expect_match = {"inside": True, "radius-1mm": True, "overlap=min": True,
                    "radius+1mm": False, "radius+1cm": False, "overlap=min-1s": False}  # fmt: skip
    checked = 0
    for s, v, kind in zip(planted.stop.tolist(), planted.visit.tolist(), planted.kind.tolist(), strict=True):
        if (cases.end[v] - cases.start[v]) < rule.min_overlap_s:
            continue  # a visit shorter than the minimum overlap can match nothing
        assert ((s, v) in found) == expect_match[kind], (s, v, kind)
        checked += 1
    assert checked > 500


def test_match_records_explain_themselves() -> None:
    from tests.tracing.near_miss import near_miss_data

    rule = MatchRule()
    stops, visits = near_miss_data(21, rule=rule, n_stops=300, n_visits=30)
    m = match_visits(stops, visits, rule)
    frame = match_frame(m, stops, visits, rule, tz="Asia/Shanghai")
    assert len(frame) == len(m) > 0
    row = frame.iloc[0]
    i = 0
    assert row["declarant_id"] == stops.owner[m.stop[i]] and row["case_id"] == visits.owner[m.visit[i]]
    assert row["overlap_min"] == pytest.approx((m.overlap_end[i] - m.overlap_start[i]) / 60, abs=0.01)
    assert row["overlap_start"].endswith("Z") and row["overlap_start_local"].endswith("+08:00")
    nums = [float(x) for x in re.findall(r"[0-9.]+", row["rule"])]
    assert nums[:2] == [round(float(m.distance_m[i]), 3), 50.0]
    assert nums[2] == round(float(m.overlap_end[i] - m.overlap_start[i]) / 60, 1) and nums[3] == 15.0
    assert iso_local(np.array([0]), "Asia/Shanghai")[0] == "1970-01-01T08:00:00+08:00"


def test_summary_ranks_strongest_evidence_then_overlap() -> None:
    from tests.tracing.near_miss import near_miss_data

    rule = MatchRule()
    stops, visits = near_miss_data(22, rule=rule, n_stops=400, n_visits=30)
    prox = match_frame(match_visits(stops, visits, rule), stops, visits, rule, tz="Asia/Shanghai")
    case_leg = TransportLeg("c9", "flight", "MU2603", "2020-01-21", seat_row=10)
    seat = TransportLeg("seat-person", "flight", "MU2603", "2020-01-21", seat_row=11)
    plane = TransportLeg("plane-person", "flight", "MU2603", "2020-01-21", seat_row=40)
    day = "2020-01-21"
    legs = leg_frame(
        [
            LegMatch("seat-person", "c9", "flight", "MU2603", day, "seat-near", seat, case_leg),
            LegMatch("plane-person", "c9", "flight", "MU2603", day, "same-vehicle", plane, case_leg),
        ]
    )
    when = datetime(2022, 4, 1, tzinfo=UTC)
    hot = Declaration(
        id=str(prox["declarant_id"].iloc[0]),
        temperatures=[TemperatureReading(when, 38.2)],
        contact_answers={"contact_with_case": "yes"},
    )
    summary = summarise(prox, legs, [hot])
    assert summary["rank"].tolist() == list(range(1, len(summary) + 1))
    assert summary["declarant_id"].iloc[0] == "seat-person"
    assert summary["declarant_id"].iloc[-1] == "plane-person"
    middle = summary.iloc[1:-1]
    assert (middle["strongest"] == "place-overlap").all()
    assert middle["total_overlap_min"].is_monotonic_decreasing
    assert int(summary["fever"].sum()) == 1
    flagged = summary[summary["fever"]]
    assert flagged["contact_answers"].tolist() == [{"contact_with_case": "yes"}]
    assert flagged["declarant_id"].tolist() == [hot.id]
    assert set(summary["declarant_id"]) == set(prox["declarant_id"]) | {"seat-person", "plane-person"}


def test_jsonl_writer_round_trips_awkward_values() -> None:
    import io
    import json

    import pandas as pd

    from fevermap.tracing.jsonl import write_jsonl

    texts = ["plain", None, 'quote " backslash \\ newline \n ctrl \x01', "中文", ""]
    frame = pd.DataFrame(
        {
            "s": texts,
            "f": [1.5, float("nan"), 50.0, 1e-7, -2.0],
            "i": np.arange(5),
            "b": [True, False, True, False, True],
            "d": [{"a": "x"}, None, {"b": "中"}, {}, {"a": "y", "c": "z"}],
            "l": [["a"], [], ["b", "c"], ["d"], []],
        }
    )
    buf = io.BytesIO()
    assert write_jsonl(frame, buf, chunk_rows=2) == 5
    rows = [json.loads(line) for line in buf.getvalue().decode("utf-8").splitlines()]
    assert [r["s"] for r in rows] == texts
    assert [r["f"] for r in rows] == [1.5, None, 50.0, 1e-7, -2.0]
    assert [r["i"] for r in rows] == [0, 1, 2, 3, 4] and [r["b"] for r in rows] == [True, False, True, False, True]
    assert [r["d"] for r in rows] == [{"a": "x"}, None, {"b": "中"}, {}, {"a": "y", "c": "z"}]
    assert [r["l"] for r in rows] == [["a"], [], ["b", "c"], ["d"], []]
