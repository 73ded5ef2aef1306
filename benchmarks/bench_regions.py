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
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
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
import numpy, routingkit_cch  # the interpreter and its libraries are not the region's
from fevermap.routing.region import load_region
from fevermap.routing.router import Router
base = rss()
t0 = time.perf_counter()
region = load_region(sys.argv[1])
t1 = time.perf_counter()
router = Router(region)
t2 = time.perf_counter()
g = router.graph
a, b = (float(g.node_lon[0]), float(g.node_lat[0])), (float(g.node_lon[-1]), float(g.node_lat[-1]))
try:
    router.route(a, b)
except Exception:
    pass
t3 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "router_s": t2 - t1, "first_route_s": t3 - t2, "queryable_s": t3 - t0,
                  "rss_bytes": rss() - base, "mapped_bytes": mapped(os.path.realpath(sys.argv[1])),
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
    from fevermap.routing.region import build_region

    built = {}
    for name, path in extracts().items():
        t = time.perf_counter()
        region = build_region(path, folder / name, name=name)
        built[name] = {"build_s": time.perf_counter() - t, "nodes": region.graph.node_count}
    return built


def measure(region_dir: Path, runs: int = 3) -> dict[str, float]:
    """The best of ``runs`` fresh processes (the region's files are in the page cache after the first)."""
    best: dict[str, float] | None = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _CHILD, str(region_dir)], capture_output=True, text=True,
                             check=True)  # fmt: skip
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or res["queryable_s"] < best["queryable_s"]:
            best = res
    assert best is not None
    return best


def part1(folder: Path) -> str:
    built = build_all(folder)
    rows = ["| region | nodes | build s | build s / 10k nodes | load ms | router ms | queryable ms | RSS MB | "
            "RSS MB / 10k nodes | mapped MB |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, b in built.items():
        m = measure(folder / name)
        per10k = 10_000 / max(b["nodes"], 1)
        rows.append(
            f"| {name} | {b['nodes']:,} | {b['build_s']:.1f} | {b['build_s'] * per10k:.2f} | {m['load_s'] * 1e3:.0f} "
            f"| {m['router_s'] * 1e3:.0f} | {m['queryable_s'] * 1e3:.0f} | {m['rss_bytes'] / 2**20:.0f} "
            f"| {m['rss_bytes'] / 2**20 * per10k:.1f} | {m['mapped_bytes'] / 2**20:.1f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", action="store_true", help="also run the five-region wrk load (part 2)")
    parser.add_argument("--seconds", type=int, default=30, help="wrk duration per load run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = part1(Path(tmp))
        body = [f"## Regions: build, time to queryable, memory per region\n\n`python benchmarks/bench_regions.py` on "
                f"{machine()}. One fresh process per region (best of 3); RSS is what the region adds to a worker "
                "after `import numpy, routingkit_cch`; mapped is the file-backed part of it (region files in the "
                "page cache, shared between workers).\n", table]  # fmt: skip
        if args.load:
            from _regions_load import run_load

            body.append(run_load(Path(tmp), args.seconds))
    text = "\n".join(body)
    print(text)
    write_section("regions", text)


if __name__ == "__main__":
    main()
