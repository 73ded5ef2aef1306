"""The service's scheduled surveillance job: today's detection results, and symptom reports past retention purged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fevermap.config import Settings
from fevermap.surveillance.detect import Detector
from fevermap.surveillance.reports import purge_reports
from fevermap.surveillance.store import run_day


def detector_of(settings: Settings) -> Detector:
    """The detector the settings name (algorithm and thresholds)."""
    return Detector(
        algorithm=settings.surveillance_algorithm,
        alert_p=settings.surveillance_alert_p,
        warning_p=settings.surveillance_warning_p,
    )


def scheduled_run(factory: sessionmaker[Session], settings: Settings, tz: str) -> dict[str, Any]:
    """Recompute today (local day in ``tz``) and purge old symptom reports; return the run's summary."""
    today = datetime.now(UTC).astimezone(ZoneInfo(tz)).date()
    purged = purge_reports(factory, settings.retention_days)
    summary = run_day(factory, today, tz=tz, data_dir=settings.data_dir, detector=detector_of(settings))
    return {**summary, "purged_reports": purged}
