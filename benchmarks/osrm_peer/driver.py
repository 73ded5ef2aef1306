"""Timed OSRM query batches through osrm-bindings: run by the OSRM venv's Python 3.12, a JSON job in, JSON out.

The job (a file named on the command line, or stdin) is an object::

    {"osrm": ".../porto.osrm",            # MLD data from setup_osrm.py
     "use_mmap": true,                     # memory-map the data files (false: read them fully into memory)
     "routes": [[lon0, lat0, lon1, lat1], ...],
     "tables": [[[lon, lat], ...], ...],   # each: the origin first, then its destinations (one-to-many)
     "nearest": [[lon, lat], ...],
     "traffic": [{"osrm": ".../copy/porto.osrm", "csv": "speeds.csv"}, ...],
     "customize": ".../osrm-customize", "threads": 2,
     "skip": 50, "check": 20}              # after each update, re-ask routes[skip:skip + check]

and the answer, on stdout, gives times in seconds: ``load_s`` (constructing the engine), ``first_query_s``, process
memory after loading (``rss_after_load``, kB fields of /proc/self/status) and after all queries; per route the time
of a ``overview=full, geometries=geojson`` query (like fevermap's route with its GeoJSON geometry), its duration (s),
distance (m) and the OSM node ids it passes (``annotations=nodes``, asked in a second, separately timed query); per
table the time and the durations to each destination; per nearest the time and the snap distance (m); per traffic
update the time of ``osrm-customize --segment-speed-file`` on a copy of the data, of reloading it and of the first
route after the reload, and that route's duration.

``driver.py --serve BASE`` instead answers batches of routes on stdin, one JSON line each (:func:`serve`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import osrm  # type: ignore[import-not-found]

MEMORY_FIELDS = ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM")


def memory_kb() -> dict[str, int]:
    """This process's resident memory fields from /proc/self/status (kB)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in MEMORY_FIELDS:
            out[key] = int(value.split()[0])
    return out


def engine(path: str, use_mmap: bool) -> Any:
    return osrm.OSRM(storage_config=path, algorithm="MLD", use_shared_memory=False, use_mmap=use_mmap)


def route_params(pair: list[float], *, nodes: bool) -> Any:
    coords = [(pair[0], pair[1]), (pair[2], pair[3])]
    if nodes:
        return osrm.RouteParameters(coordinates=coords, annotations=["nodes"], overview="false", generate_hints=False)
    return osrm.RouteParameters(coordinates=coords, overview="full", geometries="geojson", generate_hints=False)


def timed_route(o: Any, pair: list[float]) -> tuple[float, tuple[float, float] | str]:
    """One ``overview=full, geometries=geojson`` route, timed: (s, the best route's (duration s, distance m) or
    OSRM's error message)."""
    t = time.perf_counter()
    try:
        r = o.Route(route_params(pair, nodes=False))
        best = r["routes"][0]
        found = float(best["duration"]), float(best["distance"])
    except RuntimeError as exc:  # NoRoute / NoSegment come back as RuntimeError
        return time.perf_counter() - t, str(exc)
    return time.perf_counter() - t, found


def run_route(o: Any, pair: list[float]) -> dict[str, Any]:
    elapsed, best = timed_route(o, pair)
    if isinstance(best, str):
        return {"t": elapsed, "error": best}
    t = time.perf_counter()
    r = o.Route(route_params(pair, nodes=True))
    leg = r["routes"][0]["legs"][0]
    node_ids = [int(n) for n in leg["annotation"]["nodes"]]
    return {"t": elapsed, "t_nodes": time.perf_counter() - t, "duration": best[0], "distance": best[1],
            "nodes": node_ids}  # fmt: skip


def run_table(o: Any, points: list[list[float]]) -> dict[str, Any]:
    t = time.perf_counter()
    params = osrm.TableParameters(
        coordinates=[tuple(p) for p in points],
        sources=[0],
        destinations=list(range(1, len(points))),
        annotations=["duration"],
        generate_hints=False,
    )
    r = o.Table(params)
    row = r["durations"][0]
    durations = [None if d is None else float(d) for d in row]
    return {"t": time.perf_counter() - t, "durations": durations}


def run_nearest(o: Any, point: list[float]) -> dict[str, Any]:
    t = time.perf_counter()
    r = o.Nearest(osrm.NearestParameters(coordinates=[tuple(point)], generate_hints=False))
    distance = float(r["waypoints"][0]["distance"])
    return {"t": time.perf_counter() - t, "distance": distance}


def run_traffic(
    job: dict[str, Any], update: dict[str, Any], probe: list[float], check: list[list[float]]
) -> dict[str, Any]:
    """osrm-customize with a segment-speed file on a copy of the data, reload, first route: timed in steps."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [job["customize"], "-t", str(job.get("threads", 2)), "--segment-speed-file", update["csv"], update["osrm"]],
        capture_output=True,
        text=True,
    )
    t1 = time.perf_counter()
    if proc.returncode != 0:
        return {"error": proc.stdout[-2000:] + proc.stderr[-2000:]}
    o = engine(update["osrm"], job.get("use_mmap", True))
    t2 = time.perf_counter()
    first = run_route(o, probe)
    t3 = time.perf_counter()
    return {"customize_s": t1 - t0, "reload_s": t2 - t1, "first_route_s": t3 - t2, "total_s": t3 - t0,
            "duration": first.get("duration"), "check": [run_route(o, p).get("duration") for p in check]}  # fmt: skip


def serve(path: str, use_mmap: bool) -> None:
    """Answer route batches as they come: one JSON line in (``{"routes": [[lon0, lat0, lon1, lat1], ...]}``), one
    out (``{"t": [s, ...]}``: each route's time, as :func:`run_route` times it), until stdin closes. The benchmark
    sends its blocks of pairs here between fevermap's, so that both engines are timed in the same seconds of a shared
    machine."""
    o = engine(path, use_mmap)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        batch = json.loads(line)
        print(json.dumps({"t": [timed_route(o, pair)[0] for pair in batch["routes"]]}), flush=True)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[2], use_mmap=True)
        return
    text = Path(sys.argv[1]).read_text() if len(sys.argv) > 1 else sys.stdin.read()
    job = json.loads(text)
    before = memory_kb()
    t = time.perf_counter()
    o = engine(job["osrm"], job.get("use_mmap", True))
    load_s = time.perf_counter() - t
    after_load = memory_kb()
    routes = job.get("routes", [])
    first_query_s = None
    if routes:
        t = time.perf_counter()
        run_route(o, routes[0])
        first_query_s = time.perf_counter() - t
    out: dict[str, Any] = {
        "osrm_bindings": metadata.version("osrm-bindings"),
        "python": sys.version.split()[0],
        "use_mmap": job.get("use_mmap", True),
        "rss_before_load": before,
        "load_s": load_s,
        "rss_after_load": after_load,
        "first_query_s": first_query_s,
        "routes": [run_route(o, p) for p in routes],
        "tables": [run_table(o, pts) for pts in job.get("tables", [])],
        "nearest": [run_nearest(o, p) for p in job.get("nearest", [])],
    }
    out["rss_after_queries"] = memory_kb()
    check = routes[job.get("skip", 0) :][: job.get("check", 0)]
    out["traffic"] = [run_traffic(job, u, routes[0], check) for u in job.get("traffic", [])] if routes else []
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
