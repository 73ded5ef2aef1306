"""The FastAPI application: heavy state (region, router) loads once per worker in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from fevermap import __version__
from fevermap.api import http_errors, routes_map, routes_osrm, routes_routing
from fevermap.config import Settings, get_settings
from fevermap.routing.region import open_region
from fevermap.routing.router import Router

DESCRIPTION = """Nearest available fever clinic by driving time in live traffic, fast routes and an OSRM-compatible API.

Coordinates are WGS-84 degrees, `LON,LAT` in query strings and `[lon, lat]` in GeoJSON.
Road data © OpenStreetMap contributors (ODbL 1.0)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the region named by ``settings.region`` (default: the demo region) loads at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        region = open_region(settings.region)
        app.state.settings = settings
        app.state.router = Router(region, max_snap_distance_m=settings.max_snap_distance_m)
        yield

    app = FastAPI(title="fevermap", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    http_errors.install(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return JSONResponse(
                {"detail": f"request body too large: at most {settings.max_body_bytes} bytes", "code": "TooBig"},
                status_code=413,
            )
        return await call_next(request)

    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.include_router(routes_map.router)
    app.include_router(routes_routing.router)
    app.include_router(routes_osrm.router)
    app.mount("/static", StaticFiles(directory=routes_map.STATIC_DIR), name="static")
    return app
