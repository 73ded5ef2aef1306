"""Directory endpoints: the national list of clinics by province and city, phone first, and locating an entry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from fevermap.access.keys import require
from fevermap.api.deps import PrincipalDep, RegistryDep, RouterDep
from fevermap.directory.schemas import DirectoryEntryPublic, DirectoryPage, DirectoryProvincePublic, LocationCreate
from fevermap.directory.store import MAX_OFFSET, DirectoryStore
from fevermap.geo.datum import to_wgs84

routes = APIRouter(tags=["directory"])
PROVINCE_HELP = "Province: 青海省, 青海 or qinghai"
CITY_HELP = "City: 果洛藏族自治州, 果洛州, 果洛 or guoluo"
Q_HELP = "Name, county or address, in Chinese, pinyin or initials"


async def get_directory(request: Request) -> DirectoryStore:
    """The directory store opened in the app's lifespan."""
    store: DirectoryStore = request.app.state.directory
    return store


DirectoryDep = Annotated[DirectoryStore, Depends(get_directory)]


@routes.get("/directory", response_model=DirectoryPage)
def search_directory(
    directory: DirectoryDep,
    province: Annotated[str | None, Query(max_length=50, description="Province: 青海省, 青海 or qinghai")] = None,
    city: Annotated[
        str | None, Query(max_length=50, description="City: 果洛藏族自治州, 果洛州, 果洛 or guoluo")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Name, county or address; Chinese, pinyin, initials")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Clinics of the national 2020 list (no locations: phone them), entries with a dialable number first."""
    return directory.search(province, city, q, limit=limit, offset=offset)


@routes.get("/directory/cities", response_model=list[DirectoryProvincePublic])
def directory_cities(directory: DirectoryDep) -> list[dict[str, Any]]:
    """Every province and city of the list with its number of clinics (a city may have none)."""
    return directory.provinces()


@routes.get("/directory/{entry_id}", response_model=DirectoryEntryPublic)
def directory_entry(entry_id: str, directory: DirectoryDep) -> dict[str, Any]:
    """One directory entry; 404 for an unknown id."""
    return directory.get(entry_id)


@routes.post("/directory/{entry_id}/location", response_model=DirectoryEntryPublic)
def locate_entry(
    entry_id: str,
    body: LocationCreate,
    directory: DirectoryDep,
    registry: RegistryDep,
    router_: RouterDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Give an entry a cited location (admin key): it becomes a located clinic of this region under the same id."""
    require(principal, "admin")
    wlon, wlat = to_wgs84(body.lon, body.lat, body.datum)
    lon, lat = float(wlon), float(wlat)
    region = router_.region
    return directory.locate(entry_id, registry, region=region.name, lon=lon, lat=lat,
                            coord_source=body.coord_source, timezone=region.timezone, bbox=region.bbox)  # fmt: skip
