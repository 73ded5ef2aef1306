"""Regions side by side: build time, time to queryable, memory per region and per worker; the multi-region load.

Part 1 (always): for each extract, ``fevermap build`` time and, in a fresh process per region, the time from nothing
to the first answered route (load the region directory, build the router, route once), the resident memory the
region adds to a worker (RSS), and how much of it is file-backed, shared pages of the region directory (``mapped``,
read from ``/proc/self/smaps``: the page cache shares these between workers). Figures per 10,000 graph nodes feed
the arithmetic of ``docs/deploy.md``.

Part 2 (``--load``): ``fevermap serve --workers 2`` with five regions, driven by wrk on loopback: random OSRM routes
across all regions (``overview=false``), and the 70/25/5 nearest/route/status mix; throughput, p99, errors, memory per
worker and start-up time.

Run: ``python benchmarks/bench_regions.py [--load] [--seconds 30]`` (writes its section of ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from _results import machine, write_section  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "osm"

_CHILD = r"""
import json, os, sys, time
def rollup(pid="self"):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return out
def mapped(folder):
    total, cur = 0, None
    with open("/proc/self/smaps") as f:
        for line in f:
            parts = line.split()
            if parts and "-" in parts[0] and len(parts) >= 5:
                cur = parts[5] if len(parts) > 5 else ""
            elif parts and parts[0] == "Rss:" and cur and cur.startswith(folder):
                total += int(parts[1]) * 1024
    return total
import numpy, routingkit_cch, shapely, pyproj  # the interpreter and its libraries are not the region's
from fevermap.regions.prepared import prepare
from fevermap.routing.region import load_region
from fevermap.routing.router import Router
from fevermap.regions.selection import RegionSet
base = rollup()
t0, c0 = time.perf_counter(), time.process_time()
region = load_region(sys.argv[1])
t1, c1 = time.perf_counter(), time.process_time()
router = Router(region)
t2, c2 = time.perf_counter(), time.process_time()
g = router.graph
rng = numpy.random.default_rng(1)
pick = rng.integers(0, g.node_count, size=(200, 2))
def routes(r):
    for i, j in pick:
        try:
            r.route((float(g.node_lon[i]), float(g.node_lat[i])), (float(g.node_lon[j]), float(g.node_lat[j])))
        except Exception:
            pass
routes(router)
t3, c3 = time.perf_counter(), time.process_time()
own = rollup()
regions = RegionSet([router])  # the footprint (once per region and process)
t4, c4 = time.perf_counter(), time.process_time()
del regions, router, region
# the fork model of `fevermap serve`: the parent prepares, the worker only routes
prep = prepare([sys.argv[1]], 1000.0)
rd, wr = os.pipe()
pid = os.fork()
if pid == 0:
    w0 = rollup()
    routes(next(iter(prep.regions)).router)
    w1 = rollup()
    os.write(wr, json.dumps({"dirty": w1["Private_Dirty"] - w0["Private_Dirty"],
                             "clean": w1["Private_Clean"] - w0["Private_Clean"]}).encode())
    os._exit(0)
os.waitpid(pid, 0)
child = json.loads(os.read(rd, 1 << 16))
print(json.dumps({"load_s": t1 - t0, "load_cpu_s": c1 - c0, "router_s": t2 - t1, "router_cpu_s": c2 - c1,
                  "queryable_s": t2 - t0 + (t3 - t2) / 200, "queryable_cpu_s": c2 - c0 + (c3 - c2) / 200,
                  "footprint_cpu_s": c4 - c3,
                  "rss_bytes": own["Rss"] - base["Rss"], "pss_bytes": own["Pss"] - base["Pss"],
                  "uss_bytes": own["Private_Clean"] + own["Private_Dirty"] - base["Private_Clean"]
                  - base["Private_Dirty"], "anon_bytes": own["Anonymous"] - base["Anonymous"],
                  "mapped_bytes": mapped(os.path.realpath(sys.argv[1])),
                  "fork_worker_dirty_bytes": child["dirty"], "fork_worker_clean_bytes": child["clean"],
                  "nodes": int(g.node_count), "edges": int(g.edge_count)}))
