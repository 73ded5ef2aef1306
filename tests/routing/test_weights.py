"""Whole-millisecond weights: the rounding rule and segment times, including closures and non-finite times."""

from __future__ import annotations

import math

import numpy as np

from fevermap.routing.weights import INF_MS, ceil_ms, ceil_ms_array, segment_times_ms, to_weights


def test_weights_round_up_with_the_tolerance_and_cap_at_inf_ms() -> None:
    ms = np.array([0.0, 1.0, 1.0 + 1e-12, 1.2, 1e-10, 2.0**31 - 1.5, 2.0**31 + 5.0, math.inf, -math.inf, math.nan])
    got = to_weights(ms)
    assert got.dtype == np.int64
    assert got.tolist() == [0, 1, 1, 2, 0, INF_MS, INF_MS, INF_MS, INF_MS, INF_MS]
    finite = ms[np.isfinite(ms)]
    assert got[np.isfinite(ms)].tolist() == [min(int(ceil_ms(float(x))), INF_MS) for x in finite]
    rounded = ceil_ms_array(finite)
    assert rounded.tolist() == [ceil_ms(float(x)) for x in finite]
    assert math.copysign(1.0, rounded[0]) == math.copysign(1.0, ceil_ms(0.0)) == 1.0  # 0, not -0.0


def test_segment_times_are_length_over_speed_and_closed_at_speed_zero() -> None:
    length = np.array([100.0, 0.0, 0.0, 50.0, 3.0, 3.0, 7.0])
    speed = np.array([36.0, 0.0, 20.0, 0.0, 1e-310, math.nan, 300.0])
    got = segment_times_ms(length, speed)
    assert got[0] == 100.0 * 3600.0 / 36.0 and got[2] == 0.0 and got[6] == 7.0 * 3600.0 / 300.0
    assert math.isinf(got[1]) and math.isinf(got[3]) and math.isinf(got[5])  # closed (speed 0 or not a number)
    assert got[4] == 3.0 * 3600.0 / 1e-300  # a positive speed below 1e-300 km/h counts as 1e-300
    rng = np.random.default_rng(3)
    length, speed = rng.uniform(0, 500, 1000), rng.uniform(0, 130, 1000)
    speed[::9] = 0.0
    want = [x * 3600.0 / s if s > 0 else math.inf for x, s in zip(length.tolist(), speed.tolist(), strict=True)]
    assert segment_times_ms(length, speed).tolist() == want
