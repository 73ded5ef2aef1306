"""fevermap side by side with OSRM (MLD, car profile, through osrm-bindings), networkx and scipy, in one run.

For each extract (Porto; OSRM's Monaco test extract) on the same random pairs: point-to-point routes including
snapping and the route geometry, one origin to 50 destinations including snapping, snapping alone, a traffic update
of 5% of the segments until a query sees it (fevermap ``apply_traffic`` with an OSRM segment-speed CSV; OSRM
``osrm-customize --segment-speed-file`` on a copy of its data, then reloading it), build time and peak memory, warm
start (load to first query; OSRM memory-mapped and fully read), process memory after loading, the ETA ratio
fevermap / OSRM, and how many routes of each engine traverse a forbidden turn (OSM ``type=restriction`` relations,
checked on each route's OSM node sequence by :mod:`osrm_peer.restrictions`, independently of both engines).

fevermap is driven only through its public routing API (``build_region``, ``load_region``, ``Router``); OSRM runs
in its own Python 3.12 process (:mod:`osrm_peer.driver`) set up by :mod:`osrm_peer.setup_osrm` (cached under
``~/.cache/fevermap/osrm``). networkx and scipy route node to node on fevermap's exported node graph after the same
snapping, as in ``bench_routing.py``.

Usage::

    python benchmarks/bench_osrm.py               # full run (1,000 pairs), writes its section of RESULTS.md
    python benchmarks/bench_osrm.py --quick       # 200 pairs, no RESULTS.md
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section
from bench_routing import min_weight_csr, ms, peak_mb, random_points, route_or_none, timed
from osrm_peer import setup_osrm
from osrm_peer.report import section
from osrm_peer.restrictions import TurnChecker, read_restrictions

from fevermap.errors import NoRouteError
from fevermap.routing.export import to_networkx
from fevermap.routing.region import build_region, load_region
from fevermap.routing.router import Route, Router

DRIVER = Path(__file__).resolve().parent / "osrm_peer" / "driver.py"
MEMORY_FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")
N_CHECK = 20  # routes re-asked after each traffic update to check that it changed them
P2P_ROUNDS = 4  # p2p rounds over all pairs, per engine
P2P_BLOCK = 100  # pairs routed by one engine, then by the other


def memory_kb() -> dict[str, int]:
    """This process's resident memory fields from /proc/self/status (kB)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in MEMORY_FIELDS:
            out[key] = int(value.split()[0])
    return out


# ---------------------------------------------------------------- fevermap in fresh processes
def _build_child(pbf: str, out_dir: str, conn: Any) -> None:
    t = time.perf_counter()
    build_region(pbf, out_dir)
    conn.send({"build_s": time.perf_counter() - t, "peak_mb": memory_kb()["VmHWM"] / 1024})
    conn.close()


def _load_child(region_dir: str, pairs: list[tuple[tuple[float, float], tuple[float, float]]], conn: Any) -> None:
    """Load a region and answer its first route, then the other ``pairs``: times (s) and memory at each step."""
    before = memory_kb()
    t = time.perf_counter()
    router = Router(load_region(region_dir))
    load_s = time.perf_counter() - t
    after = memory_kb()
    t = time.perf_counter()
    with contextlib.suppress(NoRouteError):  # a pair across components (Monaco) still times the first query
        router.route(*pairs[0])
    first_s = time.perf_counter() - t
    for p, q in pairs[1:]:
        with contextlib.suppress(NoRouteError):
            router.route(p, q)
    conn.send({"load_s": load_s, "first_query_s": first_s, "before": before, "after": after, "queried": memory_kb()})
    conn.close()


def in_child(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(*args, child))
    proc.start()
    value: dict[str, Any] = parent.recv()
    proc.join()
    return value


