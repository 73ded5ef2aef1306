"""Part 2 of bench_regions: ``fevermap serve --regions DIR --workers 2`` with five regions under wrk on loopback.

The server prepares the regions once and forks its workers (:mod:`fevermap.api.cli_serve`), so the workers share
the routers copy-on-write: PSS splits shared pages between the processes that hold them, USS is a process's own.
Two runs: random OSRM routes across all regions (``/route/v1/driving/..?overview=false``; each request's two points
from one region, the region picked by the service from the coordinates), and the 70/25/5 nearest/route/status mix
spread over the regions (ten clearly labelled synthetic clinics per region, written for the run only). Reports
requests/s, p50/p99, errors, each worker's memory (RSS and its file-backed part) and the time from start to healthy.

What limits it: a third wrk run on ``/health`` (no routing, no database: uvicorn's HTTP parsing and the framework's
floor), wrk's own CPU per request, and the domain work of each request measured alone in this process (region
selection, the OSRM route answer, the nearest clinics answer, encoded), all in CPU ms per request.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import psutil
from bench_load import parse_wrk, wait_healthy
from bench_routing import random_points

from fevermap.access.keys import create_key
from fevermap.clinics.locator import ClinicLocator, answer_json
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate
from fevermap.config import Settings
from fevermap.db import session_factory
from fevermap.errors import NoRouteError
from fevermap.regions.catalog import load_regions, region_dirs
from fevermap.regions.selection import RegionSet
from fevermap.routing import osrm
from fevermap.routing.router import Router

LUA = r"""
local routes = {@ROUTES@}
local points = {@POINTS@}
local clinics = {@CLINICS@}
math.randomseed(os.time())
request = function()
  local r = math.random(100)
  if r <= @NEAREST@ then
    local p = points[math.random(#points)]
    return wrk.format("GET", "/clinics/nearest?limit=3&with_slots=true&at=" .. p)
  elseif r <= @ROUTE@ then
    return wrk.format("GET", routes[math.random(#routes)])
  else
    local c = clinics[math.random(#clinics)]
    local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
    local body = '{"slots": ' .. math.random(0, 40) .. ', "observed_at": "' .. now .. '"}'
    return wrk.format("PUT", "/clinics/" .. c[1] .. "/status", {["Content-Type"] = "application/json",
                      ["X-API-Key"] = c[2]}, body)
  end
end
"""


def _memory(root: psutil.Process, folder: Path) -> list[tuple[str, float, float, float, float]]:
    """(who, RSS, PSS, USS, resident region files) in MB of the server's parent and each worker."""
    out = []
    for who, proc in [("parent", root)] + [(f"worker {c.pid}", c) for c in root.children(recursive=True)]:
        try:
            full = proc.memory_full_info()
            mapped = sum(m.rss for m in proc.memory_maps(grouped=True) if m.path.startswith(str(folder)))
        except psutil.Error:
            continue
        mb = 2**20
        out.append((who, full.rss / mb, full.pss / mb, full.uss / mb, mapped / mb))
    return out


def _owned_points(served: RegionSet, name: str, n: int, seed: int = 11) -> list[tuple[float, float]]:
    """``n`` random points near roads of region ``name`` that the service also answers from ``name`` (two regions
    overlap: OSRM's Monaco extract holds graphhopper's)."""
    router = served.get(name).router
    out: list[tuple[float, float]] = []
    for p in random_points(router, 4 * n, seed=seed, decimals=5):
        if served.pick([p])[0].name == name:
            out.append(p)
    return out[:n]


def _routes(router: Router, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether a route joins ``a`` and ``b`` (random pairs may lie on big components that one-way roads keep apart:
    the load measures answered routes, the NoRoute answers are tested elsewhere)."""
    try:
        router.route(a, b)
    except NoRouteError:
        return False
    return True


def _server_cpu(root: psutil.Process) -> float:
    """CPU seconds (user + system) used so far by the server's workers."""
    total = 0.0
    for child in root.children(recursive=True):
        try:
            t = child.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the wrk runs)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _domain_ms(served: RegionSet, routes: list[str], points: list[str], registry: ClinicRegistry) -> dict[str, float]:
    """CPU ms per request of the domain work alone (no HTTP, no framework), the least of three passes: region
    selection, the OSRM route answer (``overview=false``, encoded) and the nearest three clinics with slots."""
    settings = Settings()
    for region in served:
        region.services["locator"] = ClinicLocator(registry, region.router)
    route_args = []
    for url in routes:
        coords = url.strip('"').split("?")[0].rsplit("/", 1)[1]
        pts = osrm.parse_coordinates(coords, 100)
        route_args.append((coords, pts, served.pick(pts)[0]))
    at = [tuple(float(v) for v in p.strip('"').split(",")) for p in points]
    at_region = [served.pick([p])[0] for p in at]

    def best(run: Callable[[], None], n: int) -> float:
        out = []
        for _ in range(3):
            c = time.process_time()
            run()
            out.append((time.process_time() - c) / n * 1e3)
        return min(out)

    def picks() -> None:
        for _coords, pts, _r in route_args:
            served.pick(pts)

    def answers() -> None:
        for coords, _pts, r in route_args:
            orjson.dumps(osrm.route_response(r.router, coords, {"overview": "false"}, max_snap_m=settings.max_snap_m,
                                             max_coordinates=settings.max_route_coordinates))  # fmt: skip

    def nearest() -> None:
        for p, r in zip(at, at_region, strict=True):
            orjson.dumps(answer_json(r.services["locator"].nearest(p[0], p[1], limit=3, with_slots=True)),
                         option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)  # fmt: skip

    return {"pick": best(picks, len(route_args)), "route": best(answers, len(route_args)),
            "nearest": best(nearest, len(at))}  # fmt: skip


def run_load(folder: Path, seconds: int) -> str:
    regions = load_regions(region_dirs(folder))
    served = RegionSet([Router(region) for region in regions])
    db = folder / "load.sqlite3"
    url = f"sqlite:///{db}"
    routes, points, clinics = [], [], []
    with ClinicRegistry.open(url, Settings(database_url=url)) as registry:
        sessions = session_factory(registry.engine)
        for region in served:
            pts = _owned_points(served, region.name, 400)
            points += [f'"{x},{y}"' for x, y in pts[:200]]
            pairs = [(a, b) for a, b in zip(pts[200:300], pts[300:400], strict=True) if _routes(region.router, a, b)]
            routes += [f'"/route/v1/driving/{a[0]},{a[1]};{b[0]},{b[1]}?overview=false"' for a, b in pairs]
            for i, (x, y) in enumerate(_owned_points(served, region.name, 10, seed=5)):
                c = registry.add(region.name, ClinicCreate(name=f"SYNTHETIC load-test clinic {region.name} {i}",
                                 lon=x, lat=y, source="synthetic, benchmarks/_regions_load.py"),
                                 timezone=region.region.timezone)  # fmt: skip
                clinics.append(f'{{"{c.id}","{create_key(sessions, "clinic", clinic_id=c.id)}"}}')
        domain = _domain_ms(served, routes, points, registry)
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "FEVERMAP_DATABASE_URL": url}
    fevermap = str(Path(sys.executable).parent / "fevermap")
    started = time.perf_counter()
    proc = subprocess.Popen([fevermap, "serve", "--regions", str(folder), "--workers", "2", "--port", str(port),
                             "--log-level", "warning"], env=env, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, tries=None)
        startup = time.perf_counter() - started
        rows = []
        runs = (("OSRM routes across all regions", (0, 100)), ("70/25/5 nearest/route/status", (70, 95)),
                ("/health (floor: HTTP + framework, no routing)", None))  # fmt: skip
        for label, mix in runs:
            script = folder / "load.lua"
            lua = LUA.replace("@ROUTES@", ",".join(routes)).replace("@POINTS@", ",".join(points))
            lua = lua.replace("@CLINICS@", ",".join(clinics)).replace("@NEAREST@", str(mix[0] if mix else 0))
            script.write_text(lua.replace("@ROUTE@", str(mix[1] if mix else 0)))
            target = ["-s", str(script), base] if mix else [base + "/health"]
            subprocess.run(["wrk", "-t2", "-c16", "-d3s", *target], capture_output=True, check=True)
            cpu0, wrk0 = _server_cpu(psutil.Process(proc.pid)), _children_cpu()
            out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", *target],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            cpu, wrk_cpu = _server_cpu(psutil.Process(proc.pid)) - cpu0, _children_cpu() - wrk0
            w = parse_wrk(out)
            errors = int(w["non2xx"] + w["socket_errors"])
            n = max(w["requests"], 1)
            rows.append(f"| {label} | {w['rps']:,.0f} | {w['p50']:.1f} | {w['p99']:.1f} | {errors} "
                        f"| {cpu / n * 1e3:.2f} | {wrk_cpu / n * 1e3:.3f} |")  # fmt: skip
        mem = _memory(psutil.Process(proc.pid), folder)
        load_avg = "/".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    names = ", ".join(f"{r.name} ({r.graph.node_count:,} nodes)" for r in regions)
    names += f"; {len(routes)} route requests, {len(points)} points, {len(clinics)} clinics"
    mem_md = "; ".join(
        f"{who}: RSS {rss:.0f}, PSS {pss:.0f}, USS {uss:.0f}, region files resident {mapped:.0f}"
        for who, rss, pss, uss, mapped in mem
    )
    return "\n".join([
        f"\n### Five regions, 2 workers, wrk 2 threads / 16 connections, {seconds} s each, loopback\n",
        f"Regions: {names}. Start-up to healthy: {startup:.1f} s (interpreter, imports, database migration, "
        f"prepare the five regions, fork). Memory in MB after the runs: {mem_md}. Load average at the end: "
        f"{load_avg}.\n",
        "| load | req/s | p50 ms | p99 ms | errors | server CPU ms / request | wrk CPU ms / request |",
        "|---|---|---|---|---|---|---|", *rows,
        f"\nThe domain work alone (this process, no HTTP, CPU ms per request, least of 3 passes): region selection "
        f"{domain['pick']:.3f} (the route handlers skip its snaps where one region's box holds the points), OSRM "
        f"route answer (`overview=false`, snapping included, encoded) {domain['route']:.3f}, nearest 3 clinics with "
        f"slots (snap, one-to-many, routes, answer, encoded) {domain['nearest']:.3f}.",
    ])  # fmt: skip
