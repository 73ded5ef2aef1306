"""The clinics a care computation works on, with their snapped positions.

Those of the locator's current snapshot that meet the filters (the one module of :mod:`fevermap.care` that reads the
clinic locator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from fevermap.clinics.locator import ClinicLocator
from fevermap.errors import InputError
from fevermap.routing.snapping import Snap


@dataclass(frozen=True)
class Site:
    """A clinic (or a candidate site) on the road network: id, name, ``(lon, lat)`` degrees and its snap."""

    id: str
    name: str
    lon: float
    lat: float
    snap: Snap


def clinic_sites(
    locator: ClinicLocator,
    *,
    with_slots: bool = False,
    open_now: bool = False,
    night: bool = False,
    strict: bool = False,
    at: datetime | None = None,
) -> list[Site]:
    """The region's routable clinics that meet the filters at ``at`` (default now), as the locator filters them:
    a fact that is unknown keeps the clinic unless ``strict`` (see :mod:`fevermap.clinics.locator`)."""
    when = datetime.now(UTC) if at is None else at
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError(f"time {when.isoformat()} has no time zone; give e.g. 2026-11-25T23:40:00+08:00")
    static, live = locator.refresh()
    mask: Any
    mask, _open, _fresh = locator._candidates(
        live, when.astimezone(UTC), night=night, open_now=open_now, with_slots=with_slots, strict=strict
    )
    return [
        Site(live.records[i].id, live.records[i].name, live.records[i].lon, live.records[i].lat, static.snaps[i])
        for i in np.flatnonzero(mask).tolist()
    ]