# ---------------------------------------------------------------- OSRM through its driver
def run_driver(job: dict[str, Any], work: Path) -> dict[str, Any]:
    path = work / "job.json"
    path.write_text(json.dumps(job))
    out = subprocess.run([str(setup_osrm.venv_python()), str(DRIVER), str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"OSRM driver failed: {out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


class OsrmServer:
    """The OSRM driver answering route batches in a running process (``driver.py --serve``), so that fevermap's and
    OSRM's p2p routes can be timed in turns."""

    def __init__(self, osrm_base: str) -> None:
        self._proc = subprocess.Popen([str(setup_osrm.venv_python()), str(DRIVER), "--serve", osrm_base],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        self._read()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise SystemExit(f"OSRM driver (--serve) stopped with exit code {self._proc.wait()}")
        out: dict[str, Any] = json.loads(line)
        return out

    def routes(self, pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> list[float]:
        """Each route's time in s (OSRM's ``overview=full, geometries=geojson``)."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"routes": [list(p + q) for p, q in pairs]}) + "\n")
        self._proc.stdin.flush()
        times: list[float] = self._read()["t"]
        return times

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait()


def fm_round(
    router: Router, pairs: list[tuple[tuple[float, float], tuple[float, float]]]
) -> tuple[list[float], list[Route | None]]:
    """fevermap's routes between the pairs, each timed (s); None where there is no route."""
    times, routes = [], []
    for p, q in pairs:
        t = time.perf_counter()
        try:
            r: Route | None = router.route(p, q)
        except NoRouteError:
            r = None
        times.append(time.perf_counter() - t)
        routes.append(r)
    return times, routes


def p2p_rounds(router: Router, osrm_base: str, pairs: list[tuple[tuple[float, float], tuple[float, float]]],
               rounds: int) -> dict[str, Any]:  # fmt: skip
    """p2p on the same pairs, both engines in turn: each round goes over all pairs in blocks of
    :data:`P2P_BLOCK`, every block routed by both engines one after the other (fevermap first in even blocks, OSRM
    in odd ones), after 50 untimed routes each. So every engine is timed across the same seconds of the shared
    machine. Returns both engines' times pooled over the rounds, each round's medians, and fevermap's routes of the
    first round."""
    server = OsrmServer(osrm_base)
    try:
        server.routes(pairs[:50])
        fm_round(router, pairs[:50])
        fm_all: list[float] = []
        osrm_all: list[float] = []
        medians = []
        first: list[Route | None] = []
        for _ in range(rounds):
            fm_t: list[float] = []
            o_t: list[float] = []
            for k, lo in enumerate(range(0, len(pairs), P2P_BLOCK)):
                block = pairs[lo : lo + P2P_BLOCK]
                for side in ("fm", "osrm") if k % 2 == 0 else ("osrm", "fm"):
                    if side == "fm":
                        times, routes = fm_round(router, block)
                        fm_t += times
                        if len(first) < len(pairs):
                            first += routes
                    else:
                        o_t += server.routes(block)
            fm_all += fm_t
            osrm_all += o_t
            medians.append((statistics.median(fm_t) * 1000, statistics.median(o_t) * 1000))
    finally:
        server.close()
    return {"fm": fm_all, "osrm": osrm_all, "medians": medians, "fm_routes": first}


def osrm_copy(name: str, dest: Path) -> str:
    """A copy of the cached OSRM data (customize writes into its input); returns the copy's ``.osrm`` base."""
    dest.mkdir(parents=True)
    for f in setup_osrm.data_dir(name).glob(f"{name}.osrm*"):
        shutil.copyfile(f, dest / f.name)
    return str(dest / f"{name}.osrm")


# ---------------------------------------------------------------- node sequences
def fevermap_nodes(router: Router, route: Route) -> list[int]:
    """OSM node ids a fevermap route passes, in order: its edges' OSM segments, from the snapped segment of the first
    edge to the snapped segment of the last (both ends' segments included, as OSRM's ``annotations=nodes``)."""
    g = router.graph
    edges = route.edges
    if not edges:
        return []
    first = next(p for p in route.origin.positions if p.edge == edges[0])
    last = next(p for p in route.destination.positions if p.edge == edges[-1])
    ids: list[int] = []
    b = 0
    for i, e in enumerate(edges):
        s0, s1 = int(g.seg_off[e]), int(g.seg_off[e + 1])
        a = s0 + (first.seg if i == 0 else 0)
        b = s0 + last.seg + 1 if i == len(edges) - 1 else s1
        ids.extend(int(x) for x in g.seg_u_osm[a:b])
    ids.append(int(g.seg_v_osm[b - 1]))
    return ids


def durations(router: Router, pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> list[float | None]:
    """Route durations in s (None where there is no route)."""
    return [None if r is None else r.duration_s for r in fm_round(router, pairs)[1]]


def one_to_50(router: Router, origin: tuple[float, float], dests: list[tuple[float, float]]) -> Any:
    """One origin to many destinations from coordinates, as a caller does: the points snapped in one batch
    (``Router.snap_many``: the same snaps as one ``snap`` each), then ``Router.one_to_many``."""
    pts = np.array([origin, *dests], dtype=np.float64)
    snaps = router.snap_many(pts[:, 0], pts[:, 1])
    return router.one_to_many(snaps[0], snaps[1:])


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# ---------------------------------------------------------------- one extract
def bench_extract(name: str, pbf: Path, work: Path, n_pairs: int, n_base: int, rebuild: bool) -> dict[str, Any]:
    res: dict[str, Any] = {"name": name}
    res["osrm_build"] = setup_osrm.build(name, pbf, rebuild=rebuild)
    osrm_base = str(setup_osrm.osrm_base(name))
    region_dir = work / name
    res["fm_build"] = in_child(_build_child, str(pbf), str(region_dir))
    res["fm_disk_mb"] = sum(f.stat().st_size for f in region_dir.rglob("*") if f.is_file()) / 1e6
    router = Router(load_region(region_dir))
    g = router.graph
    res["nodes"], res["edges"] = g.node_count, g.edge_count
    pts = random_points(router, 2 * n_pairs, 1)
    pairs = [(pts[2 * i], pts[2 * i + 1]) for i in range(n_pairs)]
    res["fm_start"] = [in_child(_load_child, str(region_dir), pairs if k == 0 else pairs[:1]) for k in range(3)]
    # ------------------------------------------------------------ p2p: fevermap and OSRM in turns
    rounds = p2p_rounds(router, osrm_base, pairs, P2P_ROUNDS)
    fm_routes: list[Route | None] = rounds["fm_routes"]
    res["fm_p2p"], res["osrm_p2p"] = ms(rounds["fm"]), ms(rounds["osrm"])
    res["p2p_rounds"] = rounds["medians"]
    # ------------------------------------------------------------ fevermap queries
    res["fm_snap"] = ms([timed(lambda p=p: router.snap(*p)) for p in pts])
    origins, dests = random_points(router, 200, 2), random_points(router, 50 * 200, 3)
    fresh = []
    for i, o in enumerate(origins):
        batch = dests[50 * i : 50 * i + 50]
        fresh.append(timed(lambda o=o, b=batch: one_to_50(router, o, b)))
    fixed = router.pin_targets([router.snap(*d) for d in dests[:50]])
    router.one_to_many(router.snap(*origins[0]), fixed)
    res["fm_50"] = ms(fresh)
    # the same 200 queries again: the region's mapped pages and caches they touch are now warm, as in a served region
    res["fm_50_again"] = ms([timed(lambda o=o, b=dests[50 * i : 50 * i + 50]: one_to_50(router, o, b))
                             for i, o in enumerate(origins)])  # fmt: skip
    res["fm_50_pinned"] = ms([timed(lambda o=o: router.one_to_many(router.snap(*o), fixed)) for o in origins])
    # ------------------------------------------------------------ traffic: the same 5% CSVs for both engines
    rng = np.random.default_rng(4)
    n_seg = g.seg_u_osm.shape[0]
    csvs, fm_traffic, fm_changed = [], [], []
    base = durations(router, pairs[:N_CHECK])
    for k in range(3):
        pick = rng.choice(n_seg, size=n_seg // 20, replace=False)
        speeds = rng.uniform(5, 60, size=pick.shape[0])
        text = "".join(
            f"{u},{v},{s:.0f}\n" for u, v, s in zip(g.seg_u_osm[pick], g.seg_v_osm[pick], speeds, strict=True)
        )
        csv = work / f"{name}_speeds_{k}.csv"
        csv.write_text(text)
        csvs.append(csv)
        fm_traffic.append(timed(lambda text=text: (router.apply_traffic(text), route_or_none(router, *pairs[0]))))
        fm_changed.append(sum(durations(router, pairs[:N_CHECK])[i] != base[i] for i in range(N_CHECK)))
        router.reset_traffic()
    res["fm_traffic"] = ms(fm_traffic)
    # the same three updates again: the process has customised before (buffers, pages), as a served region has
    again = []
    for c in csvs:
        text = c.read_text()
        again.append(timed(lambda text=text: (router.apply_traffic(text), route_or_none(router, *pairs[0]))))
        router.reset_traffic()
    res["fm_traffic_again"] = ms(again)
    res["traffic_rows"] = n_seg // 20
    res["fm_traffic_changed"], res["n_check"] = fm_changed, N_CHECK
    # ------------------------------------------------------------ OSRM
    starts = {True: [], False: []}  # type: dict[bool, list[dict[str, Any]]]
    for mmap in (True, False, True, False, True, False):
        starts[mmap].append(
            run_driver({"osrm": osrm_base, "use_mmap": mmap, "routes": [list(pairs[0][0] + pairs[0][1])]}, work)
        )
    res["osrm_start"] = starts
    updates = [{"osrm": osrm_copy(name, work / f"osrm_copy_{k}"), "csv": str(c)} for k, c in enumerate(csvs)]
    job = {
        "osrm": osrm_base,
        "use_mmap": True,
        "routes": [list(p + q) for p, q in pairs[:50] + pairs],
        "tables": [[list(o), *map(list, dests[50 * i : 50 * i + 50])] for i, o in enumerate(origins)],
        "nearest": [list(p) for p in pts],
        "traffic": updates,
        "customize": str(setup_osrm.package_dir() / "bin" / "osrm-customize"),
        "threads": setup_osrm.THREADS,
        "skip": 50,
        "check": N_CHECK,
    }
    osrm = run_driver(job, work)
    o_routes = osrm["routes"][50:]
    res["osrm_p2p_batch"] = ms([r["t"] for r in o_routes])
    res["osrm_p2p_nodes"] = ms([r["t_nodes"] for r in o_routes if "t_nodes" in r])
    res["osrm_50"] = ms([t["t"] for t in osrm["tables"]])
    res["osrm_nearest"] = ms([n["t"] for n in osrm["nearest"]])
    res["osrm_traffic"] = ms([u["total_s"] for u in osrm["traffic"]])
    res["osrm_traffic_steps"] = {
        k: statistics.median(u[k] for u in osrm["traffic"]) for k in ("customize_s", "reload_s", "first_route_s")
    }
    res["osrm_peak_mb"] = osrm["rss_after_queries"]["VmHWM"] / 1024
    res["osrm_queried"] = osrm["rss_after_queries"]
    o_base = [r.get("duration") for r in o_routes[:N_CHECK]]
    res["osrm_traffic_changed"] = [
        sum(a != b for a, b in zip(u["check"], o_base, strict=True)) for u in osrm["traffic"]
    ]
    res["osrm_bindings"], res["osrm_python"] = osrm["osrm_bindings"], osrm["python"]
    res["osrm_disk_mb"] = res["osrm_build"]["data_mb"]
    # ------------------------------------------------------------ ETAs and forbidden turns on the same pairs
    ratios, dist_ratios, only_fm, only_osrm = [], [], 0, 0
    for fr, orr in zip(fm_routes, o_routes, strict=True):
        if fr is None or "error" in orr:
            only_fm += fr is not None
            only_osrm += "error" not in orr
            continue
        if orr["duration"] > 0:
            ratios.append(fr.duration_s / orr["duration"])
            dist_ratios.append(fr.distance_m / orr["distance"])
    res["eta"] = {"n": len(ratios), "median": pct(ratios, 50), "p10": pct(ratios, 10), "p90": pct(ratios, 90),
                  "dist_median": pct(dist_ratios, 50), "only_fm": only_fm, "only_osrm": only_osrm}  # fmt: skip
    rs = read_restrictions(pbf)
    checker = TurnChecker(rs)
    fm_bad = [checker.violations(fevermap_nodes(router, r)) for r in fm_routes if r is not None]
    o_bad = [checker.violations(r["nodes"]) for r in o_routes if "nodes" in r]
    res["turns"] = {
        "relations": rs.relations, "checked": rs.checked, "malformed": rs.malformed,
        "conditional": rs.conditional, "exempt": rs.exempt, "other_vehicle": rs.other_vehicle,
        "via_way": sum(1 for r in rs.restrictions if r.via_ways),
        "fm_routes": sum(1 for v in fm_bad if v), "fm_n": len(fm_bad),
        "osrm_routes": sum(1 for v in o_bad if v), "osrm_n": len(o_bad),
        "fm_kinds": sorted({r.value for v in fm_bad for r in v}),
        "osrm_examples": sorted({r.rel for v in o_bad for r in v})[:5],
    }  # fmt: skip
    # ------------------------------------------------------------ networkx and scipy after the same snapping
    nxg = to_networkx(router)
    osm_ids = g.node_osm
    w = router.edge_weights_ms / 1000.0
    t = time.perf_counter()
    mat = min_weight_csr(w, g.edge_tail, g.edge_head, g.node_count)
    res["sp_build_s"] = time.perf_counter() - t

    def ends(p: tuple[float, float], q: tuple[float, float]) -> tuple[int, int]:
        a, b = router.snap(*p), router.snap(*q)
        return int(g.edge_head[a.positions[0].edge]), int(g.edge_tail[b.positions[0].edge])

    def nx_route(p: tuple[float, float], q: tuple[float, float]) -> None:
        u, v = ends(p, q)
        with contextlib.suppress(nx.NetworkXNoPath):
            nx.bidirectional_dijkstra(nxg, int(osm_ids[u]), int(osm_ids[v]), weight="travel_time")

    def sp_route(p: tuple[float, float], q: tuple[float, float]) -> None:
        u, v = ends(p, q)
        dijkstra(mat, indices=u)[v]

    res["nx_p2p"] = ms([timed(lambda p=p, q=q: nx_route(p, q)) for p, q in pairs[:n_base]])
    res["sp_p2p"] = ms([timed(lambda p=p, q=q: sp_route(p, q)) for p, q in pairs[:n_base]])
    n_tab = max(5, n_base // 5)
    first_edge = [int(g.edge_head[router.snap(*o).positions[0].edge]) for o in origins[:n_tab]]
    res["nx_50"] = ms(
        [
            timed(lambda u=u: nx.single_source_dijkstra_path_length(nxg, int(osm_ids[u]), weight="travel_time"))
            for u in first_edge
        ]
    )
    res["sp_50"] = ms([timed(lambda u=u: dijkstra(mat, indices=u)) for u in first_edge])
    res["nx_traffic_s"] = timed(lambda: [d.__setitem__("travel_time", d["travel_time"] * 1.1)
                                        for _, _, d in list(nxg.edges(data=True))[: n_seg // 20]])  # fmt: skip
    res["sp_traffic_s"] = timed(lambda: min_weight_csr(w * 1.1, g.edge_tail, g.edge_head, g.node_count))
    res["mem"] = {e: peak_mb(str(region_dir), e, 200) for e in ("fevermap", "networkx", "scipy")}
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 pairs, fewer baseline queries, no RESULTS.md")
    parser.add_argument("--pairs", type=int, default=1000, help="random pairs per extract (default 1,000)")
    parser.add_argument("--cached-osrm-build", action="store_true", help="reuse the cached OSRM data and its figures")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument("--only", choices=sorted(setup_osrm.DEFAULT_EXTRACTS), help="one extract only")
    args = parser.parse_args()
    n_pairs, n_base = (200, 10) if args.quick else (args.pairs, 60)
    setup_osrm.ensure_venv()
    load_start = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, pbf in setup_osrm.DEFAULT_EXTRACTS.items():
            if args.only and name != args.only:
                continue
            if not pbf.exists():
                print(f"skipping {name}: {pbf} not found", file=sys.stderr)
                continue
            work = Path(tmp) / name
            work.mkdir()
            results.append(bench_extract(name, pbf, work, n_pairs, n_base, rebuild=not args.cached_osrm_build))
    command = "python benchmarks/bench_osrm.py" + (" --quick" if args.quick else "")
    if args.cached_osrm_build:
        command += " --cached-osrm-build"
    load = f"Load average (1 min) {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 shared cores)."
    md = section(results, command, machine(), load)
    print(md)
    if not (args.no_write or args.quick):
        write_section("osrm", md)


if __name__ == "__main__":
    main()
