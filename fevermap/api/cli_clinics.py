"""``fevermap clinics ...``: the clinic registry and the nearest-clinic locator on the command line.

Each command parses its options, calls one function of :mod:`fevermap.clinics.service` and prints JSON on stdout.
Errors print ``error: ...`` on stderr and exit 2 (bad input), 3 (no route) or 1 (other).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fevermap.api.cli_common import RegionOpt, handle_errors
from fevermap.api.cli_risk import AvoidOpt, RiskCasesOpt, RiskDateOpt, RiskRulesOpt, nearest_avoiding_cli

if TYPE_CHECKING:
    from types import ModuleType

clinics_app = typer.Typer(
    name="clinics",
    help="Clinic registry and nearest available clinic by driving time. Routes (c) OpenStreetMap contributors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


TimeOpt = Annotated[
    str | None,
    typer.Option("--time", help="Query time, ISO 8601; without offset it is read in the region's time zone."),
]


def _service() -> ModuleType:
    """:mod:`fevermap.clinics.service`, imported when a command runs (not when the CLI starts)."""
    from fevermap.clinics import service

    return service


def _emit(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@clinics_app.command("import")
@handle_errors
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV or GeoJSON clinic file (see docs/clinics.md for the columns).")],
    region: RegionOpt = None,
    datum: Annotated[
        str | None, typer.Option("--datum", help="Datum of the coordinates: wgs84 (default) or gcj02.")
    ] = None,
) -> None:
    """Import clinics (idempotent; rows without a usable location are reported and skipped)."""
    _emit(_service().import_clinics(region, file, datum=datum))


@clinics_app.command("nearest")
@handle_errors
def nearest_cmd(
    at: Annotated[str, typer.Option("--at", help="Origin as LON,LAT (WGS-84 degrees).")],
    region: RegionOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Number of clinics (1-100).")] = 3,
    night: Annotated[bool, typer.Option("--night", help="Only clinics with a night emergency service.")] = False,
    open_now: Annotated[bool, typer.Option("--open-now", help="Only clinics open at the query time.")] = False,
    with_slots: Annotated[bool, typer.Option("--with-slots", help="Only clinics with free slots.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Drop clinics whose filtered facts are unknown (default: keep, marked).")
    ] = False,
    time: TimeOpt = None,
    traffic: Annotated[
        Path | None,
        typer.Option("--traffic", help="OSRM segment-speed CSV: from_osm_node_id,to_osm_node_id,speed_kmh[,rate]."),
    ] = None,
    avoid: AvoidOpt = None,
    risk_date: RiskDateOpt = None,
    risk_cases: RiskCasesOpt = None,
    risk_rules: RiskRulesOpt = None,
    rank: Annotated[
        str, typer.Option("--rank", help="drive (default) or time_to_care: drive + expected wait at the clinic.")
    ] = "drive",
) -> None:
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
@handle_errors
def list_cmd(region: RegionOpt = None, time: TimeOpt = None) -> None:
    """All clinics of the region with their current status."""
    _emit(_service().list_clinics(region, time=time))


@clinics_app.command("show")
@handle_errors
def show_cmd(clinic_id: Annotated[str, typer.Argument(help="Clinic id.")], time: TimeOpt = None) -> None:
    """One clinic with its current status."""
    _emit(_service().show_clinic(clinic_id, time=time))


@clinics_app.command("status")
@handle_errors
def status_cmd(
    clinic_id: Annotated[str, typer.Argument(help="Clinic id.")],
    slots: Annotated[int | None, typer.Option("--slots", help="Remaining registration slots.")] = None,
    waiting_patients: Annotated[int | None, typer.Option("--waiting-patients")] = None,
    waiting_minutes: Annotated[int | None, typer.Option("--waiting-minutes")] = None,
    doctor: Annotated[bool | None, typer.Option("--doctor/--no-doctor", help="Doctor on duty.")] = None,
    stock_note: Annotated[str | None, typer.Option("--stock-note", help="Short stock note (<= 280 chars).")] = None,
    observed_at: Annotated[
        str | None, typer.Option("--observed-at", help="Observation time, ISO 8601 (default: now).")
    ] = None,
    reporter: Annotated[str, typer.Option("--reporter", help="Who reports it.")] = "operator",
) -> None:
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
@handle_errors
def simulate_cmd(
    region: RegionOpt = None, seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0
) -> None:
    """Write SIMULATED demo statuses for every clinic of the region (labelled demo-simulator; not real data)."""
    _emit(_service().simulate_demo_status(region, seed=seed))
