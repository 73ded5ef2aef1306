"""Map-app deep links: each app gets its datum, and the page's JavaScript builds exactly the same links."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fevermap.clinics.navigation import navigation_links
from fevermap.geo.bd09 import wgs84_to_bd09
from fevermap.geo.gcj02 import wgs84_to_gcj02

JS = Path(__file__).resolve().parents[2] / "fevermap" / "api" / "static" / "js" / "navigation.js"
POINTS = [(121.4737, 31.2304, "上海市第一人民医院"), (121.5069493, 31.25955558, "Clinic (A&B) 1/2, #3"),
          (1.5218, 42.5063, "Hospital Nostra Senyora de Meritxell"), (-0.1276, 51.5072, "St Thomas' A&E")]  # fmt: skip


def test_chinese_apps_get_their_datums() -> None:
    links = {link.app: link for link in navigation_links(121.4737, 31.2304, "上海市第一人民医院")}
    assert list(links) == ["amap", "baidu", "tencent"]
    g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(121.4737, 31.2304))
    b_lon, b_lat = (float(v) for v in wgs84_to_bd09(121.4737, 31.2304))
    assert f"to={g_lon:.6f},{g_lat:.6f}," in links["amap"].url and "coordinate=gaode" in links["amap"].url
    assert f"tocoord={g_lat:.6f},{g_lon:.6f}" in links["tencent"].url  # Tencent: lat,lon
    assert f"latlng:{b_lat:.6f},{b_lon:.6f}%7C" in links["baidu"].url and "coord_type=bd09ll" in links["baidu"].url
    assert "%E4%B8%8A%E6%B5%B7" in links["amap"].url  # the name, percent-encoded UTF-8
    # GCJ-02 is some 500 m from WGS-84 in Shanghai (the Amap link must not carry the GPS point)
    assert abs(g_lon - 121.4737) > 0.004 and abs(g_lat - 31.2304) > 0.001


def test_elsewhere_wgs84_apps() -> None:
    links = navigation_links(1.5218, 42.5063, "Hospital")
    assert [link.app for link in links] == ["apple", "google", "geo"]
    assert links[0].url == "https://maps.apple.com/?daddr=42.506300,1.521800&dirflg=d"
    assert links[2].url == "geo:42.506300,1.521800?q=42.506300,1.521800(Hospital)"


def test_javascript_builds_the_same_links() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("FEVERMAP_REQUIRE_BROWSER"):
            pytest.fail("node not installed")
        pytest.skip("node not installed (apt-get install nodejs)")
    script = (
        f"import {{ navigationLinks }} from {json.dumps(JS.as_uri())};\n"
        f"const points = {json.dumps(POINTS, ensure_ascii=False)};\n"
        "console.log(JSON.stringify(points.map(([lon, lat, name]) => navigationLinks(lon, lat, name))));"
    )
    out = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    from_js = json.loads(out.stdout)
    for (lon, lat, name), js_links in zip(POINTS, from_js, strict=True):
        py_links = navigation_links(lon, lat, name)
        assert [(link.app, link.datum, link.url) for link in py_links] == [
            (j["app"], j["datum"], j["url"]) for j in js_links
        ]
        for p, j in zip(py_links, js_links, strict=True):
            assert j["lon"] == pytest.approx(p.lon, abs=1e-12) and j["lat"] == pytest.approx(p.lat, abs=1e-12)
