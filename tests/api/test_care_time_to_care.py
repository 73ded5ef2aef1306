"""``rank=time_to_care`` on /clinics/nearest: the order equals sorting by drive (a route to every clinic) plus the
wait computed independently from the statuses written, both parts shown; ``rank=drive`` is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fevermap.clinics.schemas import StatusUpdate
from fevermap.db.testing import sqlite_url
from tests.api.conftest import Service

AT = (121.4737, 31.2304)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


def write_statuses(service: Service) -> dict[str, float | None]:
    """Statuses with reported minutes, with patients only, stale, and none; the wait each should count (min)."""
    app = service.client.app
    registry = app.state.registry  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    expected: dict[str, float | None] = {}
    for k, cid in enumerate(service.clinic_ids):
        kind = k % 4
        if kind == 0:
            registry.update_status(cid, StatusUpdate(waiting_minutes=5 + 20 * k, observed_at=now))
            expected[cid] = 5.0 + 20 * k
        elif kind == 1:
            registry.update_status(cid, StatusUpdate(waiting_patients=k, observed_at=now))
            expected[cid] = 10.0 * k  # the default minutes per patient
        elif kind == 2:
            registry.update_status(cid, StatusUpdate(waiting_minutes=0, observed_at=now - timedelta(hours=3)))
            expected[cid] = None  # stale: unknown, never "no wait"
        else:
            expected[cid] = None
    return expected


def test_time_to_care_order_equals_independent_sort(service: Service) -> None:
    expected = write_statuses(service)
    locator = service.client.app.state.locator  # type: ignore[attr-defined]
    drive = dict(locator.brute_force(*AT))
    params = {"at": f"{AT[0]},{AT[1]}", "limit": 50, "rank": "time_to_care"}
    body = service.client.get("/clinics/nearest", params=params).json()
    assert body["filters"]["rank"] == "time_to_care"
    got = [c["id"] for c in body["clinics"]]

    def key(cid: str) -> tuple[float, str]:
        wait = expected[cid]
        return (drive[cid] + (60.0 if wait is None else wait) * 60.0, cid)

    assert got == sorted(drive, key=key)
    for c in body["clinics"]:
        assert c["wait_min"] == (None if expected[c["id"]] is None else pytest.approx(expected[c["id"]]))
        assert c["eta_s"] == pytest.approx(drive[c["id"]], abs=1e-3)
        if c["wait_min"] is None:
            assert c["time_to_care_min"] is None
        else:
            assert c["time_to_care_min"] == pytest.approx(c["eta_s"] / 60 + c["wait_min"], abs=0.06)
    stale = [c for c in body["clinics"] if c["wait_source"] == "stale"]
    assert stale and all(c["wait_min"] is None for c in stale)
    by_drive = service.client.get("/clinics/nearest", params={**params, "rank": "drive"}).json()
    assert [c["id"] for c in by_drive["clinics"]] == sorted(drive, key=lambda c: (drive[c], c))
    assert service.client.get("/clinics/nearest", params={**params, "rank": "wait"}).status_code == 422


def test_time_to_care_top_few_equal_full_ranking(service: Service) -> None:
    write_statuses(service)
    params = {"at": f"{AT[0]},{AT[1]}", "rank": "time_to_care"}
    full = service.client.get("/clinics/nearest", params={**params, "limit": 50}).json()["clinics"]
    top = service.client.get("/clinics/nearest", params={**params, "limit": 2}).json()["clinics"]
    assert [c["id"] for c in top] == [c["id"] for c in full[:2]]
