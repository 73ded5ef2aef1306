"""Run every benchmark (``make bench``); each rewrites its own section of ``benchmarks/RESULTS.md``.

The benchmarks run one after another as separate processes (so none measures another's leftovers). The PostgreSQL
variants (the load benchmark's second section, the tracing benchmark's PostGIS comparison) run when
``FEVERMAP_BENCH_POSTGRES_URL`` names a PostgreSQL + PostGIS database; without it they are skipped and say so.

Usage::

    .venv/bin/python benchmarks/run_all.py           # everything (tens of minutes)
    .venv/bin/python benchmarks/run_all.py --quick   # smoke runs of the benchmarks that have one (nothing written
                                                     # by those; the CLI benchmark still writes its section)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def plan(quick: bool, postgres: str | None) -> list[list[str]]:
    """The benchmark commands, in order."""
    q = ["--quick"] if quick else []
    short = ["--duration", "10", "--no-write"] if quick else []
    runs = [
        ["bench_cli.py"],
        ["bench_routing.py", *q],
        ["bench_clinics.py", *q],
        ["bench_tracing.py", *q],
        ["bench_load.py", *short],
        ["bench_osrm.py", *q],  # OSRM (osrm-bindings, Python 3.12 from pyenv) side by side on Porto
        ["bench_directions.py", *q],
        ["bench_care.py", *q],  # isochrones, coverage beside networkx and one query per cell
        ["bench_regions.py", *([] if quick else ["--load"])],
        ["bench_risk.py", *q],
        ["bench_surveillance.py"],
    ]
    if postgres:
        runs.append(
            ["bench_load.py", "--database-url", postgres, *(["--duration", "10", "--no-write"] if quick else [])]
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke runs")
    args = parser.parse_args()
    postgres = os.environ.get("FEVERMAP_BENCH_POSTGRES_URL")
    if not postgres:
        print("FEVERMAP_BENCH_POSTGRES_URL is not set: the PostgreSQL + PostGIS variants are skipped", flush=True)
    failed = []
    for script, *options in plan(args.quick, postgres):
        print(f"\n=== {script} {' '.join(options)}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *options], check=False)
        print(f"=== {script}: exit {done.returncode} after {time.perf_counter() - t0:.0f} s", flush=True)
        if done.returncode:
            failed.append(script)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")
    print(f"\nresults: {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
