"""Clinic locator benchmark: nearest *available* clinic for 1,000 random origins on the demo region, with 100 and
with 5,000 SYNTHETIC clinics, against brute force, in one run.

Clinics are synthetic (random points near random road nodes of central Shanghai, named ``SYNTHETIC ...``) with
synthetic fresh statuses (about 30 % with no free slots); they live in a real SQLite registry (WAL). "Available"
means fresh status with free slots (``with_slots=True, strict=True``), ``limit=3``.

Measured per origin (median / p95 / mean):

- ``locator``: :meth:`ClinicLocator.nearest` without route geometry: registry revision check, snapping, filters,
  the safe geodesic prefilter and the one-to-many queries;
- ``locator + routes``: the full answer (route lengths of the 3 and the first one's geometry);
- ``one-to-many to all``: one one-to-many query to every clinic (exact, no prefilter);
- ``brute force``: a point-to-point route to every available clinic (100 clinics: all 1,000 origins; 5,000 clinics:
  the first 30 origins, as it takes about a second per origin).

Every locator answer is checked against the one-to-many-to-all ranking (all origins) and against brute force (the
brute-force origins); any difference aborts the run.

Usage::

    .venv/bin/python benchmarks/bench_clinics.py            # writes its section of benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_clinics.py --quick    # 200 origins, no file written
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate, StatusUpdate
from fevermap.config import Settings
from fevermap.db import open_database
from fevermap.routing.region import Region, demo_region
from fevermap.routing.router import Router

T = TypeVar("T")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

COMMAND = ".venv/bin/python benchmarks/bench_clinics.py"


def near_nodes(region: Region, n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``n`` random points within about 50 m of random road nodes."""
    g = region.graph
    idx = rng.choice(g.node_lon.shape[0], size=n, replace=n > g.node_lon.shape[0])
    return [
        (float(g.node_lon[i] + rng.uniform(-5e-4, 5e-4)), float(g.node_lat[i] + rng.uniform(-4e-4, 4e-4))) for i in idx
    ]


