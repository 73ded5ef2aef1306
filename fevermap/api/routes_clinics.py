"""Clinic endpoints: the locator, clinic details, the map layer, and status updates by clinic operators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from fevermap.api.deps import ClinicOperatorDep, LocatorDep, RegistryDep, RouterDep
from fevermap.api.json_response import JSONResponse
from fevermap.clinics.locator import answer_json
from fevermap.clinics.schemas import ClinicPublic, NearestAnswer, StatusResult, StatusUpdate
from fevermap.clinics.service import parse_time
from fevermap.clinics.time_to_care import Rank
from fevermap.geo.lonlat import parse_lonlat

router = APIRouter(tags=["clinics"])


@router.get("/clinics/nearest", response_model=NearestAnswer)
def nearest(
    locator: LocatorDep,
    router_: RouterDep,
    at: Annotated[str, Query(description="Origin LON,LAT (WGS-84 degrees)", examples=["121.4737,31.2304"])],
    limit: Annotated[int, Query(ge=1, le=50)] = 3,
    night: bool = False,
    open_now: bool = False,
    with_slots: bool = False,
    strict: bool = False,
    time: Annotated[str | None, Query(description="ISO 8601 query time (default now); no offset: region time")] = None,
    rank: Annotated[Rank, Query(description="drive: by driving time; time_to_care: drive + expected wait")] = "drive",
) -> JSONResponse:
    """The nearest clinics by driving time in current traffic, filtered; ``call_first`` answers lead with the phone."""
    lon, lat = parse_lonlat(at, "at")
    answer = locator.nearest(lon, lat, limit=limit, night=night, open_now=open_now, with_slots=with_slots,
                             strict=strict, at=parse_time(time, router_.region.timezone), rank_by=rank)  # fmt: skip
    return JSONResponse(answer_json(answer))


@router.get("/clinics", response_model=list[ClinicPublic])
def list_clinics(registry: RegistryDep, router_: RouterDep) -> list[ClinicPublic]:
    """Every clinic of the region with its current status."""
    return registry.list(router_.region.name)


@router.get("/clinics.geojson")
def clinics_geojson(registry: RegistryDep, router_: RouterDep) -> dict[str, Any]:
    """The region's clinics as a GeoJSON FeatureCollection of Points (``[lon, lat]``) for maps."""
    features = []
    for c in registry.list(router_.region.name):
        s = c.status
        props = {
            "id": c.id,
            "name": c.name,
            "address": c.address,
            "phones": c.phones,
            "phones_display": c.phones_display,
            "tel": c.tel,
            "night_emergency": c.night_emergency,
            "slots": s.slots,
            "stale": s.stale,
            "updated_at": s.updated_at.isoformat() if s.updated_at else None,
            "simulated": s.simulated,
        }
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                         "properties": props})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


@router.get("/clinics/{clinic_id}", response_model=ClinicPublic)
def get_clinic(clinic_id: str, registry: RegistryDep) -> ClinicPublic:
    """One clinic with its status; 404 for an unknown id."""
    return registry.get(clinic_id)


@router.put("/clinics/{clinic_id}/status", response_model=StatusResult)
def put_status(
    clinic_id: str, update: StatusUpdate, registry: RegistryDep, _operator: ClinicOperatorDep
) -> JSONResponse:
    """Report a clinic's live status (clinic key bound to this clinic). An older observation never overwrites a
    newer one (``applied: false``); one from the future beyond the allowed clock skew is refused (409)."""
    result = registry.update_status(clinic_id, update)  # 404 for an unknown id
    # a ready response: FastAPI would otherwise re-validate the model on another worker-thread hop
    return JSONResponse(result.model_dump(mode="json"))
