"""The resident's page in a real headless Chromium (Debian's package), at phone and desktop widths, in Chinese and
English: layout (map at least half the phone screen with the sheet at peek), "use my location" granted and refused
(message, then a tap on the map), cards with driving times and tel: links, the Amap link in GCJ-02, the last list
offline after a reload, the city view's counts against the data, an axe-core audit of both views, and no request
to any host but the server. Set FEVERMAP_SCREENSHOTS=1 to rewrite docs/screenshots/."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fevermap.api.app import create_app
from fevermap.cases.shanghai2022 import read_address_days
from fevermap.clinics.simulator import simulate_statuses
from fevermap.config import PACKAGE_DATA_DIR, Settings
from fevermap.geo.gcj02 import wgs84_to_gcj02

from .conftest import serve_in_thread
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE_VERSION = "4.10.3"
AXE_PREFIX = Path(os.environ.get("FEVERMAP_CACHE_DIR", Path.home() / ".cache" / "fevermap")) / "npm-axe"
HOME = (121.4737, 31.2304)  # People's Square, inside the demo region (lon, lat)
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}
COMBOS = [("phone", PHONE, "zh-CN"), ("phone", PHONE, "en-US"), ("desktop", DESKTOP, "zh-CN"),
          ("desktop", DESKTOP, "en-US")]  # fmt: skip
CATALOGUE = ROOT / "fevermap" / "api" / "static" / "i18n"


def _strings(locale: str, ns: str = "app") -> dict[str, Any]:
    lang = "zh-Hans" if locale.startswith("zh") else "en"
    return dict(json.loads((CATALOGUE / lang / f"{ns}.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    _need_browser()
    db = Path(tmp_path_factory.mktemp("phonedb")) / "fevermap.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with serve_in_thread(app) as base:
        simulate_statuses(app.state.registry, app.state.router.region.name, seed=3)
        yield base, app


@pytest.fixture(scope="module")
def browser(server: tuple[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def axe_js() -> str:
    """axe-core from the npm registry into a cache dir (test-only; never shipped to users)."""
    target = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
    if not target.exists():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("FEVERMAP_REQUIRE_BROWSER"):
                pytest.fail("npm not installed: needed for axe-core")
            pytest.skip("npm not installed: needed for axe-core (apt-get install npm)")
        subprocess.run([npm, "install", "--prefix", str(AXE_PREFIX), "--no-audit", "--no-fund",
                        f"axe-core@{AXE_VERSION}"], check=True, capture_output=True)  # fmt: skip
    return str(target)


class Visit:
    """A browser context at one size and locale, recording console errors and every request's host."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int], locale: str, **options: Any) -> None:
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale=locale, service_workers="allow", **options)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str = "/") -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
        return self.page

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base + "/") or u.startswith(("data:", "blob:")))]

    def close(self) -> None:
        self.context.close()


