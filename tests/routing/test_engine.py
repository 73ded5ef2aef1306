"""The native CCH engine against brute force (Floyd-Warshall) on random graphs and routingkit_cch on the demo region."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import routingkit_cch as rk

from fevermap.routing import _cch
from fevermap.routing.engine import INF_MS, PARTITION_ARRAYS, CCHEngine, Hierarchy, contract
from fevermap.routing.region import demo_region
from fevermap.routing.router import Router


def _all_pairs(n: int, tail: np.ndarray, head: np.ndarray, w: np.ndarray) -> np.ndarray:
    d = np.full((n, n), np.inf)
    np.fill_diagonal(d, 0)
    for a, b, x in zip(tail.tolist(), head.tolist(), w.tolist(), strict=True):
        if x < INF_MS:
            d[a, b] = min(d[a, b], x)
    for k in range(n):
        d = np.minimum(d, d[:, k : k + 1] + d[k : k + 1, :])
    return d


def _random_graph(rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    n = int(rng.integers(1, 30))
    m = int(rng.integers(0, 3 * n + 1))
    tail, head = rng.integers(n, size=m), rng.integers(n, size=m)
    w = rng.integers(0, 50, size=m)
    w[rng.random(m) < 0.1] = INF_MS  # some closed arcs
    return n, tail, head, w


def _path_cost(path: np.ndarray, tail: np.ndarray, head: np.ndarray, w: np.ndarray) -> int:
    total = 0
    for a, b in zip(path[:-1].tolist(), path[1:].tolist(), strict=True):
        ws = w[(tail == a) & (head == b)]
        assert ws.size, f"the path uses {a} -> {b}, which is no arc"
        total += int(ws.min())
    return total


def test_random_graphs_equal_floyd_warshall() -> None:
    rng = np.random.default_rng(7)
    for _ in range(150):
        n, tail, head, w = _random_graph(rng)
        d = _all_pairs(n, tail, head, w)
        engine = CCHEngine(rng.permutation(n), tail, head, w.astype(np.int64), threads=2)
        for s in range(n):
            for t in range(n):
                res = engine.shortest(engine.metric, [(s, 0)], [(t, 0)])
                if not np.isfinite(d[s, t]):
                    assert res is None
                    continue
                assert res is not None and res.duration_ms == d[s, t]
                assert res.first_node == s and res.last_node == t
                assert _path_cost(res.node_path, tail, head, w) == res.duration_ms
        every = np.arange(n)
        for s in range(n):
            assert np.array_equal(engine.distances(engine.metric, [(s, 0)], "all", every), d[s])
            assert np.array_equal(engine.distances(engine.metric, [(s, 0)], "all", every, reverse=True), d[:, s])


def test_several_seeds_with_initial_distances() -> None:
    rng = np.random.default_rng(11)
    for _ in range(100):
        n, tail, head, w = _random_graph(rng)
        d = _all_pairs(n, tail, head, w)
        engine = CCHEngine(rng.permutation(n), tail, head, w.astype(np.int64))
        src = [(int(rng.integers(n)), int(rng.integers(0, 30))) for _ in range(int(rng.integers(1, 4)))]
        dst = [(int(rng.integers(n)), int(rng.integers(0, 30))) for _ in range(int(rng.integers(1, 4)))]
        want = min(a + d[s, t] + b for s, a in src for t, b in dst)
        res = engine.shortest(engine.metric, src, dst)
        if not np.isfinite(want):
            assert res is None
            continue
        assert res is not None and res.duration_ms == want
        start = min(a for s, a in src if s == res.first_node)
        end = min(b for t, b in dst if t == res.last_node)
        assert start + _path_cost(res.node_path, tail, head, w) + end == want
        targets = rng.integers(n, size=5)
        got = engine.distances(engine.metric, src, None, targets)
        assert np.array_equal(got, [min(a + d[s, t] for s, a in src) for t in targets.tolist()])


def test_threads_give_the_same_metric_and_a_saved_metric_is_mapped() -> None:
    rng = np.random.default_rng(3)
    n = 400
    tail, head = rng.integers(n, size=1600), rng.integers(n, size=1600)
    w = rng.integers(1, 1000, size=1600).astype(np.int64)
    order = rng.permutation(n)
    one = CCHEngine(order, tail, head, w, threads=1)
    two = CCHEngine(order, tail, head, w, threads=2, hierarchy=one.hierarchy)
    assert np.array_equal(one.metric.packed(), two.metric.packed())
    saved = CCHEngine(order, tail, head, w, hierarchy=one.hierarchy, saved=(w, one.metric.packed()))
    assert saved.metric._metric.mapped and not one.metric._metric.mapped  # a view of the saved array
    assert np.array_equal(saved.metric.packed(), one.metric.packed())
    other = w.copy()
    other[:100] += 500
    assert not saved.customise(other)._metric.mapped  # other weights: customised
    assert np.array_equal(saved.metric.packed(), CCHEngine(order, tail, head, other).metric.packed())


def test_a_saved_partition_gives_the_same_metric_on_any_number_of_threads() -> None:
    rng = np.random.default_rng(9)
    n = 600
    tail, head = rng.integers(n, size=1500), rng.integers(n, size=1500)
    w = rng.integers(1, 1000, size=1500).astype(np.int64)
    w[rng.random(1500) < 0.2] = INF_MS  # closed and one-way arcs, as in turn graphs
    order = rng.permutation(n)
    one = CCHEngine(order, tail, head, w, threads=1)
    assert not one._cch.partitioned  # one thread needs none
    part = one.partition()
    assert one._cch.partitioned and set(part) == set(PARTITION_ARRAYS)
    assert int(part["chunk_first"][-1]) == n and sorted(part["chunk_nodes"].tolist()) == list(range(n))
    hierarchy = replace(one.hierarchy, partition=part)
    saved = Hierarchy.from_arrays(hierarchy.arrays())  # as a region directory holds it
    assert saved.partition is not None and Hierarchy.from_arrays(one.hierarchy.arrays()).partition is None
    for threads in (2, 3, 4):
        given = CCHEngine(order, tail, head, w, threads=threads, hierarchy=saved)
        assert given._cch.partitioned
        assert np.array_equal(given.metric.packed(), one.metric.packed()), threads
        made = CCHEngine(order, tail, head, w, threads=threads, hierarchy=one.hierarchy)
        assert np.array_equal(made.metric.packed(), one.metric.packed()), threads
    later = w.copy()
    later[::7] += 300
    engine = CCHEngine(order, tail, head, w, threads=2, hierarchy=saved)
    for _ in range(3):  # the buffers kept from one customisation to the next hold no stale weights
        engine.customise(later)
        assert np.array_equal(engine.metric.packed(), CCHEngine(order, tail, head, later, threads=1).metric.packed())
        engine.customise(w)
        assert np.array_equal(engine.metric.packed(), one.metric.packed())


def test_a_partition_of_another_tree_is_refused() -> None:
    rng = np.random.default_rng(2)
    n = 300
    tail, head = rng.integers(n, size=700), rng.integers(n, size=700)
    engine = CCHEngine(rng.permutation(n), tail, head, threads=1)
    h = engine.hierarchy.arrays()
    part = engine.partition()
    _cch.CCH(**h, **part)
    top = np.flatnonzero(part["top_children"] > 0)
    wrong = dict(part, top_children=part["top_children"].copy())
    wrong["top_children"][top[0]] += 1  # would wait for ever for a child that is not there
    bad_nodes = part["chunk_nodes"].copy()
    bad_nodes[[0, 1]] = bad_nodes[[1, 0]]  # not ascending
    for bad in (wrong, dict(part, chunk_nodes=bad_nodes), dict(part, top_task=np.full(n, -1, dtype=np.int32))):
        with pytest.raises(ValueError, match="partition"):
            _cch.CCH(**h, **bad)
    with pytest.raises(ValueError, match="fit together"):
        _cch.CCH(**h, **dict(part, chunk_root=part["chunk_root"][:-1]))
    with pytest.raises(TypeError, match="or none"):
        _cch.CCH(**h, chunk_first=part["chunk_first"])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="permutation"):
        contract([0, 0, 1], [0], [1])
    with pytest.raises(ValueError, match="out of range"):
        contract([0, 1], [0], [5])
    engine = CCHEngine([0, 1], [0], [1], np.array([5], dtype=np.int64))
    with pytest.raises(ValueError, match="not a node"):
        engine.shortest(engine.metric, [(7, 0)], [(1, 0)])
    with pytest.raises(ValueError, match="values for 1 arcs"):
        engine.customise(np.array([1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match="input arcs"):
        CCHEngine([0, 1], [0, 1], [1, 0], hierarchy=engine.hierarchy)


def test_queries_from_threads_each_use_their_own_scratch() -> None:
    rng = np.random.default_rng(5)
    n = 300
    tail, head = rng.integers(n, size=1200), rng.integers(n, size=1200)
    w = rng.integers(1, 100, size=1200).astype(np.int64)
    engine = CCHEngine(rng.permutation(n), tail, head, w)
    pairs = rng.integers(n, size=(200, 2)).tolist()
    want = [engine.shortest(engine.metric, [(s, 0)], [(t, 0)]) for s, t in pairs]
    got: dict[int, list[object]] = {}

    def run(k: int) -> None:
        got[k] = [engine.shortest(engine.metric, [(s, 0)], [(t, 0)]) for s, t in pairs]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for k in range(4):
        assert [r and r.duration_ms for r in got[k]] == [r and r.duration_ms for r in want]
    q = _cch.Query(engine._cch)
    assert q.run(engine.metric._metric, [(0, 0)], [(0, 0)])[0] == 0  # type: ignore[index]


def test_demo_region_equals_routingkit() -> None:
    """The same turn graph, order and weights in routingkit_cch (the engine fevermap used before) and here."""
    router = Router(demo_region())
    assert router.region.hierarchy.partition is not None  # saved at build: the first update does not make it
    assert router.engine._cch.partitioned
    t = router.region.turns
    w = np.asarray(router.state.metric.weights_ms)
    ref = rk.CCHMetric(rk.CCH(np.asarray(router.region.cch_order).tolist(), t.arc_from.tolist(), t.arc_to.tolist(),
                              False), w.tolist())  # fmt: skip
    query = rk.CCHQuery(ref)
    rng = np.random.default_rng(1)
    n = t.node_count
    engine = router.engine
    for _ in range(500):
        src = [(int(x), int(d)) for x, d in zip(rng.integers(n, size=2), rng.integers(0, 9000, size=2), strict=True)]
        dst = [(int(x), int(d)) for x, d in zip(rng.integers(n, size=2), rng.integers(0, 9000, size=2), strict=True)]
        res = query.run_multi(src, dst)
        want = res.distance if res.distance is not None and res.distance < INF_MS else None
        del res
        got = engine.shortest(engine.metric, src, dst)
        assert (got and got.duration_ms) == want
    targets = rng.integers(n, size=50).tolist()
    many = rk.CCHOneToMany(ref, targets)
    for _ in range(50):
        src = [(int(rng.integers(n)), 0)]
        want = np.array(many.distances_from_multi(src), dtype=np.float64)
        want[np.isnan(want) | (want >= INF_MS)] = np.inf
        assert np.array_equal(engine.distances(engine.metric, src, "t", targets), want)
