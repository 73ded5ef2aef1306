"""The FastAPI application: heavy state (region, router, registry, locator) loads once per worker in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from fevermap import __version__
from fevermap.access.client_hash import client_hash_secret
from fevermap.api import (
    http_errors,
    routes_city,
    routes_clinics,
    routes_directory,
    routes_map,
    routes_osrm,
    routes_regions,
    routes_routing,
    routes_service,
)
from fevermap.api.body_limit import BodyLimitMiddleware
from fevermap.api.osrm_lane import GZIP_MIN_BYTES, OsrmLane
from fevermap.api.routes_care import routes as care_routes
from fevermap.api.routes_risk import risk_service
from fevermap.api.routes_risk import routes as risk_routes
from fevermap.api.routes_surveillance import routes as surveillance_routes
from fevermap.api.routes_verification import routes as verification_routes
from fevermap.clinics.demo import ensure_demo_clinics
from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.placement import Placement, RegionArea
from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings, get_settings
from fevermap.db import session_factory
from fevermap.db.traffic_versions import catch_up
from fevermap.directory.store import DirectoryStore, bundled_list_path
from fevermap.regions.catalog import load_regions, regions_from
from fevermap.regions.prepared import take as take_prepared
from fevermap.regions.selection import RegionSet
from fevermap.routing.router import Router
from fevermap.surveillance.schedule import scheduled_run
from fevermap.tracing.store import purge
from fevermap.verification.service import Verifier

logger = logging.getLogger("fevermap")

DESCRIPTION = """Nearest available fever clinic by driving time in live traffic, routes and an OSRM-compatible API,
declarations and exposure matching with roles.

Coordinates are WGS-84 degrees, `LON,LAT` in query strings and `[lon, lat]` in GeoJSON. Endpoints that need a role
take an API key in the `X-API-Key` header (create keys with `fevermap keys create`).
Road data © OpenStreetMap contributors (ODbL 1.0)."""


async def _every(seconds: float, what: str, func: Callable[..., object], *args: object) -> None:
    """Background task: run ``func(*args)`` on a worker thread every ``seconds``; a failure (a transient database
    error) is logged and retried at the next turn, never ends the schedule."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await run_in_threadpool(func, *args)
        except Exception as exc:
            logger.warning("%s failed, will retry: %s", what, exc)
            del exc


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the region named by ``settings.region`` (default: the demo region) loads at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, settings.threads)
        paths = regions_from([*([settings.region] if settings.region else []), *settings.region_list],
                             settings.regions)  # fmt: skip
        # routers built once before `fevermap serve` forked this worker (shared copy-on-write), else built here
        prepared = take_prepared(paths, settings.max_snap_m)
        # every region loads, or the service refuses to start naming the broken one
        loaded = prepared.loaded if prepared else load_regions(paths)
        registry = ClinicRegistry.open(settings=settings)
        routers = []
        for path, region in zip(paths, loaded, strict=True):
            if path is None:
                ensure_demo_clinics(registry, region)
            if prepared is None:
                routers.append(Router(region, max_snap_m=settings.max_snap_m))
        regions = prepared.regions if prepared else RegionSet(routers)
        for served in regions:
            served.services["locator"] = ClinicLocator(registry, served.router)
        default = regions.get(loaded[0].name)
        app.state.settings = settings
        app.state.regions = regions
        app.state.default_region = default
        app.state.router = default.router  # single-region callers (and the traffic schedule below) use these
        app.state.registry = registry
        app.state.locator = default.services["locator"]
        # clinics added or imported belong to the served region their location lies in (clinics area)
        app.state.placement = Placement([RegionArea.of_region(s.region, s.footprint) for s in regions])
        app.state.sessions = session_factory(registry.engine)
        app.state.client_hash_secret = client_hash_secret(app.state.sessions, settings.client_hash_secret)
        # national clinic directory (the bundled 2020 list is imported on the first read of an empty directory)
        app.state.directory = DirectoryStore(registry.engine, bundled=bundled_list_path())
        all_routers = [served.router for served in regions]
        catch_up(all_routers, app.state.sessions)
        for path, served in zip(paths, [regions.get(r.name) for r in loaded], strict=True):  # risk areas per region
            served.services["risk"] = risk_service(settings, served.region, app.state.sessions, served.footprint,
                                                   demo=path is None)  # fmt: skip
        app.state.risk = default.services["risk"]
        # partner verification: sealed areas of the default region (the jurisdiction the partner checks against)
        app.state.verifier = Verifier(app.state.sessions, settings.phone_region, risk=app.state.risk,
                                      sealed_levels=settings.verification_sealed_levels,
                                      recent_days=settings.verification_recent_days)  # fmt: skip
        try:
            purge(app.state.sessions, settings.retention_days)
        except Exception as exc:  # another worker purging at the same moment: the schedule retries
            logger.warning("start-up purge failed, will retry: %s", exc)
        # the loaded state (graph, indexes, clinics) lives as long as the worker: keep the collector from walking it
        # again and again, which otherwise shows up as latency spikes of tens of milliseconds
        gc.collect()
        gc.freeze()
        tasks = [
            # traffic posted to other workers, then data past retention (its first run was done before serving)
            asyncio.create_task(
                _every(settings.traffic_poll_s, "traffic poll", catch_up, all_routers, app.state.sessions)
            ),
            asyncio.create_task(
                _every(settings.purge_every_s, "scheduled purge", purge, app.state.sessions, settings.retention_days)
            ),
            # surveillance: today's detection results, symptom reports past retention
            asyncio.create_task(
                _every(
                    settings.surveillance_every_s,
                    "surveillance run",
                    scheduled_run,
                    app.state.sessions,
                    settings,
                    region.timezone,
                )
            ),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            registry.close()

    app = FastAPI(title="fevermap", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    http_errors.install(app)

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(OsrmLane)  # the outermost: light OSRM requests answered before all the rest (osrm_lane)
    errors = http_errors.ERROR_RESPONSES
    # the hot routers first: a request is matched against the routes in order (about 5 us of CPU per route passed)
    app.include_router(routes_osrm.routes, responses=errors)
    app.include_router(care_routes, responses=errors)  # before clinics: /clinics/catchments
    app.include_router(routes_clinics.routes, responses=errors)
    app.include_router(routes_map.routes, responses=errors)
    app.include_router(routes_routing.routes, responses=errors)
    app.include_router(routes_service.routes, responses=errors)
    app.include_router(routes_city.routes, responses=errors)
    app.include_router(routes_regions.routes, responses=errors)
    # the same OSRM services under /regions/{name}/ for OSRM clients that take one service URL per region
    app.include_router(routes_osrm.routes, prefix="/regions/{region_name}", responses=errors,
                       dependencies=[Depends(routes_regions.check_region_name)],
                       generate_unique_id_function=routes_regions.prefixed_id)  # fmt: skip
    app.include_router(routes_directory.routes, responses=errors)
    app.include_router(surveillance_routes, responses=errors)
    app.include_router(verification_routes, responses=errors)
    app.include_router(risk_routes, responses=errors)
    app.mount("/static", StaticFiles(directory=routes_map.STATIC_DIR), name="static")
    return app
