"""The web map in a real headless Chromium (Debian's package): it loads without console errors, clinic markers
appear, a click asks for the nearest available clinics and draws the route. The phone layout, languages, location,
offline use and the city view are in test_phone_page.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fevermap.api.app import create_app
from fevermap.config import Settings

from .conftest import serve_in_thread

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def _need_browser() -> None:
    if CHROMIUM is None:
        reason = "headless Chromium not installed (apt-get install chromium; .ci/run does it)"
        if os.environ.get("FEVERMAP_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    db = Path(tmp_path_factory.mktemp("mapdb")) / "fevermap.sqlite3"
    with serve_in_thread(create_app(Settings(database_url=f"sqlite:///{db}"))) as base:
        yield base


@pytest.mark.browser
def test_map_loads_shows_clinics_and_draws_a_route(base_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="en-US")
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base_url + "/")
            page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
            markers = page.locator(".clinic-marker")
            assert markers.count() >= 5
            assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
            # a clinic's popup carries its phone as a tel: link, or says none is published
            markers.first.click(force=True)
            popup = page.locator(".leaflet-popup-content").first
            assert popup.inner_text()
            page.keyboard.press("Escape")
            # a click on the map asks for the nearest available clinics from there and draws the route
            page.mouse.click(420, 420)
            page.wait_for_selector("path.route-line", timeout=30_000)
            cards = page.locator(".card")
            assert cards.count() >= 1
            assert "min" in cards.first.inner_text()
            page.screenshot(path=str(tmp_path / "map.png"))
        finally:
            browser.close()
    assert errors == []
