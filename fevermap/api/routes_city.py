"""Today in the city: public, read-only counts of announced cases by district and the least busy clinics.

Aggregates only (counts per day and district, district centroids); no address or person is ever served.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from fevermap.api.deps import RegistryDep, RouterDep, SettingsDep
from fevermap.api.json_response import JSONResponse
from fevermap.cases.daily import DaySummary, parse_day
from fevermap.cases.shanghai2022 import bundled
from fevermap.clinics.waiting import fewest_waiting

routes = APIRouter(tags=["today in the city"])

DayQuery = Annotated[str | None, Query(alias="date", description="Announcement day YYYY-MM-DD (default: newest)",
                                       examples=["2022-04-15"])]  # fmt: skip


class DistrictPublic(BaseModel):
    district: str
    count: int = Field(description="records announced that day (see `unit`)")
    previous: int | None = Field(description="the day before (null before the data starts)")
    change: int | None
    location: list[float] | None = Field(description="[lon, lat] centroid of the district's geocoded records")


class DailyPublic(BaseModel):
    """Counts by district for one announcement day, ranked by count."""

    day: str
    previous_day: str
    total: int
    previous_total: int | None
    unit: str = Field(description="what one record is: `address` (a residence of new cases announced that day)")
    first_day: str
    last_day: str
    source: str
    source_id: str = Field(description="short id of the source (pages word it in their language)")
    districts: list[DistrictPublic]


def _summary(settings: Any, day: str | None) -> DaySummary:
    return bundled(settings.data_dir).summary(parse_day(day))


def _district(d: Any) -> dict[str, Any]:
    location = None if d.lon is None else [round(d.lon, 6), round(d.lat, 6)]
    return {"district": d.district, "count": d.count, "previous": d.previous, "change": d.change,
            "location": location}  # fmt: skip


@routes.get("/city/daily", response_model=DailyPublic)
def city_daily(settings: SettingsDep, day: DayQuery = None) -> JSONResponse:
    """New case addresses by district on one announcement day, with the change against the day before."""
    s = _summary(settings, day)
    return JSONResponse({
        "day": s.day.isoformat(), "previous_day": s.previous_day.isoformat(), "total": s.total,
        "previous_total": s.previous_total, "unit": s.unit, "first_day": s.first_day.isoformat(),
        "last_day": s.last_day.isoformat(), "source": s.source, "source_id": s.source_id,
        "districts": [_district(d) for d in s.districts],
    })  # fmt: skip


GEOJSON: dict[int | str, dict[str, Any]] = {200: {"content": {"application/geo+json": {"schema": {"type": "object"}}},
                 "description": "GeoJSON FeatureCollection of district Points"}}  # fmt: skip


@routes.get("/city/daily.geojson", response_class=Response, responses=GEOJSON)
def city_daily_geojson(settings: SettingsDep, day: DayQuery = None) -> JSONResponse:
    """The same as a GeoJSON FeatureCollection of district Points (``[lon, lat]``); districts without coordinates
    are left out."""
    s = _summary(settings, day)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": p.pop("location")}, "properties": p}
                for p in map(_district, s.districts) if p["location"] is not None]  # fmt: skip
    return JSONResponse({"type": "FeatureCollection", "day": s.day.isoformat(), "unit": s.unit,
                         "source": s.source, "features": features},
                        media_type="application/geo+json")  # fmt: skip


@routes.get("/city/clinics")
def city_clinics(registry: RegistryDep, router_: RouterDep,
                 limit: Annotated[int, Query(ge=1, le=50)] = 5) -> JSONResponse:  # fmt: skip
    """The clinics with the fewest waiting patients now (fresh statuses only), with their phones."""
    chosen = fewest_waiting(registry.clinics(router_.region.name), limit)
    return JSONResponse({"clinics": [
        {"id": c.id, "name": c.name, "district": c.district, "phones": c.phones, "phones_display": c.phones_display,
         "location": [c.lon, c.lat], "night_emergency": c.night_emergency, "open_now": c.open_now,
         "slots": c.status.slots, "waiting_patients": c.status.waiting_patients,
         "waiting_minutes": c.status.waiting_minutes, "updated_at": c.status.updated_at,
         "simulated": c.status.simulated} for c in chosen]})  # fmt: skip
