"""``fevermap clinics ...``: the clinic registry and the nearest-clinic locator on the command line.

Each command parses its options, calls one function of :mod:`fevermap.clinics.service` and prints JSON on stdout.
Errors print ``error: ...`` on stderr and exit 2 (bad input), 3 (no route) or 1 (other).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fevermap.api.cli_common import (
    PATH,
    emit,
    group,
    handle_errors,
    region_opt,
    regions_folder_opt,
    served_regions_opt,
    traffic_opt,
)
from fevermap.api.cli_risk import avoid_opts, nearest_avoiding_cli

if TYPE_CHECKING:
    from types import ModuleType

clinics_app = group(
    "Clinic registry and nearest available clinic by driving time. Routes (c) OpenStreetMap contributors."
)

time_opt = click.option(
    "--time", default=None, help="Query time, ISO 8601 with a UTC offset (e.g. 2026-11-25T23:40+08:00)."
)


def _service() -> ModuleType:
    """:mod:`fevermap.clinics.service`, imported when a command runs (not when the CLI starts)."""
    from fevermap.clinics import service

    return service


def _emit(obj: Any) -> None:
    emit(obj, indent=2)


@clinics_app.command("import")
@click.argument("file", type=PATH)
@served_regions_opt
@regions_folder_opt
@click.option("--datum", default=None, help="Datum of the coordinates: wgs84 (default) or gcj02.")
@click.option("--tz", default=None, help="Time zone of clinics in no region (default: the first region's).")
@handle_errors
def import_cmd(file: Path, region: tuple[Path, ...], regions: Path | None, datum: str | None, tz: str | None) -> None:
    """Import clinics (idempotent) from a CSV or GeoJSON FILE (see docs/clinics.md for the columns): each belongs
    to the served region its location lies in, or to none; rows without a usable location are reported and
    skipped."""
    _emit(_service().import_clinics(list(region) or None, file, regions_folder=regions, datum=datum, timezone=tz))


@clinics_app.command("nearest")
@click.option("--at", required=True, help="Origin as LON,LAT (WGS-84 degrees).")
@region_opt
@click.option("--limit", type=int, default=3, help="Number of clinics (1-100).")
@click.option("--night", is_flag=True, default=False, help="Only clinics with a night emergency service.")
@click.option("--open-now", is_flag=True, default=False, help="Only clinics open at the query time.")
@click.option("--with-slots", is_flag=True, default=False, help="Only clinics with free slots.")
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Drop clinics whose filtered facts are unknown (default: keep, marked).",
)
@time_opt
@traffic_opt
@avoid_opts
@click.option("--rank", default="drive", help="drive (default) or time_to_care: drive + expected wait at the clinic.")
@handle_errors
def nearest_cmd(
    at: str, region: Path | None, limit: int, night: bool, open_now: bool, with_slots: bool, strict: bool,
    time: str | None, traffic: Path | None, avoid: str | None, risk_date: str | None, risk_cases: Path | None,
    risk_rules: str | None, rank: str,
) -> None:  # fmt: skip
    """Nearest clinics by driving time, JSON ordered by ETA (the first with its route); ``--avoid sealed`` drives
    around the risk areas of ``--date`` and flags clinics inside them."""
    if avoid:
        _emit(nearest_avoiding_cli(region, at, avoid=avoid, on=risk_date, cases=risk_cases, rules=risk_rules,
                                   time=time, limit=limit, night=night, open_now=open_now, with_slots=with_slots,
                                   strict=strict))  # fmt: skip
        return
    _emit(
        _service().nearest_clinics(
            region,
            at,
            limit=limit,
            night=night,
            open_now=open_now,
            with_slots=with_slots,
            strict=strict,
            time=time,
            traffic=traffic,
            rank=rank,
        )
    )


@clinics_app.command("list")
@region_opt
@time_opt
@handle_errors
def list_cmd(region: Path | None, time: str | None) -> None:
    """All clinics of the region with their current status."""
    _emit(_service().list_clinics(region, time=time))


@clinics_app.command("show")
@click.argument("clinic_id")
@time_opt
@handle_errors
def show_cmd(clinic_id: str, time: str | None) -> None:
    """One clinic (CLINIC_ID) with its current status."""
    _emit(_service().show_clinic(clinic_id, time=time))


@clinics_app.command("status")
@click.argument("clinic_id")
@click.option("--slots", type=int, default=None, help="Remaining registration slots.")
@click.option("--waiting-patients", type=int, default=None, help="Patients waiting.")
@click.option("--waiting-minutes", type=int, default=None, help="Expected wait in minutes.")
@click.option("--doctor/--no-doctor", default=None, help="Doctor on duty.")
@click.option("--stock-note", default=None, help="Short stock note (<= 280 chars).")
@click.option("--observed-at", default=None, help="Observation time, ISO 8601 (default: now).")
@click.option("--reporter", default="operator", help="Who reports it.")
@handle_errors
def status_cmd(
    clinic_id: str, slots: int | None, waiting_patients: int | None, waiting_minutes: int | None,
    doctor: bool | None, stock_note: str | None, observed_at: str | None, reporter: str,
) -> None:  # fmt: skip
    """Report a clinic's live status (an older observation never overwrites a newer one)."""
    _emit(
        _service().report_status(
            clinic_id,
            slots=slots,
            waiting_patients=waiting_patients,
            waiting_minutes=waiting_minutes,
            doctor_on_duty=doctor,
            stock_note=stock_note,
            observed_at=observed_at,
            reporter=reporter,
        )
    )


@clinics_app.command("simulate")
@region_opt
@click.option("--seed", type=int, default=0, help="Random seed.")
@handle_errors
def simulate_cmd(region: Path | None, seed: int) -> None:
    """Write SIMULATED demo statuses for every clinic of the region (labelled demo-simulator; not real data)."""
    _emit(_service().simulate_demo_status(region, seed=seed))
