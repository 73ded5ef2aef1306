"""Traffic across workers: a feed is stored as a version in the database and applied by every worker in order.

The worker that receives a feed applies it at once; the others poll the version table every few seconds (a
background task of :mod:`fevermap.api.app`; the database is the only state workers share) and apply what they have
not seen, so all converge on the same metric.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.db.service_models import TrafficVersion
from fevermap.routing.traffic import TrafficRows, parse_traffic

if TYPE_CHECKING:
    from fevermap.routing.router import Router

logger = logging.getLogger("fevermap")


def record_traffic(router: Router, sessions: sessionmaker[Session], csv_text: str, by: str) -> dict[str, Any]:
    """Validate, store and apply a traffic feed; returns the report with its version id."""
    rows = parse_traffic(csv_text)  # raises InputError naming the bad line, or saying the feed is empty
    with sessions.begin() as session:
        version = TrafficVersion(at=datetime.now(UTC), by=by, rows=len(rows), csv=csv_text)
        session.add(version)
        session.flush()
        version_id = int(version.id)
    catch_up(router, sessions, parsed={version_id: rows})
    report = router.traffic_reports.get(version_id)
    return {"version": version_id, **(report or {})}


def catch_up(router: Router, sessions: sessionmaker[Session], parsed: dict[int, TrafficRows] | None = None) -> int:
    """Apply every stored traffic version newer than the router's, in order; return how many were applied.

    ``parsed`` holds versions already parsed by this process (the one just posted), which are not parsed again.
    """
    parsed = parsed or {}
    with sessions() as session:
        newer = [
            int(v)
            for v in session.execute(
                select(TrafficVersion.id).where(TrafficVersion.id > router.traffic_version).order_by(TrafficVersion.id)
            ).scalars()
        ]
        missing = [v for v in newer if v not in parsed]
        texts = dict(
            session.execute(select(TrafficVersion.id, TrafficVersion.csv).where(TrafficVersion.id.in_(missing))).all()
            if missing
            else []
        )
    for version_id in newer:
        router.apply_traffic_version(version_id, parsed[version_id] if version_id in parsed else texts[version_id])
    return len(newer)
