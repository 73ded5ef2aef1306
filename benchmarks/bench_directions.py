"""Directions benchmark: an OSRM route with steps and annotations vs the same route without them, on Porto.

Both are answered by :func:`fevermap.routing.osrm.route_response` (snapping, routing, JSON objects; the HTTP layer
adds the same serialisation cost to both), for the same random coordinate pairs, interleaved so that load on the
machine affects both alike. The target of issue 12 is at most 2x.

Usage::

    python benchmarks/bench_directions.py            # 500 pairs, writes its section of benchmarks/RESULTS.md
    python benchmarks/bench_directions.py --quick    # 100 pairs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section

from fevermap.routing import osrm
from fevermap.routing.directions import Guidance
from fevermap.routing.region import build_region
from fevermap.routing.router import Router

PORTO = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "porto.osm.pbf"
PLAIN = {"overview": "simplified"}
FULL = {"overview": "simplified", "steps": "true", "annotations": "true"}


def pairs(router: Router, n: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    g = router.graph
    out = []
    while len(out) < n:
        i, j = rng.integers(0, g.node_count, 2).tolist()
        d = np.hypot((g.node_lon[i] - g.node_lon[j]) * np.cos(np.radians(g.node_lat[i])), g.node_lat[i] - g.node_lat[j])
        if 0.005 < d < 0.15:  # about 0.5 to 15 km
            out.append(f"{g.node_lon[i]},{g.node_lat[i]};{g.node_lon[j]},{g.node_lat[j]}")
    return out


WARM = 1000


def _run(router: Router, queries: list[str]) -> tuple[list[float], list[float], int]:
    """CPU seconds of this thread per query, plain and with steps + annotations, interleaved."""
    plain: list[float] = []
    full: list[float] = []
    steps = 0
    for q in queries:
        t = time.thread_time()
        osrm.route_response(router, q, PLAIN, max_coordinates=25, max_snap_m=1000)
        plain.append(time.thread_time() - t)
        t = time.thread_time()
        body = osrm.route_response(router, q, FULL, max_coordinates=25, max_snap_m=1000)
        full.append(time.thread_time() - t)
        steps += len(body["routes"][0]["legs"][0]["steps"])
    return plain, full, steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--osm", type=Path, default=PORTO)
    args = ap.parse_args()
    n = 100 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        region = build_region(args.osm, Path(tmp) / "region", name="porto")
        router = Router(region)
        t0 = time.perf_counter()
        Guidance.of(router)
        guidance_ms = (time.perf_counter() - t0) * 1000
        queries = pairs(router, n)
        cold = [_run(router, pairs(router, n // 2, seed=55))]  # other routes, turn decisions not yet memoised
        for q in pairs(router, WARM, seed=99):  # a service that has answered other routes before
            osrm.route_response(router, q, FULL, max_coordinates=25, max_snap_m=1000)
        plain, full, steps = _run(router, queries)
        cold_ratio = statistics.median(cold[0][1]) / statistics.median(cold[0][0])
    p_med, f_med = statistics.median(plain) * 1000, statistics.median(full) * 1000
    p_mean, f_mean = statistics.fmean(plain) * 1000, statistics.fmean(full) * 1000
    md = (
        "## Directions: steps + annotations vs a plain route (Porto)\n\n"
        f"Written by `benchmarks/bench_directions.py`; {machine()}. {n} random pairs 0.5-15 km apart on greater Porto "
        f"({region.meta['nodes']:,} nodes, {region.meta['edges']:,} edges), "
        "each answered both ways, interleaved, by `fevermap.routing.osrm.route_response`; "
        f"{steps / n:.1f} steps per route on average. Guidance set-up per graph (bearings of every edge): "
        f"{guidance_ms:.0f} ms, once. Times are CPU time of the serving thread (`time.thread_time`: the machine is "
        f"shared, wall time is not). Each turn's maneuver is classified once and memoised (OSRM classifies all turns "
        f"at build time); the table is measured after {WARM} other random routes were answered, and "
        f"{n // 2} other queries on a fresh memo gave a median ratio of {cold_ratio:.2f}x.\n\n"
        "| query | median ms | mean ms |\n|---|---|---|\n"
        f"| route, overview=simplified | {p_med:.2f} | {p_mean:.2f} |\n"
        f"| + steps=true&annotations=true | {f_med:.2f} | {f_mean:.2f} |\n"
        f"| ratio (target <= 2x) | {f_med / p_med:.2f}x | {f_mean / p_mean:.2f}x |\n"
    )
    print(md)
    write_section("directions", md)


if __name__ == "__main__":
    main()
