"""Dependencies shared by the HTTP handlers (``Annotated`` aliases, FastAPI full-stack style).

The ones that only read ``app.state`` are ``async def``: FastAPI runs a plain ``def`` dependency on a worker thread,
and that hop cost more than the lookup itself. Only :func:`get_principal` (a database read) stays on a thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session, sessionmaker

from fevermap.access.keys import Principal, authenticate
from fevermap.api.region_scope import served_region
from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings
from fevermap.regions.selection import RegionSet
from fevermap.routing.router import Router

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="fevermap API key fm_<id>_<secret>")


async def get_router(request: Request) -> Router:
    """The router of the region that answers this request (see :mod:`fevermap.api.region_scope`)."""
    return served_region(request).router


async def get_regions(request: Request) -> RegionSet:
    """Every region this service holds (loaded once in the app's lifespan)."""
    regions: RegionSet = request.app.state.regions
    return regions


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_registry(request: Request) -> ClinicRegistry:
    registry: ClinicRegistry = request.app.state.registry
    return registry


async def get_locator(request: Request) -> ClinicLocator:
    """The clinic locator of the region that answers this request."""
    locator: ClinicLocator = served_region(request).services["locator"]
    return locator


async def get_sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


def get_principal(
    sessions: Annotated[sessionmaker[Session], Depends(get_sessions)],
    token: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    """Who is calling (the public when no key is given; 401 for a bad key)."""
    return authenticate(sessions, token)


async def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


RouterDep = Annotated[Router, Depends(get_router)]
RegionsDep = Annotated[RegionSet, Depends(get_regions)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RegistryDep = Annotated[ClinicRegistry, Depends(get_registry)]
LocatorDep = Annotated[ClinicLocator, Depends(get_locator)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ClientDep = Annotated[str, Depends(client_of)]
