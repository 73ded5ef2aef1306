"""Fixtures for the HTTP service: the app on the demo region with a real database (SQLite, and PostgreSQL when
available), and API keys of every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.config import Settings
from fevermap.db.testing import postgres_required, postgres_schema_url, postgres_unavailable_reason, sqlite_url


@pytest.fixture(scope="session")
def _pg_reason() -> str | None:
    return postgres_unavailable_reason()


@pytest.fixture(params=["sqlite", "postgres"])
def service_db(request: pytest.FixtureRequest, tmp_path: Path, _pg_reason: str | None) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema of the test PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if _pg_reason is not None:
        if postgres_required():
            pytest.fail(f"FEVERMAP_REQUIRE_POSTGRES is set but {_pg_reason}")
        pytest.skip(_pg_reason)
    with postgres_schema_url() as url:
        yield url


@dataclass
class Service:
    client: TestClient
    keys: dict[str, str]
    clinic_ids: list[str]

    def h(self, role: str | None) -> dict[str, str]:
        """Headers carrying the key of ``role`` (none for the public)."""
        return {} if role is None else {"X-API-Key": self.keys[role]}


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"traffic_poll_s": 0.2, "declarations_per_minute": 1000, **overrides}
    return Settings(database_url=db_url, **values)  # type: ignore[arg-type]


@pytest.fixture
def service(service_db: str) -> Iterator[Service]:
    app = create_app(make_settings(service_db))
    with TestClient(app) as client:
        sessions = app.state.sessions
        ids = [c.id for c in app.state.registry.list(app.state.router.region.name)]
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
