"""Coverage against brute force: each cell's time is the minimum over clinics of the engine's one-to-many time from
the cell's snapped centre; the what-if candidate; the resolution cap."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from fevermap.care.gaps import coverage
from fevermap.care.sites import Site
from fevermap.errors import CoordinateError, InputError
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from tests.care.brute import snap_to_snaps_ms


def sites_at(router: Router, n: int, seed: int) -> list[Site]:
    rng = np.random.default_rng(seed)
    g = router.graph
    out = []
    for k, i in enumerate(rng.choice(g.node_count, n, replace=False).tolist()):
        lon, lat = float(g.node_lon[i]) + 2e-4, float(g.node_lat[i])
        out.append(Site(f"c{k}", f"clinic {k}", lon, lat, router.snap(lon, lat)))
    return out


@pytest.mark.parametrize("resolution", [8, 9])
def test_cell_times_equal_brute_force(any_region: Region, resolution: int) -> None:
    router = Router(any_region)
    sites = sites_at(router, 6, seed=resolution)
    cov = coverage(router, sites, 10, resolution=resolution)
    assert len(cov.cells.ids) > 10
    snaps = [s.snap for s in sites]
    for i, cell in enumerate(cov.cells.ids):
        lat, lon = h3.cell_to_latlng(cell)
        secs = router.one_to_many(router.snap(lon, lat), snaps)
        assert cov.time_s[i] == pytest.approx(secs.min(), abs=1e-6)
        if np.isfinite(secs.min()):
            assert secs[cov.clinic[i]] == pytest.approx(secs.min(), abs=1e-6)
    gap = ~(cov.time_s <= 600)
    assert cov.summary()["gap_weight"] == pytest.approx(round(float(cov.weight[gap].sum()), 1))


def test_cell_times_equal_networkx_on_the_turns_export(andorra: Region) -> None:
    """Each cell's time is the minimum over clinics of networkx's shortest time on the ``--turns`` export from the
    cell's snapped centre (a random sample of cells; cells that fall back to a big-component snap are left out)."""
    router = Router(andorra)
    sites = sites_at(router, 4, seed=11)
    cov = coverage(router, sites, 30, resolution=8)
    rng = np.random.default_rng(5)
    checked = 0
    for i in rng.choice(len(cov.cells.ids), size=min(25, len(cov.cells.ids)), replace=False).tolist():
        lat, lon = h3.cell_to_latlng(cov.cells.ids[i])
        origin = router.snap(lon, lat)
        ms = snap_to_snaps_ms(router, origin, [s.snap for s in sites])
        if np.isnan(ms).any() or (origin.alternative is not None and not np.isfinite(ms).any()):
            continue  # a clinic on the cell's own edge, or the fallback to the big component
        expected = float(ms.min()) / 1000.0
        assert (
            cov.time_s[i] == pytest.approx(expected, abs=1e-9)
            if np.isfinite(expected)
            else not np.isfinite(cov.time_s[i])
        )
        checked += 1
    assert checked >= 15


def test_weights_and_candidate(shanghai: Region, andorra: Region) -> None:
    sh = coverage(Router(shanghai), sites_at(Router(shanghai), 3, 1), 5)
    assert sh.weight_kind == "case_addresses" and sh.weight.sum() > 1000
    router = Router(andorra)
    sites = sites_at(router, 2, 5)
    cov = coverage(router, sites, 10)
    assert cov.weight_kind == "road_m"
    assert cov.weight.sum() == pytest.approx(cov.cells.road_m.sum())
    worst = int(np.nanargmax(np.where(np.isfinite(cov.time_s), cov.time_s, -1)))
    lat, lon = h3.cell_to_latlng(cov.cells.ids[worst])
    what_if = coverage(router, sites, 10, candidate=(lon, lat))
    assert what_if.candidate is not None and what_if.candidate.weight_removed > 0
    # the same as re-running coverage with the candidate as a clinic
    more = coverage(router, [*sites, Site("new", "new", lon, lat, router.snap(lon, lat))], 10)
    removed = cov.weight[cov.gap].sum() - more.weight[more.gap].sum()
    assert what_if.candidate.weight_removed == pytest.approx(removed)


def test_bad_input(shanghai: Region) -> None:
    router = Router(shanghai)
    sites = sites_at(router, 2, 3)
    with pytest.raises(InputError, match=r"too fine for this region.*use resolution 11"):
        coverage(router, sites, 30, resolution=12)
    with pytest.raises(InputError, match="between 5 and 12"):
        coverage(router, sites, 30, resolution=3)
    with pytest.raises(InputError, match="out of range"):
        coverage(router, sites, 0)
    with pytest.raises(CoordinateError, match="outside the region"):
        coverage(router, sites, 30, candidate=(2.0, 41.0))
