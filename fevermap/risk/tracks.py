"""Case tracks held in the database as risk-area case records: their visits, and a fingerprint that changes with them.

Investigators post case tracks for exposure matching (:func:`fevermap.tracing.store.save_case_tracks`); each visit
(a place and a time window) is a case record here, read by the tracing service's own reader
(:func:`fevermap.tracing.match_runs.read_case_tracks`). Transport legs have no place and are not used. The records'
sources are ``case_tracks:N`` (a row number), never the case id.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.db.service_models import CaseTrackRow
from fevermap.tracing.match_runs import read_case_tracks
from fevermap.tracing.models import Visits


def tracks_fingerprint(factory: sessionmaker[Session]) -> str:
    """A string that changes when a case track is added, replaced or purged (count and latest upload)."""
    with factory() as session:
        n, latest = session.execute(select(func.count(), func.max(CaseTrackRow.uploaded_at))).one()
    return f"{int(n)}:{latest.isoformat() if latest is not None else ''}"


def track_visits(factory: sessionmaker[Session], tz: str) -> Visits:
    """The visits of every stored case track (``(lon, lat)`` WGS-84, UTC seconds), sources without case ids."""
    with factory() as session:
        rows = list(session.execute(select(CaseTrackRow).order_by(CaseTrackRow.id)).scalars())
    visits = read_case_tracks(rows, tz).visits
    return Visits.from_arrays(
        owner=np.full(len(visits), "case track", dtype=object),
        lon=visits.lon,
        lat=visits.lat,
        start=visits.start,
        end=visits.end,
        radius_m=visits.radius_m,
        place=visits.place,
        record=np.asarray([f"case_tracks:{i}" for i in range(len(visits))], dtype=object),
    )
