"""Clinic records: a clinic with its stored status, detached from the database, and its stable id.

What the locator and the public views work on; :mod:`fevermap.clinics.registry` reads and writes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fevermap.clinics.status import StatusRecord
from fevermap.db.models import Clinic
from fevermap.errors import InputError


def stable_clinic_id(region: str, name: str, address: str | None) -> str:
    """A stable id from region, name and address (``c-`` + 16 hex digits): re-imports update the same record."""
    key = "\x1f".join((region.strip(), " ".join(name.split()), " ".join((address or "").split())))
    return "c-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ClinicRecord:
    """A clinic with its stored status, detached from the database (what the locator works on)."""

    id: str
    region: str
    timezone: str
    name: str
    kind: str
    address: str | None
    district: str | None
    phones: tuple[str, ...]
    lon: float
    lat: float
    opening_hours: str | None
    night_emergency: bool | None
    source: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    status: StatusRecord | None = None


def record_of(row: Clinic) -> ClinicRecord:
    """The detached record of a stored clinic row (with its status)."""
    status = StatusRecord.of(row.status) if row.status is not None else None
    return ClinicRecord(
        id=row.id,
        region=row.region,
        timezone=row.timezone,
        name=row.name,
        kind=row.kind,
        address=row.address,
        district=row.district,
        phones=tuple(row.phones or ()),
        lon=row.lon,
        lat=row.lat,
        opening_hours=row.opening_hours,
        night_emergency=row.night_emergency,
        source=row.source,
        extra=dict(row.extra or {}),
        status=status,
    )


def require_aware(at: datetime, what: str) -> datetime:
    """``at`` in UTC; :class:`InputError` for a naive datetime (fevermap's one naive-datetime policy: refuse)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError(f"{what} must be timezone-aware (e.g. 2026-11-25T23:40:00+08:00)")
    return at.astimezone(UTC)