def _axe(page: Any, axe_js: str) -> list[str]:
    page.add_script_tag(path=axe_js)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]  # fmt: skip


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SCREENSHOTS if os.environ.get("FEVERMAP_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.locator("#sheet-body").evaluate("el => { el.scrollTop = 0; }")
    page.screenshot(path=str(folder / f"{name}.png"))


def _ask_from_home(v: Visit) -> Any:
    page = v.page
    page.locator("#locate").click()
    page.wait_for_selector(".card", timeout=30_000)
    return page


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("size", "viewport", "locale"), COMBOS, ids=[f"{c[0]}-{c[2]}" for c in COMBOS])
def test_journey(server: tuple[str, Any], browser: Any, axe_js: str, tmp_path: Path, size: str,
                 viewport: dict[str, int], locale: str) -> None:  # fmt: skip
    base, app = server
    lang = "zh-Hans" if locale.startswith("zh") else "en"
    app_s, city_s = _strings(locale), _strings(locale, "city")
    v = Visit(browser, base, viewport, locale, geolocation={"longitude": HOME[0], "latitude": HOME[1]},
              permissions=["geolocation"])  # fmt: skip
    try:
        page = v.open()
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.locator("#locate").inner_text().strip().endswith(app_s["locate"])
        map_box = page.locator("#map").bounding_box()
        sheet_box = page.locator("#sheet").bounding_box()
        if size == "phone":
            assert page.locator("#sheet").get_attribute("data-state") == "peek"
            assert page.locator("#sheet-handle").get_attribute("aria-expanded") == "false"
            visible_map = sheet_box["y"] - map_box["y"]
            assert visible_map >= viewport["height"] / 2, (visible_map, viewport)
            assert map_box["width"] == viewport["width"]
        else:  # map and side panel side by side
            assert sheet_box["x"] >= map_box["x"] + map_box["width"] - 1
            assert map_box["width"] >= viewport["width"] / 2
        # touch targets of the finder are at least 44 px high
        for sel in ("#locate", "#lang", ".view-link", "label.check"):
            assert page.locator(sel).first.bounding_box()["height"] >= 44, sel
        assert page.locator(".clinic-marker").count() >= 5

        # near me: granted location inside the region lists clinics by driving time with tel: links
        _ask_from_home(v)
        cards = page.locator(".card")
        assert cards.count() >= 3
        minutes_word = "分钟" if lang == "zh-Hans" else "min drive"
        assert minutes_word in cards.first.locator(".drive").inner_text()
        assert page.locator(".card a.tel[href^='tel:+86']").count() >= 1
        page.wait_for_selector("path.route-line")
        if size == "phone":  # the sheet rose to show the cards; at full it still leaves the map visible
            assert page.locator("#sheet").get_attribute("data-state") == "half"
            page.locator("#sheet-handle").focus()
            page.keyboard.press("Enter")
            assert page.locator("#sheet").get_attribute("data-state") == "full"
            assert page.locator("#sheet").bounding_box()["y"] > map_box["y"] + 100
            page.keyboard.press("Enter")
            assert page.locator("#sheet").get_attribute("data-state") == "peek"
            page.keyboard.press("Enter")

        # navigate: Amap gets GCJ-02, offset from the WGS-84 location by the datum shift
        answer = app.state.locator.nearest(*HOME, limit=5, with_slots=True, rank_by="time_to_care")
        first = answer.clinics[0]
        assert page.locator(".card").first.get_attribute("data-id") == first.id
        # call first, as the locator decided it: the phone block and its reasons lead the card
        assert [c.get_attribute("data-id") for c in cards.all()] == [c.id for c in answer.clinics]
        for card, c in zip(cards.all(), answer.clinics, strict=True):
            lead = card.evaluate("el => el.firstElementChild.className")
            assert (lead == "call-first") == c.call_first, (c.id, c.call_first_reasons)
            if c.call_first:
                assert card.locator(".call-first .reasons li").count() == len(c.call_first_reasons)
        assert any(c.call_first for c in answer.clinics)  # the demo's stale statuses show this path
        # ranked by time to care by default; each card shows both parts, or says the wait is unknown
        assert page.locator("input[name='rank'][value='time_to_care']").is_checked()
        for card, c in zip(cards.all(), answer.clinics, strict=True):
            care = card.locator(".care")
            if c.wait_min is None:
                assert "care-unknown" in (care.get_attribute("class") or ""), c.id
            else:
                assert f"{round(c.wait_min)}" in care.inner_text(), (c.id, c.wait_min)
        # "shortest drive" re-orders by the drive alone, then back
        for rank in ("drive", "time_to_care"):
            expected = [c.id for c in app.state.locator.nearest(*HOME, limit=5, with_slots=True, rank_by=rank).clinics]
            page.locator(f"input[name='rank'][value='{rank}']").check()
            shown = "ids => JSON.stringify([...document.querySelectorAll('.card')].map(c => c.dataset.id))"
            page.wait_for_function(shown + " === JSON.stringify(ids)", arg=expected, timeout=30_000)
        page.wait_for_selector("path.route-line")
        page.locator(".card").first.locator("details.navigate summary").click()
        href = page.locator(".card").first.locator("a.nav-amap").get_attribute("href")
        to = parse_qs(urlparse(href).query)["to"][0].split(",")
        g_lon, g_lat = (float(x) for x in wgs84_to_gcj02(*first.location))
        assert (float(to[0]), float(to[1])) == pytest.approx((g_lon, g_lat), abs=1e-6)
        d_lon, d_lat = float(to[0]) - first.location[0], float(to[1]) - first.location[1]
        assert 0.003 < d_lon < 0.006 and -0.003 < d_lat < -0.001  # Shanghai: GCJ-02 lies ~450 m east, ~200 m south
        assert page.locator(".card").first.locator("a.nav-baidu").count() == 1
        _shot(page, f"near-me-{size}-{lang}", tmp_path)
        violations = _axe(page, axe_js)
        assert violations == [], violations

        # today in the city: the newest day by default, then a chosen day; counts equal the data
        page.locator(".view-link[data-view='city']").click()
        page.wait_for_selector(".district")
        data = read_address_days(PACKAGE_DATA_DIR / "cases" / "shanghai2022")
        assert page.locator("#city-day").input_value() == data.days[-1].isoformat()
        page.locator("#city-day").fill("2022-04-01")
        page.wait_for_function("document.body.dataset.cityDay === '2022-04-01'")
        shown = {li.get_attribute("data-district"): int(li.get_attribute("data-count"))
                 for li in page.locator(".district").all()}  # fmt: skip
        expected = {d.district: d.count for d in data.summary(date(2022, 4, 1)).districts if d.count or d.previous}
        assert shown == expected
        assert city_s["source"] in page.locator(".source").inner_text()
        assert page.locator("path.district-marker").count() == sum(1 for n in expected.values() if n)
        _shot(page, f"city-{size}-{lang}", tmp_path)
        violations = _axe(page, axe_js)
        assert violations == [], violations

        # the language switch is remembered
        page.locator("#lang").click()
        other = "en" if lang == "zh-Hans" else "zh-Hans"
        page.wait_for_function(f"document.documentElement.lang === '{other}'")
        v.open("/")
        assert page.evaluate("document.documentElement.lang") == other
        assert v.foreign_requests() == []
        assert v.errors == []
    finally:
        v.close()


