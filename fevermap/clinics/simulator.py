"""Demo status simulator: **synthetic** live status for the bundled demo, clearly labelled.

The real clinic list has no live status. For the demo, this writes plausible random statuses through the normal
update path with ``reporter="demo-simulator"``; every answer built on them carries ``simulated: true`` and the stock
note says so. Real status only ever comes from operators through :meth:`ClinicRegistry.update_status`.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import StatusResult, StatusUpdate
from fevermap.clinics.status import SIMULATOR_REPORTER

SIMULATED_NOTE = "SIMULATED demo status (not real data)"


def simulate_statuses(
    registry: ClinicRegistry,
    region: str,
    *,
    seed: int = 0,
    now: datetime | None = None,
    stale_share: float = 0.25,
) -> list[StatusResult]:
    """Write one synthetic status per clinic of ``region``, labelled ``demo-simulator``.

    Parameters
    ----------
    registry : ClinicRegistry
        Target registry.
    region : str
        Region name.
    seed : int
        Random seed (same seed, same statuses).
    now : datetime, optional
        Time of the simulated reports (default: now). About ``stale_share`` of them are back-dated beyond the stale
        age so that the demo shows the "stale, call first" path too.
    stale_share : float
        Share of statuses older than the stale age (0..1).
    """
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stale_after = registry.stale_after_s
    results = []
    for rec in registry.records(region):
        stale = rng.random() < stale_share
        age_s = stale_after * (1.5 + rng.random() * 4) if stale else rng.random() * stale_after * 0.5
        update = StatusUpdate(
            slots=rng.choice([0, 0, 1, 2, 3, 5, 8, 12, 20, 30]),
            waiting_patients=rng.randint(0, 40),
            waiting_minutes=rng.choice([5, 10, 15, 30, 45, 60, 90]),
            doctor_on_duty=rng.random() > 0.1,
            stock_note=SIMULATED_NOTE,
            observed_at=now - timedelta(seconds=age_s),
            reporter=SIMULATOR_REPORTER,
        )
        results.append(registry.update_status(rec.id, update, now=now))
    return results
