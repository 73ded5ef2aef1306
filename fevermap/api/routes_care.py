"""Care endpoints: isochrones, clinic catchments, coverage gaps, and the planner page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from fevermap.api.deps import FiltersDep, LocatorDep, RouterDep
from fevermap.api.json_response import JSONResponse
from fevermap.api.routes_map import STATIC_DIR
from fevermap.care.gaps import DEFAULT_RESOLUTION, MAX_THRESHOLD_MIN
from fevermap.care.service import catchments_answer, coverage_answer, isochrone_answer

routes = APIRouter(tags=["care"])


@routes.get("/isochrone")
def get_isochrone(
    router_: RouterDep,
    at: Annotated[str, Query(description="Point LON,LAT (WGS-84 degrees)", examples=["121.4737,31.2304"])],
    minutes: Annotated[str, Query(description="1 to 4 contour times in minutes, each <= 120", examples=["5,10,20"])],
    reverse: Annotated[bool, Query(description="true: the area from which `at` is reached (a catchment)")] = False,
) -> JSONResponse:
    """Isochrone polygons in current traffic: a GeoJSON FeatureCollection of MultiPolygons with `minutes`, largest
    first (Valhalla's `contours` / `polygons=true`)."""
    return JSONResponse(isochrone_answer(router_, at, minutes, reverse=reverse))


@routes.get("/clinics/catchments")
def get_catchments(
    router_: RouterDep,
    locator: LocatorDep,
    filters: FiltersDep,
    minutes: Annotated[float, Query(gt=0, le=MAX_THRESHOLD_MIN, description="Driving time to the clinic")] = 15,
) -> JSONResponse:
    """Every clinic's catchment: each road point within `minutes` belongs to the clinic it reaches first."""
    return JSONResponse(catchments_answer(router_, locator, minutes, filters))


@routes.get("/coverage")
def get_coverage(
    router_: RouterDep,
    locator: LocatorDep,
    filters: FiltersDep,
    minutes: Annotated[float, Query(gt=0, le=MAX_THRESHOLD_MIN, description="Gap threshold, minutes")] = 30,
    resolution: Annotated[int, Query(description="H3 resolution of the cells")] = DEFAULT_RESOLUTION,
    candidate: Annotated[str | None, Query(description="A 'what if' clinic at LON,LAT")] = None,
) -> JSONResponse:
    """H3 cells over the region's roads with the driving time to the nearest clinic meeting the filters; cells over
    `minutes` are gaps, weighted by confirmed-case addresses (where the region has case data) or road length."""
    answer = coverage_answer(router_, locator, minutes, filters, resolution=resolution, candidate=candidate)
    return JSONResponse(answer)


@routes.get("/planner", include_in_schema=False)
def planner() -> FileResponse:
    """The planner page: coverage cells, gaps and "what if" clinics."""
    return FileResponse(STATIC_DIR / "planner.html", media_type="text/html")
