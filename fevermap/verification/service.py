"""Risk status of pseudonymous ids for a partner jurisdiction: rate-limited, audited, never a personal field.

The status of a person comes from what fevermap holds: their declarations (the phone number, pseudonymised under the
partner's shared key, and the declared stops) and the latest match run. Levels, most severe first:

- ``contact``: a declaration matched a confirmed case's track in the latest match run (reasons
  ``contact_proximity`` / ``contact_transport``);
- ``sealed_area``: a declared stop of the recent days (:data:`~fevermap.verification.places.RECENT_DAYS`) lies in an
  area of a sealed level of the risk engine on the check day, today in the risk areas' time zone (reason
  ``declared_place_in_sealed_area``; a contact in a sealed area is a ``contact`` with both reasons);
- ``none``: fevermap knows the person and holds no risk;
- ``no_record``: fevermap does not know the id, where the policy says so (else such an id answers ``none``).

The answer carries only the level, ``as_of`` and reason codes: never names, itineraries or places. One call costs
one statement (index version and the partner's use in the last minute), a dictionary look-up per id and the audit
row; the index is rebuilt only when a declaration, the match run or the day's sealed areas change.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access.keys import Principal
from fevermap.db.service_models import AuditEntry, DeclarationRow, MatchRow, MatchRun
from fevermap.errors import ForbiddenError, InputError, PhoneNumberError, RateLimitError
from fevermap.risk.service import RiskService
from fevermap.verification.places import RECENT_DAYS, SealedAreas, Stops, sealed_areas
from fevermap.verification.pseudonym import check_id, e164, pseudonym

MAX_IDS = 1000
AUDIT_ACTION = "verify:ids"
LEVELS = ("contact", "sealed_area", "none", "no_record")
AT_RISK = ("contact", "sealed_area")
REASONS = {"proximity": "contact_proximity", "transport": "contact_transport"}
SEALED_REASON = "declared_place_in_sealed_area"
NONE: tuple[str, tuple[str, ...]] = ("none", ())
NO_AREAS = SealedAreas(date.min, "no-risk-service", [], "UTC")

#: What a call reads, built once: the index version (latest match run, oldest and newest declaration: a new
#: declaration moves the newest, a purge the oldest) and the ids the partner key checked since ``:since``.
_STATE = select(
    select(func.max(MatchRun.id)).scalar_subquery(),
    select(func.min(DeclarationRow.received_at)).scalar_subquery(),
    select(func.max(DeclarationRow.received_at)).scalar_subquery(),
    select(func.coalesce(func.sum(AuditEntry.count), 0))
    .where(AuditEntry.key_id == bindparam("key_id"), AuditEntry.action == AUDIT_ACTION,
           AuditEntry.at > bindparam("since"))
    .scalar_subquery(),
)  # fmt: skip

#: The audit row of a call (the columns :func:`fevermap.access.audit.record` writes), as one prepared insert.
_AUDIT = insert(AuditEntry).values(
    at=bindparam("at"), key_id=bindparam("key_id"), role=bindparam("role"), action=AUDIT_ACTION,
    subject=bindparam("subject"), count=bindparam("count"), client=bindparam("client"),
)  # fmt: skip


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
    areas_day: date | None


class Verifier:
    """Answers partner checks from an index pseudonym -> status, one per jurisdiction key, rebuilt when the
    declarations, the latest match run or the day's sealed areas change.

    Parameters
    ----------
    factory : sessionmaker
        The service database.
    phone_region : str
        ISO 3166 alpha-2 country of stored numbers without a country code.
    risk : RiskService or None
        The risk areas (None: no ``sealed_area`` level is ever answered).
    sealed_levels : sequence of str
        The rule-set levels that count as sealed (those the rule set lacks are ignored).
    recent_days : int
        Local days, ending with the check day, whose declared stops count as the person's places.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        phone_region: str = "CN",
        *,
        risk: RiskService | None = None,
        sealed_levels: Sequence[str] = ("sealed",),
        recent_days: int = RECENT_DAYS,
    ) -> None:
        self.factory = factory
        self.phone_region = phone_region
        self.risk, self.sealed_levels, self.recent_days = risk, tuple(sealed_levels), recent_days
        self._lock = threading.Lock()
        self._indexes: dict[str, _Index] = {}
        # declarations never change once stored: their E.164 number and stops are read once per process
        self._decls: dict[str, tuple[str | None, list[tuple[float, float, float, float]]]] = {}
        self._pids: dict[bytes, dict[str, str]] = {}  # shared key -> declaration id -> pseudonym

    def _declarations(self, session: Session) -> tuple[list[str], list[str | None], Stops]:
        """Every stored declaration's id, E.164 number (None: not a valid number) and stops (owner: position)."""
        ids = list(session.execute(select(DeclarationRow.id)).scalars())
        present = set(ids)
        for gone in [d for d in self._decls if d not in present]:
            del self._decls[gone]  # purged past retention
            for pids in self._pids.values():
                pids.pop(gone, None)
        new = [d for d in ids if d not in self._decls]
        for k in range(0, len(new), 500):
            chunk = new[k : k + 500]
            rows = session.execute(
                select(DeclarationRow.id, DeclarationRow.phone, DeclarationRow.form).where(DeclarationRow.id.in_(chunk))
            ).all()
            for decl_id, phone, form in rows:
                try:
                    number: str | None = e164(phone, self.phone_region)
                except PhoneNumberError:
                    number = None  # a declaration whose number is not valid cannot be matched by a partner either
                self._decls[decl_id] = (number, Stops.rows_of(form))
        decls = [self._decls[d] for d in ids]
        return ids, [n for n, _ in decls], Stops.from_rows((k, rows) for k, (_, rows) in enumerate(decls) if rows)

    def _build(self, session: Session, key: bytes, version: tuple[Any, ...], sealed: SealedAreas) -> _Index:
        run_id = version[0]
        reasons: dict[str, set[str]] = {}
        as_of = datetime.now(UTC)
        if run_id is not None:
            as_of = session.execute(select(MatchRun.at).where(MatchRun.id == run_id)).scalar_one()
            for decl, kind in session.execute(
                select(MatchRow.declaration_id, MatchRow.kind).where(MatchRow.run_id == run_id)
            ).all():
                reasons.setdefault(decl, set()).add(REASONS.get(kind, "contact"))
        ids, numbers, stops = self._declarations(session)
        inside = sealed.owners_inside(stops, self.recent_days)
        pids = self._pids.setdefault(key, {})
        status: dict[str, tuple[str, tuple[str, ...]]] = {}
        flagged: dict[str, set[str]] = {}
        for k, (decl_id, number) in enumerate(zip(ids, numbers, strict=True)):
            if number is None:
                continue
            pid = pids.get(decl_id)
            if pid is None:
                pid = pids[decl_id] = pseudonym(number, key)
            found = reasons.get(decl_id)
            if found or k in inside:
                mine = flagged.setdefault(pid, set())
                mine |= found or set()
                if k in inside:
                    mine.add(SEALED_REASON)
            else:
                status.setdefault(pid, NONE)
        status.update({pid: (_level(r), tuple(sorted(r))) for pid, r in flagged.items()})
        return _Index(version, key, status, as_of, None if self.risk is None else sealed.day)

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
        sealed = NO_AREAS if self.risk is None else sealed_areas(self.risk, self.sealed_levels)
        now = datetime.now(UTC)
        with self.factory.begin() as session:
            # one statement reads what the index depends on and what this partner used in the last minute
            params = {"key_id": principal.key_id, "since": now - timedelta(minutes=1)}
            run, first, last, used = session.execute(_STATE, params).one()
            limit = policy.limit_of(jurisdiction)
            if int(used) + len(clean) > limit:
                raise RateLimitError(f"this partner may check {limit} ids a minute ({int(used)} used): try later")
            version = (run, first, last, sealed.version)
            with self._lock:
                idx = self._indexes.get(jurisdiction)
                if idx is None or idx.version != version or idx.key != key:
                    idx = self._build(session, key, version, sealed)
                    self._indexes[jurisdiction] = idx
            unknown = ("none", ()) if policy.unknown_as_none else ("no_record", ())
            get = idx.status.get
            answers = [(pid, get(pid, unknown)) for pid in clean]
            risky = sum(1 for _, (level, _r) in answers if level in AT_RISK)
            subject = f"jurisdiction {jurisdiction}: {len(clean)} ids, {risky} at risk"
            session.execute(_AUDIT, {"at": datetime.now(UTC), "key_id": principal.key_id, "role": principal.role,
                                     "subject": subject, "count": len(clean), "client": client[:64]})  # fmt: skip
        as_of = idx.as_of.isoformat()
        day_start = as_of
        if idx.areas_day is not None and self.risk is not None:
            day_start = datetime.combine(idx.areas_day, time(), ZoneInfo(self.risk.tz)).isoformat()
        return {
            "jurisdiction": jurisdiction,
            "as_of": as_of,
            "areas_date": None if idx.areas_day is None else idx.areas_day.isoformat(),
            "results": [
                {"id": pid, "risk": level, "reasons": list(r), "as_of": day_start if level == "sealed_area" else as_of}
                for pid, (level, r) in answers
            ],
        }


def _level(reasons: set[str]) -> str:
    """The most severe level the reasons give (a contact outranks a sealed area: quarantine, not staying home)."""
    if reasons & set(REASONS.values()) or "contact" in reasons:
        return "contact"
    return "sealed_area" if SEALED_REASON in reasons else "none"
