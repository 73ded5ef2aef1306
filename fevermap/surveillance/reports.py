"""Symptom reports: checked, triaged, placed in their area and stored anonymously; rate-limited per client; purged.

A report is committed before its advice is returned. Its client is kept only as the same keyed hash the declarations
use for rate limiting (:func:`fevermap.access.client_hash.client_hash`, under the service's secret).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access.client_hash import client_hash
from fevermap.db.surveillance_models import SymptomReportRow
from fevermap.errors import InputError, RateLimitError
from fevermap.surveillance.areas import districts, h3_cell
from fevermap.surveillance.schemas import SymptomReportCreate
from fevermap.surveillance.triage import Advice, load_rules


def area_of(form: SymptomReportCreate, data_dir: Path, h3_resolution: int) -> str:
    """The report's area: its district (checked against the region's list) or the H3 cell of its point."""
    if form.district is not None:
        names = districts(data_dir)
        if form.district not in names:
            raise InputError(f"unknown district {form.district!r}: choose one of {', '.join(names)}")
        return form.district
    assert form.lon is not None and form.lat is not None
    return h3_cell(form.lon, form.lat, h3_resolution)


def save_report(
    factory: sessionmaker[Session],
    form: SymptomReportCreate,
    client: str,
    *,
    secret: bytes,
    lang: str,
    tz: str,
    data_dir: Path,
    h3_resolution: int = 7,
    per_minute: int = 30,
    now: datetime | None = None,
) -> tuple[int, str, Advice]:
    """Triage and store a report; return its id, its area and the advice (in ``lang``).

    Raises
    ------
    InputError
        An onset after today (region time zone ``tz``), an unknown district.
    RateLimitError
        When this client sent ``per_minute`` reports in the last minute.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(tz)).date()
    if form.onset > today:
        raise InputError(f"onset {form.onset.isoformat()} is in the future (today is {today.isoformat()} in {tz})")
    area = area_of(form, data_dir, h3_resolution)
    advice = load_rules().advise(form.symptoms, form.temperature_c, lang)
    who = client_hash(client, secret)
    with factory.begin() as session:
        recent = session.execute(
            select(func.count())
            .select_from(SymptomReportRow)
            .where(SymptomReportRow.client_hash == who, SymptomReportRow.received_at > now - timedelta(minutes=1))
        ).scalar_one()
        if recent >= per_minute:
            raise RateLimitError(f"too many symptom reports from this client: at most {per_minute} a minute")
        row = SymptomReportRow(
            received_at=now,
            day=today.isoformat(),
            onset=form.onset.isoformat(),
            area=area,
            symptoms=list(form.symptoms),
            temperature_c=form.temperature_c,
            advice=advice.code,
            lang=lang,
            client_hash=who,
        )
        session.add(row)
        session.flush()
        report_id = int(row.id)
    return report_id, area, advice


def purge_reports(factory: sessionmaker[Session], retention_days: float, now: datetime | None = None) -> int:
    """Delete symptom reports older than the retention period; return how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    with factory.begin() as session:
        result = session.execute(delete(SymptomReportRow).where(SymptomReportRow.received_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
