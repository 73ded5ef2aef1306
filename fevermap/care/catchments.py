"""Catchments of every clinic at once, from one reverse search.

Each road point within the time is assigned to the clinic it reaches first, and each clinic gets the polygon of its
points.

One reverse multi-source search from all clinics on the turn graph (:func:`fevermap.care.reach.edge_times`) labels
every road edge with the clinic first reached from its end; road samples take the label of their edge (or of a
clinic ahead on their own edge).
Each grid cell takes the label of its fastest sample; labelled cells are closed per clinic and traced as
:mod:`fevermap.care.raster` states, so catchments of neighbouring clinics meet without overlapping much (at most
about a cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from fevermap.care import raster, reach
from fevermap.care.isochrone import along_ms, check_minutes
from fevermap.care.samples import node_xy, samples_of, spacing_for
from fevermap.care.sites import Site
from fevermap.routing.router import Router

FloatArray = npt.NDArray[np.float64]
ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"


@dataclass(frozen=True)
class Catchments:
    """Per site its polygons (``(lon, lat)`` rings, outer first), road nodes won and road metres won."""

    minutes: float
    sites: list[Site]
    polygons: list[list[list[FloatArray]]]
    nodes: list[int]
    road_m: list[float]

    def to_geojson(self) -> dict[str, Any]:
        feats = [
            {
                "type": "Feature",
                "geometry": raster.multipolygon(polys),
                "properties": {
                    "clinic_id": s.id,
                    "name": s.name,
                    "minutes": self.minutes,
                    "nodes": n,
                    "road_km": round(r / 1000.0, 2),
                    "location": [s.lon, s.lat],
                },
            }
            for s, polys, n, r in zip(self.sites, self.polygons, self.nodes, self.road_m, strict=True)
        ]
        return {
            "type": "FeatureCollection",
            "features": feats,
            "attribution": "© OpenStreetMap contributors (ODbL 1.0)",
        }


def catchments(
    router: Router,
    sites: Sequence[Site],
    minutes: float,
    *,
    cell_m: float = raster.CELL_M * 4,
    buffer_m: float = raster.BUFFER_M,
) -> Catchments:
    """Catchment polygons of all ``sites`` within ``minutes`` (0 < minutes <= 120) of driving *to* them."""
    (limit_min,) = check_minutes([minutes], most=1)
    sites = list(sites)
    m = reach.metric(router)
    g = router.graph
    limit = limit_min * 60_000.0
    seeds = reach.site_seeds(router, m, [s.snap for s in sites])
    times = reach.edge_times(m, seeds, reverse=True, limit_ms=limit)
    node_ms, label = reach.node_times(router, m, times)
    nx_, ny_ = node_xy(g)
    hit = np.isfinite(node_ms)
    n_sites = len(sites)
    empty = Catchments(limit_min, sites, [[] for _ in sites], [0] * n_sites, [0.0] * n_sites)
    if not hit.any():
        return empty
    grid0 = raster.Grid.around(nx_[hit], ny_[hit], cell_m, buffer_m)
    samples = samples_of(g, spacing_for(grid0.cell_m))
    _, after = along_ms(m, samples)
    t = after + times.end[samples.edge]
    who = times.end_source[samples.edge].copy()
    for i, s in enumerate(sites):  # a clinic ahead on the sample's own edge
        for p in s.snap.positions:
            part = slice(int(samples.edge_off[p.edge]), int(samples.edge_off[p.edge + 1]))
            d = reach.direct_on_edge(router, m, s.snap, samples.edge[part], samples.seg[part], samples.frac[part],
                                     reverse=True)  # fmt: skip
            better = d < t[part]
            t[part] = np.where(better, d, t[part])
            who[part] = np.where(better, i, who[part])
    ok = t <= limit
    if not ok.any():
        return empty
    xs, ys, ts, ws = samples.x[ok], samples.y[ok], t[ok], who[ok]
    grid = raster.Grid.around(xs, ys, cell_m, buffer_m)
    cells = grid.index(xs, ys)
    order = np.lexsort((ts, cells))
    first = order[np.unique(cells[order], return_index=True)[1]]
    lab = np.full(grid.shape[0] * grid.shape[1], -1, dtype=np.int64)
    lab[cells[first]] = ws[first]
    lab2 = lab.reshape(grid.shape)
    # every unlabelled cell takes the label of the nearest labelled one (for closing across a clinic's own gaps)
    _, (ii, jj) = ndimage.distance_transform_edt(lab2 < 0, return_indices=True)
    spread = lab2[ii, jj]
    polys: list[list[list[FloatArray]]] = []
    road = np.bincount(ws, weights=samples.length_m[ok], minlength=n_sites)
    size = 2 * round(grid.buffer_m / grid.cell_m) + 1
    disk = grid.disk(grid.margin_m)
    for i in range(n_sites):
        own = lab2 == i
        if not own.any():
            polys.append([])
            continue
        closed = ndimage.binary_erosion(
            ndimage.binary_dilation(own, np.ones((size, size), bool)), np.ones((size, size), bool)
        )
        mask = ndimage.binary_dilation(closed & (spread == i), disk) & (spread == i) | own
        polys.append(raster.mask_polygons(grid, mask, samples.projection))
    nodes = np.bincount(label[hit & (label >= 0)], minlength=n_sites)
    return Catchments(limit_min, sites, polys, [int(v) for v in nodes], [float(v) for v in road])
