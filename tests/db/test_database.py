"""The database layer on both backends: migrations, WAL, UTC times, PostGIS, durability across a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from fevermap.db import is_postgres, make_engine, open_database, session_factory, transaction
from fevermap.db.engine import default_database_url, normalise_url
from fevermap.db.migrate import current_revision, downgrade, ensure_schema, head_revision
from fevermap.db.models import Clinic


def _clinic(cid: str, when: datetime) -> Clinic:
    return Clinic(
        id=cid,
        region="r",
        timezone="Asia/Shanghai",
        name="n",
        kind="fever_clinic",
        phones=[],
        lon=121.47,
        lat=31.23,
        extra={},
        created_at=when,
        updated_at=when,
    )


def test_migrations_create_the_schema_once(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    ensure_schema(engine)  # idempotent
    tables = set(inspect(engine).get_table_names())
    assert {"clinics", "clinic_status", "registry_revision", "alembic_version"} <= tables
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_times_round_trip_as_aware_utc(db_url: str) -> None:
    engine = open_database(db_url)
    factory = session_factory(engine)
    local = datetime(2026, 11, 25, 23, 40, tzinfo=timezone(timedelta(hours=8)))
    with transaction(factory) as s:
        s.add(_clinic("a", local))
    with factory() as s:
        got = s.execute(select(Clinic.created_at)).scalar_one()
    assert got.tzinfo is not None
    assert got == local
    assert got.utcoffset() == timedelta(0)
    engine.dispose()


def test_naive_time_is_refused(db_url: str) -> None:
    engine = open_database(db_url)
    factory = session_factory(engine)
    with pytest.raises(Exception, match="naive datetime"), transaction(factory) as s:
        s.add(_clinic("a", datetime(2026, 1, 1)))
        s.flush()
    engine.dispose()


def test_postgis_location_is_generated_and_indexed(db_url: str) -> None:
    engine = open_database(db_url)
    if not is_postgres(engine):  # SQLite: plain lon/lat columns only, no spatial extension needed
        assert "geog" not in {c["name"] for c in inspect(engine).get_columns("clinics")}
        return
    with transaction(session_factory(engine)) as s:
        s.add(_clinic("a", datetime.now(UTC)))
    with engine.connect() as conn:
        near = conn.execute(
            text("SELECT ST_Distance(geog, ST_SetSRID(ST_MakePoint(121.48, 31.23), 4326)::geography) FROM clinics")
        ).scalar_one()
        idx = conn.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_clinics_geog' AND schemaname = current_schema()"
            )
        ).scalar_one()
    assert 900 < near < 1000  # 0.01 degree of longitude at 31.23 N is about 951 m
    assert "gist" in idx.lower()
    engine.dispose()


def test_committed_write_survives_a_crash(db_url: str) -> None:
    """A child process commits, says 'ack', then dies without any cleanup; the row is there afterwards."""
    open_database(db_url).dispose()
    code = (
        "import os, sys\n"
        "from datetime import UTC, datetime\n"
        "from fevermap.db import open_database, session_factory, transaction\n"
        "from fevermap.db.models import Clinic\n"
        "e = open_database(sys.argv[1])\n"
        "now = datetime.now(UTC)\n"
        "with transaction(session_factory(e)) as s:\n"
        "    s.add(Clinic(id='crash', region='r', timezone='UTC', name='n', kind='fever_clinic', phones=[],\n"
        "                 lon=1.0, lat=2.0, extra={}, created_at=now, updated_at=now))\n"
        "print('ack', flush=True)\n"
        "os._exit(9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, db_url], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "ack", proc.stderr
    assert proc.returncode == 9
    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM clinics WHERE id = 'crash'")).scalar_one() == "n"
    engine.dispose()


def test_database_url_defaults_and_normalisation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEVERMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("FEVERMAP_CACHE_DIR", str(tmp_path))
    assert default_database_url() == f"sqlite:///{tmp_path / 'fevermap.sqlite3'}"
    monkeypatch.setenv("FEVERMAP_DATABASE_URL", "postgresql://u:p@h/db")
    assert default_database_url() == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("sqlite:///x") == "sqlite:///x"
    assert os.environ["FEVERMAP_DATABASE_URL"].startswith("postgresql://")


def test_migrations_downgrade_and_upgrade_again(db_url: str) -> None:
    engine = open_database(db_url)
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert "clinics" not in inspect(engine).get_table_names()
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    assert "clinics" in inspect(engine).get_table_names()
    engine.dispose()
