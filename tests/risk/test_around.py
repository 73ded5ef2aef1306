"""The around level's fast subtraction equals shapely's plain difference; every case place lies in an area of its
level; prevention areas equal the slow reference (one union, one difference) within the band on the Shanghai 2022
subset."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from fevermap.geo.projection import strip_of, strip_projection
from fevermap.risk.areas import STRIP_DEG, _buffers
from fevermap.risk.around import near_pairs, subtract_higher
from fevermap.risk.engine import RiskEngine


def _widest_sliver_m(diff: object) -> float:
    """Width of the widest part of a difference, as 2 area / perimeter (a sliver of width w: about w)."""
    parts = shapely.get_parts(diff)
    parts = parts[shapely.length(parts) > 0]
    if not len(parts):
        return 0.0
    return float((2 * shapely.area(parts) / shapely.length(parts)).max())


def test_subtract_higher_equals_difference() -> None:
    parts = [box(0, 0, 100, 100).difference(box(40, 40, 60, 60)), box(200, 0, 300, 100)]
    ring = Point(20, 20).buffer(10).difference(Point(20, 20).buffer(4))  # a piece with a hole of its own
    higher = [
        Point(80, 80).buffer(5),  # inside: becomes a hole
        Point(85, 85).buffer(5),  # overlaps the previous: grouped with it
        Point(100, 50).buffer(8),  # crosses the boundary
        Point(60, 50).buffer(3),  # crosses the part's own hole
        ring,
        box(240, -10, 260, 110),  # cuts the second part in two
        Point(500, 500).buffer(5),  # outside everything
    ]
    got, source = subtract_higher(parts, higher)
    want = shapely.difference(shapely.union_all(parts), shapely.union_all(higher))
    assert all(g.is_valid for g in got)
    assert shapely.symmetric_difference(shapely.union_all(got), want).area < 1e-9
    assert sorted(source.tolist()) == [0, 0, 1, 1]  # the island in the ring's hole, and the cut part's two pieces


@pytest.mark.parametrize("on", [date(2022, 3, 25), date(2022, 4, 2), date(2022, 4, 10)])
def test_areas_hold_their_places_and_equal_the_reference(sh_engine: RiskEngine, on: date) -> None:
    ra = sh_engine.areas(on)
    p, lv = sh_engine.places, ra.place_levels.level
    for k, level in enumerate(("sealed", "controlled")):
        union = shapely.union_all(np.asarray([a.polygon for a in ra.of_level(level)], dtype=object))
        assert shapely.contains_xy(union, p.lon[lv == k], p.lat[lv == k]).all()
    strips = np.unique(strip_of(p.lon[lv >= 0], STRIP_DEG))
    assert strips.size == 1
    proj = strip_projection(int(strips[0]), STRIP_DEG)

    def projected(polys: list[object]) -> object:
        arr = shapely.transform(np.asarray(polys, dtype=object), lambda c: np.stack(proj.forward(c[:, 0], c[:, 1]), 1))
        return shapely.union_all(arr)

    sel = lv == 0
    err = proj.scale_error(float(p.lon.min()), float(p.lat.min()), float(p.lon.max()), float(p.lat.max()))
    bufs, _ = _buffers(*proj.forward(p.lon[sel], p.lat[sel]), np.full(int(sel.sum()), 500.0), err)
    higher = projected([a.polygon for a in ra.of_level("sealed", "controlled")])
    reference = shapely.difference(shapely.union_all(bufs), higher)
    got = projected([a.polygon for a in ra.of_level("prevention")])
    assert all(a.polygon.is_valid for a in ra.of_level("prevention"))
    # the same point set except within the buffers' band (h <= 0.45 m) around the circles: the difference is
    # slivers along the boundary (where two circles cross, the reference has its polygons' crossing and the areas the
    # circles' own), never wider than 2 h
    diff = shapely.symmetric_difference(reference, got)
    assert diff.area < 0.9 * reference.boundary.length
    assert _widest_sliver_m(diff) < 0.9


def test_near_pairs_equals_dwithin() -> None:
    rng = np.random.default_rng(5)
    holes = [Point(*rng.uniform(100, 900, 2)).buffer(rng.uniform(10, 60)) for _ in range(40)]
    big = box(0, 0, 1000, 1000).difference(shapely.union_all(np.asarray(holes, dtype=object)))
    pieces = [*shapely.get_parts(big), Point(1500, 500).buffer(200).difference(Point(1500, 500).buffer(80)),
              Point(1500, 500).buffer(30), box(2000, 0, 2100, 100)]  # fmt: skip
    x, y = rng.uniform(-300, 2400, 4000), rng.uniform(-300, 1300, 4000)
    got = set(zip(*(a.tolist() for a in near_pairs(pieces, x, y, 40.0)), strict=True))
    si, pt = shapely.STRtree(shapely.points(x, y)).query(np.asarray(pieces, dtype=object), predicate="dwithin",
                                                          distance=40.0)  # fmt: skip
    assert got == set(zip(si.tolist(), pt.tolist(), strict=True))
    assert len(got) > 1000
