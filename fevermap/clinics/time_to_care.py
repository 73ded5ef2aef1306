"""Time to care: driving time plus the expected wait at the clinic, and the order it ranks clinics in (pure).

The expected wait comes from the clinic's fresh status: its reported waiting minutes; else its waiting patients times
the clinic's minutes per patient (the clinic attribute ``extra["minutes_per_patient"]``, default
:data:`DEFAULT_MINUTES_PER_PATIENT` = 10 min); else it is unknown. A stale status counts as unknown, so a stale
report never makes a clinic look better.

Ranking rule for an unknown wait: the clinic is ranked as if its wait were :data:`UNKNOWN_WAIT_RANK_MIN` (60 min,
a pessimistic assumption), but its wait is shown as unknown and its time to care as ``None``. So a clinic with a known
wait under an hour comes before an unknown one at the same drive, and an unknown one close by still comes before a
known one more than an hour farther. Ties break by clinic id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fevermap.clinics.status import StatusRecord

#: Minutes per waiting patient when the clinic does not state its own (``extra["minutes_per_patient"]``).
DEFAULT_MINUTES_PER_PATIENT = 10.0
#: Wait assumed *for ranking only* when a clinic's wait is unknown (minutes).
UNKNOWN_WAIT_RANK_MIN = 60.0

WaitSource = Literal["reported_minutes", "waiting_patients", "unknown", "stale"]
Rank = Literal["time_to_care", "drive"]


@dataclass(frozen=True)
class Wait:
    """An expected wait: ``minutes`` (None when unknown), where it comes from, and the minutes it ranks with."""

    minutes: float | None
    source: WaitSource

    @property
    def rank_minutes(self) -> float:
        return UNKNOWN_WAIT_RANK_MIN if self.minutes is None else self.minutes


def minutes_per_patient(extra: Mapping[str, Any]) -> float:
    """The clinic's minutes per waiting patient from its attributes, or the default when absent or unusable."""
    value = extra.get("minutes_per_patient")
    try:
        v = float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        v = math.nan
    return v if math.isfinite(v) and v >= 0 else DEFAULT_MINUTES_PER_PATIENT


def expected_wait(
    status: StatusRecord | None,
    now: datetime,
    stale_after_s: float,
    per_patient_min: float = DEFAULT_MINUTES_PER_PATIENT,
) -> Wait:
    """The expected wait at ``now`` from a clinic's stored status (see the module docstring for the rule)."""
    if status is None:
        return Wait(None, "unknown")
    if (now - status.observed_at).total_seconds() > stale_after_s:
        return Wait(None, "stale")
    if status.waiting_minutes is not None:
        return Wait(float(status.waiting_minutes), "reported_minutes")
    if status.waiting_patients is not None:
        return Wait(float(status.waiting_patients) * per_patient_min, "waiting_patients")
    return Wait(None, "unknown")


def rank_seconds(drive_s: float, wait: Wait) -> float:
    """What a clinic ranks by: drive seconds plus the wait's ranking minutes."""
    return drive_s + wait.rank_minutes * 60.0


def time_to_care_min(drive_s: float, wait: Wait) -> float | None:
    """Drive plus expected wait in minutes, or None when the wait is unknown."""
    return None if wait.minutes is None else drive_s / 60.0 + wait.minutes


def order(
    ids: Sequence[str], drive_s: Sequence[float], waits: Sequence[Wait], rank: Rank = "time_to_care"
) -> list[int]:
    """Indices of the clinics in ranking order: by ``(rank_seconds, id)`` for time to care, ``(drive, id)`` else."""
    if rank == "drive":
        return sorted(range(len(ids)), key=lambda i: (drive_s[i], ids[i]))
    return sorted(range(len(ids)), key=lambda i: (rank_seconds(drive_s[i], waits[i]), ids[i]))
