"""The community staff's verification list: the people of one area to call, and what to ask each, in words.

Only the declarant's name, phone and address and one question per match of the latest run; never itineraries and
never another area. Callers authorise the principal as staff first (:mod:`fevermap.api.deps`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access import audit
from fevermap.access.keys import Principal
from fevermap.db.service_models import DeclarationRow, MatchRow
from fevermap.errors import NotFoundError
from fevermap.tracing.match_runs import latest_run, match_record


def _local(iso: str | None, tz: str) -> str:
    if not iso:
        return "?"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def question(record: dict[str, Any], tz: str) -> str:
    """What to ask the declarant about one explained match record (local times in ``tz``)."""
    if record["type"] == "transport":
        what = f"{record['kind']} {record['number']}" if "kind" in record else record.get("place")
        return f"Were you on {what} ({record.get('rule')})?"
    place = record.get("case_place") or record.get("stop_place") or record.get("place") or "the declared place"
    return (
        f"Were you at {place} between {_local(record.get('overlap_start'), tz)} and "
        f"{_local(record.get('overlap_end'), tz)}?"
    )


def verification_list(
    factory: sessionmaker[Session], principal: Principal, client: str = "", tz: str = "UTC"
) -> dict[str, Any]:
    """The people of the principal's own community area to verify (latest run): name, phone, address, what to ask."""
    area = principal.area
    if area is None:
        raise NotFoundError("this key has no community area of its own: use a staff key of the area")
    with factory.begin() as session:
        rid = latest_run(session)
        q = (
            select(MatchRow, DeclarationRow)
            .join(DeclarationRow, DeclarationRow.id == MatchRow.declaration_id)
            .where(MatchRow.run_id == rid, DeclarationRow.area == area)
            .order_by(DeclarationRow.id, MatchRow.id)
        )
        people: dict[str, dict[str, Any]] = {}
        for m, d in session.execute(q).all():
            p = people.setdefault(
                d.id, {"receipt_id": d.id, "name": d.name, "phone": d.phone, "address": d.address, "to_verify": []}
            )
            p["to_verify"].append(question(match_record(m), tz))
        audit.record(session, principal, "read:verification_list", f"area {area}", len(people), client)
    return {"area": area, "run_id": rid, "people": list(people.values())}
