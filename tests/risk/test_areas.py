"""Area polygons equal point-in-buffer by geodesic distance (away from the circle by more than 0.5 m); areas carry
level, since, until, cases and daily counts; the Hamagen-style rule set works on the same engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import shapely
from scipy.spatial import cKDTree

from fevermap.geo.geodesy import destination, geodesic_distance_m
from fevermap.risk.areas import compute_areas
from fevermap.risk.engine import RiskEngine
from fevermap.risk.rules import load_rules

ON = date(2022, 3, 28)
TOL_M = 0.5


def _min_distance(lon: np.ndarray, lat: np.ndarray, plon: np.ndarray, plat: np.ndarray, reach: float) -> np.ndarray:
    """Geodesic distance from each point to the nearest of the places (brute force among those within ``reach``)."""
    scale = np.cos(np.radians(31.2))
    tree = cKDTree(np.stack([plon * scale, plat], axis=1))
    out = np.full(lon.size, np.inf)
    for i, cand in enumerate(tree.query_ball_point(np.stack([lon * scale, lat], axis=1), reach / 100_000)):
        if cand:
            out[i] = geodesic_distance_m(lon[i], lat[i], plon[cand], plat[cand]).min()
    return out


def _union(polys: list[object]) -> object:
    geom = shapely.union_all(np.asarray(polys, dtype=object))
    shapely.prepare(geom)
    return geom


def test_membership_equals_geodesic_point_in_buffer(sh_engine: RiskEngine) -> None:
    ra = sh_engine.areas(ON)
    pl = ra.place_levels
    rng = np.random.default_rng(15)
    plon, plat = sh_engine.places.lon, sh_engine.places.lat
    sealed, controlled = np.flatnonzero(pl.level == 0), np.flatnonzero(pl.level == 1)
    assert sealed.size > 50 and controlled.size > 20
    for level, members, radius in (("sealed", sealed, 50.0), ("controlled", controlled, 50.0),
                                   ("prevention", sealed, 500.0)):  # fmt: skip
        n = 1500
        src = rng.choice(members, n)
        lon, lat = destination(plon[src], plat[src], rng.uniform(0, 360, n), rng.uniform(0, 1.3 * radius, n))
        d = _min_distance(lon, lat, plon[members], plat[members], 3 * radius)
        inside = shapely.contains_xy(_union([a.polygon for a in ra.of_level(level)]), lon, lat)
        if level == "prevention":
            near = np.minimum(_min_distance(lon, lat, plon[sealed], plat[sealed], 150),
                              _min_distance(lon, lat, plon[controlled], plat[controlled], 150))  # fmt: skip
            expected = (d <= radius) & (near > 50.0)
            clear = (np.abs(d - radius) > TOL_M) & (np.abs(near - 50.0) > TOL_M)
        else:
            expected = d <= radius
            clear = np.abs(d - radius) > TOL_M
        assert clear.sum() > 0.95 * n
        bad = np.flatnonzero(clear & (inside != expected))
        assert bad.size == 0, (level, [(float(lon[i]), float(lat[i]), float(d[i])) for i in bad[:5]])


def test_areas_carry_their_summary(sh_engine: RiskEngine) -> None:
    ra = sh_engine.areas(ON)
    levels = {a.level for a in ra.areas}
    assert levels == {"sealed", "controlled", "prevention"}
    for a in ra.of_level("sealed", "controlled"):
        assert a.polygon.is_valid and a.places >= 1 and a.cases >= 1
        assert sum(n for _, n in a.daily) == a.cases and a.since <= ON < a.until
        assert len(a.daily) == 7
    fc = ra.geojson("sealed")
    props = fc["features"][0]["properties"]
    assert {"level", "since", "until", "cases", "daily"} <= set(props) and "sources" not in props
    assert all(not s.startswith("sh2022:") for a in ra.areas for s in a.sources)  # never a case id
    # areas change with the date, the version with them; the same date gives the same version
    assert sh_engine.areas(date(2022, 3, 29)).version != ra.version
    assert compute_areas(sh_engine.places, sh_engine.rules, ON).version == ra.version
    # a date before any case: no areas
    assert sh_engine.areas(date(2022, 1, 1)).areas == []


def test_hamagen_rule_set_on_the_same_engine(sh_engine: RiskEngine) -> None:
    ham = RiskEngine(sh_engine.visits, load_rules("hamagen"), sh_engine.tz)
    ra = ham.areas(ON)
    assert {a.level for a in ra.areas} == {"exposure"}
    pl = ra.place_levels
    default = sh_engine.areas(ON).place_levels
    # exposure = any case in the last 14 days = sealed or controlled under the default rules
    assert np.array_equal(pl.level == 0, default.level >= 0)
