"""Partner checks on real stored data: a declared person matched to a case track by a real match run is a contact,
one whose recent declared stop lies in a sealed area of the risk engine (real case file) is sealed_area, another
declared person is none, an unknown id answers per policy; audit rows carry no id; limits and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access.keys import Principal
from fevermap.db import open_database, session_factory
from fevermap.db.service_models import AuditEntry
from fevermap.errors import ForbiddenError, InputError, RateLimitError
from fevermap.risk.service import RiskService
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


SEALED_CASE = (121.4800, 31.2400)  # a case yesterday: the 50 m around it are a sealed area today


def _stop(lon: float, lat: float, days_ago: float = 1) -> dict[str, Any]:
    start = NOW - timedelta(days=days_ago)
    return {"lon": lon, "lat": lat, "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}


def pid(phone: str) -> str:
    """What the partner computes on its side with the shared key."""
    return pseudonym(e164(phone), KEY)


@pytest.fixture
def risk(tmp_path: Path) -> RiskService:
    """The risk engine on a real case file: one case record at :data:`SEALED_CASE` yesterday."""
    start = NOW - timedelta(days=1)
    lon, lat = SEALED_CASE
    rows = f"id,lon,lat,start,end\ncase-9,{lon},{lat},{start.isoformat()},{(start + timedelta(hours=1)).isoformat()}\n"
    (tmp_path / "cases.csv").write_text(rows)
    return RiskService(tmp_path / "cases.csv", "default", "Asia/Shanghai")


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = open_database(db_url)
    factory = session_factory(engine)
    lon, lat = SEALED_CASE
    people = [
        ("Contact Person", "138 0013 8000", [_stop(121.4737, 31.2304)]),
        ("Clear Person", "139 0013 9000", [_stop(121.50, 31.26)]),
        ("Sealed Person", "136 0013 6000", [_stop(121.50, 31.26), _stop(lon + 0.0002, lat + 0.0001, days_ago=0.1)]),
        ("Long Ago Person", "135 0013 5000", [_stop(lon, lat, days_ago=30)]),  # there 30 days ago: not recent
    ]
    for name, phone, stops in people:
        form = {"name": name, "phone": phone, "area": "Area A", "stops": stops}
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


def test_a_recent_stop_in_a_sealed_area_is_sealed_area(factory: sessionmaker[Session], risk: RiskService) -> None:
    v = Verifier(factory, risk=risk)
    ids = [pid("13800138000"), pid("13600136000"), pid("13500135000"), pid("13900139000"), pid("13700137000")]
    answer = v.verify(PARTNER, ids, keys=KEYS)
    risks = [(r["risk"], r["reasons"]) for r in answer["results"]]
    assert risks == [
        ("contact", ["contact_proximity"]),
        ("sealed_area", ["declared_place_in_sealed_area"]),
        ("none", []),
        ("none", []),
        ("none", []),
    ]
    today = datetime.now(risk_tz := ZoneInfo("Asia/Shanghai")).date()
    assert answer["areas_date"] == today.isoformat()
    assert answer["results"][1]["as_of"] == datetime.combine(today, time(), risk_tz).isoformat()
    # without the risk engine nobody is in a sealed area; with no sealed level named, likewise
    assert [r["risk"] for r in Verifier(factory).verify(PARTNER, ids[1:2], keys=KEYS)["results"]] == ["none"]
    other = Verifier(factory, risk=risk, sealed_levels=("controlled",))
    assert [r["risk"] for r in other.verify(PARTNER, ids[1:2], keys=KEYS)["results"]] == ["none"]
    text = repr(answer)
    for personal in ("Sealed Person", "13600136000", "121.48", "sealed-", "case-9"):
        assert personal not in text


def test_a_contact_in_a_sealed_area_is_a_contact_with_both_reasons(
    factory: sessionmaker[Session], risk: RiskService
) -> None:
    lon, lat = SEALED_CASE
    form = {"name": "Both", "phone": "133 0013 3000", "area": "Area A",
            "stops": [_stop(121.4737, 31.2304), _stop(lon, lat, days_ago=0.2)]}  # fmt: skip
    save_declaration(factory, DeclarationCreate.model_validate(form), "1.1.1.2", secret=b"s")
    run_matches(factory, INVESTIGATOR, tz="Asia/Shanghai")
    [r] = Verifier(factory, risk=risk).verify(PARTNER, [pid("13300133000")], keys=KEYS)["results"]
    assert (r["risk"], r["reasons"]) == ("contact", ["contact_proximity", "declared_place_in_sealed_area"])


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