def populate(registry: ClinicRegistry, region: Region, n: int, now: datetime, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pts = near_nodes(region, n, rng)
    clinics = [
        ClinicCreate(
            id=f"syn-{i:05d}",
            name=f"SYNTHETIC clinic {i}",
            lon=lon,
            lat=lat,
            phones=["+862163240090"],
            source="synthetic benchmark data",
        )
        for i, (lon, lat) in enumerate(pts)
    ]
    registry.upsert_many(region.name, clinics, timezone=region.timezone)
    for c in clinics:
        slots = 0 if rng.random() < 0.3 else int(rng.integers(1, 30))
        registry.update_status(
            str(c.id), StatusUpdate(slots=slots, observed_at=now - timedelta(minutes=5), reporter="benchmark"), now=now
        )


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    """Milliseconds taken by ``fn(*args, **kwargs)``, and its result."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - t) * 1000.0, out


def stats(ms: Sequence[float]) -> str:
    a = np.asarray(ms)
    return f"{np.median(a):.3f} / {np.percentile(a, 95):.3f} / {a.mean():.3f}"


@dataclass
class Row:
    """One scenario's figures (times as 'median / p95 / mean' ms strings)."""

    n: int
    snapped: int
    available: int
    cells: int
    build_ms: float
    locator: str
    full: str
    all: str
    brute: str
    brute_n: int
    routed: str
    median_ms: float


def run(n_clinics: int, origins: list[tuple[float, float]], region: Region, router: Router, now: datetime,
        brute_origins: int, folder: Path) -> Row:  # fmt: skip
    engine = open_database(f"sqlite:///{folder / f'bench-{n_clinics}.sqlite3'}")
    registry = ClinicRegistry(engine, Settings())
    populate(registry, region, n_clinics, now, seed=n_clinics)
    loc = ClinicLocator(registry, router)
    t_build, _ = timed(loc.refresh)
    static, live = loc.refresh()
    avail = (live.slots > 0) & np.isfinite(live.observed)
    all_targets = router.pin_targets(static.snaps)
    ids = np.array(static.ids, dtype=object)
    # warm-up
    for o in origins[:20]:
        loc.nearest(*o, limit=3, with_slots=True, strict=True, at=now, with_routes=False)
        router.one_to_many(router.snap(*o), all_targets)
    t_loc: list[float] = []
    t_full: list[float] = []
    t_all: list[float] = []
    t_brute: list[float] = []
    routed: list[int] = []
    answers: list[list[tuple[str, float]]] = []
    query = {"limit": 3, "with_slots": True, "strict": True, "at": now}
    for o in origins:  # each measurement in its own loop, so they do not disturb each other's caches
        ms, ans = timed(loc.nearest, o[0], o[1], with_routes=False, **query)
        t_loc.append(ms)
        routed.append(ans.routed)
        answers.append([(c.id, c.eta_s) for c in ans.clinics])
    for o, got in zip(origins, answers, strict=True):
        ms_full, full = timed(loc.nearest, o[0], o[1], **query)
        t_full.append(ms_full)
        assert [(c.id, c.eta_s) for c in full.clinics] == got

    def all_many(o: tuple[float, float]) -> list[tuple[str, float]]:
        secs = router.one_to_many(router.snap(*o), all_targets)
        ok = np.flatnonzero(avail & np.isfinite(secs))
        order = np.lexsort((ids[ok], secs[ok]))[:3]
        return [(str(ids[ok][i]), float(secs[ok][i])) for i in order]

    for o, got in zip(origins, answers, strict=True):
        ms_all, ref_l = timed(all_many, o)
        t_all.append(ms_all)
        if [i for i, _ in got] != [i for i, _ in ref_l] or not np.allclose([e for _, e in got], [e for _, e in ref_l]):
            sys.exit(f"MISMATCH vs one-to-many-to-all at origin {o}: {got} != {ref_l}")
    candidates = [str(i) for i in ids[avail]]
    for o, got in list(zip(origins, answers, strict=True))[:brute_origins]:
        ms_b, brute = timed(loc.brute_force, o[0], o[1], candidates=candidates)
        t_brute.append(ms_b)
        brute_l = brute[:3]
        if [i for i, _ in got] != [i for i, _ in brute_l]:
            sys.exit(f"MISMATCH vs brute force at origin {o}: {got} != {brute_l}")
    engine.dispose()
    return Row(
        n=n_clinics,
        snapped=len(static.ids),
        available=int(avail.sum()),
        cells=len(static.cells),
        build_ms=t_build,
        locator=stats(t_loc),
        full=stats(t_full),
        all=stats(t_all),
        brute=stats(t_brute),
        brute_n=len(t_brute),
        routed=f"{statistics.median(routed):.0f} (max {max(routed)})",
        median_ms=float(np.median(t_loc)),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 origins and no results file")
    ap.add_argument("--origins", type=int, default=1000)
    args = ap.parse_args()
    n_origins = 200 if args.quick else args.origins
    region = demo_region()
    router = Router(region)
    now = datetime.now(UTC)
    origins = near_nodes(region, n_origins, np.random.default_rng(2026))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, brute in ((100, n_origins), (5000, 30)):
            r = run(n, origins, region, router, now, brute, Path(tmp))
            print(r, flush=True)
            rows.append(r)
    table = [
        "| clinics (synthetic) | available | cells (index build ms) | locator ms | locator + routes ms "
        "| one-to-many to all ms | brute force ms (origins) | clinics routed per query, median |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        table.append(
            f"| {r.n:,} ({r.snapped:,} snapped) | {r.available:,} | {r.cells} ({r.build_ms:.0f}) "
            f"| {r.locator} "
            f"| {r.full} | {r.all} | {r.brute} ({r.brute_n:,}) | {r.routed} |"
        )
    md = "\n".join(
        [
            "## Clinic locator: nearest available clinic (benchmarks/bench_clinics.py)",
            "",
            f"Command: `{COMMAND}{' --quick' if args.quick else ''}`. "
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}.",
            "",
            f"Demo region `{region.name}` ({region.meta.get('nodes', '?')} nodes), {n_origins:,} random origins near "
            "roads, `with_slots=True, strict=True, limit=3`, SQLite registry (WAL). Clinics and statuses are "
            "**synthetic** (random points near road nodes; about 30 % with no free slots). Every locator answer "
            "equalled the one-to-many-to-all ranking (all origins) and brute force (a route to every available "
            "clinic; the origins counted in brackets).",
            "Times in ms per origin as median / p95 / mean.",
            "",
            *table,
            "",
            f"Target: median <= 1 ms with 100 clinics: **{'met' if rows[0].median_ms <= 1.0 else 'not met'}** "
            f"({rows[0].median_ms:.3f} ms).",
        ]
    )
    print(md)
    if not args.quick:
        write_section("clinics", md)
        print("written to benchmarks/RESULTS.md (section clinics)")


if __name__ == "__main__":
    main()
