"""Engine and session factory: a SQLite file by default (WAL mode), PostgreSQL + PostGIS when configured.

The database URL comes from ``FEVERMAP_DATABASE_URL`` (:class:`fevermap.config.Settings.database_url`); without it
the embedded default is a SQLite file ``fevermap.sqlite3`` in the cache folder. A PostgreSQL URL uses psycopg 3
(``postgresql+psycopg://user:password@host/db``; a bare ``postgresql://`` is rewritten to use psycopg).

SQLite connections get ``journal_mode=WAL`` (readers never block the writer), ``synchronous=FULL`` (a committed
transaction survives a power cut, so an acknowledged update is never lost), ``foreign_keys=ON`` and a busy timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fevermap.config import Settings, get_settings
from fevermap.errors import MissingExtraError

SQLITE_FILENAME = "fevermap.sqlite3"


def default_database_url(settings: Settings | None = None) -> str:
    """Return the configured database URL, or the default SQLite file in the cache folder.

    Parameters
    ----------
    settings : Settings, optional
        Settings to read; default: read the environment now.
    """
    settings = settings or get_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    return f"sqlite:///{Path(settings.cache_dir) / SQLITE_FILENAME}"


def normalise_url(url: str) -> str:
    """Make PostgreSQL URLs use psycopg 3 (``postgresql+psycopg``); leave other URLs unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (default: :func:`default_database_url`).

    SQLite: the parent folder is created and every connection is set to WAL mode with full sync. PostgreSQL: a
    pre-ping pool (a restarted server does not fail the first request).

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    url = normalise_url(url or default_database_url())
    parsed = make_url(url)
    # the service runs sync handlers on a thread pool (40 threads by default): keep enough connections open that
    # a burst never pays for opening (and, on SQLite, configuring) new ones
    if not (parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")):
        kwargs.setdefault("pool_size", 16)
        kwargs.setdefault("max_overflow", 32)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        try:
            import psycopg  # noqa: F401  (the [postgres] extra)
        except ImportError:
            raise MissingExtraError("a PostgreSQL database URL", "postgres") from None
    return create_engine(url, **kwargs)


def is_postgres(engine: Engine) -> bool:
    """Whether ``engine`` talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success (before the caller acknowledges), rolled back on error."""
    with factory() as session, session.begin():
        yield session
