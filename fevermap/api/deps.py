"""Dependencies shared by the HTTP handlers (``Annotated`` aliases, FastAPI full-stack style).

The ones that only read ``app.state`` are ``async def``: FastAPI runs a plain ``def`` dependency on a worker thread,
and that hop cost more than the lookup itself. :func:`get_principal` (a database read) runs on the event loop on
SQLite (a local file) and on a worker thread on PostgreSQL (see the function).

Authorisation lives here and only here: a protected endpoint takes one of the ``*Dep`` principals below, which
checks the key's role (and binding) as a dependency. FastAPI solves dependencies before it validates the request
body, so an anonymous caller gets 401 before anything about the body's schema.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from fevermap.access.keys import Principal, authenticate, require
from fevermap.api.region_scope import served_region
from fevermap.clinics.filters import Filters
from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings
from fevermap.regions.selection import RegionSet, ServedRegion
from fevermap.routing.router import Router

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="fevermap API key fm_<id>_<secret>")


async def get_router(request: Request) -> Router:
    """The router of the region that answers this request (see :mod:`fevermap.api.region_scope`)."""
    return served_region(request).router


async def get_served(request: Request) -> ServedRegion:
    """The region that answers this request, with its router and services (one dependency where a handler needs
    several of them: each dependency costs its own resolution per request)."""
    return served_region(request)


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


async def get_principal(
    request: Request,
    sessions: Annotated[sessionmaker[Session], Depends(get_sessions)],
    token: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    """Who is calling (the public when no key is given; 401 for a bad key).

    On SQLite the key lookup (a local read of well under a millisecond) runs on the event loop: under load a worker
    thread waits for the GIL at every step while the loop computes, and the hop cost tens of milliseconds
    (``benchmarks/RESULTS.md``, regions). On PostgreSQL it runs on a worker thread: the loop never waits on a network.
    """
    if getattr(request.app.state.registry, "local_database", False):
        return authenticate(sessions, token)
    return await run_in_threadpool(authenticate, sessions, token)


def _role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        require(principal, *roles)
        return principal

    check.__name__ = f"require_{'_or_'.join(roles)}"
    return check


async def require_clinic_operator(clinic_id: str, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """A clinic key bound to the path's ``clinic_id`` (or an admin key)."""
    require(principal, "clinic", clinic_id=clinic_id)
    return principal


async def require_staff(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """A staff key (it reads its own area only) or an admin key."""
    require(principal, "staff", area=principal.area)
    return principal


async def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_client_hash_secret(request: Request) -> bytes:
    """The rate limiter's HMAC key (loaded, or created, once in the app's lifespan)."""
    secret: bytes = request.app.state.client_hash_secret
    return secret


async def clinic_filters(
    with_slots: bool = False,
    open_now: bool = False,
    night: bool = False,
    strict: bool = False,
    time: Annotated[
        str | None, Query(description="ISO 8601 time with a UTC offset the filters are judged at (default now)")
    ] = None,
) -> Filters:
    """The clinic filters of ``/clinics/nearest``, the catchments and the coverage (the locator's, by its names)."""
    return Filters(with_slots, open_now, night, strict, time)


RouterDep = Annotated[Router, Depends(get_router)]
ServedDep = Annotated[ServedRegion, Depends(get_served)]
RegionsDep = Annotated[RegionSet, Depends(get_regions)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RegistryDep = Annotated[ClinicRegistry, Depends(get_registry)]
LocatorDep = Annotated[ClinicLocator, Depends(get_locator)]
FiltersDep = Annotated[Filters, Depends(clinic_filters)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ClientDep = Annotated[str, Depends(client_of)]
ClientHashSecretDep = Annotated[bytes, Depends(get_client_hash_secret)]
#: Principals already authorised for one role (each a dependency; see the module docstring).
InvestigatorDep = Annotated[Principal, Depends(_role("investigator"))]
TrafficFeedDep = Annotated[Principal, Depends(_role("traffic"))]
ClinicOperatorDep = Annotated[Principal, Depends(require_clinic_operator)]
StaffDep = Annotated[Principal, Depends(require_staff)]
AdminDep = Annotated[Principal, Depends(_role("admin"))]
