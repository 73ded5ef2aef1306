"""Aberration detection on daily counts by area with the CDC's ``pynssp`` (NSSP-ESSENCE algorithms).

The statistics are pynssp's own: the ESSENCE EWMA (``alert_ewma``: two smoothing weights, t-test against a
baseline of ``B`` days ending ``g`` days before the test day), the adaptive multiple regression (``alert_regression``:
linear trend + day of week on the baseline) and the regression/EWMA switch (``alert_switch``: regression where its
adjusted R² reaches 0.60, EWMA otherwise). This module only checks the input, runs the chosen detector once per area
and turns its p-value into a level with fevermap's thresholds (stricter than ESSENCE's 0.01 / 0.05 by default, so that
a city of many areas does not drown in false alerts; see ``docs/surveillance.md``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from fevermap.errors import InputError

ALGORITHMS = ("ewma", "regression", "switch")
LEVELS = ("none", "warning", "alert")


@dataclass(frozen=True)
class Detector:
    """An aberration detector and its parameters.

    Parameters
    ----------
    algorithm : {"ewma", "regression", "switch"}
        pynssp's ``alert_ewma``, ``alert_regression`` or ``alert_switch``.
    baseline_days : int
        ``B``: length of the baseline (days; a multiple of 7 for ``regression`` and ``switch``).
    guard_days : int
        ``g``: days between the baseline's end and the test day.
    w1, w2 : float
        EWMA smoothing weights for gradual and sudden rises (ESSENCE: 0.4 and 0.9).
    alert_p, warning_p : float
        A day whose p-value is below ``alert_p`` is an alert, below ``warning_p`` a warning.
    """

    algorithm: str = "ewma"
    baseline_days: int = 28
    guard_days: int = 2
    w1: float = 0.4
    w2: float = 0.9
    alert_p: float = 0.002
    warning_p: float = 0.01

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise InputError(f"unknown algorithm {self.algorithm!r}: use one of {', '.join(ALGORITHMS)}")
        if self.baseline_days < 7 or (self.algorithm != "ewma" and self.baseline_days % 7):
            raise InputError("baseline_days must be at least 7 (and a multiple of 7 for regression and switch)")
        if self.guard_days < 0:
            raise InputError("guard_days cannot be negative")
        if not (0 < self.w1 < 1 and 0 < self.w2 < 1):
            raise InputError("w1 and w2 must be between 0 and 1")
        if not 0 < self.alert_p <= self.warning_p < 1:
            raise InputError("thresholds must satisfy 0 < alert_p <= warning_p < 1")

    def params(self) -> dict[str, Any]:
        """The parameters as stored with every alert."""
        return asdict(self)

    @property
    def min_days(self) -> int:
        """Days of data before the first day that can be tested."""
        return self.baseline_days + self.guard_days + 1


def check_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Validate ``area,date,count`` rows: one per area and day, every day of each area's span present, counts >= 0.

    Returns
    -------
    pandas.DataFrame
        ``area`` (str), ``date`` (datetime64, day), ``count`` (float), sorted by area and date.

    Raises
    ------
    InputError
        Naming the first offending area and day.
    """
    missing = [c for c in ("area", "date", "count") if c not in counts.columns]
    if missing:
        raise InputError(f"the series needs columns area,date,count (missing: {', '.join(missing)})")
    frame = counts[["area", "date", "count"]].copy()
    frame["area"] = frame["area"].astype(str)
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = frame["date"][dates.isna()].iloc[0]
        raise InputError(f"date {bad!r} is not a day as YYYY-MM-DD")
    frame["date"] = dates
    values = pd.to_numeric(frame["count"], errors="coerce")
    bad_count = values.isna() | ~np.isfinite(values) | (values < 0)
    if bad_count.any():
        row = frame[bad_count].iloc[0]
        raise InputError(f"count {row['count']!r} of {row['area']} on {row['date']:%Y-%m-%d} is not a number >= 0")
    frame["count"] = values.astype(float)
    dup = frame.duplicated(["area", "date"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise InputError(f"{row['area']} has two rows for {row['date']:%Y-%m-%d}: give one row per area and day")
    frame = frame.sort_values(["area", "date"]).reset_index(drop=True)
    for area, part in frame.groupby("area", sort=False):
        gaps = part["date"].diff().dropna()
        if (gaps != pd.Timedelta(days=1)).any():
            after = part["date"].iloc[int(np.argmax((gaps != pd.Timedelta(days=1)).to_numpy()))]
            raise InputError(f"{area} has no row for the day after {after:%Y-%m-%d}: give every day (0 if none)")
    return frame


def _run_one(part: pd.DataFrame, det: Detector) -> pd.DataFrame:
    """pynssp on one area's days; p-values NaN where the baseline is too short."""
    days = part[["date", "count"]].reset_index(drop=True)
    out = days.assign(baseline_expected=np.nan, test_statistic=np.nan, p_value=np.nan, detector=det.algorithm)
    # pynssp checks length with DataFrame.size (rows x columns); ask for enough rows ourselves
    if len(days) < det.min_days:
        return out
    from pynssp import alert_ewma, alert_regression, alert_switch  # heavy import (statsmodels, matplotlib)

    if det.algorithm == "ewma":
        res = alert_ewma(days.copy(), "date", "count", det.baseline_days, det.guard_days, det.w1, det.w2)
    elif det.algorithm == "regression":
        res = alert_regression(days.copy(), "date", "count", det.baseline_days, det.guard_days)
    else:
        res = alert_switch(days.copy(), "date", "count", det.baseline_days, det.guard_days, det.w1, det.w2)
    res = res.sort_values("date").reset_index(drop=True)
    for col in ("baseline_expected", "test_statistic", "p_value"):
        out[col] = res[col].to_numpy(dtype=float)
    if "detector" in res.columns:
        out["detector"] = [
            {"EWMA": "ewma", "Adaptive Multiple Regression": "regression"}.get(str(d), det.algorithm)
            for d in res["detector"]
        ]
    return out


def level_of(p_value: float, det: Detector) -> str:
    """``alert``, ``warning`` or ``none`` for a p-value (NaN: not tested, ``none``)."""
    if math.isnan(p_value):
        return "none"
    if p_value < det.alert_p:
        return "alert"
    return "warning" if p_value < det.warning_p else "none"


def detect(counts: pd.DataFrame, det: Detector | None = None) -> pd.DataFrame:
    """Run the detector on every area's series.

    Parameters
    ----------
    counts : pandas.DataFrame
        Columns ``area``, ``date`` (``YYYY-MM-DD`` or datetime), ``count``; one row per area and day, no gaps.
    det : Detector, optional
        Default: ESSENCE EWMA with fevermap's thresholds.

    Returns
    -------
    pandas.DataFrame
        One row per input row: ``area``, ``date`` (``YYYY-MM-DD``), ``observed``, ``expected`` (baseline mean or
        regression forecast; NaN before a baseline exists), ``statistic`` (the detector's test statistic), ``p_value``,
        ``level`` (``none`` / ``warning`` / ``alert``) and ``algorithm`` (for ``switch``: the one that decided the day).
    """
    det = det or Detector()
    frame = check_counts(counts)
    parts = []
    for area, part in frame.groupby("area", sort=True):
        res = _run_one(part, det)
        parts.append(
            pd.DataFrame(
                {
                    "area": area,
                    "date": res["date"].dt.strftime("%Y-%m-%d"),
                    "observed": res["count"],
                    "expected": res["baseline_expected"],
                    "statistic": res["test_statistic"],
                    "p_value": res["p_value"],
                    "level": [level_of(float(p), det) for p in res["p_value"]],
                    "algorithm": res["detector"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["area", "date", "observed", "expected", "statistic", "p_value", "level"])
    return pd.concat(parts, ignore_index=True)


def records(result: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of :func:`detect` as JSON-ready dicts (NaN becomes ``None``; figures rounded to 4 decimals)."""
    out = []
    for row in result.itertuples(index=False):
        rec: dict[str, Any] = {"area": row.area, "date": row.date, "observed": float(row.observed)}
        for name in ("expected", "statistic", "p_value"):
            v = float(getattr(row, name))
            rec[name] = None if math.isnan(v) else round(v, 6 if name == "p_value" else 4)
        rec["level"] = row.level
        rec["algorithm"] = row.algorithm
        out.append(rec)
    return out
