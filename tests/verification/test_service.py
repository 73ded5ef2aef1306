"""Partner checks on real stored data: a declared person matched to a case track by a real match run is a contact,
another declared person is none, an unknown id answers per policy; audit rows carry no id; limits and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access.keys import Principal
from fevermap.db import open_database, session_factory
from fevermap.db.service_models import AuditEntry
from fevermap.errors import ForbiddenError, InputError, RateLimitError
from fevermap.tracing.match_runs import run_matches
from fevermap.tracing.schemas import CaseTrackCreate, DeclarationCreate
from fevermap.tracing.store import save_case_tracks, save_declaration
from fevermap.verification.pseudonym import e164, pseudonym
from fevermap.verification.service import Policy, Verifier

KEY = b"jiangsu-shanghai shared key"
KEYS = {"Jiangsu": KEY}
PARTNER = Principal("k-partner", "partner", area="Jiangsu")
INVESTIGATOR = Principal("k-inv", "investigator")
NOW = datetime.now(UTC)


def _stop(lon: float, lat: float) -> dict[str, Any]:
    start = NOW - timedelta(days=1)
    return {"lon": lon, "lat": lat, "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}


def pid(phone: str) -> str:
    """What the partner computes on its side with the shared key."""
    return pseudonym(e164(phone), KEY)


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = open_database(db_url)
    factory = session_factory(engine)
    people = [("Contact Person", "138 0013 8000", 121.4737, 31.2304), ("Clear Person", "139 0013 9000", 121.50, 31.26)]
    for name, phone, lon, lat in people:
        form = {"name": name, "phone": phone, "area": "Area A", "stops": [_stop(lon, lat)]}
        save_declaration(factory, DeclarationCreate.model_validate(form), "1.1.1.1", secret=b"s")
    save_case_tracks(factory, INVESTIGATOR, [CaseTrackCreate.model_validate(
        {"id": "case-1", "visits": [_stop(121.47375, 31.23045)]})])  # fmt: skip
    run_matches(factory, INVESTIGATOR, tz="Asia/Shanghai")
    yield factory
    engine.dispose()


def test_planted_statuses_are_right_and_unknown_follows_policy(factory: sessionmaker[Session]) -> None:
    v = Verifier(factory)
    ids = [pid("+86 138 0013 8000"), pid("13900139000"), pid("13700137000")]
    answer = v.verify(PARTNER, ids, keys=KEYS)
    risks = [(r["risk"], r["reasons"]) for r in answer["results"]]
    assert risks == [("contact", ["contact_proximity"]), ("none", []), ("none", [])]
    assert answer["results"][1] == {**answer["results"][2], "id": ids[1]}  # unknown indistinguishable from none
    strict = v.verify(PARTNER, ids, keys=KEYS, policy=Policy(unknown_as_none=False))
    assert [r["risk"] for r in strict["results"]] == ["contact", "none", "no_record"]
    text = repr(answer)
    for personal in ("Contact Person", "13800138000", "Area A", "121.47", "case-1"):
        assert personal not in text


def test_a_new_match_run_is_seen_by_the_next_call(factory: sessionmaker[Session]) -> None:
    v = Verifier(factory)
    clear = pid("13900139000")
    assert v.verify(PARTNER, [clear], keys=KEYS)["results"][0]["risk"] == "none"
    save_case_tracks(factory, INVESTIGATOR, [CaseTrackCreate.model_validate(
        {"id": "case-2", "visits": [_stop(121.50, 31.26)]})])  # fmt: skip
    run_matches(factory, INVESTIGATOR, tz="Asia/Shanghai")
    assert v.verify(PARTNER, [clear], keys=KEYS)["results"][0]["risk"] == "contact"


def test_every_call_is_audited_without_ids(factory: sessionmaker[Session]) -> None:
    v = Verifier(factory)
    ids = [pid("13800138000"), pid("13900139000")]
    v.verify(PARTNER, ids, keys=KEYS, client="10.0.0.1")
    with factory() as s:
        rows = list(s.execute(select(AuditEntry).where(AuditEntry.action == "verify:ids")).scalars())
    assert len(rows) == 1 and rows[0].key_id == "k-partner" and rows[0].count == 2
    assert "Jiangsu" in rows[0].subject and not any(i in rows[0].subject for i in ids)


def test_limits_and_refusals(factory: sessionmaker[Session]) -> None:
    v = Verifier(factory)
    one = [pid("13800138000")]
    with pytest.raises(InputError, match="at most 1000"):
        v.verify(PARTNER, one * 1001, keys=KEYS)
    with pytest.raises(InputError, match=r"ids\[1\]"):
        v.verify(PARTNER, [one[0], "13800138000"], keys=KEYS)
    with pytest.raises(ForbiddenError, match="partner key bound"):
        v.verify(Principal("k-admin", "admin"), one, keys=KEYS)
    with pytest.raises(ForbiddenError, match="no shared key"):
        v.verify(Principal("k2", "partner", area="Zhejiang"), one, keys=KEYS)
    limited = Policy(ids_per_minute=1000, partner_limits={"Jiangsu": 3})
    v.verify(PARTNER, one * 3, keys=KEYS, policy=limited)
    with pytest.raises(RateLimitError):
        v.verify(PARTNER, one, keys=KEYS, policy=limited)
    with factory() as s:
        audited = list(s.execute(select(AuditEntry.count).where(AuditEntry.action == "verify:ids")).scalars())
    assert audited == [3]  # refused calls stored nothing
