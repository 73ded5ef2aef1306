"""Deep links that hand a destination to the phone's map app, each in the datum that app expects.

In mainland China, Amap (高德) and Tencent Maps (腾讯地图) take GCJ-02 and Baidu Maps (百度地图) takes BD-09; a WGS-84
point given to them lands 100-700 m off. Elsewhere Apple Maps, Google Maps and a ``geo:`` URI (RFC 5870) take WGS-84.
The links are the apps' documented web URIs (they open the app where installed, a web page otherwise, and work from
WeChat's WebView, which blocks custom URL schemes).

The page builds the same links in ``fevermap/api/static/js/navigation.js``; ``tests/clinics/test_navigation.py``
checks that both give identical strings. Coordinates are written with 6 decimals (about 0.1 m).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fevermap.geo.bd09 import gcj02_to_bd09
from fevermap.geo.gcj02 import in_china, wgs84_to_gcj02

#: ``src``/``referer`` value the Chinese map apps ask callers to send.
SOURCE = "fevermap"


@dataclass(frozen=True)
class NavLink:
    """One map app's link: ``app`` id (``amap``, ``baidu``, ``tencent``, ``apple``, ``google``, ``geo``), the URL,
    the datum of the coordinates in it and those coordinates ``(lon, lat)`` in degrees."""

    app: str
    url: str
    datum: str
    lon: float
    lat: float


def _enc(text: str) -> str:
    # exactly JavaScript's encodeURIComponent
    return quote(text, safe="-_.!~*'()")


def _f(x: float) -> str:
    return f"{x:.6f}"


def navigation_links(lon: float, lat: float, name: str) -> list[NavLink]:
    """Links to drive to ``(lon, lat)`` (WGS-84 degrees) named ``name``, for the apps used where the point is.

    Parameters
    ----------
    lon, lat : float
        Destination in WGS-84 degrees.
    name : str
        Destination name as the data gives it (shown by the app).

    Returns
    -------
    list of NavLink
        Amap, Baidu, Tencent inside mainland China (the GCJ-02 box of :func:`fevermap.geo.gcj02.in_china`); Apple,
        Google and ``geo:`` elsewhere.
    """
    n = _enc(name)
    if bool(in_china(lon, lat)):
        g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        b_lon, b_lat = (float(v) for v in gcj02_to_bd09(g_lon, g_lat))
        g, b = (_f(g_lon), _f(g_lat)), (_f(b_lon), _f(b_lat))
        amap = (
            f"https://uri.amap.com/navigation?to={g[0]},{g[1]},{n}&mode=car&coordinate=gaode&callnative=1&src={SOURCE}"
        )
        baidu = (
            f"https://api.map.baidu.com/direction?destination=latlng:{b[1]},{b[0]}%7Cname:{n}"
            f"&mode=driving&coord_type=bd09ll&output=html&src={SOURCE}"
        )
        tencent = f"https://apis.map.qq.com/uri/v1/routeplan?type=drive&to={n}&tocoord={g[1]},{g[0]}&referer={SOURCE}"
        return [
            NavLink("amap", amap, "gcj02", g_lon, g_lat),
            NavLink("baidu", baidu, "bd09", b_lon, b_lat),
            NavLink("tencent", tencent, "gcj02", g_lon, g_lat),
        ]
    w = (_f(lon), _f(lat))
    google = f"https://www.google.com/maps/dir/?api=1&destination={w[1]},{w[0]}&travelmode=driving"
    return [
        NavLink("apple", f"https://maps.apple.com/?daddr={w[1]},{w[0]}&dirflg=d", "wgs84", lon, lat),
        NavLink("google", google, "wgs84", lon, lat),
        NavLink("geo", f"geo:{w[1]},{w[0]}?q={w[1]},{w[0]}({n})", "wgs84", lon, lat),
    ]
