"""ORM models of surveillance: anonymous symptom reports and the detection result of every series, area and day.

A symptom report keeps no name, phone or exact place: only its area (a named district or an H3 cell), the day, the
symptoms and the advice given; it is purged with the other personal data after the retention period.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fevermap.db.models import Base
from fevermap.db.types import UTCDateTime


class SymptomReportRow(Base):
    """One anonymous symptom report."""

    __tablename__ = "symptom_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: Local day of the report (``YYYY-MM-DD``, region time zone): the day it counts on.
    day: Mapped[str] = mapped_column(String(10), index=True)
    onset: Mapped[str] = mapped_column(String(10))
    #: A named district, or an H3 cell at the configured resolution.
    area: Mapped[str] = mapped_column(String(100), index=True)
    symptoms: Mapped[list[str]] = mapped_column(JSON)
    temperature_c: Mapped[float | None] = mapped_column(Float, nullable=True)
    advice: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    #: Keyed hash of the client address, for per-client rate limiting without keeping the address.
    client_hash: Mapped[str] = mapped_column(String(64), index=True)


class SurveillanceResult(Base):
    """The detector's answer for one series, area and day (level ``none``, ``warning`` or ``alert``)."""

    __tablename__ = "surveillance_results"
    __table_args__ = (UniqueConstraint("series", "area", "day", name="uq_surveillance_results_series_area_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(100), index=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    observed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float, nullable=True)
    statistic: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str] = mapped_column(String(8), index=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
