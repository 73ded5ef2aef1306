"""Metric states: the graph-only layout saved at build equals the one computed, and a router keeps it mapped."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fevermap.errors import NoRouteError
from fevermap.routing import _state
from fevermap.routing.buffers import ArrayPool
from fevermap.routing.region import Region, load_region
from fevermap.routing.region_io import mapped_bytes
from fevermap.routing.router import Router
from fevermap.routing.state import StateLayout, _metric_arrays_numpy, metric_arrays
from fevermap.routing.weights import INF_MS, ceil_ms_array


def test_the_saved_layout_is_the_computed_one_and_stays_mapped(andorra: Region) -> None:
    region = load_region(andorra.path)
    assert region.layout_arrays is not None
    saved = StateLayout.from_arrays(region.layout_arrays)
    computed = StateLayout.of(region.graph, region.turns)
    for key in ("seg_edge", "seg_start", "edge_last", "arc_edge", "zeros"):
        np.testing.assert_array_equal(getattr(saved, key), getattr(computed, key), err_msg=key)
    assert not saved.zeros.flags.writeable and not saved.zeros.any()
    assert set(StateLayout.of(region.graph, region.turns).to_arrays()) == set(region.layout_arrays)
    router = Router(region)
    assert mapped_bytes(router._layout.arc_edge) > 0
    assert mapped_bytes(router.state.seg_speed_kph) > 0  # the base speeds are the region's own, not a copy


def test_a_router_on_the_saved_base_state_routes_as_one_that_computes_everything(andorra: Region) -> None:
    region = load_region(andorra.path)
    assert region.base_state_arrays is not None
    want = metric_arrays(region.graph, region.turns, region.graph.seg_speed_kph, region.turns.arc_turn_ms)
    assert set(want) == set(region.base_state_arrays)
    for key, value in want.items():
        np.testing.assert_array_equal(region.base_state_arrays[key], value, err_msg=key)
    saved = Router(region)
    bare = Router(replace(region, snap_arrays=None, layout_arrays=None, base_state_arrays=None))
    assert mapped_bytes(saved.state.seg_ms) > 0 and mapped_bytes(saved.edge_weights_ms) > 0
    assert mapped_bytes(bare.state.seg_ms) == 0
    np.testing.assert_array_equal(saved.edge_weights_ms, bare.edge_weights_ms)
    np.testing.assert_array_equal(saved.state.metric.weights_ms, bare.state.metric.weights_ms)
    g = region.graph
    rng = np.random.default_rng(9)
    for i, j in rng.integers(0, g.node_count, size=(15, 2)).tolist():
        a, b = (float(g.node_lon[i]), float(g.node_lat[i])), (float(g.node_lon[j]), float(g.node_lat[j]))
        assert saved.snap(*a) == bare.snap(*a)
        try:
            want_s = bare.route(a, b).duration_s
        except NoRouteError:
            with pytest.raises(NoRouteError):
                saved.route(a, b)
            continue
        assert saved.route(a, b).duration_s == want_s
    pick = np.arange(0, g.seg_u_osm.shape[0], 7)
    feed = "".join(
        f"{u},{v},{s}\n" for u, v, s in zip(g.seg_u_osm[pick], g.seg_v_osm[pick], [0, 17, 33] * len(pick), strict=False)
    )
    for router in (saved, bare):
        router.apply_traffic(feed)
    np.testing.assert_array_equal(saved.edge_weights_ms, bare.edge_weights_ms)
    saved.reset_traffic()
    np.testing.assert_array_equal(saved.state.metric.weights_ms, Router(region).state.metric.weights_ms)


def test_pooled_buffers_give_the_same_arrays_and_never_overwrite_a_state_still_held(andorra: Region) -> None:
    region = load_region(andorra.path)
    g, t = region.graph, region.turns
    layout = StateLayout.of(g, t)
    pool = ArrayPool()
    rng = np.random.default_rng(3)
    speed = g.seg_speed_kph * rng.uniform(0.3, 1.2, size=g.seg_speed_kph.shape[0])
    speed[::97] = 0.0  # closures too
    closed = np.zeros(g.edge_count, dtype=bool)
    closed[::31] = True
    for kwargs in ({}, {"closed_edges": closed}):
        want = metric_arrays(g, t, speed, t.arc_turn_ms, layout=layout, **kwargs)
        for _ in range(3):  # fresh buffers, then reused ones holding the last call's values
            got = metric_arrays(g, t, speed, t.arc_turn_ms, layout=layout, pool=pool, **kwargs)
            assert set(got) == set(want)
            for key, value in want.items():
                np.testing.assert_array_equal(got[key], value, err_msg=key)
                assert np.signbit(got[key]).tolist() == np.signbit(value).tolist(), key  # +0.0 stays +0.0
            del got
    router = Router(region)
    pick = np.arange(0, g.seg_u_osm.shape[0], 5)
    feeds = ["".join(f"{u},{v},{s}\n" for u, v, s in zip(g.seg_u_osm[pick], g.seg_v_osm[pick],
                                                         rng.integers(5, 80, size=pick.shape[0]), strict=True))
             for _ in range(4)]  # fmt: skip
    router.apply_traffic(feeds[0])
    held = router.state  # a query still running on this state
    copies = {k: np.array(getattr(held, k)) for k in ("seg_speed_kph", "seg_ms", "edge_ms", "edge_weights_ms")}
    copies.update(excl=np.array(held._excl), incl=np.array(held._incl), total=np.array(held._edge_total))
    for feed in feeds[1:]:
        router.apply_traffic(feed)
        router.reset_traffic()
    for key in ("seg_speed_kph", "seg_ms", "edge_ms", "edge_weights_ms"):
        np.testing.assert_array_equal(getattr(held, key), copies[key], err_msg=key)
    for key, name in (("excl", "_excl"), ("incl", "_incl"), ("total", "_edge_total")):
        np.testing.assert_array_equal(getattr(held, name), copies[key], err_msg=key)
    ids = {id(held.seg_ms), id(held._excl)}
    del held
    router.apply_traffic(feeds[1])
    assert ids & {id(router.state.seg_speed_kph), id(router.state.seg_ms), id(router.state._excl),
                  id(router.state._incl)}  # fmt: skip  # the retired buffers are used again


def _numpy_form(region: Region, speed: np.ndarray, turn_ms: np.ndarray) -> dict[str, np.ndarray]:
    lay = StateLayout.of(region.graph, region.turns)
    return _metric_arrays_numpy(region.graph, speed, turn_ms, None, lay,
                                lambda size=lay.seg_edge.shape[0], dtype=np.float64: np.empty(size, dtype))  # fmt: skip


def test_the_one_pass_in_c_equals_the_numpy_form_bit_for_bit(andorra: Region) -> None:
    region = load_region(andorra.path)
    g, t = region.graph, region.turns
    rng = np.random.default_rng(11)
    n = g.seg_speed_kph.shape[0]
    turn_ms = t.arc_turn_ms.copy()
    turn_ms[::13] = rng.integers(0, 90_000, size=turn_ms[::13].shape[0])
    cases = {
        "base": g.seg_speed_kph,
        "random": rng.uniform(1.0, 130.0, size=n),
        "slow": rng.uniform(1e-290, 1e-280, size=n),  # huge times, weights capped at INF_MS
        "mixed": np.where(rng.random(n) < 0.5, g.seg_speed_kph, rng.uniform(0.5, 200.0, size=n)),
    }
    lay = StateLayout.of(g, t)
    m, a = g.edge_count, turn_ms.shape[0]
    for name, speed in cases.items():
        bufs = [np.empty(n), np.empty(n), np.empty(n), np.empty(m), np.empty(m, np.int64), np.empty(a, np.int64)]
        inputs = [g.seg_length_m, np.ascontiguousarray(speed), g.seg_penalty_ms, g.seg_off, lay.arc_edge, turn_ms]
        assert _state.metric_pass(*inputs, *bufs) is True, name  # the C pass itself, not the numpy fallback
        got = metric_arrays(g, t, speed, turn_ms)
        np.testing.assert_array_equal(bufs[0], got["seg_ms"])
        want = _numpy_form(region, speed, turn_ms)
        assert set(got) == set(want), name
        for key, value in want.items():
            assert got[key].dtype == value.dtype, (name, key)
            np.testing.assert_array_equal(got[key], value, err_msg=f"{name}: {key}")
            assert np.signbit(got[key]).tolist() == np.signbit(value).tolist(), (name, key)
    assert (metric_arrays(g, t, cases["slow"], turn_ms)["edge_weights_ms"] == INF_MS).any()


def test_the_one_pass_leaves_closures_and_tiny_speeds_to_numpy_and_refuses_bad_arrays(andorra: Region) -> None:
    region = load_region(andorra.path)
    g, t = region.graph, region.turns
    n, m, a = g.seg_speed_kph.shape[0], g.edge_count, t.arc_turn_ms.shape[0]
    lay = StateLayout.of(g, t)

    def bufs() -> list[np.ndarray]:
        return [np.empty(n), np.empty(n), np.empty(n), np.empty(m), np.empty(m, np.int64), np.empty(a, np.int64)]

    inputs = [g.seg_length_m, g.seg_speed_kph, g.seg_penalty_ms, g.seg_off, lay.arc_edge, t.arc_turn_ms]
    assert _state.metric_pass(*inputs, *bufs()) is True
    for bad in (0.0, 1e-301, np.nan):
        speed = g.seg_speed_kph.copy()
        speed[n // 2] = bad
        assert _state.metric_pass(inputs[0], speed, *inputs[2:], *bufs()) is False
        got, want = metric_arrays(g, t, speed, t.arc_turn_ms), _numpy_form(region, speed, t.arc_turn_ms)
        for key, value in want.items():
            np.testing.assert_array_equal(got[key], value, err_msg=f"{bad}: {key}")
    with pytest.raises(TypeError, match="speed_kph: expected a contiguous 1-D array of float64"):
        _state.metric_pass(inputs[0], g.seg_speed_kph.astype(np.float32), *inputs[2:], *bufs())
    with pytest.raises(ValueError, match=f"edge_w: {m + 1} values, expected {m}"):
        _state.metric_pass(*inputs, *bufs()[:4], np.empty(m + 1, np.int64), *bufs()[5:])
    with pytest.raises(ValueError, match="seg_off"):
        off = g.seg_off.copy()
        off[5], off[6] = off[6], off[5] - 1
        _state.metric_pass(*inputs[:3], off, *inputs[4:], *bufs())
    with pytest.raises(ValueError, match=r"arc_edge\[3\] is not an edge"):
        arc_edge = lay.arc_edge.copy()
        arc_edge[3] = m
        _state.metric_pass(*inputs[:4], arc_edge, inputs[5], *bufs())
    with pytest.raises(ValueError, match="not C-contiguous"):
        _state.metric_pass(*inputs, *bufs()[:5], np.empty(a, np.int64)[::-1])
    ro = np.empty(n)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        _state.metric_pass(*inputs, ro, *bufs()[1:])


def test_partial_times_of_many_positions_in_c_equal_the_numpy_form(andorra: Region) -> None:
    region = load_region(andorra.path)
    g = region.graph
    router = Router(region)
    rng = np.random.default_rng(21)
    n = g.seg_speed_kph.shape[0]
    closed = np.zeros(g.edge_count, dtype=bool)
    closed[::17] = True
    states = [router.state, router.state_with_closed_edges(closed, "test")]
    router.apply_traffic("".join(f"{u},{v},0\n" for u, v in zip(g.seg_u_osm[::53], g.seg_v_osm[::53], strict=True)))
    states.append(router.state)  # closures by speed 0: inf segment times
    seg = rng.integers(0, n, size=5_000)
    frac = np.select([rng.random(5_000) < 0.2, rng.random(5_000) < 0.25], [0.0, 1.0], rng.random(5_000))
    for k, st in enumerate(states):
        got = st.before_ceil_ms(seg, frac)
        want = ceil_ms_array(st.before_ms(seg, frac))
        assert got.tobytes() == want.tobytes(), k
        assert np.isinf(got).any() == (k > 0)
    with pytest.raises(ValueError, match=rf"seg\[1\] = {n} is not a segment"):
        states[0].before_ceil_ms(np.array([0, n]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="one length"):
        _state.before_ceil(seg, frac[:-1], *(np.asarray(a) for a in (states[0].seg_ms, states[0]._excl)),
                           states[0]._incl, np.zeros(n, dtype=np.int64), np.empty(5_000))  # fmt: skip
