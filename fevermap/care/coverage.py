"""H3 cells over the region's roads and each cell's driving time to the nearest clinic.

The cells carry the time to the nearest clinic meeting the filters; the coverage report (:mod:`fevermap.care.gaps`)
weights them by demand and says what a candidate clinic would remove.

A cell's time is the time from its centre, snapped to the nearest road, to the nearest clinic, in current traffic.
All cells are served by one reverse multi-source search from every clinic at once
on the turn graph (:func:`fevermap.care.reach.edge_times`), never a route per cell: the end of each road edge gets
its time to the nearest clinic (turns included) and which clinic that is; a cell adds the partial edge from its
snapped centre to the edge's end, or drives straight
to a clinic further along its own edge, exactly as :meth:`Router.one_to_many` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import h3
import numpy as np
import numpy.typing as npt

from fevermap.care import reach
from fevermap.care._memo import Memo
from fevermap.care.sites import Site
from fevermap.errors import InputError
from fevermap.routing.router import Router
from fevermap.routing.weights import ceil_ms_array

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Most H3 cells one coverage request may cover (the cap on resolution for a region's size).
MAX_CELLS = 150_000
MIN_RESOLUTION, MAX_RESOLUTION = 5, 12


@dataclass(frozen=True)
class Cells:
    """The H3 cells covering a region's roads at one resolution: ids, road metres per cell, and each cell centre's
    snapped positions (``pos_cell``, ``pos_edge``, ``pos_seg`` global segment, ``pos_frac``; ``pos_alt`` marks the
    positions of the centre's big-component snap, used only where the nearest road reaches no clinic, as the router
    falls back); cells whose centre cannot be snapped have no positions (their time is unknown)."""

    resolution: int
    ids: list[str]
    road_m: FloatArray
    pos_cell: IntArray
    pos_edge: IntArray
    pos_seg: IntArray
    pos_frac: FloatArray
    index: dict[str, int]
    pos_alt: npt.NDArray[np.bool_]


def estimate_cells(router: Router, resolution: int) -> int:
    """Upper bound on the cells of ``resolution`` over the region: its road box's area over the cells' mean area."""
    lon0, lat0, lon1, lat1 = router.index.bbox
    mid = math.radians((lat0 + lat1) / 2)
    km2 = (lon1 - lon0) * 111.32 * math.cos(mid) * (lat1 - lat0) * 110.57
    return int(km2 / h3.average_hexagon_area(resolution, "km^2")) + 1


def check_resolution(router: Router, resolution: int, max_cells: int = MAX_CELLS) -> None:
    """Refuse a resolution outside the supported range, or so fine that the region would need more than
    ``max_cells`` cells (the message names the finest resolution that fits)."""
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise InputError(f"resolution must be between {MIN_RESOLUTION} and {MAX_RESOLUTION}, got {resolution}")
    n = estimate_cells(router, resolution)
    if n > max_cells:
        fits = [r for r in range(MIN_RESOLUTION, resolution) if estimate_cells(router, r) <= max_cells]
        hint = f"use resolution {fits[-1]} or coarser" if fits else "the region is too large"
        raise InputError(
            f"resolution {resolution} is too fine for this region: up to {n} cells (limit {max_cells}); {hint}"
        )


def _build_cells(router: Router, resolution: int) -> Cells:
    g = router.graph
    step = h3.average_hexagon_edge_length(resolution, "m") / 2
    # road points at most half a cell edge apart, each standing for its piece of road (a two-way road once)
    one_way = ~((g.edge_twin >= 0) & (g.edge_twin < np.arange(g.edge_count)))
    seg_edge = np.repeat(np.arange(g.edge_count), np.diff(g.seg_off))
    keep = one_way[seg_edge]
    seg = np.flatnonzero(keep)
    p0 = seg + seg_edge[seg]
    pieces = np.maximum(1, np.ceil(g.seg_length_m[seg] / step)).astype(np.int64)
    s = np.repeat(np.arange(seg.shape[0]), pieces)
    k = np.arange(int(pieces.sum())) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    f = (k + 0.5) / pieces[s]
    lon = g.coords[p0[s], 0] + f * (g.coords[p0[s] + 1, 0] - g.coords[p0[s], 0])
    lat = g.coords[p0[s], 1] + f * (g.coords[p0[s] + 1, 1] - g.coords[p0[s], 1])
    length = g.seg_length_m[seg][s] / pieces[s]
    cell_of = [h3.latlng_to_cell(la, lo, resolution) for lo, la in zip(lon.tolist(), lat.tolist(), strict=True)]
    ids, inverse = np.unique(np.array(cell_of), return_inverse=True)
    road_m = np.bincount(inverse, weights=length, minlength=ids.shape[0]).astype(np.float64)
    centres = np.array([h3.cell_to_latlng(c) for c in ids.tolist()])  # (lat, lng)
    snaps = reach.snap_points(router, centres[:, 1], centres[:, 0])
    pc, pe, ps, pf, pa = [], [], [], [], []
    for i, sn in enumerate(snaps):
        if isinstance(sn, Exception):
            continue
        for alt, one in ((False, sn), (True, sn.alternative)):
            for p in one.positions if one is not None else ():
                pc.append(i)
                pe.append(p.edge)
                ps.append(int(g.seg_off[p.edge]) + p.seg)
                pf.append(p.frac)
                pa.append(alt)
    id_list = [str(c) for c in ids.tolist()]
    return Cells(resolution, id_list, road_m, np.array(pc, np.int64), np.array(pe, np.int64),
                 np.array(ps, np.int64), np.array(pf, np.float64), {c: i for i, c in enumerate(id_list)},
                 np.array(pa, dtype=bool))  # fmt: skip


_cells: Memo[Cells] = Memo(8)


def cells_of(router: Router, resolution: int) -> Cells:
    """The region's cells at ``resolution`` (built once per graph and resolution; check the resolution first)."""
    return _cells.get((router.graph,), lambda: _build_cells(router, resolution), resolution)


