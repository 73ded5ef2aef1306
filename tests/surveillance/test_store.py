"""The surveillance run on real data: Shanghai 2022 cases by district, symptom reports and fever declarations;
results stored per series, area and day, read by investigators only, every read audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access.keys import Principal
from fevermap.config import PACKAGE_DATA_DIR
from fevermap.db import open_database, session_factory
from fevermap.db.service_models import AuditEntry, DeclarationRow
from fevermap.db.surveillance_models import SymptomReportRow
from fevermap.errors import InputError
from fevermap.surveillance.store import area_series, list_alerts, run_day

TZ = "Asia/Shanghai"
INVESTIGATOR = Principal("k-inv", "investigator")


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = open_database(db_url)
    yield session_factory(engine)
    engine.dispose()


def test_cases_of_shanghai_2022_alert_in_the_districts_where_they_took_off(factory: sessionmaker[Session]) -> None:
    summary = run_day(factory, date(2022, 4, 15), tz=TZ, data_dir=PACKAGE_DATA_DIR, days=41, series=("cases",))
    assert summary["series"]["cases"]["alerts"] > 0
    answer = list_alerts(factory, INVESTIGATOR, date(2022, 3, 1), date(2022, 4, 15), "cases", PACKAGE_DATA_DIR)
    alerted = {a["area"] for a in answer["alerts"] if a["level"] == "alert"}
    assert {"黄浦区", "徐汇区", "静安区"} <= alerted
    first = answer["alerts"][0]
    assert set(first) >= {"area", "date", "observed", "expected", "statistic", "p_value", "algorithm", "params"}
    assert first["params"]["algorithm"] == "ewma" and first["level"] in ("warning", "alert")
    hp = next(a for a in answer["areas"] if a["area"] == "黄浦区")
    assert hp["geometry"]["type"] == "Point" and hp["date"] == "2022-04-15"
    series = area_series(factory, INVESTIGATOR, "黄浦区")["series"]["cases"]
    assert [d["date"] for d in series] == sorted(d["date"] for d in series) and len(series) >= 30
    with factory() as s:
        actions = [a.action for a in s.execute(select(AuditEntry)).scalars()]
    assert actions == ["read:surveillance_alerts", "read:surveillance_series"]


def test_recomputing_a_day_replaces_its_results(factory: sessionmaker[Session]) -> None:
    for _ in range(2):
        run_day(factory, date(2022, 4, 15), tz=TZ, data_dir=PACKAGE_DATA_DIR, days=3, series=("cases",))
    rows = area_series(factory, INVESTIGATOR, "黄浦区")["series"]["cases"]
    assert [r["date"] for r in rows] == ["2022-04-13", "2022-04-14", "2022-04-15"]


def test_symptom_reports_and_fever_declarations_become_series(factory: sessionmaker[Session]) -> None:
    today = date(2026, 12, 1)
    now = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    with factory.begin() as s:
        for k in range(40):
            day = today - timedelta(days=39 - k)
            n = 30 if k == 39 else 2
            s.add_all(SymptomReportRow(received_at=now, day=day.isoformat(), onset=day.isoformat(), area="徐汇区",
                                       symptoms=["cough"], advice="stay_home_call", lang="en", client_hash="x")
                      for _ in range(n))  # fmt: skip
        for k, temp in enumerate((38.5, 36.6)):
            s.add(DeclarationRow(id=f"d{k}", received_at=now, area="Area A", name="n", phone="1", address="",
                                 form={"temperatures": [{"celsius": temp}]}, client_hash="x"))  # fmt: skip
    summary = run_day(factory, today, tz=TZ, data_dir=PACKAGE_DATA_DIR, series=("symptoms", "fever"))
    assert summary["series"]["symptoms"] == {"areas": 1, "rows": 1, "warnings": 0, "alerts": 1}
    assert summary["series"]["fever"]["rows"] == 1  # one area, only the 38.5 degC declaration counts
    fever = area_series(factory, INVESTIGATOR, "Area A")["series"]["fever"]
    assert fever[0]["observed"] == 1.0


def test_bad_queries_are_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(InputError, match="unknown series"):
        list_alerts(factory, INVESTIGATOR, series="gossip")
    with pytest.raises(InputError, match="before from"):
        list_alerts(factory, INVESTIGATOR, date(2022, 4, 2), date(2022, 4, 1))