@pytest.mark.browser
@pytest.mark.parametrize(("viewport", "locale"), [(PHONE, "zh-CN"), (DESKTOP, "en-US")], ids=["phone-zh", "desktop-en"])
def test_refused_location_says_so_and_a_tap_works(server: tuple[str, Any], browser: Any, viewport: dict[str, int],
                                                  locale: str) -> None:  # fmt: skip
    v = Visit(browser, server[0], viewport, locale)  # no permission: the prompt is refused
    try:
        page = v.open()
        page.locator("#locate").click()
        message = _strings(locale)["geo"]["denied"]
        page.wait_for_selector(f".status .error:has-text('{message}')", timeout=15_000)
        box, sheet = page.locator("#map").bounding_box(), page.locator("#sheet").bounding_box()
        visible_bottom = (
            min(box["y"] + box["height"], sheet["y"]) if sheet["x"] < box["x"] + 1 else box["y"] + box["height"]
        )
        page.mouse.click(box["x"] + box["width"] / 2, (box["y"] + visible_bottom) / 2)  # the region's centre
        page.wait_for_selector(".card", timeout=30_000)
        assert page.locator(".card .drive").count() >= 1
        # the in-page route of the second clinic: drawn, with the step list exactly when the server gives steps
        with page.expect_response(lambda r: "/route?" in r.url) as info:
            page.locator(".card").nth(1).locator("button.route-btn").click()
        body = info.value.json()
        assert info.value.ok and "steps=true" in info.value.url
        page.wait_for_function("!document.querySelector('ol.cards > li:nth-child(2) .steps p.muted')")
        second = page.locator("ol.cards > li").nth(1)
        assert second.locator(".steps .error").count() == 0
        steps = body.get("steps") or (body.get("legs") or [{}])[0].get("steps") or []
        assert second.locator(".step-list li").count() == len(steps)
        assert v.foreign_requests() == [] and v.errors == []
    finally:
        v.close()


@pytest.mark.browser
def test_offline_reload_shows_the_last_list_marked_offline(server: tuple[str, Any], browser: Any) -> None:
    v = Visit(browser, server[0], PHONE, "zh-CN", geolocation={"longitude": HOME[0], "latitude": HOME[1]},
              permissions=["geolocation"])  # fmt: skip
    try:
        page = v.open()
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)
        _ask_from_home(v)
        names = page.locator(".card .name").all_inner_texts()
        phones = page.locator(".card a.tel").count()
        v.context.set_offline(True)
        page.reload()
        page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
        page.wait_for_selector(".offline-banner")
        assert re.search(r"\d\d:\d\d", page.locator(".offline-banner").inner_text())
        assert "离线" in page.locator(".offline-banner").inner_text()
        assert page.locator(".card .name").all_inner_texts() == names
        assert page.locator(".card a.tel").count() == phones > 0
        assert page.locator(".clinic-marker").count() >= 5  # the cached clinic layer
    finally:
        v.close()
