"""Leaflet Routing Machine (the npm package, unchanged) in headless Chromium against a live fevermap: it draws the
route, its itinerary panel lists the instructions, and the line it builds from the step geometries is the route's
geometry. The page loads only from the fevermap server (LRM's file is handed to the browser for a URL there)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fevermap.api.app import create_app
from fevermap.config import Settings
from fevermap.geo import polyline
from fevermap.routing.region import Region

from ..routing.osrm_fixtures import npm_package
from .conftest import serve_in_thread
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser

A, B = (121.4737, 31.2304), (121.4997, 31.2397)
LRM = ("leaflet-routing-machine", "3.2.12")
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="/__lrm__/leaflet-routing-machine.css">
<style>#map { width: 900px; height: 600px; }</style></head>
<body><div id="map"></div>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script src="/__lrm__/leaflet-routing-machine.js"></script>
<script>
const map = L.map('map').setView([31.235, 121.485], 14);
window.found = null;
const control = L.Routing.control({
  waypoints: [L.latLng(%(a_lat)s, %(a_lon)s), L.latLng(%(b_lat)s, %(b_lon)s)],
  router: L.Routing.osrmv1({serviceUrl: location.origin + '/route/v1', profile: 'driving', language: 'en'}),
  fitSelectedRoutes: true, showAlternatives: false,
}).on('routesfound', (e) => { window.found = e.routes[0].coordinates.map((c) => [c.lng, c.lat]); })
  .on('routingerror', (e) => { window.found = {error: String(e.error && e.error.message)}; })
  .addTo(map);
</script></body></html>"""


@pytest.fixture(scope="module")
def base_url(shanghai: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    db = Path(tmp_path_factory.mktemp("lrmdb")) / "fevermap.sqlite3"
    with serve_in_thread(create_app(Settings(region=shanghai.path, database_url=f"sqlite:///{db}"))) as base:
        yield base


@pytest.mark.browser
def test_leaflet_routing_machine_draws_and_lists_the_route(base_url: str) -> None:
    import httpx
    from playwright.sync_api import Route, sync_playwright

    dist = npm_package(*LRM) / "dist"
    html = PAGE % {"a_lat": A[1], "a_lon": A[0], "b_lat": B[1], "b_lon": B[0]}
    foreign: list[str] = []
    errors: list[str] = []

    def serve(route: Route) -> None:
        url = route.request.url
        if not url.startswith(base_url):
            foreign.append(url)
            route.abort()
        elif url == base_url + "/__lrm__/page.html":
            route.fulfill(body=html, content_type="text/html")
        elif "/__lrm__/" in url:
            name = url.rsplit("/", 1)[1]
            kind = "text/css" if name.endswith(".css") else "application/javascript"
            route.fulfill(body=(dist / name).read_bytes(), content_type=kind)
        else:
            route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", serve)
            page.goto(base_url + "/__lrm__/page.html")
            page.wait_for_function("window.found !== null", timeout=30_000)
            drawn = page.evaluate("window.found")
            assert isinstance(drawn, list), drawn
            rows = page.locator(".leaflet-routing-alt").first.locator("tr").all_inner_texts()
            assert page.locator("path.leaflet-interactive").count() >= 1
        finally:
            browser.close()
    assert errors == [] and foreign == []
    body = httpx.get(f"{base_url}/route/v1/driving/{A[0]},{A[1]};{B[0]},{B[1]}",
                     params={"steps": "true", "overview": "full"}).json()  # fmt: skip
    route = body["routes"][0]
    steps = route["legs"][0]["steps"]
    assert len(rows) == len(steps)
    assert any("Turn right onto 河南南路" in r for r in rows)
    assert any("You have arrived" in r for r in rows)
    expected = polyline.decode(route["geometry"])
    dedup = [tuple(pt) for i, pt in enumerate(drawn) if i == 0 or pt != drawn[i - 1]]
    assert [pytest.approx(pt, abs=1e-9) for pt in expected] == dedup
    assert json.dumps(rows, ensure_ascii=False)
