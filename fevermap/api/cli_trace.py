"""``fevermap trace``: exposure matching from the command line (parse, call one domain function, serialise)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from fevermap.api.cli_common import PATH, group, region_opt
from fevermap.errors import InputError

trace_app = group("Exposure matching: declared itineraries against confirmed-case tracks.")

#: Input formats of ``--cases-format`` / ``--itineraries-format``.
FORMATS = ("auto", "csv", "geojson", "hamagen", "takeout", "fevermap", "wuhan2020")


def _datum(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A datum identifier or alias (:mod:`fevermap.geo.datum`), as its identifier; a usage error otherwise."""
    from fevermap.geo.datum import parse_datum

    try:
        return parse_datum(value)
    except InputError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def _datum_opt(name: str, help_text: str) -> Any:
    return click.option(name, default="wgs84", callback=_datum, help=help_text)


@trace_app.command("match")
@click.option(
    "--cases", type=PATH, multiple=True, required=True,
    help="Case file (CSV/GeoJSON/Hamagen/wuhan2020 JSON) or Shanghai 2022 folder; repeatable.",
)  # fmt: skip
@click.option(
    "--itineraries", type=PATH, required=True, help="Declared itineraries (CSV, GeoJSON, Takeout, fevermap JSON)."
)
@click.option("--radius-m", type=float, default=50.0, help="Radius in metres for case visits without their own.")
@click.option("--min-overlap-min", type=float, default=15.0, help="Minimum time overlap in minutes.")
@click.option("--ignore-visit-radius", is_flag=True, default=False, help="Use --radius-m for every case visit.")
@click.option("--cases-format", type=click.Choice(FORMATS), default="auto", help="Format of the case files.")
@click.option("--itineraries-format", type=click.Choice(FORMATS), default="auto", help="Format of the itineraries.")
@_datum_opt("--cases-datum", "Datum of case coordinates: wgs84, gcj02 or bd09 (converted to WGS-84).")
@_datum_opt("--itineraries-datum", "Datum of itinerary coordinates: wgs84, gcj02 or bd09.")
@click.option(
    "--tz", default=None, help="Time zone of the data for day-level records and local times (default: the region's)."
)
@region_opt
@click.option("--assume-tz", default=None, help="Time zone for times written without offset.")
@click.option(
    "--summary", type=PATH, default=None, help="Also write the ranked per-declarant summary (JSON lines) here."
)
@click.option("--strict", is_flag=True, default=False, help="Exit with status 2 if any record is bad.")
def match_cmd(
    cases: tuple[Path, ...], itineraries: Path, radius_m: float, min_overlap_min: float, ignore_visit_radius: bool,
    cases_format: str, itineraries_format: str, cases_datum: Any, itineraries_datum: Any, tz: str | None,
    region: Path | None, assume_tz: str | None, summary: Path | None, strict: bool,
) -> None:  # fmt: skip
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
            cases, itineraries, rule=rule, cases_format=cases_format, itineraries_format=itineraries_format,
            cases_datum=cases_datum, itineraries_datum=itineraries_datum,
            tz=tz, assume_tz=assume_tz, with_summary=summary is not None,
        )  # fmt: skip
        sys.stdout.flush()
        out = sys.stdout.buffer
        for frame in run.match_chunks():
            write_jsonl(frame, out)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(2) from exc
    write_jsonl(run.transport, out)
    out.flush()
    if summary is not None:
        with summary.open("wb") as fh:
            write_jsonl(run.summary, fh)
    for e in run.errors:
        sys.stderr.write(json.dumps({"error": e.reason, "record": e.record}, ensure_ascii=False) + "\n")
    sys.stderr.write(json.dumps({"stats": run.stats}) + "\n")
    if strict and run.errors:
        raise click.exceptions.Exit(2)


@trace_app.command("synth")
@click.option("--out", "out_dir", type=PATH, required=True, help="Folder for cases.csv, itineraries.csv, planted.csv.")
@click.option("--cases", "n_cases", type=int, default=1000, help="Number of synthetic case visits.")
@click.option("--stops", "n_stops", type=int, default=10_000, help="Number of synthetic declared stops.")
@click.option("--seed", type=int, default=0, help="Random seed.")
@click.option("--planted", type=float, default=0.01, help="Share of stops planted next to a case visit.")
@click.option("--days", type=int, default=14, help="Days the synthetic data span.")
def synth_cmd(out_dir: Path, n_cases: int, n_stops: int, seed: int, planted: float, days: int) -> None:
    """Generate seeded synthetic cases and itineraries along the demo region's roads (labelled synthetic)."""
    from fevermap.tracing.service import trace_synth

    paths = trace_synth(out_dir, n_cases=n_cases, n_stops=n_stops, seed=seed, planted=planted, days=days)
    click.echo(json.dumps(paths))
