"""Pydantic schemas of the clinic registry: what comes in and what goes out.

In: :class:`ClinicCreate`, :class:`StatusUpdate`; out: :class:`ClinicPublic`, :class:`StatusPublic`,
:class:`NearestClinic`.

Coordinates are WGS-84 ``(lon, lat)`` degrees; times are timezone-aware and serialised as ISO 8601 in UTC, with a
``*_local`` twin in the region's time zone where people read them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fevermap.clinics.hours import validate_opening_hours
from fevermap.textcheck import CleanStr

ClinicKind = Literal["fever_clinic", "designated_hospital"]


class ClinicCreate(BaseModel):
    """A clinic as given to the registry (import row or API body). Phones must already be E.164.

    ``id`` is optional: without it the registry derives a stable id from region, name and address, so re-importing
    the same file updates the same records.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: CleanStr = Field(min_length=1, max_length=300)
    kind: ClinicKind = "fever_clinic"
    address: str | None = None
    district: str | None = Field(default=None, max_length=100)
    phones: list[str] = Field(default_factory=list)
    lon: float = Field(ge=-180.0, le=180.0, description="WGS-84 longitude, degrees")
    lat: float = Field(ge=-90.0, le=90.0, description="WGS-84 latitude, degrees")
    opening_hours: str | None = None
    night_emergency: bool | None = None
    source: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        return validate_opening_hours(v)

    @field_validator("phones")
    @classmethod
    def _e164(cls, v: list[str]) -> list[str]:
        for p in v:
            if not p.startswith("+") or not p[1:].isdigit():
                raise ValueError(f"phone {p!r} is not E.164 (use fevermap.clinics.phones.normalise_phone)")
        return v

    @field_validator("address", "district", "source")
    @classmethod
    def _blank_none(cls, v: str | None) -> str | None:
        return v or None


class StatusUpdate(BaseModel):
    """A live status report of one clinic, as observed at ``observed_at`` (timezone-aware)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slots: int | None = Field(default=None, ge=0, description="remaining registration slots")
    waiting_patients: int | None = Field(default=None, ge=0)
    waiting_minutes: int | None = Field(default=None, ge=0)
    doctor_on_duty: bool | None = None
    stock_note: CleanStr | None = Field(default=None, max_length=280)
    observed_at: datetime
    reporter: CleanStr = Field(default="operator", min_length=1, max_length=64)

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("observed_at must carry a time zone, e.g. 2026-11-25T23:40:00+08:00")
        return v

    @model_validator(mode="after")
    def _something(self) -> StatusUpdate:
        values = (self.slots, self.waiting_patients, self.waiting_minutes, self.doctor_on_duty, self.stock_note)
        if all(v is None for v in values):
            raise ValueError(
                "an empty status report: give at least one of slots, waiting_patients, waiting_minutes, "
                "doctor_on_duty, stock_note"
            )
        return self


class StatusPublic(BaseModel):
    """A clinic's status as shown: current values only when fresh; a stale or missing one has ``slots: null``."""

    known: bool = Field(description="a status was ever reported")
    stale: bool = Field(description="no report, or the last one is older than the stale age")
    slots: int | None = None
    waiting_patients: int | None = None
    waiting_minutes: int | None = None
    doctor_on_duty: bool | None = None
    stock_note: str | None = None
    updated_at: datetime | None = Field(default=None, description="observation time of the last report (UTC)")
    updated_at_local: str | None = Field(default=None, description="the same in the region's time zone")
    age_s: float | None = Field(default=None, description="seconds between the last report and the query time")
    reporter: str | None = None
    simulated: bool = Field(default=False, description="true when the status comes from the demo simulator")


class ClinicPublic(BaseModel):
    """A clinic as shown to users."""

    id: str
    region: str
    timezone: str
    name: str
    kind: ClinicKind
    address: str | None
    district: str | None
    phones: list[str]
    phones_display: list[str]
    tel: str | None = Field(description="tel: URI of the first phone")
    lon: float
    lat: float
    opening_hours: str | None
    night_emergency: bool | None
    source: str | None
    extra: dict[str, Any] = Field(default_factory=dict)
    status: StatusPublic
    open_now: bool | None = None


class StatusResult(BaseModel):
    """Outcome of a status update: ``applied`` is false when a newer (or the same) observation was already stored."""

    clinic_id: str
    applied: bool
    reason: str
    status: StatusPublic


class SkippedRow(BaseModel):
    """An import row that was not imported, and why."""

    row: int = Field(description="1-based data row (CSV line minus the header; GeoJSON feature index + 1)")
    name: str | None
    reason: str


class ImportReport(BaseModel):
    """What an import did. Re-importing the same file gives ``created == updated == 0``."""

    file: str
    region: str
    datum: str
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: list[SkippedRow]
    ids: list[str]


class NearestClinic(BaseModel):
    """One answer of the locator, in driving-time order."""

    rank: int
    id: str
    name: str
    call_first: bool = Field(description="true: call before leaving (long drive, or status stale/unknown)")
    call_first_reasons: list[str]
    phones: list[str]
    tel: str | None
    phones_display: list[str]
    address: str | None
    location: tuple[float, float] = Field(description="(lon, lat) WGS-84")
    eta_s: float = Field(description="driving time from the origin, seconds, in the current traffic metric")
    eta_min: float
    wait_min: float | None = Field(default=None, description="expected wait at the clinic, minutes (null: unknown)")
    wait_source: str | None = Field(
        default=None, description="reported_minutes, waiting_patients (x minutes per patient), unknown or stale"
    )
    time_to_care_min: float | None = Field(default=None, description="drive + expected wait, minutes (null: unknown)")
    distance_m: float | None = Field(description="route length in metres (computed for the first answers)")
    slots: int | None
    stale: bool
    updated_at: datetime | None
    updated_at_local: str | None
    status: StatusPublic
    open_now: bool | None
    night_emergency: bool | None
    kind: ClinicKind
    source: str | None
    provenance: dict[str, Any] = Field(default_factory=dict, description="per-field sources and notes as imported")
    route: dict[str, Any] | None = Field(default=None, description="GeoJSON LineString of the route (first only)")


class NearestAnswer(BaseModel):
    """The locator's answer: the query echoed back, then the clinics in driving-time order."""

    region: str
    origin: tuple[float, float]
    snapped_origin: tuple[float, float]
    at: datetime
    at_local: str
    filters: dict[str, Any]
    considered: int = Field(description="clinics passing the filters")
    routed: int = Field(description="clinics whose driving time was computed (the rest were provably farther)")
    clinics: list[NearestClinic]
    not_routable: list[dict[str, str]] = Field(
        default_factory=list, description="clinics of the region too far from any road to route to (never ranked)"
    )
    attribution: str = "Routes © OpenStreetMap contributors (ODbL 1.0)"
