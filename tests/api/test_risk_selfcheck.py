"""The self-check page in headless Chromium: its in-browser matcher equals the server's on 1,000 random 14-day
itineraries; nothing of the itinerary is sent (every request is watched) until the resident confirms a hit and
chooses to declare it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from fevermap.api.app import create_app
from fevermap.risk.engine import RiskEngine
from fevermap.tracing.models import Visits

from .conftest import make_settings, serve_in_thread
from .test_web_map import CHROMIUM, CHROMIUM_ARGS, _need_browser

ON = date(2022, 4, 8)
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RiskEngine]]:
    _need_browser()
    db = Path(tmp_path_factory.mktemp("selfcheckdb")) / "fevermap.sqlite3"
    app = create_app(make_settings(f"sqlite:///{db}"))
    with serve_in_thread(app) as base:
        yield base, app.state.risk.engine


def _itineraries(engine: RiskEngine, n: int, seed: int) -> Visits:
    """``n`` itineraries of 14 days, 6-10 stops each: half the stops near a case place (0-120 m), the rest anywhere
    in the demo box; start times in the look-back, 5 min to 10 h long."""
    rng = np.random.default_rng(seed)
    pd = engine.place_days(ON)
    places = np.array([p[:2] for p in pd["places"]])
    t0 = int(datetime(ON.year, ON.month, ON.day, tzinfo=TZ).timestamp()) - 13 * 86400
    rows: list[tuple[str, float, float, int, int]] = []
    for k in range(n):
        for _ in range(int(rng.integers(6, 11))):
            if rng.random() < 0.5:
                p = places[rng.integers(len(places))]
                d, az = rng.uniform(0, 120), rng.uniform(0, 2 * np.pi)
                lon = p[0] + d * np.sin(az) / (111_320 * np.cos(np.radians(p[1])))
                lat = p[1] + d * np.cos(az) / 110_574
            else:
                lon, lat = rng.uniform(121.41, 121.54), rng.uniform(31.18, 31.28)
            start = t0 + int(rng.integers(0, 14 * 86400))
            rows.append((f"it{k}", float(lon), float(lat), start, start + int(rng.integers(300, 36_000))))
    return Visits.from_arrays(*zip(*rows, strict=True))


@pytest.mark.browser
def test_browser_matcher_equals_the_server_on_1000_itineraries(live: tuple[str, RiskEngine]) -> None:
    from playwright.sync_api import sync_playwright

    base, engine = live
    stops = _itineraries(engine, 1000, seed=15)
    server = engine.match(stops, ON)
    expected = set(zip(server.stop.tolist(), server.visit.tolist(), strict=True))
    payload = [{"lon": x, "lat": y, "start": s, "end": e}
               for x, y, s, e in zip(stops.lon.tolist(), stops.lat.tolist(), stops.start.tolist(),
                                     stops.end.tolist(), strict=True)]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base + "/selfcheck")
            page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
            got = page.evaluate(
                """async ([stops, date]) => {
                    const pd = await fetch('/risk-areas/place-days?date=' + date).then(r => r.json());
                    return FevermapSelfcheck.match(stops, pd).map(h => [h.stop, h.visit, h.distance_m]);
                }""",
                [payload, ON.isoformat()],
            )
        finally:
            browser.close()
    assert len(expected) > 200, "the itineraries should hit case places"
    assert {(s, v) for s, v, _ in got} == expected
    dist = dict(zip(zip(server.stop.tolist(), server.visit.tolist(), strict=True), server.distance_m.tolist(),
                    strict=True))  # fmt: skip
    assert max(abs(d - dist[(s, v)]) for s, v, d in got) < 1e-3  # metres


def _local(ts: int) -> str:
    return datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
def test_nothing_of_the_itinerary_is_sent_until_the_resident_declares(live: tuple[str, RiskEngine]) -> None:
    from playwright.sync_api import sync_playwright

    base, engine = live
    pd = engine.place_days(ON)
    place, start, _end = pd["visits"][len(pd["visits"]) // 2]
    lon, lat = pd["places"][place][:2]
    lon2, lat2 = lon + 0.0001234, lat + 0.0000567  # about 12 m away: a distinctive position
    requests: list[dict[str, Any]] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(timezone_id="Asia/Shanghai", locale="zh-CN").new_page()
            page.on("request", lambda r: requests.append({"url": r.url, "method": r.method, "body": r.post_data}))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: d.accept())
            page.goto(base + "/selfcheck")
            page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
            assert "风险区" in page.locator("header").inner_text()  # zh-Hans catalogue for a Chinese browser
            page.fill("#place", "Secret-Teahouse")
            page.fill("#lon", f"{lon2:.7f}")
            page.fill("#lat", f"{lat2:.7f}")
            page.fill("#start", _local(start + 3600))
            page.fill("#end", _local(start + 3 * 3600))
            page.click("#add button[type=submit]")
            page.click("#check")
            page.wait_for_selector("li.hit", timeout=30_000)
            assert "Secret-Teahouse" in page.locator("#hits").inner_text()
            sent_before = list(requests)
            page.locator("button.there").first.click()
            page.fill("#d-name", "Li Lei")
            page.fill("#d-phone", "13800138000")
            page.fill("#d-area", "Area A")
            with page.expect_response("**/declarations") as resp:
                page.click("#declare button[type=submit]")
            assert resp.value.status == 201
        finally:
            browser.close()
    assert errors == []
    secrets = ("Secret-Teahouse", f"{lon2:.5f}", f"{lat2:.5f}")
    assert all(r["method"] == "GET" for r in sent_before)
    for r in sent_before:
        assert not any(s in r["url"] or (r["body"] and s in r["body"]) for s in secrets), r
    posts = [r for r in requests if r["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["url"].endswith("/declarations")
    assert "Secret-Teahouse" in json.dumps(json.loads(posts[0]["body"]), ensure_ascii=False)
    assert all(r["url"].startswith(base) for r in requests)  # only the fevermap server is ever asked
