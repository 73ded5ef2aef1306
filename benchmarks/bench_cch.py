"""The native CCH (fevermap.routing._cch) beside routingkit_cch on the same turn graph, order and weights.

Why fevermap hand-writes its CCH: this measures each engine's contraction, customisation (a full one, as a traffic
update needs), point-to-point query and one-to-50 sweep, and what each process keeps, on Porto's turn graph by
default. Both engines get the same order (routingkit_cch's inertial flow, saved in the region) and weights, and
every answer is compared.

    .venv/bin/python benchmarks/bench_cch.py [--region-dir DIR] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import routingkit_cch as rk

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section
from bench_routing import porto_region_dir

from fevermap.routing import _cch
from fevermap.routing.engine import INF_MS, CCHEngine, contract
from fevermap.routing.region import load_region
from fevermap.routing.router import Router


def _timed(fn, repeat: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Median wall and CPU ms of ``fn()`` over ``repeat`` calls, and its last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(1e3 * (time.perf_counter() - t0))
        cpu.append(1e3 * (time.process_time() - c0))
    return statistics.median(wall), statistics.median(cpu), out


def _per_call(fn, calls: list[tuple], repeat: int = 3) -> float:  # type: ignore[no-untyped-def,type-arg]
    """Median over ``repeat`` rounds of the mean microseconds per call of ``fn(*args)`` over ``calls``."""
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for args in calls:
            fn(*args)
        rounds.append(1e6 * (time.perf_counter() - t0) / len(calls))
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--region-dir", type=Path, default=None, help="a built region (default: build Porto)")
    parser.add_argument("--repeat", type=int, default=7, help="customisations per engine (median)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    region_dir = porto_region_dir(args.region_dir)
    region = load_region(region_dir)
    router = Router(region)
    t = region.turns
    order = np.asarray(region.cch_order)
    w = np.asarray(router.state.metric.weights_ms, dtype=np.int64)
    load = os.getloadavg()[0]

    nat_contract = _timed(lambda: contract(order, t.arc_from, t.arc_to), 3)
    h = nat_contract[2]
    lists = (order.tolist(), t.arc_from.tolist(), t.arc_to.tolist())
    rk_contract = _timed(lambda: rk.CCH(*lists, False), 3)
    rk_cch = rk_contract[2]
    # the region's own hierarchy (the same contraction, memory-mapped) with its saved partition, as a service has it
    engine = CCHEngine(order, t.arc_from, t.arc_to, hierarchy=region.hierarchy, threads=1)
    saved_partition = engine._cch.partitioned
    threads = [1, 2] if (os.cpu_count() or 1) >= 2 else [1]
    first = _timed(lambda: _cch.Metric(engine._cch, w, threads=threads[-1]), 1)  # fresh buffers: page faults
    nat_cust = {k: _timed(lambda k=k: _cch.Metric(engine._cch, w, threads=k), args.repeat) for k in threads}
    wl = w.tolist()
    rk_cust = _timed(lambda: rk.CCHMetric(rk_cch, wl), args.repeat)
    rk_metric = rk_cust[2]
    metric = engine.customise(w)

    rng = np.random.default_rng(1)
    n = t.node_count
    pairs = [([(int(a), 0)], [(int(b), 0)]) for a, b in rng.integers(n, size=(2000, 2))]
    rq = rk.CCHQuery(rk_metric)
    nq = _cch.Query(engine._cch)

    def rk_run(src, dst):  # type: ignore[no-untyped-def]
        r = rq.run_multi(src, dst)
        out = (r.distance, list(r.node_path))
        del r
        return out

    mismatched = 0
    for src, dst in pairs:
        a = nq.run(metric._metric, src, dst)
        b = rk_run(src, dst)
        want = b[0] if b[0] is not None and b[0] < INF_MS else None
        mismatched += (a[0] if a else None) != want
    nat_p2p = _per_call(lambda s, d: nq.run(metric._metric, s, d), pairs)
    rk_p2p = _per_call(rk_run, pairs)
    targets = rng.integers(n, size=50)
    pinned = _cch.Pinned(engine._cch, targets.astype(np.int64))
    otm = rk.CCHOneToMany(rk_metric, targets.tolist())
    sources = [([(int(a), 0)],) for a in rng.integers(n, size=500)]
    for (src,) in sources[:100]:
        ref = np.array(otm.distances_from_multi(src), dtype=np.float64)
        ref[np.isnan(ref) | (ref >= INF_MS)] = np.inf
        mismatched += not np.array_equal(np.frombuffer(nq.many(metric._metric, pinned, src, False)), ref)
    nat_many = _per_call(lambda s: nq.many(metric._metric, pinned, s, False), sources)
    rk_many = _per_call(lambda s: otm.distances_from_multi(s), sources)
    nat_repin = _per_call(lambda: _cch.Pinned(engine._cch, rng.integers(n, size=50)), [()] * 300)
    rk_repin = _per_call(lambda: otm.repin_targets(rng.integers(n, size=50).tolist()), [()] * 300)

    mb = 1 / 2**20
    hier_mb = sum(a.nbytes for a in h.arrays().values()) * mb
    metric_mb = engine.arc_count * 16 * mb
    lines = [
        "## Native CCH vs routingkit_cch (benchmarks/bench_cch.py)",
        "",
        f"Command: `python benchmarks/bench_cch.py`. Machine: {machine()}; load average (1 min) {load:.1f} at the "
        "start (2 shared cores: CPU time beside wall time).",
        "",
        f"Region `{region.name}`: turn graph {n:,} nodes, {t.arc_count:,} arcs; the hierarchy has "
        f"{engine.arc_count:,} arcs (input arcs and shortcuts, each node pair once). "
        "Same order (routingkit_cch's inertial flow) and weights for both; "
        f"answers compared on 2,000 point-to-point pairs and 100 one-to-50 sweeps: **{mismatched} differ**.",
        "",
        "| measure | native (fevermap.routing._cch) | routingkit_cch |",
        "|---|---|---|",
        f"| contraction, ms (wall / CPU) | {nat_contract[0]:.1f} / {nat_contract[1]:.1f} (at build; saved and "
        f"memory-mapped at load) | {rk_contract[0]:.1f} / {rk_contract[1]:.1f} (at every load: it cannot save one) |",
    ]
    lines.append(
        f"| first customisation after load, {threads[-1]} thread{'s' if threads[-1] > 1 else ''}, ms (wall / CPU) | "
        f"{first[0]:.1f} / {first[1]:.1f} (partition {'saved with the region' if saved_partition else 'made now'}; "
        "buffers mapped now, kept after) | - |"
    )
    for k, (wall, cpu, _) in nat_cust.items():
        lines.append(
            f"| full customisation, {k} thread{'s' if k > 1 else ''}, ms (wall / CPU) | {wall:.1f} / {cpu:.1f} | "
            + (f"{rk_cust[0]:.1f} / {rk_cust[1]:.1f} (one thread only) |" if k == 1 else "not offered |")
        )
    lines += [
        f"| point-to-point, node to node, µs per query (incl. the path's nodes) | {nat_p2p:.1f} | {rk_p2p:.1f} |",
        f"| one-to-50, targets pinned, µs per sweep | {nat_many:.1f} | {rk_many:.1f} |",
        f"| pinning 50 new targets, µs | {nat_repin:.1f} | {rk_repin:.1f} (repin) |",
        f"| hierarchy in memory, MB | {hier_mb:.1f} (memory-mapped, shared by workers) | not exposed |",
        f"| one metric, MB | {metric_mb:.1f} (the region's own: file-backed) | not exposed |",
        "",
        "Point-to-point and one-to-50 are the engines alone (no snapping, no geometry); `benchmarks/bench_osrm.py` "
        "measures whole routes beside OSRM.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("cch", text)


if __name__ == "__main__":
    main()
