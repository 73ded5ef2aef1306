"""The clinics with the fewest waiting patients now: only fresh statuses that report a waiting count."""

from __future__ import annotations

from fevermap.clinics.schemas import ClinicPublic


def fewest_waiting(clinics: list[ClinicPublic], limit: int = 5) -> list[ClinicPublic]:
    """The ``limit`` clinics with the fewest waiting patients, then the shortest wait (minutes), then by name.

    A stale or never-reported status says nothing about the queue now: such clinics are left out, never ranked as
    empty.
    """
    known = [c for c in clinics if not c.status.stale and c.status.waiting_patients is not None]
    known.sort(key=lambda c: (c.status.waiting_patients, c.status.waiting_minutes is None,
                              c.status.waiting_minutes or 0, c.name, c.id))  # fmt: skip
    return known[: max(0, limit)]
