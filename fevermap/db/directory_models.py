"""ORM models of the national clinic directory: its cities and its entries (clinics without a location)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fevermap.db.models import Base
from fevermap.db.types import UTCDateTime


class DirectoryCity(Base):
    """A city of the national list, with how many clinics the list gives for it (possibly none)."""

    __tablename__ = "directory_cities"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    province: Mapped[str] = mapped_column(String(100), index=True)
    city: Mapped[str] = mapped_column(String(100))
    entries: Mapped[int] = mapped_column(Integer, default=0)
    #: ``province city`` in pinyin (lower case, no spaces) and initials, for search.
    search: Mapped[str] = mapped_column(Text, default="")


class DirectoryEntryRow(Base):
    """A clinic of the national list: as published, phones parsed; ``clinic_id`` once it has a cited location."""

    __tablename__ = "directory_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    province: Mapped[str] = mapped_column(String(100), index=True)
    city: Mapped[str] = mapped_column(String(100), index=True)
    city_code: Mapped[str] = mapped_column(String(16), index=True)
    county: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(Text, default="")
    #: Parsed phones (``raw``, ``e164``, ``label``, ``extension``, ``area_code_inferred``), most useful first.
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: At least one phone is a valid number (listed first).
    dialable: Mapped[bool] = mapped_column(Boolean, default=False)
    hours: Mapped[str] = mapped_column(Text, default="")
    designated: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(32), default="")
    #: Name, county and address with their pinyin and initials (lower case), for search.
    search: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The located clinic this entry became (same id), once it got a cited location.
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    located_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
