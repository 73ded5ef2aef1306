"""ORM models shared by the service: the clinic registry and its live status.

Locations are WGS-84 ``lon``/``lat`` in degrees (floats on every backend); on PostgreSQL the migration adds a
generated PostGIS ``geog geography(Point, 4326)`` column with a GiST index, which the ORM never writes. All times are
timezone-aware UTC (:class:`fevermap.db.types.UTCDateTime`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from fevermap.db.types import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of every fevermap table."""


class Clinic(Base):
    """A clinic in a region's registry (static facts; live status in :class:`ClinicStatus`)."""

    __tablename__ = "clinics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The region the clinic belongs to, assigned from its location at import; ``None`` outside every region.
    region: Mapped[str | None] = mapped_column(String(100), index=True, nullable=True)
    #: IANA time zone of the clinic's region (opening hours and local times are read in it).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), default="fever_clinic")
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    district: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: E.164 phone numbers, most useful first.
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    #: OSM ``opening_hours`` expression; ``None`` when unknown.
    opening_hours: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Night emergency service; ``None`` when unknown.
    night_emergency: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: Where the record comes from (file, URLs); free text shown to users.
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Extra provenance (per-field sources, notes) as imported.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    status: Mapped[ClinicStatus | None] = relationship(
        back_populates="clinic", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )


class ClinicStatus(Base):
    """The latest live status of a clinic, as observed at ``observed_at`` (one row per clinic)."""

    __tablename__ = "clinic_status"

    clinic_id: Mapped[str] = mapped_column(String(64), ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True)
    slots: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waiting_patients: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waiting_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doctor_on_duty: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    stock_note: Mapped[str | None] = mapped_column(String(280), nullable=True)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Who reported it: ``operator`` (real) or ``demo-simulator`` (labelled synthetic demo data).
    reporter: Mapped[str] = mapped_column(String(64), default="operator")
    #: The registry revision this status was written at (readers reload only statuses newer than they have seen).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)

    clinic: Mapped[Clinic] = relationship(back_populates="status")


class RegistryRevision(Base):
    """One row whose counter grows with every registry write, so caches know when to reload."""

    __tablename__ = "registry_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    #: Grows only with writes to the clinics themselves (add, change, delete), not with status reports.
    clinics_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
