"""Database layer: SQLAlchemy 2 engine and sessions, shared models, packaged Alembic migrations.

SQLite file by default (WAL mode, full sync); PostgreSQL + PostGIS when ``FEVERMAP_DATABASE_URL`` points at one.
Migrations are applied on first use by :func:`open_database`.
"""

from __future__ import annotations

from sqlalchemy import Engine

from fevermap.db.engine import default_database_url, is_postgres, make_engine, session_factory, transaction
from fevermap.db.migrate import ensure_schema, upgrade


def open_database(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (default: the configured one) and migrate it to the shipped schema.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default :func:`default_database_url`.
    """
    engine = make_engine(url)
    ensure_schema(engine)
    return engine


__all__ = [
    "default_database_url",
    "ensure_schema",
    "is_postgres",
    "make_engine",
    "open_database",
    "session_factory",
    "transaction",
    "upgrade",
]
