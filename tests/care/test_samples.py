"""Road samples on a real extract: at most the spacing apart along every edge, both ends of each edge, places once."""

from __future__ import annotations

import numpy as np

from fevermap.care.samples import build_samples, count_samples, edges_in_box, node_xy
from fevermap.routing.region import Region


def test_samples_spacing_ends_and_places(shanghai: Region) -> None:
    g = shanghai.graph
    s = build_samples(g, 24.0)
    counts = np.diff(s.edge_off)
    assert (counts >= 2).all() and s.edge_off[-1] == len(s)
    first, last = s.edge_off[:-1], s.edge_off[1:] - 1
    # the tail and head of every edge are samples
    assert (s.seg[first] == g.seg_off[:-1]).all() and (s.frac[first] == 0).all()
    assert (s.seg[last] == g.seg_off[1:] - 1).all() and (s.frac[last] == 1).all()
    # along each edge consecutive samples are at most the spacing apart (straight line <= along the road)
    step = np.hypot(np.diff(s.x), np.diff(s.y))
    same_edge = np.diff(s.edge) == 0
    assert step[same_edge].max() <= 24.0 + 1e-6
    # the road length is shared out over the samples
    assert np.isclose(s.length_m.sum(), g.seg_length_m.sum())
    # a two-way road's two directions share places: sample k of an edge is sample (pieces - k) of its twin
    pieces = counts - 1
    two = np.flatnonzero((g.edge_twin >= 0) & (pieces == pieces[np.maximum(g.edge_twin, 0)]))
    assert two.shape[0] > 0
    k = np.arange(len(s)) - s.edge_off[s.edge]
    mine = np.isin(s.edge, two)
    other = s.edge_off[g.edge_twin[s.edge[mine]]] + pieces[s.edge[mine]] - k[mine]
    assert np.allclose(s.x[mine], s.x[other]) and np.allclose(s.y[mine], s.y[other])
    # and every edge end at a node is that node
    nx, ny = node_xy(g)
    assert np.allclose(s.x[first], nx[g.edge_tail]) and np.allclose(s.x[last], nx[g.edge_head])
    assert np.allclose(s.y[first], ny[g.edge_tail]) and np.allclose(s.y[last], ny[g.edge_head])


def test_samples_of_some_edges_equal_those_of_all(shanghai: Region) -> None:
    g = shanghai.graph
    every = build_samples(g, 6.0)
    box = (float(np.median(every.x)) - 400, float(np.median(every.x)) + 400, float(np.median(every.y)) - 300,
           float(np.median(every.y)) + 300)  # fmt: skip
    edges = edges_in_box(g, box)
    some = build_samples(g, 6.0, edges)
    assert 0 < len(some) < len(every) and len(some) == count_samples(g, 6.0, edges)
    assert np.array_equal(np.unique(some.edge), edges)
    for e in edges.tolist():
        a = slice(every.edge_off[e], every.edge_off[e + 1])
        b = slice(some.edge_off[e], some.edge_off[e + 1])
        assert np.array_equal(every.seg[a], some.seg[b])
        for f in ("frac", "x", "y", "length_m"):  # arc lengths summed over other segments: 1e-12 off
            assert np.allclose(getattr(every, f)[a], getattr(some, f)[b], rtol=0, atol=1e-8), f
    # every edge with a point in the box is there
    inside = (every.x >= box[0]) & (every.x <= box[1]) & (every.y >= box[2]) & (every.y <= box[3])
    assert np.isin(every.edge[inside], edges).all()
