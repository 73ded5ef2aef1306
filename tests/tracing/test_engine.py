"""The matching engine equals the brute-force reference, exactly, on data full of boundary cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fevermap.geo.geodesy import destination, geodesic_distance_m
from fevermap.tracing.brute import brute_force_matches
from fevermap.tracing.engine import ProximityIndex, match_visits
from fevermap.tracing.models import Matches, MatchRule, Visits
from tests.tracing.near_miss import near_miss_data


def assert_same(a: Matches, b: Matches) -> None:
    assert a.pairs() == b.pairs()
    np.testing.assert_array_equal(a.stop, b.stop)
    np.testing.assert_array_equal(a.visit, b.visit)
    np.testing.assert_allclose(a.distance_m, b.distance_m, rtol=0, atol=1e-6)  # 1 µm
    np.testing.assert_array_equal(a.overlap_start, b.overlap_start)
    np.testing.assert_array_equal(a.overlap_end, b.overlap_end)


@pytest.mark.parametrize(
    ("seed", "rule", "radii"),
    [
        (0, MatchRule(), ()),
        (1, MatchRule(radius_m=50.0, min_overlap_s=0), ()),
        (2, MatchRule(radius_m=7.5, min_overlap_s=3600), ()),
        (3, MatchRule(radius_m=50.0), (np.nan, 10.0, 30.0, 75.0, 200.0)),
        (4, MatchRule(radius_m=50.0, use_visit_radius=False), (np.nan, 10.0, 200.0)),
        (12, MatchRule(radius_m=65.0, min_overlap_s=0), (np.nan, 20.0, 60.0)),
    ],
)
@pytest.mark.parametrize("lon0", [121.45, 121.93])
def test_engine_equals_brute_force_at_the_boundaries(
    seed: int, rule: MatchRule, radii: tuple[float, ...], lon0: float
) -> None:
    """Near 121.93 E the strip projection stretches distances by ~1e-4: mm-close pairs need the geodesic check."""
    stops, visits = near_miss_data(seed, rule=rule, radii=radii, lon0=lon0, n_stops=3000, span_deg=0.006)
    expected = brute_force_matches(stops, visits, rule)
    got = match_visits(stops, visits, rule, chunk_size=333)
    assert_same(got, expected)
    # The data really is at the boundary: many pairs within 1 cm of the radius or 1 s of the minimum overlap,
    # on both sides of it.
    d = geodesic_distance_m(stops.lon[:, None], stops.lat[:, None], visits.lon[None, :], visits.lat[None, :])
    r = rule.radii(visits)[None, :]
    assert int(((d > r) & (d < r + 0.01)).sum()) > 50
    assert int(((d <= r) & (d > r - 0.01)).sum()) > 50
    hits = expected.overlap_end - expected.overlap_start
    assert int((hits == rule.min_overlap_s).sum()) > 5


def test_pairs_match_the_rule_and_each_is_found_once() -> None:
    rule = MatchRule()
    stops, visits = near_miss_data(5, rule=rule)
    m = match_visits(stops, visits, rule)
    assert len(m) > 100
    assert len(m.pairs()) == len(m)
    assert np.all(m.distance_m <= m.radius_m)
    assert np.all(m.overlap_end - m.overlap_start >= rule.min_overlap_s)


@pytest.mark.parametrize("bucket_s", [900, 3600, 86400])
def test_time_bucket_width_does_not_change_the_result(bucket_s: int) -> None:
    rule = MatchRule(min_overlap_s=600)
    stops, visits = near_miss_data(6, rule=rule)
    got = ProximityIndex(visits, rule, bucket_s=bucket_s, cell_factor=1.0).match(stops)
    assert_same(got, brute_force_matches(stops, visits, rule))


def test_longitude_strip_boundaries_and_wide_extents() -> None:
    """Visits on both sides of the 122 E strip boundary, and a second cluster 30 degrees west, match exactly."""
    rule = MatchRule()
    s1, v1 = near_miss_data(8, lon0=121.995, span_deg=0.01, n_stops=800, n_visits=80)
    s2, v2 = near_miss_data(9, lon0=91.0, lat0=45.0, n_stops=400, n_visits=40)
    stops, visits = Visits.concat([s1, s2]), Visits.concat([v1, v2])
    index = ProximityIndex(visits, rule)
    assert len({p.strip for p in index.parts}) >= 3
    assert_same(index.match(stops), brute_force_matches(stops, visits, rule))


def test_empty_and_too_short_inputs() -> None:
    rule = MatchRule()
    stops, visits = near_miss_data(10, n_stops=50, n_visits=10)
    assert len(match_visits(Visits.empty(), visits, rule)) == 0
    assert len(match_visits(stops, Visits.empty(), rule)) == 0
    short = Visits.from_arrays(["c"], [121.45], [31.22], [0], [899])
    near = Visits.from_arrays(["d"], [121.45], [31.22], [0], [10_000])
    assert len(match_visits(near, short, rule)) == 0
    assert len(match_visits(near, short, MatchRule(min_overlap_s=899))) == 1


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    r1=st.floats(1.0, 120.0),
    grow=st.floats(0.0, 80.0),
    m1=st.integers(0, 7200),
    shrink=st.integers(0, 7200),
)
def test_growing_radius_or_shrinking_overlap_never_removes_a_match(
    seed: int, r1: float, grow: float, m1: int, shrink: int
) -> None:
    base = MatchRule(radius_m=r1, min_overlap_s=m1)
    stops, visits = near_miss_data(seed, n_stops=300, n_visits=40, rule=base, radii=(np.nan, 20.0, 60.0))
    before = match_visits(stops, visits, base).pairs()
    wider = match_visits(stops, visits, MatchRule(radius_m=r1 + grow, min_overlap_s=m1)).pairs()
    looser = match_visits(stops, visits, MatchRule(radius_m=r1, min_overlap_s=max(m1 - shrink, 0))).pairs()
    assert before <= wider
    assert before <= looser


def test_pairs_just_inside_the_radius_where_the_projection_stretches_are_all_found() -> None:
    """Near a strip's edge the projection stretches 50 m by ~5 mm: a stop 0.1 µm inside the radius, due east or
    north of the visit, projects beyond the radius and may land in a grid cell the visit's radius box misses."""
    rng = np.random.default_rng(13)
    n = 60_000
    v_lon, v_lat = 121.97 + rng.random(n) * 0.02, 31.0 + rng.random(n) * 0.3
    visits = Visits.from_arrays(np.full(n, "c", dtype=object), v_lon, v_lat, np.zeros(n), np.full(n, 3600))
    az = np.where(rng.random(n) < 0.5, 90.0, 0.0) + np.where(rng.random(n) < 0.5, 180.0, 0.0)
    s_lon, s_lat = destination(v_lon, v_lat, az, 50.0 - 1e-7)
    assert np.all(geodesic_distance_m(s_lon, s_lat, v_lon, v_lat) <= 50.0)
    stops = Visits.from_arrays(np.full(n, "d", dtype=object), s_lon, s_lat, np.zeros(n), np.full(n, 3600))
    found = match_visits(stops, visits, MatchRule()).pairs()
    assert {(i, i) for i in range(n)} <= found
