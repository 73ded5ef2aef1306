"""Snapping arrays saved at build: a loaded region snaps on them as mapped, exactly as an index computed at run time."""

from __future__ import annotations

import numpy as np
import pytest

from fevermap.errors import SnapError
from fevermap.routing.region import Region, load_region
from fevermap.routing.region_io import mapped_bytes
from fevermap.routing.snap_arrays import BIG_GRID, big_components, edge_index_arrays, incidence
from fevermap.routing.snapping import EdgeIndex, Snap


def _points(region: Region, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    lon0, lat0, lon1, lat1 = region.bbox
    rng = np.random.default_rng(seed)
    return rng.uniform(lon0, lon1, n), rng.uniform(lat0, lat1, n)


def _snaps(index: EdgeIndex, lon: np.ndarray, lat: np.ndarray) -> list[Snap | None]:
    out: list[Snap | None] = []
    for a, b in zip(lon.tolist(), lat.tolist(), strict=True):
        try:
            out.append(index.snap(a, b))
        except SnapError:
            out.append(None)
    return out


@pytest.mark.parametrize("name", ["andorra", "shanghai"])
def test_a_loaded_region_snaps_on_its_mapped_arrays_as_a_computed_index_does(
    name: str, request: pytest.FixtureRequest
) -> None:
    region = load_region(request.getfixturevalue(name).path)
    g = region.graph
    assert region.snap_arrays is not None
    in_largest = big_components(region.component)[: g.edge_count]
    saved = EdgeIndex(g, 1000.0, in_largest=in_largest, arrays=region.snap_arrays)
    computed = EdgeIndex(g, 1000.0, in_largest=in_largest)
    assert mapped_bytes(saved._grid._packed) > 0 and mapped_bytes(saved._seg_before_m) > 0  # nothing recomputed
    assert saved._all_big or mapped_bytes(saved._grid_big()._packed) > 0  # the big components' index was saved too
    lon, lat = _points(region, 300, seed=7)
    assert _snaps(saved, lon, lat) == _snaps(computed, lon, lat)
    near = [s for s in _snaps(computed, lon, lat) if s is not None]
    lo, la = np.array([s.query[0] for s in near]), np.array([s.query[1] for s in near])
    assert saved.snap_many(lo, la) == computed.snap_many(lo, la) == near
    assert saved.bbox == computed.bbox == region.bbox and saved.centre == computed.centre


def test_saved_arrays_are_what_the_build_computes(andorra: Region) -> None:
    region = load_region(andorra.path)
    g = region.graph
    assert region.snap_arrays is not None
    want = edge_index_arrays(g, big_components(region.component)[: g.edge_count])
    assert set(want) == set(region.snap_arrays)
    for key, value in want.items():
        np.testing.assert_array_equal(region.snap_arrays[key], value, err_msg=key)
        assert region.snap_arrays[key].dtype == value.dtype, key


def test_other_components_recompute_only_their_parts(andorra: Region) -> None:
    region = load_region(andorra.path)
    g = region.graph
    assert region.snap_arrays is not None
    saved_big = big_components(region.component)[: g.edge_count]
    other = np.ones(g.edge_count, dtype=bool)
    other[: g.edge_count // 3] = False
    assert not np.array_equal(other, saved_big)
    saved = EdgeIndex(g, 1000.0, in_largest=other, arrays=region.snap_arrays)
    computed = EdgeIndex(g, 1000.0, in_largest=other)
    assert mapped_bytes(saved._grid._packed) > 0  # the grid is kept, the big components' index is not
    assert saved._big_index is None and any(k.startswith(BIG_GRID) for k in region.snap_arrays)
    lon, lat = _points(region, 200, seed=11)
    assert _snaps(saved, lon, lat) == _snaps(computed, lon, lat)
    assert any(s is not None and s.alternative is not None for s in _snaps(saved, lon, lat))


def test_incidence_lists_each_nodes_edges_in_order() -> None:
    ends = np.array([2, 0, 2, 1, 0, 2])
    order, bounds = incidence(ends, 4)
    assert [order[bounds[v] : bounds[v + 1]].tolist() for v in range(4)] == [[1, 4], [3], [0, 2, 5], []]
