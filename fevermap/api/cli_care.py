"""``fevermap isochrone`` and ``fevermap coverage``: isochrones and coverage gaps on the command line (JSON out).

Errors print ``error: ...`` on stderr and exit 2 (bad input) or 1 (other).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fevermap.api.cli_common import RegionOpt, handle_errors

TrafficOpt = Annotated[
    Path | None,
    typer.Option("--traffic", help="OSRM segment-speed CSV: from_osm_node_id,to_osm_node_id,speed_kmh[,rate]."),
]
TimeOpt = Annotated[str | None, typer.Option("--time", help="Time the filters are judged at, ISO 8601 (default now).")]


def _emit(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@handle_errors
def isochrone_cmd(
    at: Annotated[str, typer.Option("--at", help="Point as LON,LAT (WGS-84 degrees).")],
    minutes: Annotated[str, typer.Option("--minutes", help="1 to 4 contour times, e.g. 5,10,20,30 (<= 120).")],
    reverse: Annotated[bool, typer.Option("--reverse", help="The area from which the point is reached.")] = False,
    region: RegionOpt = None,
    traffic: TrafficOpt = None,
    exact: Annotated[bool, typer.Option("--exact", help="Cut road not reached out of the polygons (slower).")] = False,
) -> None:
    """Isochrone polygons in current traffic as a GeoJSON FeatureCollection (largest contour first)."""
    from fevermap.care.service import isochrone_answer
    from fevermap.routing.region import open_region
    from fevermap.routing.router import Router

    router = Router(open_region(region))
    if traffic is not None:
        router.apply_traffic(traffic)
    _emit(isochrone_answer(router, at, minutes, reverse=reverse, exact=exact))


@handle_errors
def coverage_cmd(
    minutes: Annotated[float, typer.Option("--minutes", help="Gap threshold in minutes (<= 120).")] = 30.0,
    with_slots: Annotated[bool, typer.Option("--with-slots", help="Only clinics with free slots.")] = False,
    open_now: Annotated[bool, typer.Option("--open-now", help="Only clinics open at the time.")] = False,
    night: Annotated[bool, typer.Option("--night", help="Only clinics with a night emergency service.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Drop clinics whose filtered facts are unknown.")] = False,
    resolution: Annotated[int, typer.Option("--resolution", help="H3 resolution of the cells.")] = 9,
    candidate: Annotated[
        str | None, typer.Option("--candidate", help="A 'what if' clinic at LON,LAT: the gap weight it removes.")
    ] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Print only the summary (no cells).")] = False,
    time: TimeOpt = None,
    region: RegionOpt = None,
    traffic: TrafficOpt = None,
) -> None:
    """H3 cells with the driving time to the nearest clinic meeting the filters; the gaps and their weight."""
    from fevermap.care.service import Filters, coverage_answer
    from fevermap.clinics.service import ClinicContext

    with ClinicContext.open(region) as ctx:
        if traffic is not None:
            ctx.router.apply_traffic(traffic)
        filters = Filters(with_slots, open_now, night, strict, time)
        out = coverage_answer(ctx.router, ctx.locator, minutes, filters, resolution=resolution, candidate=candidate)
    _emit(out["summary"] if summary else out)


def register(app: typer.Typer) -> None:
    """Add the care commands to the ``fevermap`` app."""
    app.command("isochrone")(isochrone_cmd)
    app.command("coverage")(coverage_cmd)
