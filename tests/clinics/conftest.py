"""Clinic fixtures: every test using ``db_url`` (or ``registry``) runs on SQLite and on PostgreSQL + PostGIS.

PostgreSQL comes from ``FEVERMAP_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` installs, starts and exports it); each
test gets a fresh schema. Without a reachable server the PostgreSQL variant is skipped with the reason, except when
``FEVERMAP_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings
from fevermap.db.testing import postgres_required, postgres_schema_url, postgres_unavailable_reason, sqlite_url


@pytest.fixture(scope="session")
def _postgres_reason() -> str | None:
    return postgres_unavailable_reason()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, _postgres_reason: str | None) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a fresh schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if _postgres_reason is not None:
        if postgres_required():
            pytest.fail(f"FEVERMAP_REQUIRE_POSTGRES is set but {_postgres_reason}")
        pytest.skip(_postgres_reason)
    with postgres_schema_url() as url:
        yield url


@pytest.fixture
def registry(db_url: str) -> Iterator[ClinicRegistry]:
    """A migrated registry on each backend, with default settings (stale after 30 min)."""
    reg = ClinicRegistry.open(db_url, settings=Settings())
    yield reg
    reg.engine.dispose()