"""


def extracts() -> dict[str, Path]:
    out = {
        "shanghai_center": REPO / "data" / "osm" / "shanghai_center.osm",
        "andorra": REPO / "data" / "fixtures" / "andorra.osm.pbf",
        "monaco": REPO / "data" / "fixtures" / "monaco.osm.gz",
    }
    for name in ("porto", "osrm_monaco"):
        path = SHARED / f"{name}.osm.pbf"
        if path.exists():
            out[name] = path
    for base in (REPO / "fevermap" / "data" / "osm", REPO / "fevermap" / "data" / "fixtures"):
        for name, path in list(out.items()):
            if not path.exists() and (base / path.name).exists():
                out[name] = base / path.name
    return out


def build_all(folder: Path) -> dict[str, dict[str, float]]:
    """Build every extract into ``folder``: wall and CPU seconds, graph nodes."""
    from fevermap.routing.region import build_region

    built = {}
    for name, path in extracts().items():
        t, c = time.perf_counter(), time.process_time()
        region = build_region(path, folder / name, name=name)
        built[name] = {"build_s": time.perf_counter() - t, "build_cpu_s": time.process_time() - c,
                       "nodes": region.graph.node_count}  # fmt: skip
    return built


def measure(region_dir: Path, runs: int = 3) -> dict[str, float]:
    """The best (least CPU) of ``runs`` fresh processes (the region's files are in the page cache after the first)."""
    best: dict[str, float] | None = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _CHILD, str(region_dir)], capture_output=True, text=True,
                             check=True)  # fmt: skip
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or res["queryable_cpu_s"] < best["queryable_cpu_s"]:
            best = res
    assert best is not None
    return best


def part1(folder: Path) -> str:
    built = build_all(folder)
    os.sync()  # region files just written stay dirty in the page cache until written back: smaps would count them
    rows = ["| region | nodes | build s (CPU s) | build CPU s / 10k nodes | load ms (CPU) | router ms (CPU) | "
            "queryable ms (CPU) | footprint CPU ms | RSS MB | PSS MB | USS MB | USS MB / 10k nodes | anon MB | "
            "mapped MB | forked worker MB dirty (clean) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, b in built.items():
        m = measure(folder / name)
        per10k = 10_000 / max(b["nodes"], 1)
        mb = 2**20
        rows.append(
            f"| {name} | {b['nodes']:,} | {b['build_s']:.1f} ({b['build_cpu_s']:.1f}) "
            f"| {b['build_cpu_s'] * per10k:.2f} "
            f"| {m['load_s'] * 1e3:.0f} ({m['load_cpu_s'] * 1e3:.0f}) | {m['router_s'] * 1e3:.0f} "
            f"({m['router_cpu_s'] * 1e3:.0f}) | {m['queryable_s'] * 1e3:.0f} ({m['queryable_cpu_s'] * 1e3:.0f}) "
            f"| {m['footprint_cpu_s'] * 1e3:.0f} | {m['rss_bytes'] / mb:.0f} | {m['pss_bytes'] / mb:.0f} "
            f"| {m['uss_bytes'] / mb:.0f} | {m['uss_bytes'] / mb * per10k:.1f} | {m['anon_bytes'] / mb:.0f} "
            f"| {m['mapped_bytes'] / mb:.1f} "
            f"| {m['fork_worker_dirty_bytes'] / mb:.1f} ({m['fork_worker_clean_bytes'] / mb:.1f}) |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", action="store_true", help="also run the five-region wrk load (part 2)")
    parser.add_argument("--seconds", type=int, default=30, help="wrk duration per load run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = part1(Path(tmp))
        load_avg = "/".join(f"{x:.2f}" for x in os.getloadavg())
        body = [f"## Regions: build, time to queryable, memory per region\n\n`python benchmarks/bench_regions.py` on "
                f"{machine()}, load average {load_avg} at the start (the 2 cores are shared: CPU times beside wall "
                "times). One fresh process per region (least CPU of 3). *load*: the region directory, arrays "
                "memory-mapped read-only; *router*: edge index, contraction hierarchy, first metric; *queryable*: "
                "load + router + one route (the mean of 200 random routes); *footprint*: the region's polygon for "
                "region selection. RSS / PSS / USS (private pages) from `/proc/self/smaps_rollup`: what the region "
                "adds to a process after `import numpy, routingkit_cch, shapely, pyproj`; *mapped*: the resident "
                "part of the memory-mapped region files (page cache, shared by every process that maps them); "
                "USS counts those pages too while no other process maps them, *anon* (`Anonymous`) does not. "
                "*Forked worker*: the private memory a worker forked from a process that prepared the region "
                "(`fevermap serve`'s model) adds while answering the same 200 routes: dirty pages (its own "
                "writes), and in brackets clean ones (region-file pages only it has mapped so far: page cache, "
                "shared once another process maps them).\n", table]  # fmt: skip
        if args.load:
            from _regions_load import run_load

            body.append(run_load(Path(tmp), args.seconds))
    text = "\n".join(body)
    print(text)
    write_section("regions", text)


if __name__ == "__main__":
    main()
