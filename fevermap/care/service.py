"""The care answers as the HTTP API and the CLI give them: text parameters in, GeoJSON-ready dicts out."""

from __future__ import annotations

from typing import Any

from fevermap.care.catchments import catchments
from fevermap.care.gaps import DEFAULT_RESOLUTION, coverage
from fevermap.care.isochrone import isochrone, parse_minutes
from fevermap.care.sites import clinic_sites
from fevermap.clinics.filters import Filters
from fevermap.clinics.locator import ClinicLocator
from fevermap.geo.lonlat import check_in_bbox, parse_lonlat
from fevermap.routing.router import Router


def isochrone_answer(router: Router, at: str, minutes: str, *, reverse: bool = False) -> dict[str, Any]:
    """``GET /isochrone``: ``at`` is ``"LON,LAT"``, ``minutes`` e.g. ``"5,10,20,30"``."""
    lon, lat = parse_lonlat(at, "at")
    levels = parse_minutes(minutes)
    return isochrone(router, lon, lat, levels, reverse=reverse).to_geojson()


def _sites(router: Router, locator: ClinicLocator, filters: Filters) -> list[Any]:
    return clinic_sites(locator, **filters.locator_kwargs())


def catchments_answer(router: Router, locator: ClinicLocator, minutes: float, filters: Filters) -> dict[str, Any]:
    """``GET /clinics/catchments``: every clinic meeting the filters with the area whose roads reach it first."""
    out = catchments(router, _sites(router, locator, filters), minutes).to_geojson()
    out["filters"] = filters.echo()
    return out


def coverage_answer(
    router: Router,
    locator: ClinicLocator,
    minutes: float,
    filters: Filters,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    candidate: str | None = None,
) -> dict[str, Any]:
    """``GET /coverage``: H3 cells with their time to the nearest clinic meeting the filters, the gaps, their weight
    and (with ``candidate="LON,LAT"``) the gap weight a clinic there would remove."""
    cand = None
    if candidate is not None and candidate.strip():
        cand = parse_lonlat(candidate, "candidate")
        check_in_bbox(cand[0], cand[1], router.region.bbox, what="candidate clinic")
    out = coverage(router, _sites(router, locator, filters), minutes, resolution=resolution, candidate=cand)
    answer = out.to_geojson()
    answer["summary"]["filters"] = filters.echo()
    return answer
