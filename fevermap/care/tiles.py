"""Road pieces sorted by square tiles, so that the pieces inside a box are a few contiguous runs.

A contour's grid covers only the area its reached roads span (:mod:`fevermap.care.contour`); its road is found here
without testing every sample of the region. A *piece* is the road from one sample to the next along an edge
(:mod:`fevermap.care.samples`), standing at its first sample. Each two-way road is one piece per place, driven either
way: the piece of the edge whose id is the smaller of the pair, paired with the twin edge's sample at the same place
(:attr:`Tiles.twin`). Pieces are sorted by the tile of their sample (row-major), so each tile row of a box is one
run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.care._memo import Memo
from fevermap.care.samples import Samples
from fevermap.routing.graph import RoadGraph

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]

#: Side of a tile (metres).
TILE_M = 250.0


@dataclass(frozen=True)
class Tiles:
    """The pieces of a sample set in tile order: ``sample`` (the sample id the piece starts at), ``twin`` (the twin
    edge's sample at the same place, -1 on a one-way road), their edges ``edge`` and ``twin_edge`` (-1), ``x``, ``y``
    (metres) of its start, and ``length_m``;
    ``off[t]:off[t + 1]`` is the run of tile ``t`` (row-major over ``ny x nx`` tiles of :data:`TILE_M` from
    ``x0, y0``)."""

    x0: float
    y0: float
    nx: int
    ny: int
    off: IntArray
    sample: Int32Array
    twin: Int32Array
    edge: Int32Array
    twin_edge: Int32Array
    x: FloatArray
    y: FloatArray
    length_m: FloatArray

    def runs(self, xmin: float, xmax: float, ymin: float, ymax: float) -> IntArray:
        """Positions of the pieces of every tile meeting the box (metres), tile row by tile row."""
        c0 = int(np.clip(np.floor((xmin - self.x0) / TILE_M), 0, self.nx - 1))
        c1 = int(np.clip(np.floor((xmax - self.x0) / TILE_M), 0, self.nx - 1))
        r0 = int(np.clip(np.floor((ymin - self.y0) / TILE_M), 0, self.ny - 1))
        r1 = int(np.clip(np.floor((ymax - self.y0) / TILE_M), 0, self.ny - 1))
        rows = np.arange(r0, r1 + 1) * self.nx
        lo, hi = self.off[rows + c0], self.off[rows + c1 + 1]
        n = hi - lo
        return np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n) + np.arange(int(n.sum()))


def build_tiles(samples: Samples, graph: RoadGraph) -> Tiles:
    """:class:`Tiles` of ``samples`` (of ``graph``)."""
    edge = samples.edge
    pieces = np.diff(samples.edge_off) - 1  # samples per edge: one per piece, then the head
    k = np.arange(edge.shape[0]) - samples.edge_off[edge]
    tw = graph.edge_twin[edge]
    paired = tw >= 0
    safe = np.where(paired, tw, 0)
    paired &= pieces[safe] == pieces[edge]  # the twin runs the same pieces back (it does, unless rounding differs)
    keep = (k < pieces[edge]) & (~paired | (edge < tw))  # a piece starts here, and stands for both directions
    # the twin's sample at this place: its sample ``pieces - k``
    twin = np.where(paired, samples.edge_off[safe] + pieces[edge] - k, -1)[keep]
    sample = np.flatnonzero(keep)
    x, y = samples.x[sample], samples.y[sample]
    x0, y0 = float(x.min()), float(y.min())
    nx = int((float(x.max()) - x0) // TILE_M) + 1
    ny = int((float(y.max()) - y0) // TILE_M) + 1
    tile = ((y - y0) // TILE_M).astype(np.int64) * nx + ((x - x0) // TILE_M).astype(np.int64)
    order = np.argsort(tile, kind="stable")
    off = np.searchsorted(tile[order], np.arange(nx * ny + 1)).astype(np.int64)
    sample, twin = sample[order], twin[order]
    twin_edge = np.where(twin >= 0, samples.edge[np.maximum(twin, 0)], -1)
    i32 = np.int32  # ids fit; half the memory of a region's pieces
    return Tiles(x0, y0, nx, ny, off, sample.astype(i32), twin.astype(i32), samples.edge[sample].astype(i32),
                 twin_edge.astype(i32), x[order], y[order], samples.length_m[sample])  # fmt: skip


_tiles: Memo[Tiles] = Memo(16)


def tiles_of(samples: Samples, graph: RoadGraph) -> Tiles:
    """:func:`build_tiles`, kept per sample set."""
    return _tiles.get((samples,), lambda: build_tiles(samples, graph))
