"""``fevermap risk``: risk areas from case places (parse, call one domain function, serialise)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from fevermap.api.cli_common import handle_errors
from fevermap.tracing.models import DEFAULT_TZ, Visits

risk_app = typer.Typer(help="Risk areas (sealed / controlled / prevention) from case places.", no_args_is_help=True)


@risk_app.command("areas")
@handle_errors
def areas_cmd(
    cases: Annotated[
        list[Path],
        typer.Option(
            "--cases",
            help="Case file (any `trace match --cases` format) or Shanghai 2022 folder; repeatable.",
        ),
    ],
    on: Annotated[str, typer.Option("--date", help="Local date YYYY-MM-DD the areas are for.")],
    rules: Annotated[
        str | None, typer.Option("--rules", help="Rule set JSON file, or a bundled one: default, hamagen.")
    ] = None,
    level: Annotated[str | None, typer.Option("--level", help="Only areas of this level (e.g. sealed).")] = None,
    tz: Annotated[str, typer.Option("--tz", help="Time zone of the local days the rules count.")] = DEFAULT_TZ,
) -> None:
    """Print the areas as a GeoJSON FeatureCollection ([lon, lat]); features carry level, since, until, cases,
    daily counts and the source records; bad case records go to stderr as JSON lines."""
    from fevermap.risk.engine import RiskEngine
    from fevermap.risk.places import parse_day
    from fevermap.risk.rules import load_rules
    from fevermap.tracing.service import read_cases

    day = parse_day(on)
    rule_set = load_rules(rules)
    if level is not None:
        rule_set.level(level)  # an unknown level is an error that names the known ones
    read = [read_cases(c, tz=tz) for c in cases]
    engine = RiskEngine(Visits.concat([r.visits for r in read]), rule_set, tz)
    for r in read:
        for e in r.errors:
            sys.stderr.write(json.dumps({"error": e.reason, "record": e.record}, ensure_ascii=False) + "\n")
    typer.echo(json.dumps(engine.areas(day).geojson(level, public=False), ensure_ascii=False))
