"""Detection quality of the default detector (ESSENCE EWMA from pynssp, fevermap's thresholds) and input checks.

The figures are the issue's: at most 1 false alert per 100 area-days on stationary Poisson series of means 2, 10
and 50; an outbreak doubling every 3 days from a small start (two baseline standard deviations, 2·sqrt(mean) extra
cases on its first day) alerted within 3 days of its start in at least 90% of 200 trials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fevermap.errors import InputError
from fevermap.surveillance.detect import Detector, detect, records

DAYS = pd.date_range("2022-01-01", periods=200).strftime("%Y-%m-%d")


def _frame(series: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({"area": a, "date": DAYS[: len(y)], "count": y}) for a, y in series.items()], ignore_index=True
    )


@pytest.mark.slow
def test_false_alert_rate_on_stationary_poisson_is_at_most_one_per_hundred_area_days() -> None:
    rng = np.random.default_rng(2022)
    for mean in (2, 10, 50):
        frame = _frame({f"m{mean}-{k}": rng.poisson(mean, 100) for k in range(10)})
        result = detect(frame)
        tested = result[result["p_value"].notna()]
        assert len(tested) >= 10 * 85
        rate = float((tested["level"] == "alert").mean())
        assert rate <= 0.01, f"mean {mean}: {rate:.4f} alerts per area-day"


@pytest.mark.slow
def test_doubling_outbreak_is_alerted_within_three_days_in_nine_of_ten_trials() -> None:
    rng = np.random.default_rng(16)
    start, trials, series = 34, 200, {}
    for k in range(trials):
        mean = (2, 10, 50)[k % 3]
        y = rng.poisson(mean, start + 4).astype(float)
        y[start:] += rng.poisson(2 * np.sqrt(mean) * 2 ** (np.arange(4) / 3))  # doubling every 3 days
        series[f"t{k:03d}"] = y
    result = detect(_frame(series))
    window = result[result["date"].isin(DAYS[start : start + 4])]
    alerted = window.groupby("area")["level"].apply(lambda s: (s == "alert").any())
    assert len(alerted) == trials
    assert alerted.mean() >= 0.9, f"alerted in {alerted.mean():.1%} of trials"


def test_each_answer_carries_observed_expected_statistic_and_level() -> None:
    y = np.r_[np.full(35, 5.0), [30.0]]
    rec = records(detect(_frame({"A": y}), Detector(algorithm="ewma")))
    last = rec[-1]
    assert last["area"] == "A" and last["date"] == DAYS[35] and last["observed"] == 30.0
    assert last["expected"] == pytest.approx(5.0) and last["statistic"] > 0 and last["level"] == "alert"
    assert rec[0]["expected"] is None and rec[0]["level"] == "none"  # no baseline yet


@pytest.mark.parametrize("algorithm", ["regression", "switch"])
def test_other_essence_detectors_run_and_flag_a_jump(algorithm: str) -> None:
    rng = np.random.default_rng(1)
    y = np.r_[rng.poisson(10, 49).astype(float), [60.0]]
    result = detect(_frame({"A": y}), Detector(algorithm=algorithm))
    assert result["level"].iloc[-1] == "alert"
    tested = result[result["p_value"].notna()]
    assert set(tested["algorithm"]) <= {"ewma", "regression"}


def test_a_series_shorter_than_baseline_and_guard_band_is_not_tested() -> None:
    result = detect(_frame({"A": np.ones(20)}))
    assert (result["level"] == "none").all() and result["p_value"].isna().all()


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([("A", "2022-01-01", 1), ("A", "2022-01-03", 1)], "no row for the day after 2022-01-01"),
        ([("A", "2022-01-01", 1), ("A", "2022-01-01", 2)], "two rows"),
        ([("A", "2022-01-01", -1)], "not a number >= 0"),
        ([("A", "01/02/2022", 1)], "YYYY-MM-DD"),
        ([("A", "2022-01-01", "many")], "not a number"),
    ],
)
def test_bad_series_are_refused_with_what_to_fix(rows: list[tuple[str, str, object]], says: str) -> None:
    with pytest.raises(InputError, match=says):
        detect(pd.DataFrame(rows, columns=["area", "date", "count"]))


def test_missing_columns_and_bad_parameters_are_refused() -> None:
    with pytest.raises(InputError, match="area,date,count"):
        detect(pd.DataFrame({"area": ["A"], "day": ["2022-01-01"]}))
    with pytest.raises(InputError, match="unknown algorithm"):
        Detector(algorithm="cusum")
    with pytest.raises(InputError, match="multiple of 7"):
        Detector(algorithm="switch", baseline_days=30)
    with pytest.raises(InputError, match="thresholds"):
        Detector(alert_p=0.05, warning_p=0.01)
