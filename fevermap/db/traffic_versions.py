"""Traffic across workers: a feed is stored as a version in the database and applied by every worker in order.

The worker that receives a feed applies it at once; the others poll the version table every few seconds (a
background task of :mod:`fevermap.api.app`; the database is the only state workers share) and apply what they have
not seen, so all converge on the same metric.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.db.service_models import TrafficVersion
from fevermap.routing.traffic import TrafficRows, parse_traffic

if TYPE_CHECKING:
    from fevermap.routing.router import Router

logger = logging.getLogger("fevermap")


def record_traffic(
    router: Router, sessions: sessionmaker[Session], csv_text: str, by: str, *, others: Sequence[Router] = ()
) -> dict[str, Any]:
    """Validate, store and apply a traffic feed (to ``router`` and each of ``others``); the report with its id.

    The report is ``router``'s; with several regions, ``regions`` lists, per region, the rows it knew.
    """
    rows = parse_traffic(csv_text)  # raises InputError naming the bad line, or saying the feed is empty
    with sessions.begin() as session:
        version = TrafficVersion(at=datetime.now(UTC), by=by, rows=len(rows), csv=csv_text)
        session.add(version)
        session.flush()
        version_id = int(version.id)
    all_routers = [router, *[r for r in others if r is not router]]
    catch_up(all_routers, sessions, parsed={version_id: rows})
    report = router.traffic_reports.get(version_id)
    out: dict[str, Any] = {"version": version_id, **(report or {})}
    if len(all_routers) > 1:
        out["regions"] = {
            r.region.name: {"rows_known": int(_known_rows(r, rows)), "applied": version_id in r.traffic_reports}
            for r in all_routers
        }
    return out


def _known_rows(router: Router, rows: TrafficRows) -> int:
    """How many of the feed's rows name a segment of ``router``'s region."""
    _row, _seg, found = router.region.segments.lookup(rows.from_osm, rows.to_osm)
    return int(found.sum())


def catch_up(
    routers: Router | Sequence[Router], sessions: sessionmaker[Session], parsed: dict[int, TrafficRows] | None = None
) -> int:
    """Apply every stored traffic version newer than each router's, in order; return how many versions were new.

    A feed applies to the regions whose OSM node ids it names: a region that knows none of its rows only records
    the version (no re-customisation). ``parsed`` holds versions already parsed by this process (the one just
    posted), which are not parsed again.
    """
    routers = list(routers) if isinstance(routers, Sequence) else [routers]
    parsed = dict(parsed or {})
    oldest = min(r.traffic_version for r in routers)
    with sessions() as session:
        newer = [
            int(v)
            for v in session.execute(
                select(TrafficVersion.id).where(TrafficVersion.id > oldest).order_by(TrafficVersion.id)
            ).scalars()
        ]
        missing = [v for v in newer if v not in parsed]
        texts = dict(
            session.execute(select(TrafficVersion.id, TrafficVersion.csv).where(TrafficVersion.id.in_(missing))).all()
            if missing
            else []
        )
    for version_id in newer:
        rows = parsed.get(version_id)
        if rows is None:
            rows = parsed[version_id] = parse_traffic(texts[version_id])
        for router in routers:
            if version_id <= router.traffic_version:
                continue
            if len(routers) > 1 and not _known_rows(router, rows):
                router.traffic_version = version_id  # names none of this region's roads: nothing to customise
                continue
            router.apply_traffic_version(version_id, rows)
    return len(newer)
