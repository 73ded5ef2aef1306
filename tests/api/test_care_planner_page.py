"""The planner page in a real headless Chromium (Debian's package): coverage cells coloured by time, the gaps
outlined, a click places a candidate clinic (gap weight removed) and lists clinics by time to care (drive + wait),
in English and Chinese, with no request to any host but the server. Set FEVERMAP_SCREENSHOTS=1 to rewrite
docs/screenshots/planner-*.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fevermap.api.app import create_app
from fevermap.clinics.schemas import StatusUpdate
from fevermap.config import Settings

from .conftest import serve_in_thread
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    db = Path(tmp_path_factory.mktemp("plannerdb")) / "fevermap.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with serve_in_thread(app) as base:
        registry = app.state.registry
        now = datetime.now(UTC)
        for k, c in enumerate(registry.clinics(app.state.router.region.name)):
            if k % 3 != 2:  # the third of the clinics without a wait shows "unknown"
                registry.update_status(c.id, StatusUpdate(slots=5, waiting_minutes=10 + 25 * k, observed_at=now))
        yield base


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_planner_page(base_url: str, lang: str) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    foreign: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800}, locale=lang)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(base_url) else None)
            page.goto(f"{base_url}/planner?lang={lang}")
            page.wait_for_function("document.body.dataset.state === 'ready'", timeout=60_000)
            cells = page.locator("path.leaflet-interactive")
            assert cells.count() > 100
            title = page.locator("header strong").inner_text()
            assert title == ("就诊覆盖规划" if lang == "zh-Hans" else "Coverage planner")
            summary = page.locator("#summary").inner_text()
            assert ("确诊病例" if lang == "zh-Hans" else "confirmed-case") in summary
            # a gap threshold that leaves gaps, then a candidate clinic in the middle
            page.fill("#minutes", "4")
            page.click("#refresh")
            page.wait_for_function("document.body.dataset.state === 'ready'", timeout=60_000)
            page.mouse.click(520, 560)
            page.wait_for_function("document.body.dataset.state === 'candidate'", timeout=60_000)
            what_if = page.locator("#candidate").inner_text()
            assert ("减少缺口权重" if lang == "zh-Hans" else "remove") in what_if
            rows = page.locator("#care .care-row")
            assert rows.count() == 3
            first = rows.first.inner_text()
            assert ("车程" if lang == "zh-Hans" else "min drive") in first
            if os.environ.get("FEVERMAP_SCREENSHOTS"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"planner-desktop-{lang}.png"))
        finally:
            browser.close()
    assert errors == []
    assert foreign == []
