"""Symptom reports: area from district or H3 cell, triage, rate limit, refusals store nothing, retention purge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import h3
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.config import PACKAGE_DATA_DIR
from fevermap.db import open_database, session_factory
from fevermap.db.surveillance_models import SymptomReportRow
from fevermap.errors import InputError, RateLimitError
from fevermap.surveillance.reports import purge_reports, save_report
from fevermap.surveillance.schemas import SymptomReportCreate

TZ = "Asia/Shanghai"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = open_database(db_url)
    yield session_factory(engine)
    engine.dispose()


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.execute(select(func.count()).select_from(SymptomReportRow)).scalar_one())


def _save(factory: sessionmaker[Session], client: str = "1.2.3.4", **form: object) -> tuple[int, str, str]:
    values: dict[str, object] = {"symptoms": ["cough"], "onset": date(2026, 11, 30), "district": "黄浦区", **form}
    rid, area, adv = save_report(
        factory, SymptomReportCreate.model_validate(values), client, secret=b"test secret", lang="en", tz=TZ,
        data_dir=PACKAGE_DATA_DIR, per_minute=3, now=NOW,
    )  # fmt: skip
    return rid, area, adv.code


def test_a_point_is_kept_only_as_its_h3_cell(factory: sessionmaker[Session]) -> None:
    _, area, code = _save(factory, district=None, lon=121.4737, lat=31.2304, temperature_c=38.2, symptoms=["fever"])
    assert area == h3.latlng_to_cell(31.2304, 121.4737, 7) and code == "fever_clinic_now"
    with factory() as s:
        row = s.execute(select(SymptomReportRow)).scalar_one()
    assert row.area == area and row.day == "2026-12-01" and row.temperature_c == 38.2
    assert not hasattr(row, "lon") and not hasattr(row, "phone")


def test_refused_reports_store_nothing(factory: sessionmaker[Session]) -> None:
    with pytest.raises(InputError, match="in the future"):
        _save(factory, onset=date(2026, 12, 2))
    with pytest.raises(InputError, match="unknown district"):
        _save(factory, district="Atlantis")
    for bad in ({"temperature_c": 33.9}, {"temperature_c": 43.1}, {"symptoms": ["hiccups"]},
                {"lon": 121.4, "lat": 31.2}, {"district": None}):  # fmt: skip
        with pytest.raises(ValidationError):
            _save(factory, **bad)
    assert _count(factory) == 0


def test_reports_are_rate_limited_per_client(factory: sessionmaker[Session]) -> None:
    for _ in range(3):
        _save(factory)
    with pytest.raises(RateLimitError):
        _save(factory)
    _save(factory, client="5.6.7.8")
    assert _count(factory) == 4


def test_reports_past_retention_are_purged(factory: sessionmaker[Session]) -> None:
    _save(factory)
    assert purge_reports(factory, 21, now=NOW + timedelta(days=20)) == 0
    assert purge_reports(factory, 21, now=NOW + timedelta(days=22)) == 1
    assert _count(factory) == 0
