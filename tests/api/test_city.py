"""Today in the city over HTTP: counts and GeoJSON for a day, clear 4xx for bad days, no personal data; the least busy
clinics; the page in the visitor's language; the service worker's precache list."""

from __future__ import annotations

from datetime import date

from fevermap.cases.shanghai2022 import read_address_days
from fevermap.clinics.simulator import simulate_statuses
from fevermap.config import PACKAGE_DATA_DIR

from .conftest import Service

DATA = read_address_days(PACKAGE_DATA_DIR / "cases" / "shanghai2022")


def test_daily_counts_equal_the_data(service: Service) -> None:
    body = service.client.get("/city/daily", params={"date": "2022-04-01"}).json()
    s = DATA.summary(date(2022, 4, 1))
    assert body["day"] == "2022-04-01" and body["previous_day"] == "2022-03-31"
    assert body["total"] == s.total and body["previous_total"] == s.previous_total
    assert [(d["district"], d["count"], d["change"]) for d in body["districts"]] == [
        (d.district, d.count, d.change) for d in s.districts
    ]
    assert body["unit"] == "address" and "Stockard/Shanghai-COVID-2022" in body["source"]
    newest = service.client.get("/city/daily").json()
    assert newest["day"] == DATA.days[-1].isoformat() == newest["last_day"]


def test_geojson_points_and_no_personal_data(service: Service) -> None:
    r = service.client.get("/city/daily.geojson", params={"date": "2022-04-10"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["day"] == "2022-04-10"
    counts = {d.district: d.count for d in DATA.summary(date(2022, 4, 10)).districts}
    assert {f["properties"]["district"]: f["properties"]["count"] for f in fc["features"]} == counts
    for f in fc["features"]:
        assert set(f["properties"]) == {"district", "count", "previous", "change"}
        assert f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2
    assert "路" not in r.text and "弄" not in r.text  # no street address anywhere


def test_bad_days_are_clear_4xx(service: Service) -> None:
    r = service.client.get("/city/daily", params={"date": "2020-01-01"})
    assert r.status_code == 404 and "covers 2022-03-13 to 2022-04-15" in r.json()["detail"]
    r = service.client.get("/city/daily.geojson", params={"date": "tomorrow"})
    assert r.status_code in (400, 422) and "YYYY-MM-DD" in r.json()["detail"]


def test_fewest_waiting_clinics(service: Service) -> None:
    assert service.client.get("/city/clinics").json() == {"clinics": []}  # no status reported yet: none ranked
    app = service.client.app
    simulate_statuses(app.state.registry, app.state.router.region.name, seed=1)  # type: ignore[attr-defined]
    clinics = service.client.get("/city/clinics", params={"limit": 4}).json()["clinics"]
    assert len(clinics) == 4
    waits = [c["waiting_patients"] for c in clinics]
    assert waits == sorted(waits) and all(c["simulated"] for c in clinics)


def test_page_language_and_service_worker(service: Service) -> None:
    zh = service.client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-Hans">' in zh.text and "Accept-Language" in zh.headers["vary"]
    en = service.client.get("/", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in en.text
    chosen = service.client.get("/", headers={"Accept-Language": "en-GB", "Cookie": "fevermap_lang=zh-Hans"})
    assert '<html lang="zh-Hans">' in chosen.text
    sw = service.client.get("/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript")
    for url in (
        "/static/js/app.js",
        "/static/i18n/zh-Hans/city.json",
        "/static/vendor/leaflet/leaflet.js",
        "/map/roads.geojson",
    ):
        assert f'"{url}"' in sw.text
    assert "__VERSION__" not in sw.text and "__PRECACHE__" not in sw.text
