"""Metric states: the graph-only layout saved at build equals the one computed, and a router keeps it mapped."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fevermap.errors import NoRouteError
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
