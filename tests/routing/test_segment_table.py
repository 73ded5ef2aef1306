"""The traffic feed's node-pair look-up: every segment of each pair, in order, as a scan of all segments finds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fevermap.routing.region import Region, load_region
from fevermap.routing.region_io import mapped_bytes
from fevermap.routing.segment_table import SegmentTable


def _scan(u: np.ndarray, v: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[list[int], list[int], list[bool]]:
    rows, segs, found = [], [], []
    for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        hits = np.flatnonzero((u == x) & (v == y)).tolist()
        rows += [i] * len(hits)
        segs += hits
        found.append(bool(hits))
    return rows, segs, found


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), min_size=1, max_size=80),
    asked=st.lists(st.tuples(st.integers(1, 14), st.integers(1, 14)), min_size=1, max_size=40),
)
def test_lookup_equals_a_scan(pairs: list[tuple[int, int]], asked: list[tuple[int, int]]) -> None:
    u, v = (np.array(c, dtype=np.int64) for c in zip(*pairs, strict=True))
    a, b = (np.array(c, dtype=np.int64) for c in zip(*asked, strict=True))
    table = SegmentTable.build(u, v)
    slots = table.slots
    assert slots.shape[0] >= 2 * u.shape[0] and len(set(slots[slots >= 0].tolist())) == len(set(pairs))
    rows, segs, found = table.lookup(a, b)
    assert (rows.tolist(), segs.tolist(), found.tolist()) == _scan(u, v, a, b)


def test_a_loaded_region_finds_every_segment_by_its_pair(andorra: Region) -> None:
    region = load_region(andorra.path)
    table, g = region.segments, region.graph
    assert mapped_bytes(table.slots) > 0 and mapped_bytes(table.same_pair) > 0
    rng = np.random.default_rng(2)
    pick = rng.choice(g.seg_u_osm.shape[0], size=500, replace=False)
    a = np.concatenate([g.seg_u_osm[pick], [1, int(g.seg_u_osm[0])]])  # and two unknown pairs
    b = np.concatenate([g.seg_v_osm[pick], [2, int(g.seg_u_osm[0])]])
    rows, segs, found = table.lookup(a, b)
    assert (rows.tolist(), segs.tolist(), found.tolist()) == _scan(g.seg_u_osm, g.seg_v_osm, a, b)
    assert found[:500].all() and not found[500:].any()
