"""Metric states: the graph-only layout saved at build equals the one computed, and a router keeps it mapped."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fevermap.errors import NoRouteError
from fevermap.routing.buffers import ArrayPool
from fevermap.routing.region import Region, load_region
from fevermap.routing.region_io import mapped_bytes
from fevermap.routing.router import Router
from fevermap.routing.state import StateLayout, metric_arrays


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
