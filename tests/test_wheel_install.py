"""A non-editable ``pip install .`` into a fresh venv, run from outside the repository, routes and serves the demo.

The wheel is built from this checkout (pip's build isolation, from pip's cache); fevermap's dependencies are not
installed again but taken from the project's venv through a ``.pth`` line (which puts that ``site-packages`` on the
path without running its ``.pth`` files, so the editable install there stays inactive). The test checks that
``fevermap`` is imported from the new venv, so the demo data can only come from the wheel's package data.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fevermap.config import PACKAGE_DATA_DIR

from .api.conftest import free_port

REPO = PACKAGE_DATA_DIR.parent.parent
A, B = "121.4737,31.2304", "121.4997,31.2397"


def _run(*args: str | Path, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-4000:])
    return done.stdout


@pytest.mark.slow
def test_wheel_install_routes_and_serves_the_demo_from_elsewhere(tmp_path: Path) -> None:
    venv, work = tmp_path / "venv", tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEVERMAP_") and k != "PYTHONPATH"}
    env |= {"FEVERMAP_CACHE_DIR": str(tmp_path / "cache"), "FEVERMAP_DATABASE_URL": f"sqlite:///{tmp_path}/fm.db"}
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work, env=env)
    py = venv / "bin" / "python"
    purelib = Path(_run(py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work, env=env).strip())
    (purelib / "project_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    src = tmp_path / "src"  # a copy of what the sdist holds: setuptools builds in the source tree (build/)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "fevermap", src / "fevermap", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run(sys.executable, "-m", "pip", "--python", py, "install", "--quiet", "--no-deps", src, cwd=work, env=env)
    where = _run(py, "-c", "import fevermap; print(fevermap.__file__)", cwd=work, env=env)
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout

    route = json.loads(_run(venv / "bin" / "fevermap", "route", "--from", A, "--to", B, cwd=work, env=env))
    assert route["duration_s"] > 0 and route["geometry"]["type"] == "LineString"

    port = free_port()
    server = subprocess.Popen(
        [venv / "bin" / "fevermap", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = json.load(urllib.request.urlopen(f"{base}/health", timeout=2))
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "fevermap serve did not start"
                time.sleep(0.2)
        assert health["region"] == "shanghai_center"
        nearest = json.load(urllib.request.urlopen(f"{base}/clinics/nearest?at={A}", timeout=10))
        assert nearest["clinics"] and nearest["region"] == "shanghai_center", nearest
        assert urllib.request.urlopen(f"{base}/", timeout=10).status == 200  # the map page (static package data)
        assert json.load(urllib.request.urlopen(f"{base}/city/daily", timeout=10))["districts"]  # bundled case data
    finally:
        server.terminate()
        server.wait(timeout=20)
