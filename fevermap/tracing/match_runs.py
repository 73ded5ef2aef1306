"""Match runs of the service: match every stored declaration against every stored case track, store, read back.

The records stored and returned are the explained match records of :mod:`fevermap.tracing.results`, the same that
``fevermap trace match`` prints, read by the same reader (:func:`fevermap.tracing.readers.read_fevermap_json`), and
people are ranked by :func:`fevermap.tracing.results.summarise`: the CLI, the HTTP API and the notebooks give one
ranking for the same data. Callers authorise the principal first (:mod:`fevermap.api.deps`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access import audit
from fevermap.access.keys import Principal
from fevermap.db.service_models import CaseTrackRow, DeclarationRow, MatchRow, MatchRun
from fevermap.errors import NotFoundError
from fevermap.tracing.assemble import ReadResult
from fevermap.tracing.engine import match_visits
from fevermap.tracing.legs import match_legs
from fevermap.tracing.models import Matches, MatchRule
from fevermap.tracing.readers import read_fevermap_json
from fevermap.tracing.results import SUMMARY_INPUT, leg_frame, match_frame, records, summarise


def read_declarations(rows: Iterable[DeclarationRow], tz: str) -> ReadResult:
    """Stops, legs and answers of stored declarations (each identified by its receipt id)."""
    return read_fevermap_json({"declarations": [{**r.form, "id": r.id} for r in rows]}, "declarations", tz=tz)


def read_case_tracks(rows: Iterable[CaseTrackRow], tz: str) -> ReadResult:
    """Visits and legs of stored case tracks."""
    data = {"declarations": [{"id": r.id, "stops": r.track.get("visits", []), "legs": r.track.get("legs", [])}
                             for r in rows]}  # fmt: skip
    return read_fevermap_json(data, "case_tracks", tz=tz)


def run_matches(
    factory: sessionmaker[Session], principal: Principal, rule: MatchRule | None = None, *, tz: str
) -> dict[str, Any]:
    """Match every stored declaration against every stored case track; store the explained match records.

    ``tz`` is the region's time zone (local times in the records, local dates of transport legs).
    """
    rule = rule or MatchRule()
    with factory() as session:
        declared = read_declarations(session.execute(select(DeclarationRow)).scalars(), tz)
        cases = read_case_tracks(session.execute(select(CaseTrackRow)).scalars(), tz)
    stops, visits = declared.visits, cases.visits
    found = match_visits(stops, visits, rule) if len(stops) and len(visits) else Matches.empty()
    found_records = records(match_frame(found, stops, visits, rule, tz=tz))
    found_records += records(leg_frame(match_legs(declared.legs, cases.legs)))
    now = datetime.now(UTC)
    with factory.begin() as session:
        run = MatchRun(at=now, by=principal.key_id or "", radius_m=rule.radius_m, min_overlap_s=rule.min_overlap_s,
                       declarations=len(declared.declarations), case_tracks=len(cases.declarations),
                       matches=len(found_records))  # fmt: skip
        session.add(run)
        session.flush()
        session.add_all(
            MatchRow(run_id=run.id, declaration_id=r["declarant_id"], case_id=r["case_id"], kind=r["type"],
                     created_at=now, detail=r)
            for r in found_records
        )  # fmt: skip
        audit.record(session, principal, "run:matches", f"run {run.id}", len(found_records))
        run_id = run.id
    return {
        "run_id": run_id,
        "declarations": len(declared.declarations),
        "case_tracks": len(cases.declarations),
        "matches": len(found_records),
        "people": len({r["declarant_id"] for r in found_records}),
        "rule": rule.describe(),
    }


def latest_run(session: Session) -> int | None:
    """Id of the most recent match run (None before the first)."""
    return session.execute(select(func.max(MatchRun.id))).scalar_one_or_none()


def match_record(row: MatchRow) -> dict[str, Any]:
    """The explained record of a stored match (one written before records were unified is converted)."""
    detail: dict[str, Any] = dict(row.detail)
    if "declarant_id" in detail:
        return detail
    level = detail.get("level", "place-overlap")
    return {"type": row.kind, "declarant_id": row.declaration_id, "case_id": row.case_id, "level": level, **detail}


def list_matches(
    factory: sessionmaker[Session], principal: Principal, run_id: int | None = None, client: str = ""
) -> dict[str, Any]:
    """Matches of a run (default: the latest) with full detail, and people ranked for investigators.

    ``matches`` are the explained match records with the declarant's name, phone and area; ``people`` the ranked
    summary of :func:`fevermap.tracing.results.summarise` (rank 1 first) with the same contact details.
    """
    with factory.begin() as session:
        rid = run_id if run_id is not None else latest_run(session)
        if rid is None:
            return {"run_id": None, "matches": [], "people": []}
        if session.get(MatchRun, rid) is None:
            raise NotFoundError(f"unknown match run {rid}")
        q = (
            select(MatchRow, DeclarationRow)
            .join(DeclarationRow, DeclarationRow.id == MatchRow.declaration_id)
            .where(MatchRow.run_id == rid)
            .order_by(MatchRow.id)
        )
        pairs = list(session.execute(q).all())
        found = [match_record(m) for m, _ in pairs]
        forms = {d.id: d for _, d in pairs}
        contacts = {d.id: {"name": d.name, "phone": d.phone, "area": d.area} for d in forms.values()}
        declared = read_declarations(forms.values(), "UTC")  # for fever and contact answers only
        audit.record(session, principal, "read:matches", f"run {rid}", len(found), client)
    proximity = pd.DataFrame([r for r in found if r["type"] == "proximity"], columns=SUMMARY_INPUT)
    transport = pd.DataFrame([r for r in found if r["type"] == "transport"], columns=SUMMARY_INPUT[:4])
    people = records(summarise(proximity, transport, declared.declarations))
    return {
        "run_id": rid,
        "matches": [{**contacts[r["declarant_id"]], **r} for r in found],
        "people": [{**p, **contacts[p["declarant_id"]]} for p in people],
    }
