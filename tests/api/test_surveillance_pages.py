"""The symptom form and the investigators' view in a real headless Chromium: the form answers in Chinese with the
advice of the rule set; the view colours the Shanghai districts by latest level and draws a chart per area."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.config import Settings
from fevermap.surveillance.store import run_day

from .conftest import serve_in_thread
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser

SHOTS = os.environ.get("FEVERMAP_SCREENSHOTS")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    _need_browser()
    db = Path(tmp_path_factory.mktemp("survdb")) / "fevermap.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with serve_in_thread(app) as base:
        s = app.state.sessions
        run_day(s, date(2022, 4, 15), tz="Asia/Shanghai", data_dir=app.state.settings.data_dir, days=41,
                series=("cases",))  # fmt: skip
        yield base, create_key(s, "investigator")


@pytest.mark.browser
def test_symptom_form_and_investigator_view(live: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, key = live
    errors: list[str] = []
    shots = Path(SHOTS) if SHOTS else tmp_path
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/symptoms?lang=zh-Hans")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=30_000)
            assert "症状" in page.locator("legend").first.inner_text()
            page.locator("#symptom-list input[value=fever]").check()
            page.fill("#temperature", "38.4")
            page.select_option("#district", "黄浦区")
            page.click("#submit")
            page.wait_for_selector("#answer:not([hidden])", timeout=30_000)
            assert "发热门诊" in page.locator("#advice-text").inner_text()
            page.screenshot(path=str(shots / "symptoms.png"), full_page=True)
            page.fill("#temperature", "44")
            page.click("#submit")
            page.wait_for_function("document.getElementById('error').textContent.length > 0", timeout=10_000)
            assert "43" in page.locator("#error").inner_text()
            errors.clear()  # the 422 above is logged by the browser as a failed request, on purpose

            view = browser.new_page(viewport={"width": 1300, "height": 800})
            view.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            view.on("pageerror", lambda e: errors.append(str(e)))
            view.goto(base + "/surveillance?lang=en&series=cases&from=2022-03-13&to=2022-04-15")
            view.wait_for_function("document.body.dataset.started === '1'", timeout=30_000)
            view.fill("#key", key)
            view.click("#load")
            view.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
            hp = view.locator(".area[data-area='黄浦区']")
            assert hp.count() == 1 and hp.locator("canvas").count() == 1
            assert view.locator("path.leaflet-interactive").count() >= 10
            view.screenshot(path=str(shots / "surveillance.png"))
        finally:
            browser.close()
    assert errors == []
