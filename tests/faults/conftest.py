"""A real ``fevermap serve`` process (several workers) on loopback, on SQLite or PostgreSQL, that tests can kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..api.conftest import free_port

FEVERMAP = Path(sys.executable).parent / "fevermap"


class Server:
    """``fevermap serve`` in its own process group; :meth:`kill` sends SIGKILL to all its workers."""

    def __init__(
        self, db_url: str, workers: int = 2, extra_env: dict[str, str] | None = None, args: list[str] | None = None
    ) -> None:
        self.db_url = db_url
        self.args = list(args or [])
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "FEVERMAP_DATABASE_URL": db_url, "FEVERMAP_TRAFFIC_POLL_S": "0.5",
                    **(extra_env or {})}  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        cmd = [
            str(FEVERMAP),
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            *self.args,
        ]
        self.proc = subprocess.Popen(cmd, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fevermap serve exited with {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()  # never leave a server (and its re-spawned workers) running behind a failed test
        raise RuntimeError("fevermap serve did not become healthy in 120 s")

    def kill(self) -> None:
        """SIGKILL the whole process group (master and workers): no shutdown code runs."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    srv = Server(db_url).start()
    yield srv
    srv.stop()
