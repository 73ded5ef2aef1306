"""A traffic update during a load run: post it, watch latency around it, check every worker took it.

A probe client sends nearest-clinic queries one after another on its own connection, from five seconds before the
update is posted until five seconds after it is acknowledged (not for the whole run: the client takes CPU from the
two cores the server has), and records each latency with its start time. Latencies from one second before the
post until two seconds after the acknowledgement (the other workers poll for new versions every second in the
load run) are compared with the probe's other samples. After the run, fresh connections ask ``/health`` which
traffic version each worker routes on.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np


class TrafficProbe:
    """Posts ``rows`` (OSRM segment-speed CSV) ``after_s`` into the run and probes latency meanwhile.

    Parameters
    ----------
    base : str
        The service's base URL.
    rows : str
        The traffic feed.
    key : str
        A traffic API key.
    after_s : float or None
        When to post, in seconds from :meth:`start`; ``None`` posts nothing (latency is still probed).
    origin : (float, float)
        ``(lon, lat)`` of the probe's nearest-clinic queries.
    """

    def __init__(self, base: str, rows: str, key: str, after_s: float | None, origin: tuple[float, float]) -> None:
        self.base, self.rows, self.key, self.after_s = base, rows, key, after_s
        self.origin = f"{origin[0]},{origin[1]}"
        self.samples: list[tuple[float, float]] = []  # (start, latency ms)
        self.result: dict[str, Any] = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._probe), threading.Thread(target=self._post)]

    def start(self) -> None:
        self._t0 = time.perf_counter()
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def _probe(self) -> None:
        if self.after_s is None or self._stop.wait(max(self.after_s - 5.0, 0.0)):
            return
        params = {"at": self.origin, "limit": "3", "with_slots": "true"}
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                window = self.result.get("window")
                if window is not None and time.perf_counter() > window[1] + 3.0:
                    break
                t = time.perf_counter()
                r = client.get("/clinics/nearest", params=params)
                self.samples.append((t, (time.perf_counter() - t) * 1000))
                if r.status_code != 200:
                    self.result.setdefault("probe_errors", []).append(r.status_code)

    def _post(self) -> None:
        """Post the feed with curl, in its own process: a Python client here would share this process's GIL with
        the probe and inflate the latencies measured around the update."""
        if self.after_s is None or self._stop.wait(self.after_s):
            return
        with tempfile.TemporaryDirectory() as tmp:
            feed, reply = Path(tmp) / "feed.csv", Path(tmp) / "reply.json"
            feed.write_text(self.rows)
            t = time.perf_counter()
            out = subprocess.run(
                ["curl", "-sS", "-X", "POST", "--data-binary", f"@{feed}", "-H", f"X-API-Key: {self.key}",
                 "-H", "Content-Type: text/csv", "-o", str(reply), "-w", "%{http_code} %{time_total}",
                 f"{self.base}/traffic"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            done = time.perf_counter()
            status, seconds = out.stdout.split()
            self.result.update(status=int(status), seconds=float(seconds), report=json.loads(reply.read_text()),
                               window=(t - 1.0, done + 2.0))  # fmt: skip

    def latency(self) -> dict[str, float]:
        """Probe p50/p99/max in ms inside the update's window and around it, and the sample counts."""
        window = self.result.get("window")
        inside = np.array([ms for t, ms in self.samples if window and window[0] <= t <= window[1]])
        outside = np.array([ms for t, ms in self.samples if not (window and window[0] <= t <= window[1])])
        out: dict[str, float] = {"n_inside": float(inside.size), "n_outside": float(outside.size)}
        for name, arr in (("inside", inside), ("outside", outside)):
            for q, label in ((50, "p50"), (99, "p99"), (100, "max")):
                out[f"{name}_{label}"] = float(np.percentile(arr, q)) if arr.size else float("nan")
        return out


def worker_versions(base: str, connections: int = 32) -> dict[int, set[tuple[int, int]]]:
    """``{worker pid: {(metric_version, traffic_version)}}`` from ``/health`` on fresh connections (each new
    connection may reach any worker)."""
    seen: dict[int, set[tuple[int, int]]] = {}
    for _ in range(connections):
        with httpx.Client(base_url=base, timeout=10) as client:
            h = client.get("/health").json()
        seen.setdefault(int(h["worker_pid"]), set()).add((int(h["metric_version"]), int(h["traffic_version"])))
    return seen
