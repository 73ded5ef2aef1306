"""The surveillance run and its results: series from the database and the bundled cases, detection, stored levels.

:func:`run_day` builds every series up to a day, runs the detector and replaces the stored results of the last
``days`` days (so a late report changes the day it belongs to when that day is recomputed). Investigators read
alerts (:func:`list_alerts`) and an area's series (:func:`area_series`); both reads are audited. Callers authorise
the principal first (the API's role dependencies); these functions record who read.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access import audit
from fevermap.access.keys import Principal
from fevermap.db.service_models import DeclarationRow
from fevermap.db.surveillance_models import SurveillanceResult, SymptomReportRow
from fevermap.errors import InputError
from fevermap.surveillance.areas import geometry
from fevermap.surveillance.detect import Detector, detect
from fevermap.surveillance.series import SERIES, case_events, check_series, daily_counts, span
from fevermap.surveillance.triage import load_rules

#: Days of history a series keeps (the detector needs baseline + guard band + 1).
HISTORY_DAYS = 120


def events(session: Session, series: str, tz: str, data_dir: Path) -> pd.DataFrame:
    """One row (``area``, ``date``) per event of a series."""
    if series == "cases":
        return case_events(data_dir)
    if series == "symptoms":
        rows = session.execute(select(SymptomReportRow.area, SymptomReportRow.day)).all()
        return pd.DataFrame({"area": [r[0] for r in rows], "date": pd.to_datetime([r[1] for r in rows])})
    threshold = load_rules().fever_threshold_c
    zone = ZoneInfo(tz)
    areas, days = [], []
    for area, received, form in session.execute(
        select(DeclarationRow.area, DeclarationRow.received_at, DeclarationRow.form)
    ).all():
        temps = [float(t.get("celsius", 0)) for t in (form or {}).get("temperatures", []) if isinstance(t, dict)]
        if temps and max(temps) >= threshold:
            areas.append(area)
            days.append(received.astimezone(zone).date())
    return pd.DataFrame({"area": areas, "date": pd.to_datetime(days)})


def run_day(
    factory: sessionmaker[Session],
    day: date,
    *,
    tz: str,
    data_dir: Path,
    detector: Detector | None = None,
    days: int = 1,
    series: tuple[str, ...] = SERIES,
) -> dict[str, Any]:
    """Recompute the series up to ``day`` and store the results of its last ``days`` days.

    Returns
    -------
    dict
        Per series: areas, days stored, warnings and alerts among them.
    """
    if not 1 <= days <= HISTORY_DAYS:
        raise InputError(f"days must be 1..{HISTORY_DAYS}")
    det = detector or Detector()
    first_stored = (day - timedelta(days=days - 1)).isoformat()
    now = datetime.now(UTC)
    summary: dict[str, Any] = {"date": day.isoformat(), "days": days, "algorithm": det.params(), "series": {}}
    for name in series:
        with factory() as session:
            ev = events(session, name, tz, data_dir)
        start, end = span(ev, day, HISTORY_DAYS)
        result = detect(daily_counts(ev, start, end), det)
        kept = result[result["date"] >= first_stored] if len(result) else result
        with factory.begin() as session:
            session.execute(
                delete(SurveillanceResult).where(
                    SurveillanceResult.series == name,
                    SurveillanceResult.day >= first_stored,
                    SurveillanceResult.day <= day.isoformat(),
                )
            )
            session.add_all(
                SurveillanceResult(
                    series=name,
                    area=r.area,
                    day=r.date,
                    observed=float(r.observed),
                    expected=_num(r.expected),
                    statistic=_num(r.statistic),
                    p_value=_num(r.p_value),
                    level=r.level,
                    algorithm=r.algorithm,
                    params=det.params(),
                    computed_at=now,
                )
                for r in kept.itertuples(index=False)
            )
        levels = kept["level"].value_counts().to_dict() if len(kept) else {}
        summary["series"][name] = {
            "areas": int(kept["area"].nunique()) if len(kept) else 0,
            "rows": len(kept),
            "warnings": int(levels.get("warning", 0)),
            "alerts": int(levels.get("alert", 0)),
        }
    return summary


def _num(value: Any) -> float | None:
    v = float(value)
    return None if math.isnan(v) else v


def _out(r: SurveillanceResult) -> dict[str, Any]:
    return {
        "series": r.series,
        "area": r.area,
        "date": r.day,
        "observed": r.observed,
        "expected": None if r.expected is None else round(r.expected, 4),
        "statistic": None if r.statistic is None else round(r.statistic, 4),
        "p_value": r.p_value,
        "level": r.level,
        "algorithm": r.algorithm,
        "params": r.params,
        "computed_at": r.computed_at.isoformat(),
    }


def list_alerts(
    factory: sessionmaker[Session],
    principal: Principal,
    start: date | None = None,
    end: date | None = None,
    series: str | None = None,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Warnings and alerts between ``start`` and ``end`` (inclusive), optionally of one series, newest first; with
    each area's latest level and its map geometry (``[lon, lat]``)."""
    if series is not None:
        check_series(series)
    if start and end and end < start:
        raise InputError(f"to ({end}) is before from ({start})")
    q = select(SurveillanceResult).where(SurveillanceResult.level != "none")
    if start:
        q = q.where(SurveillanceResult.day >= start.isoformat())
    if end:
        q = q.where(SurveillanceResult.day <= end.isoformat())
    if series:
        q = q.where(SurveillanceResult.series == series)
    with factory.begin() as session:
        rows = list(session.execute(q.order_by(SurveillanceResult.day.desc(), SurveillanceResult.area)).scalars())
        latest = _latest_levels(session, series, end)
        audit.record(session, principal, "read:surveillance_alerts", f"series {series or 'all'}", len(rows))
    areas = [
        {**a, "geometry": geometry(a["area"], data_dir) if data_dir else None} for a in latest
    ]  # fmt: skip
    return {"alerts": [_out(r) for r in rows], "areas": areas}


def _latest_levels(session: Session, series: str | None, end: date | None) -> list[dict[str, Any]]:
    """Each (series, area)'s level on its latest computed day (up to ``end``)."""
    q = select(SurveillanceResult.series, SurveillanceResult.area, SurveillanceResult.day, SurveillanceResult.level)
    if series:
        q = q.where(SurveillanceResult.series == series)
    if end:
        q = q.where(SurveillanceResult.day <= end.isoformat())
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    for s, a, d, lvl in session.execute(q).all():
        if (s, a) not in latest or d > latest[(s, a)][0]:
            latest[(s, a)] = (d, lvl)
    return [{"series": s, "area": a, "date": d, "level": lvl} for (s, a), (d, lvl) in sorted(latest.items())]


def area_series(factory: sessionmaker[Session], principal: Principal, area: str) -> dict[str, Any]:
    """Every stored day of one area, per series: observed, expected, statistic, p-value, level."""
    with factory.begin() as session:
        rows = list(
            session.execute(
                select(SurveillanceResult)
                .where(SurveillanceResult.area == area)
                .order_by(SurveillanceResult.series, SurveillanceResult.day)
            ).scalars()
        )
        audit.record(session, principal, "read:surveillance_series", f"area {area}", len(rows))
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.series, []).append(_out(r))
    return {"area": area, "series": out}
