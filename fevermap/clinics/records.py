"""Clinic records: a clinic with its stored status, detached from the database, and its stable id.

What the locator and the public views work on; :mod:`fevermap.clinics.registry` reads and writes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from fevermap.clinics.schemas import ClinicCreate
from fevermap.clinics.status import StatusRecord
from fevermap.db.models import Clinic


def stable_clinic_id(region: str | None, name: str, address: str | None) -> str:
    """A stable id from region (``None``: no region), name and address (``c-`` + 16 hex digits): re-imports update
    the same record."""
    key = "\x1f".join(((region or "").strip(), " ".join(name.split()), " ".join((address or "").split())))
    return "c-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ClinicRecord:
    """A clinic with its stored status, detached from the database (what the locator works on)."""

    id: str
    #: The region the clinic belongs to (assigned from its location at import), ``None`` outside every region.
    region: str | None
    #: IANA time zone of the clinic's region: its opening hours and local times are read in it.
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


@dataclass(frozen=True, slots=True)
class PlacedClinic:
    """A clinic to store with the region it belongs to (``None``: none) and that region's time zone."""

    clinic: ClinicCreate
    region: str | None
    timezone: str


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
