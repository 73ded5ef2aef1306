"""Past one machine on standard parts: two ``fevermap serve`` instances over one PostgreSQL behind Debian's nginx,
each with a subset of the regions (config from ``deploy/``): nginx sends ``/regions/{name}/`` to the instances that
hold the region and spreads the rest; a status update through one instance is visible through the other; killing
one loses no acknowledged write and nginx keeps answering for the regions the other holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fevermap.access.keys import create_key
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate
from fevermap.config import Settings
from fevermap.db import session_factory
from fevermap.db.testing import postgres_required, postgres_schema_url, postgres_unavailable_reason
from fevermap.routing.region import Region

from ..api.conftest import free_port
from ..faults.conftest import Server

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "deploy"))
from render_nginx import render  # noqa: E402

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SH_A, SH_B = "121.4737,31.2304", "121.4997,31.2397"
AN = "1.5218,42.5063;1.5340,42.5450"
MC = "7.4200,43.7350;7.4280,43.7400"


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = postgres_unavailable_reason()
    if reason is not None:
        if postgres_required():
            pytest.fail(f"FEVERMAP_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)
    if NGINX is None:
        reason = "nginx not installed (apt-get install nginx; .ci/run does it)"
        if os.environ.get("FEVERMAP_REQUIRE_NGINX"):
            pytest.fail(reason)
        pytest.skip(reason)
    with postgres_schema_url() as url:
        yield url


def _wait(fn, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            out = fn()
            if out:
                return out
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_two_instances_behind_nginx(
    pg_url: str, tmp_path: Path, shanghai: Region, andorra: Region, monaco: Region
) -> None:
    with ClinicRegistry.open(pg_url, Settings(database_url=pg_url)) as registry:
        clinic = registry.add("shanghai", ClinicCreate(name="Test clinic", lon=121.48, lat=31.22, source="test"),
                              timezone="Asia/Shanghai")  # fmt: skip
        key = create_key(session_factory(registry.engine), "clinic", clinic_id=clinic.id)
    env = {"FEVERMAP_STATUS_REFRESH_S": "0.2"}
    a = Server(pg_url, workers=1, extra_env=env, args=["--region", str(shanghai.path), "--region", str(andorra.path)])
    b = Server(pg_url, workers=1, extra_env=env, args=["--region", str(shanghai.path), "--region", str(monaco.path)])
    nginx: subprocess.Popen[bytes] | None = None
    try:
        a.start()
        b.start()
        port = free_port()
        conf = render(port, str(tmp_path), {f"127.0.0.1:{a.port}": ["shanghai", "andorra"],
                                            f"127.0.0.1:{b.port}": ["shanghai", "monaco"]}, "shanghai")  # fmt: skip
        (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
        nginx = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                  "-g", "daemon off;"])  # fmt: skip
        front = f"http://127.0.0.1:{port}"
        _wait(lambda: httpx.get(front + "/health", timeout=2).status_code == 200)
        with httpx.Client(timeout=10) as c:
            # each region through the prefix answers as the instance holding it does
            for name, coords, inst in (("andorra", AN, a), ("monaco", MC, b), ("shanghai", f"{SH_A};{SH_B}", a)):
                via = c.get(f"{front}/regions/{name}/route/v1/driving/{coords}?overview=false")
                direct = c.get(f"{inst.base}/regions/{name}/route/v1/driving/{coords}?overview=false")
                assert via.status_code == 200 and via.json() == direct.json(), (name, via.text)
            # the rest is spread: both instances answer unprefixed Shanghai requests
            pids = {c.get(front + "/health").json()["worker_pid"] for _ in range(12)}
            assert len(pids) == 2
            # a status update through one instance is visible through the other (shared PostgreSQL)
            observed = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            r = c.put(f"{a.base}/clinics/{clinic.id}/status", json={"slots": 7, "observed_at": observed},
                      headers={"X-API-Key": key})  # fmt: skip
            assert r.status_code == 200, r.text
            _wait(lambda: c.get(f"{b.base}/clinics/{clinic.id}").json()["status"]["slots"] == 7, timeout=5)
            # kill one instance: the acknowledged write is there, nginx answers for what the other holds
            a.kill()
            assert c.get(f"{b.base}/clinics/{clinic.id}").json()["status"]["slots"] == 7
            for _ in range(6):
                assert c.get(f"{front}/route?from={SH_A}&to={SH_B}").status_code == 200
                assert c.get(f"{front}/regions/monaco/route/v1/driving/{MC}").status_code == 200
                assert c.get(f"{front}/clinics/{clinic.id}").json()["status"]["slots"] == 7
            assert c.get(f"{front}/regions/andorra/route/v1/driving/{AN}").status_code == 502  # only A held it
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        a.stop()
        b.stop()
