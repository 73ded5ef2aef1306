"""``fevermap isochrone`` and ``fevermap coverage``: isochrones and coverage gaps on the command line (JSON out).

Errors print ``error: ...`` on stderr and exit 2 (bad input) or 1 (other).
"""

from __future__ import annotations

from pathlib import Path

import click

from fevermap.api.cli_common import CONTEXT, Command, emit, handle_errors, region_opt, traffic_opt


@click.command(cls=Command, context_settings=CONTEXT)
@click.option("--at", required=True, help="Point as LON,LAT (WGS-84 degrees).")
@click.option("--minutes", required=True, help="1 to 4 contour times, e.g. 5,10,20,30 (<= 120).")
@click.option("--reverse", is_flag=True, default=False, help="The area from which the point is reached.")
@region_opt
@traffic_opt
@handle_errors
def isochrone_cmd(at: str, minutes: str, reverse: bool, region: Path | None, traffic: Path | None) -> None:
    """Isochrone polygons in current traffic as a GeoJSON FeatureCollection (largest contour first)."""
    from fevermap.care.service import isochrone_answer
    from fevermap.routing.region import open_region
    from fevermap.routing.router import Router

    router = Router(open_region(region))
    if traffic is not None:
        router.apply_traffic(traffic)
    emit(isochrone_answer(router, at, minutes, reverse=reverse))


@click.command(cls=Command, context_settings=CONTEXT)
@click.option("--minutes", type=float, default=30.0, help="Gap threshold in minutes (<= 120).")
@click.option("--with-slots", is_flag=True, default=False, help="Only clinics with free slots.")
@click.option("--open-now", is_flag=True, default=False, help="Only clinics open at the time.")
@click.option("--night", is_flag=True, default=False, help="Only clinics with a night emergency service.")
@click.option("--strict", is_flag=True, default=False, help="Drop clinics whose filtered facts are unknown.")
@click.option("--resolution", type=int, default=9, help="H3 resolution of the cells.")
@click.option("--candidate", default=None, help="A 'what if' clinic at LON,LAT: the gap weight it removes.")
@click.option("--summary", is_flag=True, default=False, help="Print only the summary (no cells).")
@click.option("--time", default=None, help="Time the filters are judged at, ISO 8601 (default now).")
@region_opt
@traffic_opt
@handle_errors
def coverage_cmd(
    minutes: float, with_slots: bool, open_now: bool, night: bool, strict: bool, resolution: int,
    candidate: str | None, summary: bool, time: str | None, region: Path | None, traffic: Path | None,
) -> None:  # fmt: skip
    """H3 cells with the driving time to the nearest clinic meeting the filters; the gaps and their weight."""
    from fevermap.care.service import coverage_answer
    from fevermap.clinics.filters import Filters
    from fevermap.clinics.service import ClinicContext

    with ClinicContext.open(region) as ctx:
        if traffic is not None:
            ctx.router.apply_traffic(traffic)
        filters = Filters(with_slots, open_now, night, strict, time)
        out = coverage_answer(ctx.router, ctx.locator, minutes, filters, resolution=resolution, candidate=candidate)
    emit(out["summary"] if summary else out)
