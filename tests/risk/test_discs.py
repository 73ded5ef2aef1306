"""The disc cover holds every point within r - h of a place and none farther than r + h, is valid, and equals the union
of the buffer polygons within that band: random points, touching discs, a lattice whose Voronoi vertices lie on the
circles, lone discs, and a Shanghai-like mix of clusters and strays."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from fevermap.risk.discs import _join, _piece_polygons, _pieces, disc_cover, disc_polygons, ring, ring_steps


def _widest_sliver_m(diff: object) -> float:
    parts = shapely.get_parts(diff)
    parts = parts[shapely.length(parts) > 0]
    return float((2 * shapely.area(parts) / shapely.length(parts)).max()) if len(parts) else 0.0


def _lattice(step: float) -> tuple[np.ndarray, np.ndarray]:
    g = np.arange(8) * step
    gx, gy = np.meshgrid(g, g)
    return gx.ravel(), gy.ravel()


def _clusters() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 20_000, (60, 2))
    pts = centres[rng.integers(0, 60, 1500)] + rng.normal(0, 150, (1500, 2))
    return pts[:, 0], pts[:, 1]


RNG = np.random.default_rng(15)
CASES = {
    "random 200 m": (RNG.uniform(0, 3000, 400), RNG.uniform(0, 3000, 400), 200.0, 0.4),
    "random 50 m": (RNG.uniform(0, 4000, 1500), RNG.uniform(0, 4000, 1500), 50.0, 0.44),
    "touching": (*_lattice(100.0), 50.0, 0.44),
    "cocircular": (*_lattice(100.0), 70.0, 0.4),
    "vertices on the circles": (*_lattice(100.0), 50 * np.sqrt(2) - 0.4, 0.4),
    "lone discs": (np.array([0.0, 5000.0, 0.0]), np.array([0.0, 0.0, 5000.0]), 500.0, 0.4),
    "three close": (np.array([0.0, 30.0, 10.0]), np.array([0.0, 0.0, 25.0]), 500.0, 0.4),
    "clusters": (*_clusters(), 500.0, 0.4),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cover_lies_in_the_band_and_equals_the_buffer_union(name: str) -> None:
    x, y, r, h = CASES[name]
    got = shapely.union_all(np.asarray(disc_cover(x, y, r, h), dtype=object))
    assert got.is_valid
    pts = shapely.points(x, y)
    inner = shapely.union_all(shapely.buffer(pts, r - h - 1e-6, quad_segs=64))  # polygon inside the r - h circle
    outer = shapely.union_all(shapely.buffer(pts, (r + h) / np.cos(np.pi / 256) + 1e-6, quad_segs=64))  # holds r + h
    assert shapely.difference(inner, got).area < 1e-6
    assert shapely.difference(got, outer).area < 1e-6
    want = shapely.union_all(disc_polygons(x, y, r, h))
    diff = shapely.symmetric_difference(got, want)
    assert _widest_sliver_m(diff) <= 2 * h
    assert diff.area <= 2 * h * want.boundary.length


@pytest.mark.parametrize("name", ["clusters", "random 50 m", "cocircular"])
def test_pieces_are_a_coverage_and_joining_them_equals_geos(name: str) -> None:
    x, y, r, h = CASES[name]
    parts = np.asarray(disc_cover(x, y, r, h), dtype=object)
    a, b = shapely.STRtree(parts).query(parts, predicate="overlaps")
    assert not (a != b).any()
    table = _pieces(x, y, r, h)
    pieces = _piece_polygons(table)
    assert shapely.coverage_is_valid(pieces)
    joined = _join(table)
    assert joined is not None and all(p.is_valid for p in joined)
    want = shapely.coverage_union_all(pieces)
    assert shapely.symmetric_difference(shapely.union_all(np.asarray(joined, dtype=object)), want).area < 1e-3
    assert len(joined) == len(shapely.get_parts(want))


def test_ring_chords_stay_beyond_r_minus_h() -> None:
    for r, h in ((50.0, 0.44), (500.0, 0.4), (5.0, 0.45)):
        v = ring(r, h)
        assert v.shape == (ring_steps(r, h), 2) and ring_steps(r, h) % 4 == 0
        mid = (v + np.roll(v, -1, axis=0)) / 2
        assert np.hypot(mid[:, 0], mid[:, 1]).min() >= r - h - 1e-9
        assert np.allclose(np.hypot(v[:, 0], v[:, 1]), r + h)
