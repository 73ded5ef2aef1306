"""ORM models of the HTTP service's tables.

API keys, the audit log, declarations, case tracks, match runs and matches, traffic versions, service secrets.

Personal data (declarations, matches) is kept for a retention period and purged by ``fevermap purge`` and by the
service's scheduled task. Keys are stored as SHA-256 hashes of their secrets, never in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fevermap.db.models import Base
from fevermap.db.types import UTCDateTime


class ApiKey(Base):
    """An API key: ``fm_<id>_<secret>``; only ``sha256(secret)`` is stored."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    #: ``clinic``, ``traffic``, ``investigator``, ``staff`` or ``admin``.
    role: Mapped[str] = mapped_column(String(16), index=True)
    #: The one clinic a ``clinic`` key may update.
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The one community area a ``staff`` key may read; the jurisdiction of a ``partner`` key.
    area: Mapped[str | None] = mapped_column(String(100), nullable=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    """One read (or change) of personal data: who, what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text, default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
    client: Mapped[str] = mapped_column(String(64), default="")


class DeclarationRow(Base):
    """A resident's declaration: contact details (for staff), community area, and the full form as JSON."""

    __tablename__ = "declarations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    area: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(Text, default="")
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: HMAC-SHA-256 of the client address under the installation's secret (:mod:`fevermap.access.client_hash`), for
    #: per-client rate limiting without keeping the address.
    client_hash: Mapped[str] = mapped_column(String(64), index=True)


class CaseTrackRow(Base):
    """A confirmed case's track (visits and transport legs) as uploaded by an investigator."""

    __tablename__ = "case_tracks"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(32))
    track: Mapped[dict[str, Any]] = mapped_column(JSON)


class MatchRun(Base):
    """One matching run: when, by whom, with which rule, and what it found."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    by: Mapped[str] = mapped_column(String(32))
    radius_m: Mapped[float] = mapped_column(Float)
    min_overlap_s: Mapped[int] = mapped_column(Integer)
    declarations: Mapped[int] = mapped_column(Integer)
    case_tracks: Mapped[int] = mapped_column(Integer)
    matches: Mapped[int] = mapped_column(Integer)


class MatchRow(Base):
    """A match of a declaration against a case track, with its explanation."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    declaration_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # "proximity" or "transport"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class TrafficVersion(Base):
    """A traffic feed update (OSRM segment-speed CSV); workers apply every version newer than theirs."""

    __tablename__ = "traffic_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(32))
    rows: Mapped[int] = mapped_column(Integer)
    csv: Mapped[str] = mapped_column(Text)


class ServiceSecret(Base):
    """A secret generated on first start and shared by every worker (e.g. the rate limiter's HMAC key), hex."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
