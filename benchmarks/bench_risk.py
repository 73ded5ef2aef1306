"""Risk-area benchmark: areas for a day of Shanghai 2022, exclude=sealed routes after a new risk-area version, and
the in-browser self-check, in one run.

- ``areas``: :func:`fevermap.risk.areas.compute_areas` for three dates of the Shanghai 2022 address-days (all 26,105
  geocoded addresses when ``/work/shared`` holds them, else the bundled demo-region subset), default rule set
  (sealed, controlled and 500 m prevention areas), wall and CPU time of each date's first computation and the median
  of 3, with the load average around them. Target: <= 1 s.
- ``exclude=sealed``: on the demo region, a new risk-area version's sealed areas become queryable after computing the
  closed-edge mask and customising the side metric (target <= 100 ms); then 1,000 random routes with the closure
  against the same routes without (median per query; target <= 1.5x).
- ``self-check``: the page's matcher (``selfcheck.js``) in headless Chromium on a 14-day itinerary (5 stops a day)
  against all the case place-days of a day's look-back, index building included (median of 20; target <= 200 ms).

Usage::

    .venv/bin/python benchmarks/bench_risk.py           # writes its section of benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_risk.py --quick   # fewer routes, no file written
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section

from fevermap.config import PACKAGE_DATA_DIR
from fevermap.errors import NoRouteError
from fevermap.risk.areas import compute_areas
from fevermap.risk.closures import Closure, closed_state, edge_geometries
from fevermap.risk.engine import RiskEngine
from fevermap.routing.region import demo_region
from fevermap.routing.router import Router

FULL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cases" / "shanghai2022"
DATES = (date(2022, 3, 25), date(2022, 4, 5), date(2022, 4, 15))


def bench_areas(engine: RiskEngine, repeat: int = 3) -> list[str]:
    rows = ["| date | places sealed / controlled | areas sealed / controlled / prevention | first: wall (s) | "
            f"first: CPU (s) | median of {repeat}: wall (s) | median of {repeat}: CPU (s) |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for on in DATES:  # in date order; the first computation of a date is what a server pays, once per date
        times = []
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            ra = compute_areas(engine.places, engine.rules, on)
            times.append((time.perf_counter() - w0, time.process_time() - c0))
        lv = ra.place_levels.level
        n = {k: len(ra.of_level(k)) for k in ("sealed", "controlled", "prevention")}
        wall, cpu = statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)
        first_wall, first_cpu = times[0]
        rows.append(f"| {on} | {(lv == 0).sum():,} / {(lv == 1).sum():,} | {n['sealed']:,} / {n['controlled']:,} / "
                    f"{n['prevention']:,} | {first_wall:.2f} | {first_cpu:.2f} | {wall:.2f} | {cpu:.2f} |")  # fmt: skip
        print(rows[-1], flush=True)
    return rows


def bench_exclude(demo_engine: RiskEngine, n_routes: int) -> list[str]:
    router = Router(demo_region())
    edge_geometries(router)  # built once per worker at start-up
    rng = np.random.default_rng(15)
    g = router.graph
    pairs = []
    while len(pairs) < n_routes:
        a, b = rng.integers(0, g.node_count, 2)
        pairs.append((router.snap(float(g.node_lon[a]), float(g.node_lat[a])),
                      router.snap(float(g.node_lon[b]), float(g.node_lat[b]))))  # fmt: skip
    rows = ["| risk date | sealed areas | closed edges | first queryable, wall (CPU) ms | pairs routable around | "
            "plain route (µs, median) | exclude=sealed route (µs, median) | ratio |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for on in (date(2022, 3, 25), date(2022, 4, 2), date(2022, 4, 10)):
        ra = demo_engine.areas(on)
        sealed = ra.of_level("sealed")
        closure = Closure(ra.version + ":sealed", [a.polygon for a in sealed], [a.id for a in sealed])
        t0, c0 = time.perf_counter(), time.process_time()
        state = closed_state(router, closure)
        first_ms, first_cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        closed = int(edge_geometries(router).edges_in(closure.polygons).sum())
        routable = []
        for o, d in pairs:
            with contextlib.suppress(NoRouteError):  # a pair the closure cuts apart is not compared
                router.route_snapped(o, d, state=state)
                routable.append((o, d))
        plain, side = [], []
        for o, d in routable:
            for st, out in ((None, plain), (state, side)):
                t = time.perf_counter()
                router.route_snapped(o, d, state=st)
                out.append(time.perf_counter() - t)
        p, s = statistics.median(plain) * 1e6, statistics.median(side) * 1e6
        rows.append(f"| {on} | {len(sealed):,} | {closed:,} of {g.edge_count:,} | {first_ms:.1f} ({first_cpu:.1f}) | "
                    f"{len(routable):,} | {p:.0f} | {s:.0f} | {s / p:.2f}x |")  # fmt: skip
        print(rows[-1], flush=True)
    return rows


def bench_selfcheck(engine: RiskEngine) -> list[str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return ["(headless Chromium not installed: self-check not measured)"]
    from playwright.sync_api import sync_playwright

    from fevermap.api.app import create_app
    from fevermap.config import Settings

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.api.conftest import serve_in_thread

    on = date(2022, 4, 10)
    pd = engine.place_days(on)
    rng = np.random.default_rng(15)
    t0 = int(datetime(on.year, on.month, on.day, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()) - 13 * 86400
    places = np.array([p[:2] for p in pd["places"]])
    stops = []
    for day in range(14):
        for _ in range(5):
            p = places[rng.integers(len(places))] + rng.normal(0, 0.0005, 2)
            s = t0 + day * 86400 + int(rng.integers(0, 80_000))
            stops.append({"lon": float(p[0]), "lat": float(p[1]), "start": s, "end": s + int(rng.integers(600, 7200))})
    db = Path(tempfile.mkdtemp()) / "fevermap.sqlite3"
    with serve_in_thread(create_app(Settings(database_url=f"sqlite:///{db}"))) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(base + "/selfcheck")
        page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
        result = page.evaluate(
            """([stops, pd]) => { const ms = []; let hits = 0;
                 for (let i = 0; i < 20; i++) { const t = performance.now();
                   hits = FevermapSelfcheck.match(stops, pd).length; ms.push(performance.now() - t); }
                 ms.sort((a, b) => a - b); return [ms[10], ms[19], hits]; }""",
            [stops, pd],
        )
        browser.close()
    med, worst, hits = result
    return ["| itinerary | case place-days (places) | hits | median (ms) | slowest of 20 (ms) |",
            "|---|---|---|---|---|",
            f"| 14 days x 5 stops | {len(pd['visits']):,} ({len(pd['places']):,}) | {hits} | {med:.1f} | "
            f"{worst:.1f} |"]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 routes, no RESULTS.md written")
    args = ap.parse_args()
    source = FULL if (FULL / "geo.csv").exists() else PACKAGE_DATA_DIR / "cases" / "shanghai2022"
    full = RiskEngine.from_path(source)
    demo = RiskEngine.from_path(PACKAGE_DATA_DIR / "cases" / "shanghai2022")
    load = os.getloadavg()[0]
    print(f"cases: {source} ({full.places.rec_day.size:,} address-days, {len(full.places):,} places)", flush=True)
    load_areas = [os.getloadavg()[0]]
    areas = bench_areas(full)
    load_areas.append(os.getloadavg()[0])
    exclude = bench_exclude(demo, 100 if args.quick else 1000)
    selfcheck = bench_selfcheck(full)
    text = "\n".join([
        "## Risk areas, exclude=sealed, self-check (`benchmarks/bench_risk.py`)", "",
        f"Machine: {machine()}; load average at start {load:.1f} (the machine is shared: wall times under load are "
        "several times the idle ones, CPU times less so).", "",
        f"Areas for a day, default rules, {full.places.rec_day.size:,} address-days at {len(full.places):,} "
        f"places ({source.name} {'full data' if source == FULL else 'demo subset'}); target <= 1 s; load average "
        f"{load_areas[0]:.1f} before and {load_areas[1]:.1f} after these:", "",
        *areas, "",
        "exclude=sealed on the demo region (sealed areas of the bundled subset; 1,000 random node pairs, timed on "
        "those the closure leaves connected, plain and closed alternating; first queryable = closed-edge mask + "
        "side-metric customisation; targets <= 100 ms and <= 1.5x):", "",
        *exclude, "",
        "In-browser self-check (headless Chromium, selfcheck.js; place-days of the 14-day look-back of 2022-04-10; "
        "target <= 200 ms):", "", *selfcheck,
    ])  # fmt: skip
    print(text)
    if not args.quick:
        write_section("bench_risk", text)


if __name__ == "__main__":
    main()
