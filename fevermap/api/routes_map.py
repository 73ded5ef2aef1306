"""The web map: the page, its vendored Leaflet, its configuration and the region's roads as an offline background."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from fevermap.api.deps import RouterDep, SettingsDep
from fevermap.routing.export import roads_geojson

STATIC_DIR = Path(__file__).resolve().parent / "static"
ATTRIBUTION = "Road data © OpenStreetMap contributors (ODbL)"

router = APIRouter(tags=["web map"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The web map page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@router.get("/map/config")
def map_config(router_: RouterDep, settings: SettingsDep) -> dict[str, Any]:
    """What the page needs to start: region name and bbox ``[lon_min, lat_min, lon_max, lat_max]``, attribution and
    an optional tile URL (none by default: the page draws the region's own roads and works offline)."""
    return {
        "region": router_.region.name,
        "bbox": list(router_.region.bbox),
        "timezone": router_.region.timezone,
        "attribution": ATTRIBUTION,
        "tile_url": settings.tile_url,
    }


@router.get(
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
