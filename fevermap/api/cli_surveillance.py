"""``fevermap surveillance``: recompute a day's detection results, or run the same detection on any CSV series."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from fevermap.api.cli_common import PATH, group, handle_errors

surveillance_app = group("Syndromic surveillance: daily series by area and aberration detection (CDC pynssp).")

#: The ESSENCE detectors.
ALGORITHMS = ("ewma", "regression", "switch")

algorithm_opt = click.option(
    "--algorithm", type=click.Choice(ALGORITHMS), default=None,
    help="ESSENCE detector (default: FEVERMAP_SURVEILLANCE_ALGORITHM, ewma).",
)  # fmt: skip


@surveillance_app.command("run")
@click.option("--date", "day", required=True, help="Day to recompute, YYYY-MM-DD (region time).")
@click.option("--days", type=int, default=1, help="Also recompute this many days up to --date.")
@click.option("--tz", default="Asia/Shanghai", help="Region time zone of the days.")
@algorithm_opt
@handle_errors
def run_cmd(day: str, days: int, tz: str, algorithm: str | None) -> None:
    """Recompute every series (symptoms, fever, cases) up to --date and store the results; print a summary."""
    from dataclasses import replace

    from fevermap.config import get_settings
    from fevermap.db import open_database, session_factory
    from fevermap.errors import InputError
    from fevermap.surveillance.schedule import detector_of
    from fevermap.surveillance.store import run_day

    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise InputError(f"--date {day!r} is not a day as YYYY-MM-DD") from None
    settings = get_settings()
    det = detector_of(settings)
    if algorithm is not None:
        det = replace(det, algorithm=algorithm)
    factory = session_factory(open_database())
    click.echo(json.dumps(run_day(factory, when, tz=tz, data_dir=settings.data_dir, detector=det, days=days)))


@surveillance_app.command("detect")
@click.option("--series", type=PATH, required=True, help="CSV with columns area,date,count (one row per day).")
@algorithm_opt
@click.option("--alert-p", type=float, default=None, help="p-value below which a day is an alert.")
@click.option("--warning-p", type=float, default=None, help="p-value below which: a warning.")
@handle_errors
def detect_cmd(series: Path, algorithm: str | None, alert_p: float | None, warning_p: float | None) -> None:
    """Run the detection on any series; print one JSON object per area and day (area, date, observed, expected,
    level none|warning|alert, statistic, p_value, algorithm)."""
    import pandas as pd

    from fevermap.config import get_settings
    from fevermap.errors import FormatError
    from fevermap.surveillance.detect import Detector, detect, records
    from fevermap.surveillance.schedule import detector_of

    try:
        frame = pd.read_csv(series, dtype={"area": str, "date": str}, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FormatError(f"{series}: cannot read it as CSV ({exc})") from None
    base = detector_of(get_settings())
    det = Detector(
        algorithm=algorithm or base.algorithm,
        alert_p=alert_p if alert_p is not None else base.alert_p,
        warning_p=warning_p if warning_p is not None else base.warning_p,
    )
    out = sys.stdout
    for rec in records(detect(frame, det)):
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    out.flush()
