"""HTTP: symptom reports (advice in the request's language, nearest available clinic), investigators' alerts and
series, and partner verification with a second client holding the shared key; bad input is a 4xx storing nothing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fevermap.access.keys import create_key, revoke_key
from fevermap.api.app import create_app
from fevermap.api.routes_verification import VerificationAnswer
from fevermap.db.service_models import AuditEntry
from fevermap.db.surveillance_models import SymptomReportRow
from fevermap.surveillance.store import run_day

from .conftest import make_settings

SHARED = "a key the two authorities share"
NOW = datetime.now(UTC)
TODAY = (NOW + timedelta(hours=8)).date()  # Shanghai


class Svc:
    def __init__(self, client: TestClient, keys: dict[str, str]) -> None:
        self.client, self.keys = client, keys

    def h(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}


SEALED_CASE = (121.4800, 31.2400)  # the served case file: one case here yesterday, so a sealed area today


@pytest.fixture
def svc(db_url: str, tmp_path: Path) -> Iterator[Svc]:
    start = NOW - timedelta(days=1)
    lon, lat = SEALED_CASE
    cases = tmp_path / "cases.csv"
    cases.write_text(
        f"id,lon,lat,start,end\ncase-9,{lon},{lat},{start.isoformat()},{(start + timedelta(hours=1)).isoformat()}\n"
    )
    settings = make_settings(db_url, verification_keys={"Jiangsu": SHARED}, symptom_reports_per_minute=1000,
                             risk_cases=cases)  # fmt: skip
    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.sessions
        keys = {"investigator": create_key(s, "investigator"), "partner": create_key(s, "partner", area="Jiangsu"),
                "staff": create_key(s, "staff", area="Area A")}  # fmt: skip
        client.app_state = app.state  # type: ignore[attr-defined]
        yield Svc(client, keys)


def _reports(svc: Svc) -> int:
    with svc.client.app_state.sessions() as s:  # type: ignore[attr-defined]
        return int(s.execute(select(func.count()).select_from(SymptomReportRow)).scalar_one())


def test_fever_report_answers_in_chinese_with_the_nearest_clinic(svc: Svc) -> None:
    form = svc.client.get("/symptom-reports/form").json()
    assert "fever" in form["symptoms"] and "黄浦区" in form["districts"]
    body = {"symptoms": ["fever", "cough"], "temperature_c": 38.6, "onset": TODAY.isoformat(),
            "lon": 121.4737, "lat": 31.2304}  # fmt: skip
    r = svc.client.post("/symptom-reports", json=body, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["advice"] == "fever_clinic_now" and "发热门诊" in a["text"] and a["go_to_clinic"]
    assert a["clinic"] is not None and a["clinic"]["name"] and a["clinic"]["eta_min"] > 0
    en = svc.client.post("/symptom-reports", json={**body, "lang": "en", "symptoms": ["chest_pain"]}).json()
    assert en["advice"] == "call_emergency" and en["call"] == "120" and en["clinic"] is None
    assert _reports(svc) == 2


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"temperature_c": 43.5}, "less than or equal to 43"),
        ({"temperature_c": 33.0}, "greater than or equal to 34"),
        ({"onset": (TODAY + timedelta(days=2)).isoformat()}, "in the future"),
        ({"symptoms": ["hiccups"]}, "unknown symptoms"),
        ({"district": "Atlantis", "lon": None, "lat": None}, "unknown district"),
        ({"district": "黄浦区"}, "either a point"),
    ],
)
def test_bad_symptom_reports_are_4xx_and_store_nothing(svc: Svc, change: dict[str, Any], says: str) -> None:
    body = {"symptoms": ["cough"], "onset": TODAY.isoformat(), "lon": 121.47, "lat": 31.23, **change}
    r = svc.client.post("/symptom-reports", json={k: v for k, v in body.items() if v is not None})
    assert r.status_code == 422 and says in r.text
    assert _reports(svc) == 0


def test_investigators_read_alerts_and_series_others_do_not(svc: Svc) -> None:
    state = svc.client.app_state  # type: ignore[attr-defined]
    run_day(state.sessions, datetime(2022, 4, 15).date(), tz="Asia/Shanghai", data_dir=state.settings.data_dir,
            days=41, series=("cases",))  # fmt: skip
    r = svc.client.get("/surveillance/alerts?from=2022-03-01&to=2022-04-15&series=cases", headers=svc.h("investigator"))
    assert r.status_code == 200 and any(a["level"] == "alert" for a in r.json()["alerts"])
    s = svc.client.get("/surveillance/series", params={"area": "黄浦区"}, headers=svc.h("investigator"))
    assert s.status_code == 200 and s.json()["series"]["cases"][-1]["date"] == "2022-04-15"
    nul = svc.client.get("/surveillance/series", params={"area": "a\x00b"}, headers=svc.h("investigator"))
    assert nul.status_code == 422 and "NUL" in nul.text
    assert svc.client.get("/surveillance/alerts").status_code == 401
    assert svc.client.get("/surveillance/alerts", headers=svc.h("staff")).status_code == 403
    assert svc.client.get("/surveillance/alerts?series=x", headers=svc.h("investigator")).status_code == 422
    assert svc.client.get("/surveillance/alerts?from=2022-13-01", headers=svc.h("investigator")).status_code == 422


def _pid(phone_e164: str) -> str:
    """The partner's own client: HMAC-SHA-256 under the shared key, computed without fevermap's code."""
    return hmac.new(SHARED.encode(), phone_e164.encode(), hashlib.sha256).hexdigest()


def _plant(svc: Svc) -> None:
    start = NOW - timedelta(days=1)
    stop = {
        "lon": 121.4737,
        "lat": 31.2304,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
    }
    lon, lat = SEALED_CASE
    home = {**stop, "lon": lon + 0.0001, "lat": lat - 0.0001, "place": "Cai's home"}  # about 15 m from the case
    people = (("Ann", "138 0013 8000", [stop]), ("Bo", "+86 139 0013 9000", []), ("Cai", "136 0013 6000", [home]))
    for name, phone, stops in people:
        r = svc.client.post("/declarations", json={"name": name, "phone": phone, "area": "Area A", "stops": stops})
        assert r.status_code == 201, r.text
    svc.client.post("/case-tracks", json=[{"id": "case-track-1", "visits": [{**stop, "lon": 121.47375}]}],
                    headers=svc.h("investigator"))  # fmt: skip
    svc.client.post("/matches/run", headers=svc.h("investigator"))


def test_partner_verification_statuses_schema_and_audit(svc: Svc) -> None:
    _plant(svc)
    ids = [_pid("+8613800138000"), _pid("+8613600136000"), _pid("+8613900139000"), _pid("+8613700137000")]
    r = svc.client.post("/verification", json={"ids": ids}, headers=svc.h("partner"))
    assert r.status_code == 200, r.text
    answer = VerificationAnswer.model_validate(r.json())  # extra="forbid": no field beyond level, as_of, reasons
    assert [(x.risk, x.reasons) for x in answer.results] == [
        # Ann stood where the posted case track was yesterday: a contact, and that place is sealed (case tracks are a
        # source of risk areas); contact ranks first and both reasons are given
        ("contact", ["contact_proximity", "declared_place_in_sealed_area"]),
        ("sealed_area", ["declared_place_in_sealed_area"]),
        ("none", []),
        ("none", []),
    ]
    assert answer.areas_date == TODAY.isoformat()
    assert set(r.json()) == {"jurisdiction", "as_of", "areas_date", "results"}
    assert all(set(x) == {"id", "risk", "reasons", "as_of"} for x in r.json()["results"])
    for personal in ("Ann", "Cai", "13800138000", "Area A", "121.47", "121.48", "case-track", "case-9", "home"):
        assert personal not in r.text
    with svc.client.app_state.sessions() as s:  # type: ignore[attr-defined]
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "verify:ids")).scalar_one()
    assert audit.count == 4 and "2 at risk" in audit.subject and not any(i in audit.subject for i in ids)


def test_bad_verification_calls_are_4xx(svc: Svc) -> None:
    ok = _pid("+8613800138000")
    post = svc.client.post
    assert post("/verification", json={"ids": [ok] * 1001}, headers=svc.h("partner")).status_code == 422
    bad = post("/verification", json={"ids": [ok, "13800138000"]}, headers=svc.h("partner"))
    assert bad.status_code == 422 and "ids[1]" in bad.text and "64 hex digits" in bad.text
    assert post("/verification", json={"ids": [ok]}).status_code == 401
    # authenticate first, then validate: an anonymous or wrong-key caller never sees the body's schema
    for headers in ({}, {"X-API-Key": "fm_nope_nope"}):
        for body in ({"ids": []}, {"wrong": 1}):
            anon = post("/verification", json=body, headers=headers)
            assert anon.status_code == 401 and "ids" not in anon.text, anon.text
        assert post("/verification", content=b"not json", headers=headers).status_code == 401
    assert post("/verification", json={"wrong": 1}, headers=svc.h("partner")).status_code == 422
    assert post("/verification", content=b"not json", headers=svc.h("partner")).status_code == 422
    assert post("/verification", json={"ids": [ok]}, headers={"X-API-Key": "fm_nope_nope"}).status_code == 401
    assert post("/verification", json={"ids": [ok]}, headers=svc.h("investigator")).status_code == 403
    revoke_key(svc.client.app_state.sessions, svc.keys["partner"].split("_")[1])  # type: ignore[attr-defined]
    revoked = post("/verification", json={"ids": [ok]}, headers=svc.h("partner"))
    assert revoked.status_code == 401 and "revoked" in revoked.text
    with svc.client.app_state.sessions() as s:  # type: ignore[attr-defined]
        assert (
            s.execute(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "verify:ids")
            ).scalar_one()
            == 0
        )


def test_old_symptoms_address_opens_the_view_of_the_residents_page(svc: Svc) -> None:
    r = svc.client.get("/symptoms?lang=zh-Hans", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/#symptoms"
    assert "fevermap_lang=zh-Hans" in r.headers["set-cookie"]
    plain = svc.client.get("/symptoms?lang=xx", follow_redirects=False)
    assert plain.status_code == 302 and "set-cookie" not in plain.headers
    page = svc.client.get("/symptoms")  # followed: the resident's page, its shell loads the view registry
    assert page.status_code == 200 and 'src="/static/js/app.js"' in page.text
    registry = svc.client.get("/static/js/views/registry.js").text
    assert 'id: "symptoms"' in registry
