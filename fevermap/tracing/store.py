"""Persistence of the tracing service's inputs: declarations (rate-limited per client), case tracks, retention.

Match runs are in :mod:`fevermap.tracing.match_runs`, the staff's list in :mod:`fevermap.tracing.verification`.

Reads of personal data write an audit entry in the same transaction. Callers authorise the principal first (the
API's dependencies, :mod:`fevermap.api.deps`); these functions record who acted. A declaration is committed before
its receipt is returned (SQLite with full sync, or PostgreSQL), so an acknowledged declaration survives a crash.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access import audit
from fevermap.access.client_hash import client_hash
from fevermap.access.keys import Principal
from fevermap.db.service_models import CaseTrackRow, DeclarationRow, MatchRow, MatchRun
from fevermap.errors import RateLimitError
from fevermap.tracing.schemas import CaseTrackCreate, DeclarationCreate


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
