"""EdgeIndex.candidates and snap_where: every road within a radius nearest first, and the nearest one a filter
keeps, with its fallback onto a big component as :meth:`EdgeIndex.snap` gives it; snap_many: exactly one snap
per point, errors included."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.errors import CoordinateError, FevermapError, InputError, SnapError
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

from .test_osrm_waypoint_options import STAR, OsrmMap, router_of

#: a 4 x 4 block grid (one big component) and a lone two-way road "xy" beside it (a small component)
GRID = OsrmMap(
    "\na b c d\ne f g h\ni j k l\nm n o p   x y\n",
    [{"nodes": n} for n in ("abcd", "efgh", "ijkl", "mnop", "aeim", "bfjn", "cgko", "dhlp", "xy")],
    grid_m=100,
)


def test_candidates_are_nearest_first_and_start_with_the_snap(tmp_path_factory: pytest.TempPathFactory) -> None:
    router = router_of(STAR, tmp_path_factory)
    lon, lat = STAR.locations()["0"]
    found = list(router.index.candidates(lon, lat, 30.0))
    assert len(found) >= 8 and [s.distance_m for s in found] == sorted(s.distance_m for s in found)
    assert all(s.distance_m <= 30.0 for s in found)
    first, snap = found[0], router.snap(lon, lat)
    assert (first.location, first.distance_m, first.positions) == (snap.location, snap.distance_m, snap.positions)
    assert len(list(router.index.candidates(lon, lat, 5.0))) == 0


def test_snap_where_keeps_the_fallback_onto_a_big_component(tmp_path_factory: pytest.TempPathFactory) -> None:
    router: Router = router_of(GRID, tmp_path_factory)
    loc = GRID.locations()
    lon, lat = (loc["x"][0] + loc["y"][0]) / 2, loc["x"][1] + 0.0001  # beside the lone road
    snap = router.snap(lon, lat)
    assert snap.name == "xy" and snap.alternative is not None
    same = router.index.snap_where(lon, lat, 1000.0, lambda s: s)
    assert same is not None and same.alternative is not None
    assert (same.location, same.positions) == (snap.location, snap.positions)
    assert same.alternative.location == pytest.approx(snap.alternative.location)

    def not_xy(s: Snap) -> Snap | None:
        return None if s.name == "xy" else s

    skipped = router.index.snap_where(lon, lat, 1000.0, not_xy)
    assert skipped is not None and skipped.alternative is None
    assert skipped.location == pytest.approx(snap.alternative.location)
    assert router.index.snap_where(lon, lat, 1000.0, lambda s: None) is None


def _random_points(router: Router, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points over the region's bbox and 2 km around it: on roads, off roads, too far from any."""
    rng = np.random.default_rng(seed)
    b = router.region.bbox
    return rng.uniform(b[0] - 0.03, b[2] + 0.03, n), rng.uniform(b[1] - 0.02, b[3] + 0.02, n)


def _snap_or_error(router: Router, lon: float, lat: float) -> Snap | str:
    try:
        return router.snap(lon, lat)
    except FevermapError as e:
        return f"{type(e).__name__}: {e}"


def test_snap_many_equals_one_snap_each(andorra: Region) -> None:
    router = Router(andorra)
    lon, lat = _random_points(router, 4000, 1)
    single = [_snap_or_error(router, x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    ok = np.array([isinstance(s, Snap) for s in single])
    assert 1000 < ok.sum() < 4000  # some points are beyond the snap limit
    assert sum(isinstance(s, Snap) and s.alternative is not None for s in single) > 0  # small components too
    many = router.snap_many(lon[ok], lat[ok])
    assert many == [s for s in single if isinstance(s, Snap)]  # every field, floats bit for bit
    # on road nodes exactly (each edge's first point), and the same point twice
    g = router.graph
    edges = np.arange(0, g.edge_count, max(1, g.edge_count // 300))
    nodes = g.coords[g.seg_off[edges] + edges]
    assert router.snap_many(nodes[:, 0], nodes[:, 1]) == [router.snap(x, y) for x, y in nodes.tolist()]
    twice = router.snap_many([lon[ok][0]] * 2, [lat[ok][0]] * 2)
    assert twice[0] == twice[1] == many[0]


def test_snap_many_raises_what_snap_raises_for_the_first_bad_point(andorra: Region) -> None:
    router = Router(andorra)
    lon, lat = _random_points(router, 400, 2)
    single = [_snap_or_error(router, x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    first_bad = next(i for i, s in enumerate(single) if isinstance(s, str))
    with pytest.raises(SnapError) as far:
        router.snap_many(lon, lat)
    assert f"{type(far.value).__name__}: {far.value}" == single[first_bad]
    ok = [i for i, s in enumerate(single) if isinstance(s, Snap)][:3]
    for bad in ((float("nan"), 42.5), (200.0, 42.5), (1.5, 95.0)):
        with pytest.raises(CoordinateError) as coord:
            router.snap_many([*lon[ok], bad[0]], [*lat[ok], bad[1]])
        assert str(coord.value) == _snap_or_error(router, *bad).split(": ", 1)[1]
    with pytest.raises(SnapError):  # a far point before a malformed one: the far point's error, as in order
        router.snap_many([lon[first_bad], float("nan")], [lat[first_bad], 0.0])
    with pytest.raises(InputError, match="as many longitudes as latitudes"):
        router.snap_many([1.5, 1.6], [42.5])
    assert router.snap_many([], []) == []
