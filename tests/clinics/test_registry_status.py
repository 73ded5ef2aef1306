"""Registry and live status on both backends: order of observations, future refused, stale after the set age."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from fevermap.clinics.records import stable_clinic_id
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate, StatusUpdate
from fevermap.config import Settings
from fevermap.errors import FutureObservationError, NotFoundError

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai


def _add(registry: ClinicRegistry, name: str = "瑞金医院") -> str:
    c = registry.add(
        "shanghai",
        ClinicCreate(name=name, lon=121.4666, lat=31.2109, phones=["+862164370045"], address="瑞金二路197号"),
        timezone="Asia/Shanghai",
    )
    return c.id


def test_clinic_round_trip_and_stable_id(registry: ClinicRegistry) -> None:
    cid = _add(registry)
    assert cid == stable_clinic_id("shanghai", "瑞金医院", "瑞金二路197号")
    got = registry.clinic(cid, now=T0)
    assert (got.lon, got.lat) == (121.4666, 31.2109)
    assert got.tel == "tel:+86-21-6437-0045"
    assert got.timezone == "Asia/Shanghai"
    assert got.status.known is False and got.status.stale is True and got.status.slots is None
    assert _add(registry) == cid  # same clinic again: same record
    assert registry.count("shanghai") == 1


def test_newer_status_wins_older_is_ignored(registry: ClinicRegistry) -> None:
    cid = _add(registry)
    now = T0 + timedelta(minutes=10)
    r1 = registry.update_status(cid, StatusUpdate(slots=5, observed_at=T0), now=now)
    assert r1.applied and r1.status.slots == 5
    newer = registry.update_status(cid, StatusUpdate(slots=3, observed_at=T0 + timedelta(minutes=5)), now=now)
    assert newer.applied and newer.status.slots == 3
    older = registry.update_status(cid, StatusUpdate(slots=9, observed_at=T0 + timedelta(minutes=1)), now=now)
    assert not older.applied
    assert "already stored" in older.reason
    same = registry.update_status(cid, StatusUpdate(slots=7, observed_at=T0 + timedelta(minutes=5)), now=now)
    assert not same.applied
    assert registry.clinic(cid, now=T0 + timedelta(minutes=6)).status.slots == 3


def test_status_time_is_stored_utc_and_shown_local(registry: ClinicRegistry) -> None:
    cid = _add(registry)
    registry.update_status(cid, StatusUpdate(slots=1, observed_at=T0), now=T0)
    st = registry.clinic(cid, now=T0 + timedelta(minutes=1)).status
    assert st.updated_at == T0
    assert st.updated_at_local == "2026-11-25T23:00:00+08:00"
    assert st.age_s == 60.0


def test_update_from_the_future_is_refused(registry: ClinicRegistry) -> None:
    cid = _add(registry)
    ok = registry.update_status(cid, StatusUpdate(slots=1, observed_at=T0 + timedelta(seconds=60)), now=T0)
    assert ok.applied  # within the 120 s clock skew
    with pytest.raises(FutureObservationError, match="in the future"):
        registry.update_status(cid, StatusUpdate(slots=2, observed_at=T0 + timedelta(minutes=10)), now=T0)
    assert registry.clinic(cid, now=T0).status.slots == 1


def test_status_goes_stale_after_the_configured_age(registry: ClinicRegistry) -> None:
    cid = _add(registry)
    registry.update_status(cid, StatusUpdate(slots=4, doctor_on_duty=True, observed_at=T0), now=T0)
    fresh = registry.clinic(cid, now=T0 + timedelta(minutes=30)).status
    assert (fresh.stale, fresh.slots, fresh.doctor_on_duty) == (False, 4, True)
    stale = registry.clinic(cid, now=T0 + timedelta(minutes=30, seconds=1)).status
    assert stale.stale is True
    assert stale.slots is None and stale.doctor_on_duty is None
    assert stale.updated_at == T0


def test_stale_age_is_configurable(db_url: str) -> None:
    reg = ClinicRegistry.open(db_url, settings=Settings(stale_after_min=5))
    cid = _add(reg)
    reg.update_status(cid, StatusUpdate(slots=4, observed_at=T0), now=T0)
    assert reg.clinic(cid, now=T0 + timedelta(minutes=6)).status.stale is True
    reg.engine.dispose()


def test_bad_status_reports_are_refused() -> None:
    with pytest.raises(ValueError, match="empty status report"):
        StatusUpdate(observed_at=T0)
    with pytest.raises(ValueError, match=r"observed_at .* has no UTC offset"):
        StatusUpdate(slots=1, observed_at=datetime(2026, 11, 25, 15))
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        StatusUpdate(slots=-1, observed_at=T0)


def test_unknown_clinic_id_is_a_clear_not_found(registry: ClinicRegistry) -> None:
    with pytest.raises(NotFoundError, match="unknown clinic id 'nope'"):
        registry.clinic("nope")
    with pytest.raises(NotFoundError, match="unknown clinic id 'nope'"):
        registry.update_status("nope", StatusUpdate(slots=1, observed_at=T0), now=T0)
    with pytest.raises(NotFoundError):
        registry.delete("nope")


def test_revision_grows_with_each_write(registry: ClinicRegistry) -> None:
    r0 = registry.revision()
    cid = _add(registry)
    r1 = registry.revision()
    registry.update_status(cid, StatusUpdate(slots=1, observed_at=T0), now=T0)
    r2 = registry.revision()
    registry.update_status(cid, StatusUpdate(slots=1, observed_at=T0 - timedelta(minutes=1)), now=T0)  # ignored
    assert r0 < r1 < r2 == registry.revision()


def test_concurrent_updates_keep_the_newest(registry: ClinicRegistry) -> None:
    """Many writers at once, in random order of arrival: the stored status is the newest observation."""
    cid = _add(registry)
    times = [T0 - timedelta(seconds=s) for s in range(0, 40)]
    order = times[::3] + times[1::3] + times[2::3]
    errors: list[BaseException] = []

    def send(at: datetime) -> None:
        try:
            registry.update_status(cid, StatusUpdate(slots=int((T0 - at).total_seconds()), observed_at=at), now=T0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(t,)) for t in order]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert registry.clinic(cid, now=T0).status.slots == 0
