"""The directory over HTTP: a caller in 果洛藏族自治州 finds its clinics and dials them; errors say what to fix;
only an admin may give an entry a location; the page lists a city's clinics with tel: links in a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fevermap.access.keys import create_key
from fevermap.api.app import create_app

from .conftest import make_settings, serve_in_thread
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    db = Path(tmp_path_factory.mktemp("dirdb")) / "fevermap.sqlite3"
    app = create_app(make_settings(f"sqlite:///{db}"))
    with TestClient(app) as c:
        yield c, create_key(app.state.sessions, "admin")


def test_a_golog_caller_gets_its_clinics_with_phones(client: tuple[TestClient, str]) -> None:
    c, _ = client
    r = c.get("/directory", params={"province": "青海省", "city": "果洛州"})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["city"] == "果洛藏族自治州" and page["total"] == 8
    assert all(e["tel"].startswith("tel:+86-975-") for e in page["entries"])
    assert all(e["located"] is False for e in page["entries"])
    cities = c.get("/directory/cities").json()
    qinghai = next(p for p in cities if p["province"] == "青海省")
    assert {"code": "632600", "city": "果洛藏族自治州", "entries": 8} in qinghai["cities"]
    one = c.get(f"/directory/{page['entries'][0]['id']}").json()
    assert one == page["entries"][0]


def test_bad_directory_queries_get_a_4xx_that_says_what_to_fix(client: tuple[TestClient, str]) -> None:
    c, _ = client
    r = c.get("/directory", params={"province": "Atlantis"})
    assert r.status_code == 404 and "unknown province" in r.json()["detail"]
    assert c.get("/directory", params={"limit": 0}).status_code == 422
    assert c.get("/directory", params={"offset": 10**25}).status_code == 422  # schemathesis found a 500 here
    assert c.get("/directory/cn2020-unknown").status_code == 404


def test_only_an_admin_gives_an_entry_a_location(client: tuple[TestClient, str]) -> None:
    c, admin = client
    entry = c.get("/directory", params={"city": "上海市", "q": "瑞金医院"}).json()["entries"][0]
    body = {"lon": 121.4687, "lat": 31.2111, "coord_source": "test fixture: cited survey point"}
    assert c.post(f"/directory/{entry['id']}/location", json=body).status_code == 401
    r = c.post(f"/directory/{entry['id']}/location", json=body, headers={"X-API-Key": admin})
    assert r.status_code == 200, r.text
    assert r.json()["located"] and r.json()["clinic_id"] == entry["id"]
    assert c.get(f"/clinics/{entry['id']}").json()["name"] == entry["name"]
    far = {**body, "lon": 100.0}
    assert c.post(f"/directory/{entry['id']}/location", json=far, headers={"X-API-Key": admin}).status_code == 422


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "title"), [("zh-CN", "发热门诊名录"), ("en-US", "Fever clinic directory")])
def test_the_directory_page_lists_a_city_with_tel_links(tmp_path: Path, locale: str, title: str) -> None:
    _need_browser()
    from playwright.sync_api import sync_playwright

    db = tmp_path / "fevermap.sqlite3"
    errors: list[str] = []
    hosts: set[str] = set()
    with serve_in_thread(create_app(make_settings(f"sqlite:///{db}"))) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale=locale)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
            page.goto(base + "/static/directory.html?city=果洛州")
            page.wait_for_selector(".dir-entry", timeout=30_000)
            assert page.locator("h1").inner_text() == title
            assert page.locator("html").get_attribute("lang") == ("zh-Hans" if locale == "zh-CN" else "en")
            assert page.locator(".dir-entry").count() == 8
            assert page.locator("#city").input_value() == "果洛藏族自治州"
            links = page.locator(".dir-entry a.dir-call")
            assert links.count() >= 8
            assert all(h.startswith("tel:+86-975-") for h in links.evaluate_all("els => els.map(e => e.href)"))
            box = links.first.bounding_box()
            assert box is not None and box["height"] >= 44
            page.screenshot(path=str(tmp_path / "directory.png"), full_page=False)
        finally:
            browser.close()
    assert errors == []
    assert hosts == {base.split("/")[2]}


@pytest.mark.browser
def test_the_resident_page_reaches_the_directory_of_its_city(tmp_path: Path) -> None:
    _need_browser()
    from playwright.sync_api import sync_playwright

    db = tmp_path / "fevermap.sqlite3"
    errors: list[str] = []
    with serve_in_thread(create_app(make_settings(f"sqlite:///{db}"))) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/#directory")
            page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
            page.wait_for_selector("li.dir-entry", timeout=30_000)
            assert "上海市：110" in page.locator(".as-of").first.inner_text().replace(" ", "")
            assert page.locator("li.dir-entry").count() == 50
            link = page.locator("a.more-link")
            assert link.get_attribute("href") == "/static/directory.html?city=%E4%B8%8A%E6%B5%B7%E5%B8%82"
        finally:
            browser.close()
    assert errors == []
