"""EdgeIndex.candidates and snap_where: every road within a radius nearest first, and the nearest one a filter
keeps, with its fallback onto a big component as :meth:`EdgeIndex.snap` gives it."""

from __future__ import annotations

import pytest

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
