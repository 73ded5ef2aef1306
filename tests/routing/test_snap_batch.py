"""SnapBatch: snap_many's columns read like the list of snaps they stand for (indexing, slices, iteration, equality),
one-to-many reads them without making snaps and answers as it does for the list; the C positions refuse arrays that
do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.routing import _snap
from fevermap.routing.query import PinnedTargets
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from fevermap.routing.snap_batch import SnapBatch


def _points(router: Router, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points near roads: graph vertices moved up to about 50 m, every tenth one exactly on a vertex, and every
    seventh one the middle of an edge's first segment on a small component (whose snap has an alternative)."""
    rng = np.random.default_rng(seed)
    g = router.graph
    c = g.coords[rng.integers(g.coords.shape[0], size=n)]
    moved = c + rng.uniform(-4e-4, 4e-4, size=c.shape) * (np.arange(n) % 10 != 0)[:, None]
    small = np.flatnonzero(~router.index._big_edge)
    assert small.shape[0] > 0
    rows = g.seg_off[small] + small  # each edge's first vertex
    mids = (g.coords[rows] + g.coords[rows + 1]) / 2
    moved[::7] = mids[rng.integers(mids.shape[0], size=moved[::7].shape[0])]
    return moved[:, 0].copy(), moved[:, 1].copy()


def test_a_batch_reads_like_the_list_of_its_snaps(andorra: Region) -> None:
    router = Router(andorra)
    lon, lat = _points(router, 120, 1)
    batch = router.snap_many(lon, lat)
    single = [router.snap(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    assert isinstance(batch, SnapBatch) and len(batch) == 120
    assert batch == single and single == batch and list(batch) == single  # every field, floats bit for bit
    assert any(len(s.positions) > 2 for s in single)  # some on a graph node: every edge through it
    assert any(s.alternative is not None for s in single)  # small components: their big-component snaps
    assert batch[-1] == single[-1] and batch[7] == single[7]
    for sl in (
        slice(3, 40),
        slice(0, 0),
        slice(100, 500),
        slice(-5, None),
        slice(5, 60, 7),
        slice(40, 3),
        slice(9, 9, 2),
    ):
        part = batch[sl]
        assert isinstance(part, SnapBatch) and part == single[sl]
        assert part[1:] == single[sl][1:]  # a slice of a slice
    with pytest.raises(IndexError):
        batch[120]
    with pytest.raises(IndexError):
        batch[-121]
    assert batch != single[:-1] and batch != [*single[:-1], single[0]]
    assert (batch == "snaps") is False


def test_position_columns_are_the_snaps_positions(andorra: Region) -> None:
    router = Router(andorra)
    lon, lat = _points(router, 80, 2)
    part = router.snap_many(lon, lat)[10:70]
    cols = part.position_columns()
    rows = [p for s in part for p in s.positions]
    assert cols.off[0] == 0 and cols.off[-1] == len(rows) == cols.edge.shape[0]
    assert cols.off.tolist() == np.cumsum([0, *(len(s.positions) for s in part)]).tolist()
    assert list(zip(cols.edge.tolist(), cols.seg.tolist(), cols.frac.tolist(), cols.before.tolist(),
                    cols.after.tolist(), strict=True)) == [tuple(p) for p in rows]  # fmt: skip
    assert cols.owner.tolist() == [i for i, s in enumerate(part) for _ in s.positions]


def test_one_to_many_reads_a_batch_as_it_reads_the_list(andorra: Region) -> None:
    router = Router(andorra)
    lon, lat = _points(router, 61, 3)
    batch = router.snap_many(lon, lat)
    origin, targets = batch[0], batch[1:]
    a, b = PinnedTargets(router._net, targets), PinnedTargets(router._net, list(targets))
    for name in ("nodes", "pos_target", "first_row", "_seg", "_frac", "_edge", "_owner"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    times = router.one_to_many(origin, targets)
    assert np.isfinite(times).sum() > 30
    np.testing.assert_array_equal(times, router.one_to_many(origin, list(targets)))


def test_native_positions_refuse_arrays_that_do_not_fit(andorra: Region) -> None:
    router = Router(andorra)
    ix, g = router.index, router.graph
    args = [ix._seg_edge, ix._seg_k, g.seg_length_m, ix._seg_before_m, ix._edge_len_m, ix._geom_off, g.coords,
            g.seg_off, ix._twin, g.edge_tail, g.edge_head, *ix._out, *ix._in]  # fmt: skip
    with pytest.raises(TypeError, match="seg_length_m: expected a contiguous array of float64"):
        _snap.Positions(*args[:2], g.seg_off, *args[3:])
    with pytest.raises(ValueError, match="do not fit together"):
        _snap.Positions(*args[:8], ix._twin[:-1], *args[9:])
    pos = _snap.Positions(*args)
    one = np.array([0.5]), np.array([1.5]), np.array([42.5])
    for bad in (-1, g.seg_length_m.shape[0]):
        with pytest.raises(ValueError, match=f"segment {bad} is not one of the graph's"):
            pos.columns(np.array([bad]), *one)
    with pytest.raises(ValueError, match="t \\(float64\\): expected 2 contiguous 8-byte items"):
        pos.columns(np.array([0, 1]), *one)
    ints, floats, rows = pos.columns(np.array([], dtype=np.int64), *(np.array([]),) * 3)
    assert (len(ints), len(floats), rows) == (8, 0, 0)  # off[0] only


def test_the_c_snaps_equal_the_python_reference(andorra: Region) -> None:
    """One snap (``_make_snap``, what ``snap`` returns) and a batch's columns (``snap_many``) against the Python form,
    bit for bit: every segment's ends (on graph nodes: every edge through them), within 1 cm of them, and inside."""
    ix = Router(andorra).index
    n_seg = ix.graph.seg_length_m.shape[0]
    rng = np.random.default_rng(4)
    seg = np.concatenate([np.arange(0, n_seg, 7), rng.integers(n_seg, size=3000)])
    t = rng.choice([0.0, 1.0, 1e-7, 1.0 - 1e-7, 0.5], size=seg.shape[0]) * (rng.random(seg.shape[0]) < 0.6)
    t = np.where(t == 0.0, rng.random(seg.shape[0]), t) * (rng.random(seg.shape[0]) > 0.1)  # some exactly 0
    lon, lat = rng.uniform(1.4, 1.8, seg.shape[0]), rng.uniform(42.4, 42.7, seg.shape[0])
    dist = rng.random(seg.shape[0]) * 100
    ref = [ix._make_snap_reference(*a) for a in zip(lon.tolist(), lat.tolist(), seg.tolist(), t.tolist(),
                                                    dist.tolist(), strict=True)]  # fmt: skip
    one = [ix._make_snap(*a) for a in zip(lon.tolist(), lat.tolist(), seg.tolist(), t.tolist(), dist.tolist(),
                                          strict=True)]  # fmt: skip
    assert one == ref
    assert sum(len(s.positions) > 2 for s in ref) > 50 and sum(len(s.positions) == 2 for s in ref) > 500
    assert ix._make_snaps(lon, lat, seg, t, dist) == ref
    with pytest.raises(ValueError, match="segment -1 is not one of the graph's"):
        ix._make_snap(1.5, 42.5, -1, 0.5, 1.0)
