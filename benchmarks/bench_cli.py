"""CLI start-up benchmark: ``fevermap route`` for one pair on the demo region vs importing numpy and routingkit_cch.

Issue 10 asks that one route from the command line take at most twice the time of
``python -c "import numpy, routingkit_cch"`` (the floor: the engine's own imports). Both are run as fresh processes,
``--repeat`` times each, alternating, after one warm-up run each (which also builds the demo region into the cache
on first use); the medians and the ratio are reported, of wall time and of the CPU time (user + system) of each
process, which the load of a shared machine disturbs less. Also measured: ``fevermap --help`` (start-up alone).

The processes run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed from their environment), as an
installed fevermap runs: ``pip install`` compiles every module, and the warm-up run writes the ``__pycache__`` of an
editable checkout. With caching off, every start compiles fevermap's own modules again (about 40 ms here).

Usage::

    .venv/bin/python benchmarks/bench_cli.py              # writes its section of benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_cli.py --no-write   # print only
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section

BIN = Path(sys.executable).parent
COMMANDS = {
    "python -c 'import numpy, routingkit_cch'": [sys.executable, "-c", "import numpy, routingkit_cch"],
    "fevermap --help": [str(BIN / "fevermap"), "--help"],
    "fevermap route (one pair, demo region)": [
        str(BIN / "fevermap"), "route", "--from", "121.4737,31.2304", "--to", "121.4997,31.2397",
    ],
}  # fmt: skip


#: The environment of the measured processes: bytecode caching on (see the module docstring).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_s(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process running ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    for cmd in COMMANDS.values():
        run_s(cmd)  # warm-up (and the demo region's first build)
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeat):
        for name, cmd in COMMANDS.items():
            wall, cpu = run_s(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load_after = os.getloadavg()[0]
    floor_wall = statistics.median(next(iter(walls.values())))
    floor_cpu = statistics.median(next(iter(cpus.values())))
    rows = [
        "| command | wall median (s) | wall min (s) | wall vs the imports | CPU median (s) | CPU vs the imports |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in COMMANDS:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        rows.append(
            f"| `{name}` | {wall:.3f} | {min(walls[name]):.3f} | {wall / floor_wall:.2f}x | {cpu:.3f} | "
            f"{cpu / floor_cpu:.2f}x |"
        )
    md = "\n".join(
        [
            "## CLI start-up (benchmarks/bench_cli.py)",
            "",
            f"Fresh processes with bytecode caching on, {args.repeat} runs each, alternating, after a warm-up; "
            f"{machine()}; load average "
            f"{load_before:.1f} before, {load_after:.1f} after (a shared machine: CPU time is the steadier figure).",
            "The target of issue 10: `fevermap route` within 2x of importing numpy and routingkit_cch.",
            "",
            *rows,
        ]
    )
    print(md)
    if not args.no_write:
        write_section("cli", md)


if __name__ == "__main__":
    main()
