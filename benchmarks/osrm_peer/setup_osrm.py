"""Set up the OSRM peer: a Python 3.12 venv with osrm-bindings and OSRM MLD data (car profile) per extract, cached.

Idempotent: the venv is created once, the bindings are installed once, and an extract is rebuilt only when its
``build.json`` is missing or names another source file (sha256) or OSRM version. Everything lives under
``~/.cache/fevermap/osrm`` (``FEVERMAP_OSRM_CACHE`` overrides):

- ``venv/``: Python 3.12 from pyenv (osrm-bindings ships abi3 wheels for CPython >= 3.12 only), with
  ``osrm-bindings``; its wheel carries the ``osrm-extract/partition/customize`` binaries and ``profiles/car.lua``.
- ``data/<name>/<name>.osrm.*``: ``osrm-extract -p car.lua``, ``osrm-partition``, ``osrm-customize`` of
  ``<name>.osm.pbf``, and ``build.json`` with the wall time, CPU time and peak RSS of each step.

Usage (any Python >= 3.11, e.g. the fevermap venv)::

    python benchmarks/osrm_peer/setup_osrm.py                       # Porto and OSRM's Monaco from ../shared
    python benchmarks/osrm_peer/setup_osrm.py --extract F.osm.pbf   # another extract
    python benchmarks/osrm_peer/setup_osrm.py --rebuild             # rebuild the data even if cached
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OSRM_BINDINGS = "osrm-bindings==26.10.0"
PYENV_PYTHON = Path(os.environ.get("FEVERMAP_OSRM_PYTHON", "/root/.pyenv/versions/3.12.1/bin/python"))
CACHE = Path(os.environ.get("FEVERMAP_OSRM_CACHE", Path.home() / ".cache" / "fevermap" / "osrm"))
SHARED_OSM = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm"
DEFAULT_EXTRACTS = {"porto": SHARED_OSM / "porto.osm.pbf", "osrm_monaco": SHARED_OSM / "osrm_monaco.osm.pbf"}
THREADS = 2  # the machine's cores; OSRM's tools default to all hardware threads too


def venv_python() -> Path:
    return CACHE / "venv" / "bin" / "python"


def package_dir() -> Path:
    """The installed ``osrm`` package (binaries in ``bin/``, profiles in ``share/profiles``)."""
    out = subprocess.run(
        [str(venv_python()), "-c", "import osrm, os; print(os.path.dirname(osrm.__file__))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def osrm_version() -> str:
    out = subprocess.run([str(package_dir() / "bin" / "osrm-extract"), "--version"], capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()


def ensure_venv() -> Path:
    """Create the Python 3.12 venv and install osrm-bindings (once)."""
    py = venv_python()
    if not py.exists():
        if not PYENV_PYTHON.exists():
            raise SystemExit(f"Python 3.12 not found at {PYENV_PYTHON} (set FEVERMAP_OSRM_PYTHON)")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(PYENV_PYTHON), "-m", "venv", str(CACHE / "venv")], check=True)
    probe = subprocess.run([str(py), "-c", "import osrm"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", OSRM_BINDINGS], check=True)
    return py


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_step(cmd: list[str], log: Path) -> dict[str, float]:
    """Run one OSRM tool; its wall time, CPU time (user + sys) in s and peak RSS in MB (from wait4's rusage)."""
    t = time.perf_counter()
    with log.open("a") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}; see {log}")
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}


def data_dir(name: str) -> Path:
    return CACHE / "data" / name


def osrm_base(name: str) -> Path:
    """The ``.osrm`` base path OSRM opens for extract ``name``."""
    return data_dir(name) / f"{name}.osrm"


def build(name: str, pbf: Path, *, rebuild: bool = False) -> dict[str, Any]:
    """Build OSRM MLD data for ``pbf`` under ``data/<name>`` (skipped when cached); returns its build.json."""
    ensure_venv()
    out = data_dir(name)
    stamp = out / "build.json"
    digest, version = sha256(pbf), osrm_version()
    if stamp.exists() and not rebuild:
        info: dict[str, Any] = json.loads(stamp.read_text())
        if info.get("sha256") == digest and info.get("osrm_version") == version:
            return info
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copyfile(pbf, out / f"{name}.osm.pbf")
    pkg = package_dir()
    profile = out / "car.lua"  # copied from the installed wheel with its lib/ so that the data records its profile
    shutil.copyfile(pkg / "share" / "profiles" / "car.lua", profile)
    shutil.copytree(pkg / "share" / "profiles" / "lib", out / "lib")
    base, log = str(osrm_base(name)), out / "build.log"
    bins = pkg / "bin"
    steps = {
        "extract": [str(bins / "osrm-extract"), "-p", str(profile), "-t", str(THREADS), f"{name}.osm.pbf"],
        "partition": [str(bins / "osrm-partition"), "-t", str(THREADS), base],
        "customize": [str(bins / "osrm-customize"), "-t", str(THREADS), base],
    }
    results = {step: run_step(cmd, log) for step, cmd in steps.items()}
    info = {
        "name": name,
        "source": str(pbf),
        "sha256": digest,
        "osrm_version": version,
        "bindings": OSRM_BINDINGS,
        "profile": "car.lua (from the osrm-bindings wheel)",
        "algorithm": "MLD",
        "threads": THREADS,
        "built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "steps": results,
        "total_wall_s": sum(r["wall_s"] for r in results.values()),
        "total_cpu_s": sum(r["cpu_s"] for r in results.values()),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in results.values()),
        "data_mb": sum(f.stat().st_size for f in out.glob(f"{name}.osrm*")) / 1e6,
    }
    stamp.write_text(json.dumps(info, indent=2))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extract", type=Path, action="append", help="an .osm.pbf (repeatable; default Porto, Monaco)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the OSRM data even if cached")
    args = parser.parse_args()
    extracts = {p.name.split(".")[0]: p for p in args.extract} if args.extract else DEFAULT_EXTRACTS
    ensure_venv()
    print(f"venv: {venv_python()} ({osrm_version()})", file=sys.stderr)
    for name, pbf in extracts.items():
        if not pbf.exists():
            print(f"skipping {name}: {pbf} not found", file=sys.stderr)
            continue
        info = build(name, pbf, rebuild=args.rebuild)
        print(
            f"{name}: {osrm_base(name)} built {info['built_at']} in {info['total_wall_s']:.1f} s "
            f"(peak RSS {info['peak_rss_mb']:.0f} MB)",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
