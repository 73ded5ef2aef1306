"""Region endpoints: ``GET /regions`` (what this service holds) and the check behind ``/regions/{name}/...``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.routing import APIRoute

from fevermap.api.deps import RegionsDep
from fevermap.regions.selection import RegionSet

routes = APIRouter(tags=["regions"])


@routes.get("/regions")
async def list_regions(regions: RegionsDep) -> list[dict[str, Any]]:
    """Every region: name, road-network footprint (GeoJSON), counts, time zone, traffic version and data date.

    OSRM clients that take a service URL can use ``/regions/{name}/`` as their base (``route/v1``, ``table/v1``,
    ``nearest/v1``); the unprefixed endpoints pick the region from the request's coordinates.
    """
    return regions.summary()


async def check_region_name(
    request: Request, region_name: Annotated[str, Path(description="Region name (see GET /regions)")]
) -> None:
    """404 listing the known regions for an unknown ``/regions/{region_name}/`` prefix."""
    regions: RegionSet = request.app.state.regions
    regions.get(region_name)


def prefixed_id(route: APIRoute) -> str:
    """Operation ids of the region-prefixed copies of the OSRM endpoints (unique in the OpenAPI document)."""
    return f"region_{route.name}"
