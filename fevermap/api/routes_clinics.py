"""Clinic endpoints: the locator, clinic details, the map layer, and status updates by clinic operators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from fevermap.api.deps import AdminDep, ClinicOperatorDep, FiltersDep, RegistryDep, RouterDep, ServedDep
from fevermap.api.json_response import JSONResponse
from fevermap.clinics import views
from fevermap.clinics.locator import ClinicLocator, answer_json
from fevermap.clinics.placement import Placement
from fevermap.clinics.schemas import ClinicCreate, ClinicPublic, NearestAnswer, StatusResult, StatusUpdate
from fevermap.clinics.time_to_care import Rank
from fevermap.geo.lonlat import parse_lonlat
from fevermap.risk.locate import nearest_avoiding

routes = APIRouter(tags=["clinics"])


async def get_placement(request: Request) -> Placement:
    """The served regions as clinic placement sees them (``app.state.placement``, built at start-up)."""
    placement: Placement = request.app.state.placement
    return placement


PlacementDep = Annotated[Placement, Depends(get_placement)]


@routes.get("/clinics/nearest", response_model=NearestAnswer)
def nearest(
    request: Request,
    served: ServedDep,
    at: Annotated[str, Query(description="Origin LON,LAT (WGS-84 degrees)", examples=["121.4737,31.2304"])],
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 3,
    rank: Annotated[Rank, Query(description="drive: by driving time; time_to_care: drive + expected wait")] = "drive",
    avoid: Annotated[str | None, Query(description="Risk levels to drive around: sealed, controlled")] = None,
    date: Annotated[str | None, Query(description="Local date of the risk areas (default today)")] = None,
) -> JSONResponse:
    """The nearest clinics by driving time in current traffic, filtered; ``call_first`` answers lead with the phone.
    With ``avoid=sealed`` roads inside sealed areas are closed; a clinic inside one is flagged, not dropped."""
    lon, lat = parse_lonlat(at, "at")
    locator: ClinicLocator = served.services["locator"]
    query: dict[str, Any] = {"limit": limit, "rank_by": rank, **filters.locator_kwargs()}
    closure = None
    if avoid:  # the region's risk service, else the default region's (as RiskDep)
        risk = served.services.get("risk")
        closure = (risk if risk is not None else request.app.state.risk).closure(date, avoid, None)
    if closure is not None:
        return JSONResponse(nearest_avoiding(locator, closure, lon, lat, **query))
    return JSONResponse(answer_json(locator.nearest(lon, lat, **query)))


@routes.get("/clinics", response_model=list[ClinicPublic])
def list_clinics(registry: RegistryDep, router_: RouterDep) -> list[ClinicPublic]:
    """Every clinic of the region with its current status."""
    return registry.clinics(router_.region.name)


@routes.get("/clinics.geojson")
def clinics_geojson(registry: RegistryDep, router_: RouterDep) -> dict[str, Any]:
    """The region's clinics as a GeoJSON FeatureCollection of Points (``[lon, lat]``) for maps."""
    return views.clinics_geojson(registry.clinics(router_.region.name))


@routes.post("/clinics", response_model=ClinicPublic)
def add_clinic(body: ClinicCreate, registry: RegistryDep, placement: PlacementDep, _admin: AdminDep) -> ClinicPublic:
    """Add or update a clinic (admin key; phones in E.164). It belongs to the served region its location lies in
    (``region``), or to none (``region: null``: listed, never ranked); its opening hours are read in that region's
    time zone."""
    placed = placement.placed(body)
    return registry.add(placed.region, placed.clinic, timezone=placed.timezone)


@routes.delete("/clinics/{clinic_id}")
def delete_clinic(clinic_id: str, registry: RegistryDep, _admin: AdminDep) -> dict[str, str]:
    """Remove a clinic and its status (admin key); 404 for an unknown id."""
    registry.delete(clinic_id)
    return {"deleted": clinic_id}


@routes.get("/clinics/{clinic_id}", response_model=ClinicPublic)
def get_clinic(clinic_id: str, registry: RegistryDep) -> ClinicPublic:
    """One clinic with its status; 404 for an unknown id."""
    return registry.clinic(clinic_id)


@routes.put("/clinics/{clinic_id}/status", response_model=StatusResult)
async def put_status(
    clinic_id: str, update: StatusUpdate, registry: RegistryDep, _operator: ClinicOperatorDep
) -> JSONResponse:
    """Report a clinic's live status (clinic key bound to this clinic). An older observation never overwrites a
    newer one (``applied: false``); one from the future beyond the allowed clock skew is refused (409)."""
    # committed before the answer either way; SQLite (a local file, ~1 ms) on the event loop, as the key lookup
    # (fevermap.api.deps.get_principal), PostgreSQL on a worker thread
    if registry.local_database:
        result = registry.update_status(clinic_id, update)  # 404 for an unknown id
    else:
        result = await run_in_threadpool(registry.update_status, clinic_id, update)
    # a ready response: FastAPI would otherwise re-validate the model on another worker-thread hop
    return JSONResponse(result.model_dump(mode="json"))
