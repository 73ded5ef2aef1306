"""Part 2 of bench_regions: ``fevermap serve --regions DIR --workers 2`` with five regions under wrk on loopback.

Two runs: random OSRM routes across all regions (``/route/v1/driving/..?overview=false``; each request's two points
from one region, the region picked by the service from the coordinates), and the 70/25/5 nearest/route/status mix
spread over the regions (ten clearly labelled synthetic clinics per region, written for the run only). Reports
requests/s, p50/p99, errors, each worker's memory (RSS and its file-backed part) and the time from start to healthy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from bench_load import parse_wrk
from bench_routing import random_points

from fevermap.access.keys import create_key
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate
from fevermap.config import Settings
from fevermap.db import session_factory
from fevermap.regions.catalog import load_regions, region_dirs
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


def _worker_memory(root: psutil.Process, folder: Path) -> list[tuple[float, float]]:
    out = []
    for child in root.children(recursive=True):
        try:
            maps = child.memory_maps(grouped=True)
            mapped = sum(m.rss for m in maps if m.path.startswith(str(folder)))
            out.append((child.memory_info().rss / 2**20, mapped / 2**20))
        except psutil.Error:
            continue
    return out


def run_load(folder: Path, seconds: int) -> str:
    regions = load_regions(region_dirs(folder))
    db = folder / "load.sqlite3"
    url = f"sqlite:///{db}"
    routes, points, clinics = [], [], []
    with ClinicRegistry.open(url, Settings(database_url=url)) as registry:
        sessions = session_factory(registry.engine)
        for region in regions:
            router = Router(region)
            pts = random_points(router, 400, seed=11, decimals=5)
            points += [f'"{x},{y}"' for x, y in pts[:200]]
            routes += [f'"/route/v1/driving/{a[0]},{a[1]};{b[0]},{b[1]}?overview=false"'
                       for a, b in zip(pts[200:300], pts[300:400], strict=True)]  # fmt: skip
            for i, (x, y) in enumerate(random_points(router, 10, seed=5)):
                c = registry.add(region.name, ClinicCreate(name=f"SYNTHETIC load-test clinic {region.name} {i}",
                                 lon=x, lat=y, source="synthetic, benchmarks/_regions_load.py"),
                                 timezone=region.timezone)  # fmt: skip
                clinics.append(f'{{"{c.id}","{create_key(sessions, "clinic", clinic_id=c.id)}"}}')
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "FEVERMAP_DATABASE_URL": url}
    fevermap = str(Path(sys.executable).parent / "fevermap")
    started = time.perf_counter()
    proc = subprocess.Popen([fevermap, "serve", "--regions", str(folder), "--workers", "2", "--port", str(port),
                             "--log-level", "warning"], env=env, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        startup = time.perf_counter() - started
        rows = []
        for label, mix in (("OSRM routes across all regions", (0, 100)), ("70/25/5 nearest/route/status", (70, 95))):
            script = folder / "load.lua"
            lua = LUA.replace("@ROUTES@", ",".join(routes)).replace("@POINTS@", ",".join(points))
            lua = lua.replace("@CLINICS@", ",".join(clinics)).replace("@NEAREST@", str(mix[0]))
            script.write_text(lua.replace("@ROUTE@", str(mix[1])))
            out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), base],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            w = parse_wrk(out)
            errors = int(w["non2xx"] + w["socket_errors"])
            rows.append(f"| {label} | {w['rps']:,.0f} | {w['p50']:.1f} | {w['p99']:.1f} | {errors} |")
        mem = _worker_memory(psutil.Process(proc.pid), folder)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    names = ", ".join(f"{r.name} ({r.graph.node_count:,} nodes)" for r in regions)
    mem_md = "; ".join(
        f"worker RSS {rss:.0f} MB of which file-backed region data {mapped:.1f} MB" for rss, mapped in mem
    )
    return "\n".join([
        f"\n### Five regions, 2 workers, wrk 2 threads / 16 connections, {seconds} s each, loopback\n",
        f"Regions: {names}. Start-up to healthy: {startup:.1f} s. Memory: {mem_md}.\n",
        "| load | req/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|", *rows,
    ])  # fmt: skip
