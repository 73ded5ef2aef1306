"""Helpers for tests that run the same code on SQLite and on PostgreSQL + PostGIS.

``FEVERMAP_TEST_POSTGRES_URL`` names a PostgreSQL database with PostGIS available. Each test gets its own schema
(dropped afterwards), so tests never see each other's rows. Without the variable or without a reachable server the
PostgreSQL variant is skipped with the reason, unless ``FEVERMAP_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from fevermap.db.engine import normalise_url

POSTGRES_ENV = "FEVERMAP_TEST_POSTGRES_URL"
REQUIRE_ENV = "FEVERMAP_REQUIRE_POSTGRES"


def postgres_unavailable_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or ``None`` when the server answers."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        return f"{POSTGRES_ENV} is not set (run .ci/postgres.sh to install and start PostgreSQL + PostGIS)"
    try:
        engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means "not reachable"
        return f"PostgreSQL at {POSTGRES_ENV} is not reachable: {type(exc).__name__}: {exc}"
    return None


def postgres_required() -> bool:
    """Whether a missing PostgreSQL must fail the tests instead of skipping them (CI sets it)."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false", "no")


@contextmanager
def postgres_schema_url(base_url: str | None = None) -> Iterator[str]:
    """Yield a URL whose ``search_path`` is a fresh schema (then ``public`` for PostGIS); drop it afterwards.

    ``base_url`` is the database (default: ``FEVERMAP_TEST_POSTGRES_URL``).
    """
    base = normalise_url(base_url or os.environ[POSTGRES_ENV])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def sqlite_url(folder: Path) -> str:
    """URL of a fresh SQLite file in ``folder``."""
    return f"sqlite:///{folder / 'fevermap-test.sqlite3'}"
