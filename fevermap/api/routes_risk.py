"""Risk-area endpoints: public areas of a date, the self-check's data and page, the ``exclude``/``avoid`` dependency.

The case place-days the self-check matches against are public aggregates; `/route` and the locator use the
dependency for ``exclude=`` / ``avoid=``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from fevermap.api.json_response import JSONResponse
from fevermap.api.region_scope import served_region
from fevermap.api.routes_map import STATIC_DIR
from fevermap.config import Settings
from fevermap.risk.polygons import parse_exclude_polygon
from fevermap.risk.service import RiskService
from fevermap.routing.region import Region
from fevermap.tracing.models import DEFAULT_TZ

routes = APIRouter(tags=["risk areas"])

DateQ = Annotated[str | None, Query(description="Local date YYYY-MM-DD (default: today in the region's time zone)")]


def risk_service(
    settings: Settings, region: Region, sessions: Any = None, footprint: Any = None, *, demo: bool | None = None
) -> RiskService:
    """One region's case data: ``FEVERMAP_RISK_CASES`` (or the bundled Shanghai 2022 address-days on the demo region)
    and the case tracks in ``sessions``' database, those inside ``footprint``."""
    cases = settings.risk_cases
    if cases is None and (settings.region is None if demo is None else demo):
        cases = settings.data_dir / "cases" / "shanghai2022"
    tz = str(region.meta.get("timezone") or DEFAULT_TZ)
    return RiskService(cases, settings.risk_rules, tz, sessions=sessions, footprint=footprint,
                       check_s=settings.risk_tracks_check_s)  # fmt: skip


async def get_risk(request: Request) -> RiskService:
    """The risk service of the region that answers the request (:func:`fevermap.api.region_scope.served_region`)."""
    risk: RiskService | None = served_region(request).services.get("risk")
    return risk if risk is not None else request.app.state.risk


RiskDep = Annotated[RiskService, Depends(get_risk)]


def exclude_polygon(settings: Settings, bbox: tuple[float, float, float, float], avoid: str | None) -> Any:
    """The caller's ``avoid=`` GeoJSON polygon, checked (None when not given)."""
    if not avoid:
        return None
    return parse_exclude_polygon(avoid, bbox=bbox, max_vertices=settings.max_exclude_vertices,
                                 max_area_km2=settings.max_exclude_area_km2)  # fmt: skip


@routes.get("/risk-areas")
def risk_areas(
    risk: RiskDep,
    date: DateQ = None,
    level: Annotated[str | None, Query(description="Only this level (sealed, controlled, prevention)")] = None,
) -> JSONResponse:
    """Risk areas of a date as a GeoJSON FeatureCollection (``[lon, lat]``): level, since, until (exclusive), case
    count and daily counts per area. Public: no case identities and no source records."""
    return JSONResponse(risk.areas_geojson(date, level))


@routes.get("/risk-areas/rules")
def risk_rules(risk: RiskDep) -> JSONResponse:
    """The rule set in use (with its citations), the first and last case day of the data."""
    return JSONResponse(risk.engine.info())


@routes.get("/risk-areas/place-days")
def place_days(risk: RiskDep, date: DateQ = None) -> JSONResponse:
    """The public case place-days of the rule set's look-back before ``date``, which the self-check page matches a
    resident's itinerary against in the browser: places ``[lon, lat, radius_m]``, visits ``[place, start, end]``
    (UTC epoch seconds). No case identities."""
    return JSONResponse(risk.engine.place_days(risk.day(date)))


@routes.get("/selfcheck", include_in_schema=False)
def selfcheck_page() -> FileResponse:
    """The self-check page: "Was I near a risk area?", matched in the browser."""
    return FileResponse(STATIC_DIR / "selfcheck.html", media_type="text/html")
