"""``fevermap risk``: risk areas from case places (parse, call one domain function, serialise)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from fevermap.api.cli_common import PATH, group, handle_errors, region_opt

F = TypeVar("F", bound=Callable[..., Any])

risk_app = group("Risk areas (sealed / controlled / prevention) from case places.")


@risk_app.command("areas")
@click.option(
    "--cases", type=PATH, multiple=True, required=True,
    help="Case file (any `trace match --cases` format) or Shanghai 2022 folder; repeatable.",
)  # fmt: skip
@click.option("--date", "on", required=True, help="Local date YYYY-MM-DD the areas are for.")
@click.option("--rules", default=None, help="Rule set JSON file, or a bundled one: default, hamagen.")
@click.option("--level", default=None, help="Only areas of this level (e.g. sealed).")
@click.option("--tz", default=None, help="Time zone of the local days the rules count (default: the --region's).")
@region_opt
@handle_errors
def areas_cmd(
    cases: tuple[Path, ...], on: str, rules: str | None, level: str | None, tz: str | None, region: Path | None
) -> None:
    """Print the areas as a GeoJSON FeatureCollection ([lon, lat]); features carry level, since, until, cases,
    daily counts and the source records; bad case records go to stderr as JSON lines."""
    from fevermap.risk.engine import RiskEngine
    from fevermap.risk.places import parse_day
    from fevermap.risk.rules import load_rules
    from fevermap.routing.region import open_region
    from fevermap.tracing.models import Visits
    from fevermap.tracing.service import read_cases

    tz = tz or open_region(region).timezone
    day = parse_day(on)
    rule_set = load_rules(rules)
    if level is not None:
        rule_set.level(level)  # an unknown level is an error that names the known ones
    read = [read_cases(c, tz=tz) for c in cases]
    engine = RiskEngine(Visits.concat([r.visits for r in read]), rule_set, tz)
    for r in read:
        for e in r.errors:
            sys.stderr.write(json.dumps({"error": e.reason, "record": e.record}, ensure_ascii=False) + "\n")
    click.echo(json.dumps(engine.areas(day).geojson(level, public=False), ensure_ascii=False))


def avoid_opts(func: F) -> F:
    """``--avoid``, ``--date``, ``--cases``, ``--rules``: drive around risk areas (parameters ``avoid``,
    ``risk_date``, ``risk_cases``, ``risk_rules``)."""
    for option in reversed((
        click.option("--avoid", default=None, help="Risk levels to drive around, e.g. sealed or sealed,controlled."),
        click.option("--date", "risk_date", default=None, help="Local date of the risk areas (default today)."),
        click.option(
            "--cases", "risk_cases", type=PATH, default=None,
            help="Case data of the risk areas (default: bundled Shanghai 2022 on the demo region).",
        ),
        click.option("--rules", "risk_rules", default=None, help="Rule set JSON file, or default / hamagen."),
    )):  # fmt: skip
        func = option(func)
    return func


def risk_service_for(region: Path | None, cases: Path | None, rules: str | None, tz: str) -> Any:
    """The risk service of a CLI run: ``--cases``, or the bundled Shanghai 2022 address-days on the demo region."""
    from fevermap.config import get_settings
    from fevermap.errors import InputError
    from fevermap.risk.service import RiskService

    if cases is None:
        if region is not None:
            raise InputError("--avoid on a region other than the demo needs --cases FILE with the case places")
        cases = get_settings().data_dir / "cases" / "shanghai2022"
    return RiskService(cases, rules or "default", tz)


def route_avoiding_cli(
    router: Any, origin: tuple[float, float], dest: tuple[float, float], *, region: Path | None, avoid: str,
    on: str | None, cases: Path | None, rules: str | None,
) -> dict[str, Any]:  # fmt: skip
    """``fevermap route --avoid sealed``: the route around the areas, with what it avoided and the extra time."""
    risk = risk_service_for(region, cases, rules, router.region.timezone)
    closure = risk.closure(on, avoid, None)
    answer: dict[str, Any] = risk.route(router, router.snap(*origin), router.snap(*dest), closure)
    return answer


def nearest_avoiding_cli(region: Path | None, at: str, *, avoid: str, on: str | None, cases: Path | None,
                         rules: str | None, time: str | None, **filters: Any) -> dict[str, Any]:  # fmt: skip
    """``fevermap clinics nearest --avoid sealed``: clinics by ETA around the areas; those inside flagged."""
    from fevermap.clinics.service import ClinicContext
    from fevermap.geo.lonlat import parse_lonlat
    from fevermap.risk.locate import nearest_avoiding
    from fevermap.times import parse_instant

    lon, lat = parse_lonlat(at, "--at")
    with ClinicContext.open(region) as ctx:
        risk = risk_service_for(region, cases, rules, ctx.region.timezone)
        closure = risk.closure(on, avoid, None)
        return nearest_avoiding(ctx.locator, closure, lon, lat, at=parse_instant(time, "--time"), **filters)
