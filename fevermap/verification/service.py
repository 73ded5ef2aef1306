"""Risk status of pseudonymous ids for a partner jurisdiction: rate-limited, audited, never a personal field.

The status of a person comes from what fevermap holds: their declarations (the phone number, pseudonymised under the
partner's shared key) and the latest match run (``contact``: a declaration matched a confirmed case's track). An id
fevermap knows with no risk answers ``none``; an id it does not know answers ``none`` too, or ``no_record`` where the
policy says so. The answer carries only the level, ``as_of`` and reason codes: never names, itineraries or places.

Levels (most severe first): ``contact`` (reasons ``contact_proximity`` / ``contact_transport``), ``none``,
``no_record``. A ``sealed_area`` level needs the risk-area engine and is not part of this version.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access import audit
from fevermap.access.keys import Principal
from fevermap.db.service_models import AuditEntry, DeclarationRow, MatchRow, MatchRun
from fevermap.errors import ForbiddenError, InputError, PhoneNumberError, RateLimitError
from fevermap.verification.pseudonym import check_id, e164, pseudonym

MAX_IDS = 1000
AUDIT_ACTION = "verify:ids"
LEVELS = ("contact", "none", "no_record")
REASONS = {"proximity": "contact_proximity", "transport": "contact_transport"}


@dataclass(frozen=True)
class Policy:
    """How unknown ids answer and how many ids a partner may check per minute.

    Parameters
    ----------
    unknown_as_none : bool
        True: an unknown id answers ``none`` (indistinguishable from a known person without risk); False:
        ``no_record``.
    ids_per_minute : int
        Default limit of ids per partner key and minute.
    partner_limits : mapping of str to int
        A jurisdiction's own limit.
    """

    unknown_as_none: bool = True
    ids_per_minute: int = 60_000
    partner_limits: Mapping[str, int] | None = None

    def limit_of(self, jurisdiction: str) -> int:
        return int((self.partner_limits or {}).get(jurisdiction, self.ids_per_minute))


@dataclass
class _Index:
    version: tuple[Any, ...]
    key: bytes
    status: dict[str, tuple[str, tuple[str, ...]]]
    as_of: datetime


class Verifier:
    """Answers partner checks from an index pseudonym -> status, one per jurisdiction key, rebuilt when the
    declarations or the latest match run change."""

    def __init__(self, factory: sessionmaker[Session], phone_region: str = "CN") -> None:
        self.factory = factory
        self.phone_region = phone_region
        self._lock = threading.Lock()
        self._indexes: dict[str, _Index] = {}

    def _version(self, session: Session) -> tuple[Any, ...]:
        run = session.execute(select(func.max(MatchRun.id))).scalar_one_or_none()
        # index-only look-ups: a new declaration moves the newest time, a purge the oldest
        first = session.execute(select(func.min(DeclarationRow.received_at))).scalar_one_or_none()
        last = session.execute(select(func.max(DeclarationRow.received_at))).scalar_one_or_none()
        return (run, first, last)

    def _build(self, session: Session, key: bytes, version: tuple[Any, ...]) -> _Index:
        run_id = version[0]
        reasons: dict[str, set[str]] = {}
        as_of = datetime.now(UTC)
        if run_id is not None:
            as_of = session.execute(select(MatchRun.at).where(MatchRun.id == run_id)).scalar_one()
            for decl, kind in session.execute(
                select(MatchRow.declaration_id, MatchRow.kind).where(MatchRow.run_id == run_id)
            ).all():
                reasons.setdefault(decl, set()).add(REASONS.get(kind, "contact"))
        status: dict[str, tuple[str, tuple[str, ...]]] = {}
        for decl_id, phone in session.execute(select(DeclarationRow.id, DeclarationRow.phone)).all():
            try:
                pid = pseudonym(e164(phone, self.phone_region), key)
            except PhoneNumberError:
                continue  # a declaration whose number is not valid cannot be matched by a partner either
            found = reasons.get(decl_id)
            old = status.get(pid)
            merged = set(old[1]) if old else set()
            if found:
                merged |= found
            status[pid] = ("contact" if merged else "none", tuple(sorted(merged)))
        return _Index(version, key, status, as_of)

    def _index(self, jurisdiction: str, key: bytes) -> _Index:
        with self.factory() as session:
            version = self._version(session)
            with self._lock:
                idx = self._indexes.get(jurisdiction)
                if idx is None or idx.version != version or idx.key != key:
                    idx = self._build(session, key, version)
                    self._indexes[jurisdiction] = idx
        return idx

    def verify(
        self,
        principal: Principal,
        ids: list[str],
        *,
        keys: Mapping[str, bytes],
        policy: Policy | None = None,
        client: str = "",
    ) -> dict[str, Any]:
        """The risk status of each id, in order.

        Parameters
        ----------
        principal : Principal
            A ``partner`` key bound to a jurisdiction (the caller has checked the role; the binding is checked here).
        ids : list of str
            At most :data:`MAX_IDS` ids (64 hex digits each).
        keys : mapping of str to bytes
            The shared HMAC key of each jurisdiction.

        Raises
        ------
        ForbiddenError
            Not a partner key, or no shared key configured for its jurisdiction.
        InputError
            More than :data:`MAX_IDS` ids, or a malformed one (named by position, never by value).
        RateLimitError
            Past the partner's ids per minute.
        """
        policy = policy or Policy()
        jurisdiction = principal.area
        if principal.role != "partner" or not jurisdiction:
            raise ForbiddenError("verification needs a partner key bound to a jurisdiction")
        key = keys.get(jurisdiction)
        if not key:
            raise ForbiddenError(f"no shared key is configured for jurisdiction {jurisdiction!r}")
        if not ids:
            raise InputError("give at least one id")
        if len(ids) > MAX_IDS:
            raise InputError(f"at most {MAX_IDS} ids per call ({len(ids)} given): split the batch")
        clean = []
        for i, raw in enumerate(ids):
            try:
                clean.append(check_id(raw))
            except InputError as exc:
                raise InputError(f"ids[{i}]: {exc}") from None
        idx = self._index(jurisdiction, key)
        unknown = ("none", ()) if policy.unknown_as_none else ("no_record", ())
        answers = [(pid, idx.status.get(pid, unknown)) for pid in clean]
        now = datetime.now(UTC)
        with self.factory.begin() as session:
            used = session.execute(
                select(func.coalesce(func.sum(AuditEntry.count), 0)).where(
                    AuditEntry.key_id == principal.key_id,
                    AuditEntry.action == AUDIT_ACTION,
                    AuditEntry.at > now - timedelta(minutes=1),
                )
            ).scalar_one()
            limit = policy.limit_of(jurisdiction)
            if int(used) + len(clean) > limit:
                raise RateLimitError(f"this partner may check {limit} ids a minute ({int(used)} used): try later")
            risky = sum(1 for _, (level, _r) in answers if level == "contact")
            audit.record(
                session, principal, AUDIT_ACTION, f"jurisdiction {jurisdiction}: {len(clean)} ids, {risky} at risk",
                len(clean), client,
            )  # fmt: skip
        as_of = idx.as_of.isoformat()
        return {
            "jurisdiction": jurisdiction,
            "as_of": as_of,
            "results": [{"id": pid, "risk": level, "reasons": list(r), "as_of": as_of} for pid, (level, r) in answers],
        }
