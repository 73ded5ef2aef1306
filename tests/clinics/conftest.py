"""Clinic fixtures: every test using ``db_url`` (or ``registry``) runs on SQLite and on PostgreSQL + PostGIS.

PostgreSQL comes from ``FEVERMAP_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` installs, starts and exports it); each
test gets a fresh schema. Without a reachable server the PostgreSQL variant is skipped with the reason, except when
``FEVERMAP_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings


@pytest.fixture
def registry(db_url: str) -> Iterator[ClinicRegistry]:
    """A migrated registry on each backend, with default settings (stale after 30 min)."""
    reg = ClinicRegistry.open(db_url, settings=Settings())
    yield reg
    reg.engine.dispose()
