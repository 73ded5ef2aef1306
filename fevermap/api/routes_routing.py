"""fevermap's own routing endpoints: ``/route`` and ``/health``."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fevermap import __version__
from fevermap.api.deps import RegionsDep, RouterDep, SettingsDep
from fevermap.api.json_response import JSONResponse
from fevermap.api.routes_risk import DateQ, RiskDep, exclude_polygon
from fevermap.geo.lonlat import parse_lonlat
from fevermap.routing.directions import route_with_steps

routes = APIRouter(tags=["routing"])

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
    steps: list[dict[str, Any]] | None = Field(
        None,
        description="With steps=true: one per maneuver, with instruction, type, modifier, name, distance_m, "
        'duration_s, location and (after the first) announcement ("In 300 m, ...")',
    )
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
    regions: list[dict[str, Any]] = Field(
        default_factory=list, description="Every region served: name, metric_version, traffic_version"
    )
    attribution: str = ATTRIBUTION


LonLat = Annotated[str, Query(description="LON,LAT in WGS-84 degrees", examples=["121.4737,31.2304"])]
ExcludeQ = Annotated[str | None, Query(description="Risk levels to avoid on `date`: sealed, controlled (comma list)")]
AvoidQ = Annotated[str | None, Query(description="A GeoJSON Polygon ([lon, lat]) to avoid, e.g. a closed district")]


@routes.get("/route", response_model=RoutePublic, response_model_by_alias=True)
def get_route(router_: RouterDep, from_: Annotated[str, Query(alias="from", description="Origin LON,LAT")],
              to: LonLat, risk: RiskDep, settings: SettingsDep, exclude: ExcludeQ = None, date: DateQ = None,
              avoid: AvoidQ = None, steps: Annotated[bool, Query(description="Add turn-by-turn steps")] = False,
              lang: Annotated[str, Query(description="Language of the steps: zh or en")] = "en",
              ) -> JSONResponse:  # fmt: skip
    """Fastest driving route between two points; both are snapped to the nearest road first. ``steps=true`` adds
    turn-by-turn steps in ``lang``. With ``exclude`` or ``avoid`` the route enters none of those areas and says which
    it avoided and how much longer it is."""
    a, b = parse_lonlat(from_, "from"), parse_lonlat(to, "to")
    closure = risk.closure(date, exclude, exclude_polygon(settings, router_.region.bbox, avoid))
    if closure is None:
        route = router_.route(a, b)
        body = route_with_steps(router_, route, lang) if steps else route.to_dict()
        return JSONResponse(body | {"attribution": ATTRIBUTION})
    answer = risk.route(router_, router_.snap(*a), router_.snap(*b), closure)
    return JSONResponse(answer | {"attribution": ATTRIBUTION})


@routes.get("/health", response_model=HealthPublic)
async def health(router_: RouterDep, regions: RegionsDep) -> HealthPublic:
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
        regions=[
            {"name": s.name, "metric_version": s.router.metric_version, "traffic_version": s.router.traffic_version}
            for s in regions
        ],
    )
