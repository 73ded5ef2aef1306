"""fevermap's own routing endpoints: ``/route`` and ``/health``."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fevermap import __version__
from fevermap.api.deps import RouterDep
from fevermap.api.json_response import JSONResponse
from fevermap.geo.lonlat import parse_lonlat

router = APIRouter(tags=["routing"])

ATTRIBUTION = "© OpenStreetMap contributors"


class SnappedEnd(BaseModel):
    location: list[float] = Field(description="[lon, lat] of the snapped point (degrees)")
    snap_distance_m: float = Field(description="Distance from the given point to the road (m)")
    name: str = Field(description="Street name, where known")


class RoutePublic(BaseModel):
    """A route between two snapped points."""

    duration_s: float = Field(description="Driving time in current traffic (s)")
    distance_m: float = Field(description="Road distance (m)")
    geometry: dict[str, Any] = Field(description="GeoJSON LineString, [lon, lat] positions")
    from_: SnappedEnd = Field(alias="from")
    to: SnappedEnd
    attribution: str = ATTRIBUTION


class HealthPublic(BaseModel):
    status: str
    version: str
    region: str
    nodes: int
    edges: int
    metric_version: int = Field(description="Version of the traffic metric this worker routes on (1: base speeds)")
    traffic_version: int = Field(description="Id of the last traffic feed this worker applied (0: none)")
    worker_pid: int = Field(description="Process id of the worker that answered (one of several under --workers)")
    attribution: str = ATTRIBUTION


LonLat = Annotated[str, Query(description="LON,LAT in WGS-84 degrees", examples=["121.4737,31.2304"])]


@router.get("/route", response_model=RoutePublic, response_model_by_alias=True)
def get_route(router_: RouterDep, from_: Annotated[str, Query(alias="from", description="Origin LON,LAT")],
              to: LonLat) -> JSONResponse:  # fmt: skip
    """Fastest driving route between two points; both are snapped to the nearest road first."""
    route = router_.route(parse_lonlat(from_, "from"), parse_lonlat(to, "to"))
    return JSONResponse(route.to_dict() | {"attribution": ATTRIBUTION})


@router.get("/health", response_model=HealthPublic)
async def health(router_: RouterDep) -> HealthPublic:
    """Liveness and the loaded region (reads loaded state only: no worker-thread hop)."""
    meta = router_.region.meta
    return HealthPublic(
        status="ok",
        version=__version__,
        region=router_.region.name,
        nodes=int(meta["nodes"]),
        edges=int(meta["edges"]),
        metric_version=router_.metric_version,
        traffic_version=router_.traffic_version,
        worker_pid=os.getpid(),
    )
