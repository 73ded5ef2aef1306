"""``fevermap trace``: exposure matching from the command line (parse, call one domain function, serialise)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fevermap.api.cli_common import RegionOpt
from fevermap.errors import InputError

trace_app = typer.Typer(
    help="Exposure matching: declared itineraries against confirmed-case tracks.", no_args_is_help=True
)


class Fmt(StrEnum):
    auto = "auto"
    csv = "csv"
    geojson = "geojson"
    hamagen = "hamagen"
    takeout = "takeout"
    fevermap = "fevermap"
    wuhan2020 = "wuhan2020"


class Datum(StrEnum):
    wgs84 = "wgs84"
    gcj02 = "gcj02"


@trace_app.command("match")
def match_cmd(
    cases: Annotated[
        list[Path],
        typer.Option(
            "--cases", help="Case file (CSV/GeoJSON/Hamagen/wuhan2020 JSON) or Shanghai 2022 folder; repeatable."
        ),
    ],
    itineraries: Annotated[
        Path, typer.Option("--itineraries", help="Declared itineraries (CSV, GeoJSON, Takeout, fevermap JSON).")
    ],
    radius_m: Annotated[
        float, typer.Option("--radius-m", help="Radius in metres for case visits without their own.")
    ] = 50.0,
    min_overlap_min: Annotated[
        float, typer.Option("--min-overlap-min", help="Minimum time overlap in minutes.")
    ] = 15.0,
    ignore_visit_radius: Annotated[
        bool, typer.Option("--ignore-visit-radius", help="Use --radius-m for every case visit.")
    ] = False,
    cases_format: Annotated[Fmt, typer.Option("--cases-format")] = Fmt.auto,
    itineraries_format: Annotated[Fmt, typer.Option("--itineraries-format")] = Fmt.auto,
    cases_datum: Annotated[
        Datum, typer.Option("--cases-datum", help="Datum of case coordinates (gcj02 is converted).")
    ] = Datum.wgs84,
    itineraries_datum: Annotated[Datum, typer.Option("--itineraries-datum")] = Datum.wgs84,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz", help="Time zone of the data for day-level records and local times (default: the region's)."
        ),
    ] = None,
    region: RegionOpt = None,
    assume_tz: Annotated[
        str | None, typer.Option("--assume-tz", help="Time zone for times written without offset.")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option("--summary", help="Also write the ranked per-declarant summary (JSON lines) here.")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 2 if any record is bad.")] = False,
) -> None:
    """Print proximity and transport matches as JSON lines; bad records go to stderr as JSON lines."""
    from fevermap.routing.region import open_region
    from fevermap.tracing.jsonl import write_jsonl
    from fevermap.tracing.models import MatchRule
    from fevermap.tracing.service import trace_match

    try:
        tz = tz or open_region(region).timezone
        rule = MatchRule(
            radius_m=radius_m, min_overlap_s=round(min_overlap_min * 60), use_visit_radius=not ignore_visit_radius
        )
        run = trace_match(
            cases, itineraries, rule=rule, cases_format=cases_format.value, itineraries_format=itineraries_format.value,
            cases_datum=cases_datum.value, itineraries_datum=itineraries_datum.value,
            tz=tz, assume_tz=assume_tz, with_summary=summary is not None,
        )  # fmt: skip
        sys.stdout.flush()
        out = sys.stdout.buffer
        for frame in run.match_chunks():
            write_jsonl(frame, out)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    write_jsonl(run.transport, out)
    out.flush()
    if summary is not None:
        with summary.open("wb") as fh:
            write_jsonl(run.summary, fh)
    for e in run.errors:
        sys.stderr.write(json.dumps({"error": e.reason, "record": e.record}, ensure_ascii=False) + "\n")
    sys.stderr.write(json.dumps({"stats": run.stats}) + "\n")
    if strict and run.errors:
        raise typer.Exit(2)


@trace_app.command("synth")
def synth_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for cases.csv, itineraries.csv, planted.csv.")],
    n_cases: Annotated[int, typer.Option("--cases", help="Number of synthetic case visits.")] = 1000,
    n_stops: Annotated[int, typer.Option("--stops", help="Number of synthetic declared stops.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    planted: Annotated[float, typer.Option("--planted", help="Share of stops planted next to a case visit.")] = 0.01,
    days: Annotated[int, typer.Option("--days")] = 14,
) -> None:
    """Generate seeded synthetic cases and itineraries along the demo region's roads (labelled synthetic)."""
    from fevermap.tracing.service import trace_synth

    paths = trace_synth(out_dir, n_cases=n_cases, n_stops=n_stops, seed=seed, planted=planted, days=days)
    typer.echo(json.dumps(paths))
