"""Live status freshness: a status older than the stale age is shown as stale, never as current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fevermap.clinics.schemas import StatusPublic

#: Reporter name of the demo status simulator; anything it writes is labelled ``simulated``.
SIMULATOR_REPORTER = "demo-simulator"


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A stored status (plain values, detached from the database)."""

    slots: int | None
    waiting_patients: int | None
    waiting_minutes: int | None
    doctor_on_duty: bool | None
    stock_note: str | None
    observed_at: datetime
    reporter: str

    @classmethod
    def of(cls, row: Any) -> StatusRecord:
        """The status held by ``row``: anything with these fields as attributes (an ORM object, a result row)."""
        return cls(*(getattr(row, name) for name in cls.__slots__))


def local_iso(at: datetime, tz: str) -> str:
    """``at`` as ISO 8601 in time zone ``tz`` (e.g. ``2026-11-25T23:40:00+08:00``)."""
    return at.astimezone(ZoneInfo(tz)).isoformat()


def status_view(record: StatusRecord | None, now: datetime, stale_after_s: float, tz: str) -> StatusPublic:
    """The public view of ``record`` at ``now``.

    Parameters
    ----------
    record : StatusRecord or None
        The stored status (``None``: never reported).
    now : datetime
        Timezone-aware query time.
    stale_after_s : float
        Age (seconds) beyond which the status is stale: values are withheld (``slots: null``), the observation time
        is still given.
    tz : str
        Region time zone for ``updated_at_local``.
    """
    if record is None:
        return StatusPublic(known=False, stale=True)
    age = (now - record.observed_at).total_seconds()
    common = {
        "updated_at": record.observed_at,
        "updated_at_local": local_iso(record.observed_at, tz),
        "age_s": round(max(age, 0.0), 1),  # an observation within the allowed clock skew counts as age 0
        "reporter": record.reporter,
        "simulated": record.reporter == SIMULATOR_REPORTER,
    }
    if age > stale_after_s:
        return StatusPublic(known=True, stale=True, **common)  # type: ignore[arg-type]
    return StatusPublic(
        known=True,
        stale=False,
        slots=record.slots,
        waiting_patients=record.waiting_patients,
        waiting_minutes=record.waiting_minutes,
        doctor_on_duty=record.doctor_on_duty,
        stock_note=record.stock_note,
        **common,  # type: ignore[arg-type]
    )
