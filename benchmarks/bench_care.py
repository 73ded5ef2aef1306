"""Care benchmark on Porto (the large graph): isochrones and coverage, each beside the naive way.

- Isochrone of 4 contours (5, 10, 20, 30 min) from random points, polygons included (target <= 50 ms), forward and
  reverse; beside it networkx ``single_source_dijkstra_path_length`` with a 30 min
  cutoff on the exported graph (node times only, no polygons).
- The engine choice of :mod:`fevermap.care.reach`: scipy.sparse.csgraph.dijkstra bounded by the time limit vs
  routingkit_cch one-to-many to every node (unbounded by nature), from the same seeds.
- Coverage of all of Porto at H3 resolution 9 with 100 clinics (target <= 2 s): cold (the region's cells built and
  snapped first) and warm; beside it one one-to-many query per cell (the cell's snapped centre to the 100 clinics
  pinned), which gives the same times.

Usage::

    python benchmarks/bench_care.py            # writes the "care" section of benchmarks/RESULTS.md
    python benchmarks/bench_care.py --quick
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import h3
import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section

from fevermap.care import reach
from fevermap.care.gaps import coverage
from fevermap.care.isochrone import isochrone
from fevermap.care.sites import Site
from fevermap.config import REPO_DATA_DIR
from fevermap.routing.export import to_networkx_turns
from fevermap.routing.region import build_region, load_region
from fevermap.routing.router import Router

PORTO = REPO_DATA_DIR.parent.parent / "shared" / "data" / "osm" / "porto.osm.pbf"
MINUTES = [5.0, 10.0, 20.0, 30.0]
GAP_MIN = 10.0


def med_p95(xs: list[float]) -> tuple[float, float]:
    arr = np.asarray(xs) * 1000
    return float(np.median(arr)), float(np.percentile(arr, 95))


def node_points(router: Router, n: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    g = router.graph
    return [(float(g.node_lon[i]) + 1e-4, float(g.node_lat[i])) for i in rng.choice(g.node_count, n, replace=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--porto", type=Path, default=PORTO)
    parser.add_argument("--region-dir", type=Path, default=None, help="A built Porto region (default: build one)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.region_dir is not None and (args.region_dir / "meta.json").exists():
        region = load_region(args.region_dir)
    else:
        region = build_region(args.porto, Path(tempfile.mkdtemp()) / "porto", name="porto")
    router = Router(region)
    n_iso = 5 if args.quick else 20
    pts = node_points(router, n_iso, 1)
    t0 = time.perf_counter()
    isochrone(router, *pts[0], MINUTES)  # builds the region's road samples and the CSR metric once
    first_s = time.perf_counter() - t0
    for p in pts[1:3]:  # the samples of the other spacings these contours use, as a worker has after a few requests
        isochrone(router, *p, MINUTES)
    iso: dict[bool, list[float]] = {False: [], True: []}
    iso_cpu: list[float] = []
    cells_m: list[list[float]] = []
    for rev in (False, True):
        for p in pts:
            t, c = time.perf_counter(), time.process_time()
            got = isochrone(router, *p, MINUTES, reverse=rev)
            iso[rev].append(time.perf_counter() - t)
            iso_cpu.append(time.process_time() - c)
            cells_m.append(got.cell_m)

    turns = to_networkx_turns(router)  # the turn graph the engine routes on; a turn a -> b costs a's time + the turn
    graph = nx.DiGraph()
    for a, b, d in turns.edges(data=True):
        graph.add_edge(a, b, w=turns.nodes[a]["travel_time"] + d["turn_cost"])
    g = router.graph
    nx_times = []
    for p in pts[: max(3, n_iso // 4)]:
        src = int(router.snap(*p).positions[0].edge)
        t = time.perf_counter()
        nx.single_source_dijkstra_path_length(graph, src, cutoff=MINUTES[-1] * 60, weight="w")
        nx_times.append(time.perf_counter() - t)

    # the engine choice: bounded scipy Dijkstra vs CCH one-to-many to every node, same seeds
    m = reach.metric(router)
    all_nodes = list(range(router.region.turns.node_count))
    bounded: dict[float, list[float]] = {v: [] for v in (10.0, 30.0)}
    cch_t, cch_full = [], []
    for p in pts:
        seeds = reach.snap_seeds(router, m, router.snap(*p), reverse=False)
        for lim, out in bounded.items():
            t = time.perf_counter()
            reach.edge_times(m, seeds, reverse=False, limit_ms=lim * 60_000)
            out.append(time.perf_counter() - t)
        t = time.perf_counter()
        reach.edge_times(m, seeds, reverse=False)
        cch_full.append(time.perf_counter() - t)
        seed_list = [(int(a), int(b)) for a, b in zip(seeds.nodes, seeds.ms, strict=True)]
        t = time.perf_counter()
        router.engine.distances(m.state.metric, seed_list, 999_001, all_nodes)
        cch_t.append(time.perf_counter() - t)

    # coverage with 100 clinics at resolution 9
    clinics = [Site(f"c{i}", f"c{i}", lon, lat, router.snap(lon, lat)) for i, (lon, lat) in
               enumerate(node_points(router, 100, 7))]  # fmt: skip
    t = time.perf_counter()
    cov = coverage(router, clinics, GAP_MIN, resolution=9)
    cold = time.perf_counter() - t
    warm, warm_cpu = [], []
    for _ in range(3 if args.quick else 10):
        t, c = time.perf_counter(), time.process_time()
        coverage(router, clinics, GAP_MIN, resolution=9)
        warm.append(time.perf_counter() - t)
        warm_cpu.append(time.process_time() - c)
    t = time.perf_counter()
    far = int(np.argmax(np.where(np.isfinite(cov.time_s), cov.time_s, -1)))
    lat_c, lon_c = h3.cell_to_latlng(cov.cells.ids[far])
    cand = coverage(router, clinics, GAP_MIN, resolution=9, candidate=(lon_c, lat_c))
    what_if = time.perf_counter() - t
    pinned = router.pin_targets([c.snap for c in clinics])
    n_naive = min(len(cov.cells.ids), 1000 if args.quick else len(cov.cells.ids))
    t = time.perf_counter()
    worst = 0.0
    for i, cell in enumerate(cov.cells.ids[:n_naive]):
        lat, lon = h3.cell_to_latlng(cell)
        best = float(router.one_to_many(router.snap(lon, lat), pinned).min())
        if np.isfinite(best):
            worst = max(worst, abs(best - cov.time_s[i]))
    naive = (time.perf_counter() - t) * len(cov.cells.ids) / n_naive

    fwd, rev = med_p95(iso[False]), med_p95(iso[True])
    nxm = med_p95(nx_times)
    lines = [
        "## care: isochrones and coverage (Porto)",
        "",
        f"Measured on {machine()} by `benchmarks/bench_care.py`; Porto {g.node_count:,} nodes / "
        f"{g.edge_count:,} edges; load average {os.getloadavg()[0]:.1f} on the machine during the run (other work "
        "shares its 2 cores). Times in ms (median / p95) unless stated.",
        "",
        "| measure | fevermap | naive |",
        "| --- | --- | --- |",
        f"| isochrone, 4 contours 5/10/20/30 min, polygons incl. (target <= 50 ms) | {fwd[0]:.1f} / {fwd[1]:.1f} "
        f"| networkx single-source Dijkstra on the turn graph, 30 min cutoff: {nxm[0]:.0f} / {nxm[1]:.0f} |",
        f"| reverse isochrone, same | {rev[0]:.1f} / {rev[1]:.1f} | (same as forward) |",
        f"| isochrone, CPU time of the process (median; wall time above includes waiting for a core) | "
        f"{med_p95(iso_cpu)[0]:.1f} | |",
        f"| first isochrone of a worker (road samples + CSR metric built) | {first_s * 1000:.0f} | |",
        f"| grid cell per contour 5/10/20/30 min, metres (median over the isochrones) | "
        f"{' / '.join(f'{c:g}' for c in np.median(np.array(cells_m), axis=0))} | |",
        f"| turn-graph times, scipy dijkstra bounded at 10 / 30 min (used) | {med_p95(bounded[10.0])[0]:.1f} / "
        f"{med_p95(bounded[30.0])[0]:.1f} | routingkit_cch one-to-many to all {len(all_nodes):,} turn-graph nodes: "
        f"{med_p95(cch_t)[0]:.1f}; scipy unbounded: {med_p95(cch_full)[0]:.1f} |",
        f"| coverage, res 9, {len(cov.cells.ids):,} cells, 100 clinics, warm (target <= 2 s) | {med_p95(warm)[0]:.0f} "
        f"| one one-to-many query per cell: {naive:.1f} s{' (extrapolated)' if n_naive < len(cov.cells.ids) else ''}"
        f", max difference {worst:.3g} s |",
        f"| coverage, warm, CPU time of the process (median) | {med_p95(warm_cpu)[0]:.0f} | |",
        f"| coverage, cold (cells built: h3 of road points, centres snapped) | {cold * 1000:.0f} | |",
        f"| coverage with a what-if candidate | {what_if * 1000:.0f} | |",
        "",
        f"Gap cells beyond {GAP_MIN:g} min: {int(cov.gap.sum())}; a candidate at the farthest cell removed "
        f"{cand.candidate.weight_removed if cand.candidate else 0:.0f} m of road from the gaps. Engine choice of "
        "`fevermap/care/reach.py`: multi-source searches (catchments, coverage) are the bounded scipy Dijkstra, which "
        "labels every road with the clinic reaching it first; a search from one point uses it below 35 min and the "
        "CCH one-to-all (forward or reverse) from 35 min on, where the CCH is faster.",
    ]
    text = "\n".join(lines)
    print(text)
    write_section("care", text)


if __name__ == "__main__":
    main()
