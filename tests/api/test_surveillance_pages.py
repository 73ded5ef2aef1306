"""The symptom report view of the resident's page and the investigators' view in a real headless Chromium: the
report answers in the page's language (zh-Hans, en) with the advice of the rule set and the nearest clinic; the
investigators' view colours the Shanghai districts by latest level and draws a chart per area."""

from __future__ import annotations

import json
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
from .test_phone_page import CATALOGUE, HOME, _axe
from .test_phone_page import axe_js as _axe_js_fixture
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser

SHOTS = os.environ.get("FEVERMAP_SCREENSHOTS")
axe_js = _axe_js_fixture  # axe-core from the npm registry into the cache dir, as the phone page's audit uses it


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
@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_symptom_report_is_a_view_of_the_residents_page(live: tuple[str, str], axe_js: str, tmp_path: Path,
                                                        lang: str) -> None:  # fmt: skip
    from playwright.sync_api import sync_playwright

    base, _key = live
    s = json.loads((CATALOGUE / lang / "symptoms.json").read_text(encoding="utf-8"))
    other = "en" if lang == "zh-Hans" else "zh-Hans"
    o = json.loads((CATALOGUE / other / "symptoms.json").read_text(encoding="utf-8"))
    shots = Path(SHOTS) if SHOTS else tmp_path
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",
                                          geolocation={"longitude": HOME[0], "latitude": HOME[1]},
                                          permissions=["geolocation"])  # fmt: skip
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            # the old address redirects to the resident's page, its language remembered
            page.goto(base + f"/symptoms?lang={lang}")
            page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
            assert page.url == base + "/#symptoms" and page.evaluate("document.documentElement.lang") == lang
            link = page.locator(".view-link[data-view='symptoms']")
            assert link.inner_text() == s["nav"] and link.get_attribute("aria-current") == "page"
            nav, box = page.locator("#views").bounding_box(), link.bounding_box()
            assert nav["x"] <= box["x"] and box["x"] + box["width"] <= nav["x"] + nav["width"] + 1  # in sight
            view = page.locator("#view-symptoms")
            page.wait_for_selector("#view-symptoms[data-ready='1'] #sym-form", timeout=30_000)
            assert view.locator("legend").first.inner_text() == s["symptoms"]
            assert page.locator("#view-nearby").is_hidden()
            view.locator("#sym-list input[value=fever]").check()
            page.fill("#sym-temperature", "38.4")
            page.click("#sym-locate")  # the browser's location, inside the demo region
            page.wait_for_function("document.getElementById('sym-located').textContent.length > 0", timeout=10_000)
            assert page.locator(".sym-point").count() == 1
            page.click("#sym-submit")
            page.wait_for_selector("#sym-answer", timeout=30_000)
            advice = page.locator("#sym-advice-text").inner_text()
            assert ("发热门诊" if lang == "zh-Hans" else "fever clinic") in advice
            assert page.locator("#sym-clinic strong").inner_text() and page.locator(".sym-clinic").count() == 1
            assert _axe(page, axe_js) == []
            page.screenshot(path=str(shots / f"symptoms-{lang}.png"))
            # a district instead of the point; a temperature out of range says what to fix and keeps the form
            page.select_option("#sym-district", "黄浦区")
            assert page.locator(".sym-point").count() == 0
            page.fill("#sym-temperature", "44")
            page.click("#sym-submit")
            page.wait_for_function("document.getElementById('sym-error').textContent.length > 0", timeout=10_000)
            assert "43" in page.locator("#sym-error").inner_text()
            assert page.locator("#sym-list input[value=fever]").is_checked()
            errors.clear()  # the 422 above is logged by the browser as a failed request, on purpose
            # the page's language switch re-labels the view and keeps what was entered
            page.click("#lang")
            page.wait_for_function(f"document.documentElement.lang === '{other}'")
            assert view.locator("legend").first.inner_text() == o["symptoms"]
            assert page.locator("#sym-list input[value=fever]").is_checked()
            assert page.input_value("#sym-temperature") == "44" and page.input_value("#sym-district") == "黄浦区"
            assert link.inner_text() == o["nav"]
        finally:
            browser.close()
    assert errors == []


@pytest.mark.browser
def test_investigator_view(live: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, key = live
    errors: list[str] = []
    shots = Path(SHOTS) if SHOTS else tmp_path
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
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
