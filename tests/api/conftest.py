"""Fixtures for the HTTP service: the app on the demo region with a real database (SQLite, and PostgreSQL when
available), and API keys of every role."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.config import Settings


@dataclass
class Service:
    client: TestClient
    keys: dict[str, str]
    clinic_ids: list[str]

    def h(self, role: str | None) -> dict[str, str]:
        """Headers carrying the key of ``role`` (none for the public)."""
        return {} if role is None else {"X-API-Key": self.keys[role]}


def free_port() -> int:
    """A TCP port on loopback that is free now."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL, then stop it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"traffic_poll_s": 0.2, "declarations_per_minute": 1000, **overrides}
    return Settings(database_url=db_url, **values)  # type: ignore[arg-type]


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    app = create_app(make_settings(db_url))
    with TestClient(app) as client:
        sessions = app.state.sessions
        ids = [c.id for c in app.state.registry.clinics(app.state.router.region.name)]
        keys = {
            "clinic": create_key(sessions, "clinic", clinic_id=ids[0]),
            "clinic_other": create_key(sessions, "clinic", clinic_id=ids[1]),
            "traffic": create_key(sessions, "traffic"),
            "investigator": create_key(sessions, "investigator"),
            "staff_a": create_key(sessions, "staff", area="Area A"),
            "staff_b": create_key(sessions, "staff", area="Area B"),
            "admin": create_key(sessions, "admin"),
        }
        yield Service(client, keys, ids)
