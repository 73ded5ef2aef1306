"""Metric states: the graph-only layout saved at build equals the one computed, and a router keeps it mapped."""

from __future__ import annotations

import numpy as np

from fevermap.routing.region import Region, load_region
from fevermap.routing.region_io import mapped_bytes
from fevermap.routing.router import Router
from fevermap.routing.state import StateLayout


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
