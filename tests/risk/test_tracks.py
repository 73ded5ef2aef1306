"""Stored case tracks as risk-area case records: their visits without case ids, a fingerprint that changes with
them, and the service's engine rebuilt (a new risk-area version) when they change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fevermap.access.keys import Principal
from fevermap.db.engine import make_engine, session_factory
from fevermap.db.migrate import upgrade
from fevermap.risk.service import RiskService
from fevermap.risk.tracks import track_visits, tracks_fingerprint
from fevermap.tracing.schemas import CaseTrackCreate
from fevermap.tracing.store import save_case_tracks

TZ = "Asia/Shanghai"
WHO = Principal("k1", "investigator")


def _track(case_id: str, lon: float, lat: float, day: int) -> CaseTrackCreate:
    start = datetime(2026, 11, day, 9, 0, tzinfo=ZoneInfo(TZ))
    stop = {"lon": lon, "lat": lat, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    return CaseTrackCreate.model_validate({"id": case_id, "visits": [stop], "legs": []})


def test_tracks_feed_the_risk_areas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    sessions = session_factory(engine)
    empty = tracks_fingerprint(sessions)
    risk = RiskService(None, "default", TZ, sessions=sessions, check_s=0.0)
    save_case_tracks(sessions, WHO, [_track("case-a", 121.48, 31.23, 18)])
    assert tracks_fingerprint(sessions) != empty
    v = track_visits(sessions, TZ)
    assert len(v) == 1 and list(v.record) == ["case_tracks:0"] and "case-a" not in set(v.owner)
    first = risk.engine.areas(date(2026, 11, 20))
    assert [a.level for a in first.of_level("sealed")] == ["sealed"] and first.areas[0].places == 1
    assert risk.engine.areas(date(2026, 11, 20)) is first  # unchanged tracks: the same engine and cache
    save_case_tracks(sessions, WHO, [_track("case-b", 121.50, 31.24, 19)])
    second = risk.engine.areas(date(2026, 11, 20))
    assert second.version != first.version and len(second.of_level("sealed")) == 2
    assert all("case-" not in s for a in second.areas for s in a.sources)
    engine.dispose()
