"""CLI start-up benchmark: ``fevermap route`` for one pair on the demo region vs importing numpy and routingkit_cch.

Issue 10 asks that one route from the command line take at most twice the time of
``python -c "import numpy, routingkit_cch"`` (the floor: the engine's own imports). Both are run as fresh processes,
``--repeat`` times each, alternating, after one warm-up run each (which also builds the demo region into the cache
on first use); the medians and the ratio are reported. Also measured: ``fevermap --help`` (start-up alone).

Usage::

    .venv/bin/python benchmarks/bench_cli.py              # writes its section of benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_cli.py --no-write   # print only
"""

from __future__ import annotations

import argparse
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


def wall_s(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    for cmd in COMMANDS.values():
        wall_s(cmd)  # warm-up (and the demo region's first build)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, cmd in COMMANDS.items():
            times[name].append(wall_s(cmd))
    floor = statistics.median(next(iter(times.values())))
    rows = ["| command | median (s) | min (s) | vs the imports |", "|---|---:|---:|---:|"]
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append(f"| `{name}` | {med:.3f} | {min(ts):.3f} | {med / floor:.2f}x |")
    md = "\n".join(
        [
            "## CLI start-up (benchmarks/bench_cli.py)",
            "",
            f"Fresh processes, {args.repeat} runs each, alternating, after a warm-up; {machine()}.",
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
