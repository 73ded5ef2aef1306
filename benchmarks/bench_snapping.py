"""Snapping on Porto: fevermap's C search of its segment grid beside shapely's STRtree and the same search in numpy.

What it measures, on the segments of Porto's region (projected, metres) and the same random points for every method:

- the nearest-segment search alone: ``SegmentIndex.nearest`` (C, :mod:`fevermap.geo._native`), shapely 2's
  ``STRtree.query_nearest`` with distances (GEOS), and the grid search in numpy, ``SegmentIndex.nearest_by_blocks``
  (the tests' reference: whole blocks of cells for r = 1, 2, ... until no unexamined segment can be closer;
  fevermap's own numpy search before the C one examined only each ring's new cells and took about 23 µs a point
  here); every answer is compared;
- the one-point projection: ``LocalProjection.forward_one`` (C) beside the same series over :mod:`math` in Python;
- whole snaps: ``Router.snap`` of one point and ``Router.snap_many`` of 51.

Usage::

    python benchmarks/bench_snapping.py [--region-dir DIR] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section
from bench_routing import porto_region_dir, random_points

from fevermap.geo.projection import _MATH, _forward
from fevermap.geo.segment_index import SegmentIndex
from fevermap.routing.region import load_region
from fevermap.routing.router import Router


def per_call_us(f: Callable[[Any], Any], xs: list[Any], repeat: int = 3) -> tuple[float, float]:
    """Median wall time per call and CPU time per call (µs), the best of ``repeat`` passes over ``xs``."""
    walls, cpus = [], []
    for _ in range(repeat):
        ts = []
        c0 = time.process_time()
        for x in xs:
            t = time.perf_counter()
            f(x)
            ts.append(time.perf_counter() - t)
        cpus.append((time.process_time() - c0) / len(xs) * 1e6)
        walls.append(statistics.median(ts) * 1e6)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region-dir", type=Path, help="a built region (default: build Porto)")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    region_dir = porto_region_dir(args.region_dir)
    router = Router(load_region(region_dir))
    index = router.index
    grid: SegmentIndex = index._grid
    proj = index._proj
    load = os.getloadavg()[0]
    pts = random_points(router, args.points, 1)
    xy = [proj.forward_one(*p) for p in pts]
    limit = router.index.max_snap_m
    rows = grid.to_arrays()["rows"]
    tree = shapely.STRtree(shapely.linestrings(rows.reshape(-1, 2, 2)))

    def tree_nearest(p: tuple[float, float]) -> float:
        _, d = tree.query_nearest(shapely.Point(*p), max_distance=limit, return_distance=True)
        return float(d[0])

    def python_forward(p: tuple[float, float]) -> tuple[float, float]:
        return _forward(_MATH, p[0], p[1], proj.lon_0)

    def snap_51(a: np.ndarray) -> object:
        return router.snap_many(a[:, 0], a[:, 1])

    differ = 0
    for p in xy:
        hit, ref = grid.nearest(*p, limit), grid.nearest_by_blocks(*p, limit)
        differ += hit != ref or (hit is not None and abs(tree_nearest(p) - hit[2]) > 1e-6)
    rows_md = [
        ("nearest segment: fevermap, C grid search", per_call_us(lambda p: grid.nearest(*p, limit), xy)),
        ("nearest segment: the same search in numpy", per_call_us(lambda p: grid.nearest_by_blocks(*p, limit), xy)),
        ("nearest segment: shapely 2 STRtree.query_nearest", per_call_us(tree_nearest, xy)),
        ("projection of one point: fevermap, C", per_call_us(lambda p: proj.forward_one(*p), pts)),
        ("projection of one point: the same series in Python", per_call_us(python_forward, pts)),
        ("Router.snap of one point", per_call_us(lambda p: router.snap(*p), pts)),
    ]
    batches = [np.array(pts[k : k + 51]) for k in range(0, len(pts) - 51, 51)]
    rows_md.append(("Router.snap_many of 51 points", per_call_us(snap_51, batches)))
    n_seg = len(grid)
    lines = [
        "## Snapping (benchmarks/bench_snapping.py)",
        "",
        f"Command: `python benchmarks/bench_snapping.py`. Machine: {machine()}; load average (1 min) {load:.1f} at "
        "the start (2 shared cores: CPU time beside wall time).",
        "",
        f"Region `{router.region.name}`: {n_seg:,} indexed segments, grid cell {grid.cell_m:.0f} m; "
        f"{len(xy):,} random points within {limit:.0f} m of a road. Answers compared with the numpy search (segment, "
        f"position and distance bit for bit) and shapely's distance (to 1 µm): **{differ} differ**.",
        "",
        "| measure | µs per call, median wall | µs per call, CPU |",
        "|---|---:|---:|",
        *[f"| {name} | {w:.1f} | {c:.1f} |" for name, (w, c) in rows_md],
        "",
        "The C forms compute in the same order as the ones they replaced, so snaps are unchanged; the numpy search is "
        "the test suite's oracle (`tests/geo/test_segment_index.py`).",
    ]
    md = "\n".join(lines)
    print(md)
    if not args.no_write:
        write_section("snapping", md)


if __name__ == "__main__":
    main()
