"""Persistence of the tracing service: declarations, case tracks, match runs, verification lists, retention.

Reads of personal data write an audit entry in the same transaction. Callers authorise the principal first (the
API's dependencies, :mod:`fevermap.api.deps`); these functions record who acted. A declaration is committed before
its receipt is returned (SQLite with full sync, or PostgreSQL), so an acknowledged declaration survives a crash.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access import audit
from fevermap.access.client_hash import client_hash
from fevermap.access.keys import Principal
from fevermap.db.service_models import CaseTrackRow, DeclarationRow, MatchRow, MatchRun
from fevermap.errors import NotFoundError, RateLimitError
from fevermap.tracing.engine import match_visits
from fevermap.tracing.legs import match_legs
from fevermap.tracing.models import CaseTrack, Declaration, MatchRule, Stop, TransportLeg, tracks_to_visits
from fevermap.tracing.schemas import CaseTrackCreate, DeclarationCreate, LegIn, StopIn


def _now() -> datetime:
    return datetime.now(UTC)


def save_declaration(
    factory: sessionmaker[Session], form: DeclarationCreate, client: str, *, secret: bytes, per_minute: int = 30
) -> tuple[str, datetime]:
    """Store a declaration and return its receipt id and time (after the commit).

    ``client`` (the address) is kept only as its keyed hash under ``secret``
    (:func:`fevermap.access.client_hash.client_hash`).

    Raises
    ------
    RateLimitError
        When this client sent ``per_minute`` declarations in the last minute.
    """
    now = _now()
    who = client_hash(client, secret)
    receipt = secrets.token_urlsafe(16)
    with factory.begin() as session:
        recent = session.execute(
            select(func.count())
            .select_from(DeclarationRow)
            .where(DeclarationRow.client_hash == who, DeclarationRow.received_at > now - timedelta(minutes=1))
        ).scalar_one()
        if recent >= per_minute:
            raise RateLimitError(f"too many declarations from this client: at most {per_minute} a minute, try later")
        session.add(
            DeclarationRow(
                id=receipt,
                received_at=now,
                area=form.area,
                name=form.name,
                phone=form.phone,
                address=form.address,
                form=form.model_dump(mode="json"),
                client_hash=who,
            )
        )
    return receipt, now


def save_case_tracks(factory: sessionmaker[Session], principal: Principal, tracks: list[CaseTrackCreate]) -> list[str]:
    """Store (or replace) case tracks uploaded by an investigator."""
    now = _now()
    with factory.begin() as session:
        for t in tracks:
            row = session.get(CaseTrackRow, t.id)
            if row is None:
                session.add(
                    CaseTrackRow(
                        id=t.id, uploaded_at=now, uploaded_by=principal.key_id or "", track=t.model_dump(mode="json")
                    )
                )
            else:
                row.uploaded_at, row.track = now, t.model_dump(mode="json")
        audit.record(session, principal, "write:case_tracks", ",".join(t.id for t in tracks), len(tracks))
    return [t.id for t in tracks]


def _stops(items: list[dict[str, Any]]) -> list[Stop]:
    out = []
    for raw in items:
        s = StopIn.model_validate(raw)
        out.append(Stop(s.lon, s.lat, s.start, s.end, s.place, s.radius_m))
    return out


def _legs(owner: str, items: list[dict[str, Any]]) -> list[TransportLeg]:
    out = []
    for raw in items:
        leg = LegIn.model_validate(raw)
        row = letter = None
        if leg.seat:
            digits = "".join(ch for ch in leg.seat if ch.isdigit())
            row = int(digits) if digits else None
            letter = leg.seat[len(digits) :].upper() or None
        out.append(TransportLeg(owner, leg.kind, leg.number.upper(), leg.date.isoformat(), leg.carriage, row, letter))
    return out


def run_matches(factory: sessionmaker[Session], principal: Principal, rule: MatchRule | None = None) -> dict[str, Any]:
    """Match every stored declaration against every stored case track; store and summarise the matches."""
    rule = rule or MatchRule()
    with factory() as session:
        decl_rows = list(session.execute(select(DeclarationRow)).scalars())
        case_rows = list(session.execute(select(CaseTrackRow)).scalars())
    declarations = [
        Declaration(r.id, _stops(r.form.get("stops", [])), _legs(r.id, r.form.get("legs", []))) for r in decl_rows
    ]
    cases = [
        CaseTrack(r.id, _stops(r.track.get("visits", [])), _legs(r.id, r.track.get("legs", []))) for r in case_rows
    ]
    stops = tracks_to_visits(declarations)
    visits = tracks_to_visits(cases)
    found = match_visits(stops, visits, rule) if len(stops) and len(visits) else None
    now = _now()
    rows: list[MatchRow] = []
    if found is not None:
        for k in range(len(found)):
            si, vi = int(found.stop[k]), int(found.visit[k])
            detail = {
                "rule": rule.describe(),
                "place": visits.place[vi] or stops.place[si],
                "distance_m": round(float(found.distance_m[k]), 2),
                "radius_m": float(found.radius_m[k]),
                "overlap_start": datetime.fromtimestamp(int(found.overlap_start[k]), UTC).isoformat(),
                "overlap_end": datetime.fromtimestamp(int(found.overlap_end[k]), UTC).isoformat(),
                "overlap_min": round((int(found.overlap_end[k]) - int(found.overlap_start[k])) / 60, 1),
                "stop": {"lon": float(stops.lon[si]), "lat": float(stops.lat[si])},
            }
            rows.append(
                MatchRow(
                    declaration_id=str(stops.owner[si]),
                    case_id=str(visits.owner[vi]),
                    kind="proximity",
                    created_at=now,
                    detail=detail,
                )
            )
    declared_legs = [leg for d in declarations for leg in d.legs]
    case_legs = [leg for c in cases for leg in c.legs]
    for m in match_legs(declared_legs, case_legs):
        detail = {"rule": f"same {m.kind} {m.number} on {m.date}", "level": m.level, "place": f"{m.kind} {m.number}"}
        rows.append(
            MatchRow(declaration_id=m.declarant, case_id=m.case, kind="transport", created_at=now, detail=detail)
        )
    with factory.begin() as session:
        run = MatchRun(
            at=now,
            by=principal.key_id or "",
            radius_m=rule.radius_m,
            min_overlap_s=rule.min_overlap_s,
            declarations=len(declarations),
            case_tracks=len(cases),
            matches=len(rows),
        )
        session.add(run)
        session.flush()
        for r in rows:
            r.run_id = run.id
        session.add_all(rows)
        audit.record(session, principal, "run:matches", f"run {run.id}", len(rows))
        run_id = run.id
    people = len({r.declaration_id for r in rows})
    return {
        "run_id": run_id,
        "declarations": len(declarations),
        "case_tracks": len(cases),
        "matches": len(rows),
        "people": people,
        "rule": rule.describe(),
    }


def _latest_run(session: Session) -> int | None:
    return session.execute(select(func.max(MatchRun.id))).scalar_one_or_none()


def list_matches(
    factory: sessionmaker[Session], principal: Principal, run_id: int | None = None, client: str = ""
) -> dict[str, Any]:
    """Matches of a run (default: the latest) with full detail and a per-person summary ranked for investigators."""
    with factory.begin() as session:
        rid = run_id if run_id is not None else _latest_run(session)
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
        matches = [
            {
                "declaration_id": m.declaration_id,
                "name": d.name,
                "phone": d.phone,
                "area": d.area,
                "case_id": m.case_id,
                "kind": m.kind,
                **m.detail,
            }
            for m, d in pairs
        ]
        people: dict[str, dict[str, Any]] = {}
        for m in matches:
            p = people.setdefault(
                m["declaration_id"],
                {
                    "declaration_id": m["declaration_id"],
                    "name": m["name"],
                    "phone": m["phone"],
                    "area": m["area"],
                    "matches": 0,
                    "cases": set(),
                    "overlap_min": 0.0,
                    "transport": 0,
                },
            )
            p["matches"] += 1
            p["cases"].add(m["case_id"])
            p["overlap_min"] += float(m.get("overlap_min", 0.0))
            p["transport"] += m["kind"] == "transport"
        ranked = sorted(
            people.values(), key=lambda p: (-len(p["cases"]), -p["transport"], -p["overlap_min"], p["declaration_id"])
        )
        for p in ranked:
            p["cases"] = sorted(p["cases"])
        audit.record(session, principal, "read:matches", f"run {rid}", len(matches), client)
    return {"run_id": rid, "matches": matches, "people": ranked}


def _local(iso: str | None, tz: str) -> str:
    if not iso:
        return "?"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def verification_list(
    factory: sessionmaker[Session], principal: Principal, client: str = "", tz: str = "UTC"
) -> dict[str, Any]:
    """The people of the principal's own community area to verify (latest run): name, phone, address, what to ask.

    The list never contains itineraries or other areas (the caller has authorised ``principal`` as staff).
    """
    area = principal.area
    if area is None:
        raise NotFoundError("this key has no community area of its own: use a staff key of the area")
    with factory.begin() as session:
        rid = _latest_run(session)
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
            if m.kind == "transport":
                p["to_verify"].append(f"Were you on {m.detail.get('place')} ({m.detail.get('rule')})?")
            else:
                p["to_verify"].append(
                    f"Were you at {m.detail.get('place') or 'the declared place'} between "
                    f"{_local(m.detail.get('overlap_start'), tz)} and {_local(m.detail.get('overlap_end'), tz)}?"
                )
        audit.record(session, principal, "read:verification_list", f"area {area}", len(people), client)
    return {"area": area, "run_id": rid, "people": list(people.values())}


def _count(session: Session, statement: Any) -> int:
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def purge(factory: sessionmaker[Session], retention_days: float, now: datetime | None = None) -> dict[str, int]:
    """Delete declarations, matches and case tracks older than the retention period; return what was deleted."""
    cutoff = (now or _now()) - timedelta(days=retention_days)
    with factory.begin() as session:
        n_matches = _count(session, delete(MatchRow).where(MatchRow.created_at < cutoff))
        old_decl = select(DeclarationRow.id).where(DeclarationRow.received_at < cutoff)
        n_matches += _count(session, delete(MatchRow).where(MatchRow.declaration_id.in_(old_decl)))
        n_decl = _count(session, delete(DeclarationRow).where(DeclarationRow.received_at < cutoff))
        n_cases = _count(session, delete(CaseTrackRow).where(CaseTrackRow.uploaded_at < cutoff))
        n_runs = _count(session, delete(MatchRun).where(MatchRun.at < cutoff))
    return {"declarations": n_decl, "matches": n_matches, "case_tracks": n_cases, "match_runs": n_runs}
