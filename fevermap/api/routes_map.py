"""The web page: its shell in the visitor's language, service worker, configuration and offline road background.

The region's own roads are the map's background when no tile server is configured."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header, Request
from fastapi.responses import HTMLResponse, Response

from fevermap.api.deps import RouterDep, SettingsDep
from fevermap.api.page_lang import page_language
from fevermap.config import Settings
from fevermap.routing.export import roads_geojson
from fevermap.routing.region import DEMO_REGION_NAME, Region

STATIC_DIR = Path(__file__).resolve().parent / "static"
ATTRIBUTION = "Road data © OpenStreetMap contributors (ODbL)"

routes = APIRouter(tags=["web map"])


#: What the service worker keeps for offline use besides the static files: the page and the data it opens with.
OFFLINE_URLS = ["/", "/map/config", "/map/roads.geojson", "/clinics.geojson", "/clinics"]


@routes.get("/", include_in_schema=False)
def index(router_: RouterDep, accept_language: Annotated[str | None, Header()] = None,
          fevermap_lang: Annotated[str | None, Cookie()] = None) -> HTMLResponse:  # fmt: skip
    """The page, in the remembered language, else the browser's, else the region's (``<html lang>`` set)."""
    lang = page_language(accept_language, router_.region.timezone, fevermap_lang)
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("__LANG__", lang)
    return HTMLResponse(html, headers={"Vary": "Accept-Language, Cookie", "Cache-Control": "no-cache"})


@routes.get("/sw.js", include_in_schema=False)
def service_worker(request: Request) -> Response:
    """The service worker, served from the root so that it controls the whole page; its precache list names every
    static file (new views' modules and catalogues included) and its version changes whenever one of them does."""
    cached: bytes | None = getattr(request.app.state, "service_worker", None)
    if cached is None:
        files = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file() and p.name != "sw.js")
        digest = hashlib.sha256()
        for p in files:
            digest.update(p.relative_to(STATIC_DIR).as_posix().encode() + b"\0" + p.read_bytes())
        urls = OFFLINE_URLS + ["/static/" + p.relative_to(STATIC_DIR).as_posix() for p in files]
        text = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
        text = text.replace("__VERSION__", digest.hexdigest()[:16]).replace("__PRECACHE__", json.dumps(urls))
        cached = request.app.state.service_worker = text.encode()
    return Response(cached, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


def directory_city_of(region: Region, settings: Settings) -> str | None:
    """The city of the national clinic directory a region's residents see first (the "clinics in my city" view):
    the region's ``city`` metadata, else ``FEVERMAP_DIRECTORY_CITY``, else 上海市 for the bundled demo region."""
    city = region.meta.get("city") or settings.directory_city
    if city is None and region.name == DEMO_REGION_NAME:
        city = "上海市"
    return str(city) if city else None


@routes.get("/map/config")
def map_config(router_: RouterDep, settings: SettingsDep) -> dict[str, Any]:
    """What the page needs to start: region name and bbox ``[lon_min, lat_min, lon_max, lat_max]``, attribution and
    an optional tile URL (none by default: the page draws the region's own roads and works offline)."""
    return {
        "region": router_.region.name,
        "bbox": list(router_.region.bbox),
        "timezone": router_.region.timezone,
        "attribution": ATTRIBUTION,
        "tile_url": settings.tile_url,
        "directory_city": directory_city_of(router_.region, settings),
    }


@routes.get(
    "/map/roads.geojson",
    response_class=Response,
    responses={
        200: {
            "content": {"application/geo+json": {"schema": {"type": "object"}}},
            "description": "GeoJSON FeatureCollection of LineStrings",
        }
    },
)
def roads(request: Request, router_: RouterDep) -> Response:
    """The region's roads (GeoJSON FeatureCollection, ``[lon, lat]``), computed once per worker."""
    cached: bytes | None = getattr(request.app.state, "roads_geojson", None)
    if cached is None:
        cached = json.dumps(roads_geojson(router_), ensure_ascii=False, separators=(",", ":")).encode()
        request.app.state.roads_geojson = cached
    return Response(cached, media_type="application/geo+json", headers={"Cache-Control": "max-age=3600"})