def cell_times(
    router: Router, m: reach.Metric, cells: Cells, sites: Sequence[Site], limit_ms: float = math.inf
) -> tuple[FloatArray, IntArray]:
    """Per cell: ms from its snapped centre to the nearest of ``sites`` (``inf`` none within ``limit_ms``) and the
    index of that site (-1)."""
    seeds = reach.site_seeds(router, m, [s.snap for s in sites])
    times = reach.edge_times(m, seeds, reverse=True, limit_ms=limit_ms)
    _, after = reach.position_ms(m, cells.pos_seg, cells.pos_frac)
    cost = ceil_ms_array(after)
    t = np.where(cost < reach.INF_MS, cost + times.end[cells.pos_edge], np.inf)
    who = np.where(np.isfinite(t), times.end_source[cells.pos_edge], -1)
    for i, s in enumerate(sites):  # a clinic further along a cell's own edge is driven to directly
        idx = np.flatnonzero(np.isin(cells.pos_edge, [p.edge for p in s.snap.positions]))
        if idx.size == 0:
            continue
        direct = ceil_ms_array(reach.direct_on_edge(router, m, s.snap, cells.pos_edge[idx], cells.pos_seg[idx],
                                                    cells.pos_frac[idx], reverse=True))  # fmt: skip
        better = direct < t[idx]
        t[idx[better]] = direct[better]
        who[idx[better]] = i
    n = len(cells.ids)
    primary = np.full(n, np.inf)
    np.minimum.at(primary, cells.pos_cell[~cells.pos_alt], t[~cells.pos_alt])
    use = ~cells.pos_alt | ~np.isfinite(primary[cells.pos_cell])  # big-component snaps only where nothing is reached
    t = np.where(use, t, np.inf)
    out = np.full(n, np.inf)
    order = np.lexsort((t, cells.pos_cell))  # per cell the fastest of its positions first
    first = np.unique(cells.pos_cell[order], return_index=True)[1]
    best = order[first]
    out[cells.pos_cell[best]] = t[best]
    owner = np.full(n, -1, dtype=np.int64)
    owner[cells.pos_cell[best]] = who[best]
    owner[~np.isfinite(out)] = -1
    return np.where(out <= limit_ms, out, np.inf), owner
