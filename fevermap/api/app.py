"""The FastAPI application: heavy state (region, router, registry, locator) loads once per worker in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from fevermap import __version__
from fevermap.access.client_hash import client_hash_secret
from fevermap.api import (
    http_errors,
    routes_city,
    routes_clinics,
    routes_map,
    routes_osrm,
    routes_routing,
    routes_service,
)
from fevermap.api.body_limit import BodyLimitMiddleware
from fevermap.api.routes_care import router as care_router
from fevermap.api.traffic_sync import catch_up
from fevermap.clinics.demo import ensure_demo_clinics
from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings, get_settings
from fevermap.db import session_factory
from fevermap.routing.region import open_region
from fevermap.routing.router import Router
from fevermap.tracing.store import purge

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
        region = open_region(settings.region)
        registry = ClinicRegistry.open(settings=settings)
        if settings.region is None:
            ensure_demo_clinics(registry, region)
        router = Router(region, max_snap_distance_m=settings.max_snap_distance_m)
        app.state.settings = settings
        app.state.router = router
        app.state.registry = registry
        app.state.locator = ClinicLocator(registry, router)
        app.state.sessions = session_factory(registry.engine)
        app.state.client_hash_secret = client_hash_secret(app.state.sessions, settings.client_hash_secret)
        catch_up(router, app.state.sessions)
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
            asyncio.create_task(_every(settings.traffic_poll_s, "traffic poll", catch_up, router, app.state.sessions)),
            asyncio.create_task(
                _every(settings.purge_every_s, "scheduled purge", purge, app.state.sessions, settings.retention_days)
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
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    errors = http_errors.ERROR_RESPONSES
    app.include_router(routes_map.router, responses=errors)
    app.include_router(routes_routing.router, responses=errors)
    app.include_router(care_router, responses=errors)  # before clinics: /clinics/catchments
    app.include_router(routes_clinics.router, responses=errors)
    app.include_router(routes_service.router, responses=errors)
    app.include_router(routes_osrm.router, responses=errors)
    app.include_router(routes_city.router, responses=errors)
    app.mount("/static", StaticFiles(directory=routes_map.STATIC_DIR), name="static")
    return app
