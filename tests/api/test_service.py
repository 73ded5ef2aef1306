"""The service's roles, privacy and limits: authorization matrix, area isolation, audit, retention, rate limits,
traffic across workers, and bad input answered with 4xx."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from fevermap.api.app import create_app
from fevermap.db.service_models import AuditEntry
from fevermap.tracing.store import purge

from .conftest import Service, make_settings

NOW = datetime.now(UTC)


def _stop(lon: float, lat: float, start: datetime, hours: float = 2.0, place: str = "market") -> dict[str, Any]:
    return {"lon": lon, "lat": lat, "start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat(),
            "place": place}  # fmt: skip


def _declaration(name: str, area: str, lon: float = 121.4737, lat: float = 31.2304) -> dict[str, Any]:
    return {"name": name, "phone": "+86 138 0000 0000", "address": f"{name}'s flat", "area": area,
            "stops": [_stop(lon, lat, NOW - timedelta(days=1))]}  # fmt: skip


CASE = [{"id": "case-1", "visits": [_stop(121.47375, 31.23045, NOW - timedelta(days=1, hours=-1))]}]


def _calls(svc: Service) -> dict[str, tuple[str, str, dict[str, Any]]]:
    cid = svc.clinic_ids[0]
    status = {"slots": 3, "observed_at": (NOW - timedelta(minutes=1)).isoformat()}
    return {
        "put_status": ("PUT", f"/clinics/{cid}/status", {"json": status}),
        "add_clinic": ("POST", "/clinics", {"json": {"id": "t-1", "name": "Test clinic", "lon": 121.48, "lat": 31.22}}),
        "delete_clinic": ("DELETE", "/clinics/t-1", {}),
        "post_traffic": ("POST", "/traffic", {"content": "1,2,30\n", "headers": {"content-type": "text/csv"}}),
        "post_case_tracks": ("POST", "/case-tracks", {"json": CASE}),
        "run_matches": ("POST", "/matches/run", {}),
        "get_matches": ("GET", "/matches", {}),
        "verification_list": ("GET", "/verification-list", {}),
    }


ALLOWED = {
    "put_status": {"clinic", "admin"},
    "add_clinic": {"admin"},
    "delete_clinic": {"admin"},
    "post_traffic": {"traffic", "admin"},
    "post_case_tracks": {"investigator", "admin"},
    "run_matches": {"investigator", "admin"},
    "get_matches": {"investigator", "admin"},
    "verification_list": {"staff_a", "staff_b"},
}
ROLES = [None, "clinic", "clinic_other", "traffic", "investigator", "staff_a", "staff_b", "admin"]


def test_authorization_matrix(service: Service) -> None:
    calls = _calls(service)
    seen: dict[tuple[str, str | None], int] = {}
    for name, (method, path, kwargs) in calls.items():
        for role in ROLES:
            extra = dict(kwargs)
            headers = {**extra.pop("headers", {}), **service.h(role)}
            r = service.client.request(method, path, headers=headers, **extra)
            seen[(name, role)] = r.status_code
            if role is None:
                expected = {401}
            elif role in ALLOWED[name]:
                expected = {200, 201}
            else:
                expected = {403}
            if name == "verification_list" and role == "admin":
                expected = {404}  # an admin has no area of its own
            assert r.status_code in expected, (name, role, r.status_code, r.text)
            assert r.status_code < 400 or "detail" in r.json()
    assert seen[("put_status", "clinic_other")] == 403


def test_bad_key_is_401(service: Service) -> None:
    for token in ("nonsense", "fm_0000_secret", service.keys["clinic"] + "x"):
        r = service.client.get("/matches", headers={"X-API-Key": token})
        assert r.status_code == 401, token


def test_staff_see_only_their_area_and_no_itineraries(service: Service) -> None:
    c = service.client
    ids = {}
    for name, area in (("Ann", "Area A"), ("Bo", "Area B")):
        r = c.post("/declarations", json=_declaration(name, area))
        assert r.status_code == 201
        ids[name] = r.json()["receipt_id"]
    assert c.post("/case-tracks", json=CASE, headers=service.h("investigator")).status_code == 200
    run = c.post("/matches/run", headers=service.h("investigator")).json()
    assert run["people"] == 2
    a = c.get("/verification-list", headers=service.h("staff_a")).json()
    b = c.get("/verification-list", headers=service.h("staff_b")).json()
    assert [p["name"] for p in a["people"]] == ["Ann"]
    assert [p["name"] for p in b["people"]] == ["Bo"]
    person = a["people"][0]
    assert set(person) == {"receipt_id", "name", "phone", "address", "to_verify"}
    assert "stops" not in str(a) and "121.47" not in str(a)
    assert person["to_verify"] and "market" in person["to_verify"][0]
    full = c.get("/matches", headers=service.h("investigator")).json()
    assert {m["declarant_id"] for m in full["matches"]} == set(ids.values())
    assert all(m["distance_m"] <= 50 and m["overlap_min"] >= 15 for m in full["matches"])


def test_reads_of_personal_data_are_audited(service: Service) -> None:
    c = service.client
    c.post("/declarations", json=_declaration("Ann", "Area A"))
    c.post("/case-tracks", json=CASE, headers=service.h("investigator"))
    c.post("/matches/run", headers=service.h("investigator"))
    c.get("/matches", headers=service.h("investigator"))
    c.get("/verification-list", headers=service.h("staff_a"))
    app = c.app
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        entries = list(session.execute(select(AuditEntry)).scalars())
    actions = {(e.role, e.action) for e in entries}
    assert ("investigator", "read:matches") in actions
    assert ("staff", "read:verification_list") in actions
    assert all(e.key_id and e.at.tzinfo is not None for e in entries)


def test_keys_are_stored_hashed(service: Service) -> None:
    with service.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        dump = " ".join(str(row) for row in session.execute(text("SELECT * FROM api_keys")).all())
    for token in service.keys.values():
        assert token.split("_", 2)[2] not in dump


def test_retention_purges_old_declarations_and_matches(service: Service) -> None:
    c = service.client
    c.post("/declarations", json=_declaration("Ann", "Area A"))
    c.post("/case-tracks", json=CASE, headers=service.h("investigator"))
    c.post("/matches/run", headers=service.h("investigator"))
    sessions = c.app.state.sessions  # type: ignore[attr-defined]
    assert purge(sessions, 21) == {"declarations": 0, "matches": 0, "case_tracks": 0, "match_runs": 0}
    deleted = purge(sessions, 21, now=NOW + timedelta(days=22))
    assert deleted["declarations"] == 1 and deleted["matches"] >= 1
    assert c.get("/matches", headers=service.h("investigator")).json()["matches"] == []


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d["stops"][0].update(lat=95.0), "less than or equal to 90"),
        (lambda d: d["stops"][0].update(end="2020-01-01T00:00:00+08:00"), "is before start"),
        (lambda d: d["stops"][0].update(start="2026-11-20T08:00:00"), "UTC offset"),
        (lambda d: d.update(stops=d["stops"] * 201), "at most 200"),
        (lambda d: d.update(phone="call me"), "pattern"),
        (lambda d: d.pop("area"), "Field required"),
        (lambda d: d.update(area="a\x00b"), "NUL"),
        (lambda d: d["stops"][0].update(place="cafe\x00"), "NUL"),
    ],
)
def test_bad_declarations_are_422_with_a_message(service: Service, mutate: Any, fragment: str) -> None:
    d = _declaration("Ann", "Area A")
    mutate(d)
    r = service.client.post("/declarations", json=d)
    assert r.status_code == 422
    assert fragment in r.text


def test_declarations_are_rate_limited_per_client(db_url: str) -> None:
    app = create_app(make_settings(db_url, declarations_per_minute=3))
    with TestClient(app) as c:
        codes = [c.post("/declarations", json=_declaration(f"P{i}", "Area A")).status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_status_updates_by_operators(service: Service) -> None:
    c, cid = service.client, service.clinic_ids[0]
    h = service.h("clinic")
    newer = {"slots": 7, "observed_at": (NOW - timedelta(minutes=1)).isoformat()}
    older = {"slots": 1, "observed_at": (NOW - timedelta(minutes=5)).isoformat()}
    future = {"slots": 9, "observed_at": (NOW + timedelta(hours=1)).isoformat()}
    assert c.put(f"/clinics/{cid}/status", json=newer, headers=h).json()["applied"] is True
    assert c.put(f"/clinics/{cid}/status", json=older, headers=h).json()["applied"] is False
    r = c.put(f"/clinics/{cid}/status", json=future, headers=h)
    assert r.status_code == 409 and "future" in r.json()["detail"]
    assert c.get(f"/clinics/{cid}").json()["status"]["slots"] == 7
    assert c.put(f"/clinics/{cid}/status", json={"observed_at": NOW.isoformat()}, headers=h).status_code == 422
    assert c.get("/clinics/no-such-clinic").status_code == 404


def test_nearest_endpoint_and_bad_origin(service: Service) -> None:
    c = service.client
    body = c.get("/clinics/nearest", params={"at": "121.4737,31.2304", "limit": 3}).json()
    etas = [x["eta_s"] for x in body["clinics"]]
    assert len(etas) == 3 and etas == sorted(etas)
    assert body["clinics"][0]["route"]["type"] == "LineString"
    for at, code in (("121.47,95", 422), ("200,31", 422), ("122.4,31.0", 422), ("x", 422)):
        assert c.get("/clinics/nearest", params={"at": at}).status_code == code


def test_traffic_reaches_every_worker(db_url: str) -> None:
    a_app, b_app = create_app(make_settings(db_url)), create_app(make_settings(db_url))
    with TestClient(a_app) as a, TestClient(b_app) as b:
        from fevermap.access.keys import create_key

        key = create_key(a_app.state.sessions, "traffic")
        route = {"from": "121.4737,31.2304", "to": "121.4997,31.2397"}
        before = b.get("/route", params=route).json()["duration_s"]
        g = a_app.state.router.graph
        rows = "\n".join(f"{u},{v},3" for u, v in zip(g.seg_u_osm, g.seg_v_osm, strict=True)) + "\n"
        r = a.post("/traffic", content=rows, headers={"X-API-Key": key, "content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["unknown_pairs"] == 0
        assert a.get("/route", params=route).json()["duration_s"] > 5 * before
        deadline = time.monotonic() + 10
        while b.get("/route", params=route).json()["duration_s"] == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert b.get("/route", params=route).json()["duration_s"] > 5 * before


def test_body_size_and_list_caps(service: Service) -> None:
    c = service.client
    r = c.post("/declarations", content=b"{" + b" " * 3_000_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413
    too_many = [{"id": f"c{i}", "visits": []} for i in range(1001)]
    assert c.post("/case-tracks", json=too_many, headers=service.h("investigator")).status_code == 422


def test_anonymous_writes_are_refused_before_the_body_is_validated(service: Service) -> None:
    # a malformed body without a key: 401, and nothing about the body's schema
    cid = service.clinic_ids[0]
    for method, path, body in [
        ("PUT", f"/clinics/{cid}/status", {"slots": 3}),  # no observed_at
        ("POST", "/case-tracks", [{"visits": "nonsense"}]),
        ("POST", "/matches/run?radius_m=-5", None),
    ]:
        r = service.client.request(method, path, json=body)
        assert r.status_code == 401, (path, r.status_code, r.text)
        assert "observed_at" not in r.text and "visits" not in r.text and "radius" not in r.text
    # with the wrong key: 403, again before the body
    r = service.client.put(f"/clinics/{cid}/status", json={"slots": 3}, headers=service.h("clinic_other"))
    assert r.status_code == 403 and "observed_at" not in r.text


def test_rate_limiter_keeps_only_a_keyed_hash_of_the_client(service: Service) -> None:
    assert service.client.post("/declarations", json=_declaration("Ann", "Area A")).status_code == 201
    with service.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        stored = session.execute(text("SELECT client_hash FROM declarations")).scalar_one()
        secret = session.execute(text("SELECT value FROM service_secrets WHERE name = 'client_hash'")).scalar_one()
    host = "testclient"  # the address the test client reports
    assert stored != hashlib.sha256(host.encode()).hexdigest()  # an unsalted hash is reversible by enumeration
    assert stored == hmac.new(bytes.fromhex(secret), host.encode(), hashlib.sha256).hexdigest()
