"""``fevermap serve --workers 2``: workers forked from the process that prepared the regions, re-forked when one dies,
all stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from fevermap.routing.region import Region

from .conftest import free_port

FEVERMAP = Path(sys.executable).parent / "fevermap"


def _healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"fevermap serve exited with {proc.returncode}"
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("fevermap serve did not become healthy in 120 s")


def _workers(proc: subprocess.Popen[bytes], n: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kids = psutil.Process(proc.pid).children()
        if len(kids) == n:
            return kids
        time.sleep(0.1)
    raise AssertionError(f"expected {n} workers, have {psutil.Process(proc.pid).children()}")


@pytest.mark.slow
def test_workers_are_forked_replaced_when_killed_and_stopped_together(tmp_path: Path, andorra: Region) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FEVERMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    cmd = [str(FEVERMAP), "serve", "--region", str(andorra.path), "--workers", "2", "--port", str(port),
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    try:
        _healthy(base, proc)
        first = _workers(proc, 2)
        # forked, not spawned: a worker runs the parent's program image, not a fresh `python -c` of multiprocessing
        assert all(w.cmdline() == psutil.Process(proc.pid).cmdline() for w in first)
        route = "/route/v1/driving/1.5218,42.5063;1.5594,42.5432?overview=false"
        want = httpx.get(base + route, timeout=30).json()["routes"][0]["duration"]
        os.kill(first[0].pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while {w.pid for w in _workers(proc, 2)} == {w.pid for w in first} or first[0].is_running():
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.1)
        replaced = _workers(proc, 2)
        assert first[1].pid in {w.pid for w in replaced}
        for _ in range(20):  # both workers answer, the same
            assert httpx.get(base + route, timeout=30).json()["routes"][0]["duration"] == want
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in replaced)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
