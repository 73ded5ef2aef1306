"""Road pieces by tiles: a box's runs hold exactly the pieces of the tiles it meets; twins are the same place."""

from __future__ import annotations

import numpy as np

from fevermap.care.samples import build_samples
from fevermap.care.tiles import TILE_M, build_tiles
from fevermap.routing.region import Region


def test_runs_and_twins(shanghai: Region) -> None:
    g = shanghai.graph
    s = build_samples(g, 12.0)
    tiles = build_tiles(s, g)
    # one piece per sample that starts a piece, one direction of each two-way road
    edge_m = np.add.reduceat(g.seg_length_m, g.seg_off[:-1])
    road_m = (edge_m * np.where(g.edge_twin >= 0, 0.5, 1.0)).sum()  # each two-way road once
    assert np.isclose(tiles.length_m.sum(), road_m, rtol=1e-3)
    has = tiles.twin >= 0
    assert np.allclose(s.x[tiles.twin[has]], tiles.x[has]) and np.allclose(s.y[tiles.twin[has]], tiles.y[has])
    assert (s.edge[tiles.twin[has]] == g.edge_twin[tiles.edge[has]]).all()
    assert (tiles.twin_edge[~has] == -1).all()
    assert len(np.unique(tiles.sample)) == len(tiles.sample)
    rng = np.random.default_rng(3)
    for _ in range(5):
        x0, y0 = rng.uniform(tiles.x.min(), tiles.x.max()), rng.uniform(tiles.y.min(), tiles.y.max())
        box = (x0, x0 + rng.uniform(10, 3000), y0, y0 + rng.uniform(10, 3000))
        run = tiles.runs(*box)
        tx = np.floor((tiles.x - tiles.x0) / TILE_M)
        ty = np.floor((tiles.y - tiles.y0) / TILE_M)
        c0, c1, r0, r1 = (
            np.floor((v - o) / TILE_M) for v, o in zip(box, (tiles.x0, tiles.x0, tiles.y0, tiles.y0), strict=True)
        )
        want = (tx >= c0) & (tx <= c1) & (ty >= r0) & (ty <= r1)
        assert np.array_equal(np.sort(run), np.flatnonzero(want))
        inside = (tiles.x >= box[0]) & (tiles.x <= box[1]) & (tiles.y >= box[2]) & (tiles.y <= box[3])
        assert np.isin(np.flatnonzero(inside), run).all()
