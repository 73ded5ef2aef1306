"""Many snaps held as columns: :class:`SnapBatch`, what :meth:`EdgeIndex.snap_many` returns.

A batch reads like the list of :class:`~fevermap.routing.snapping.Snap` it stands for (``len``, indexing, slices,
iteration, ``==`` a list of snaps), but makes a snap only when one is asked for. One-to-many queries read the
positions' columns directly (:meth:`SnapBatch.position_columns`), so snapping 50 targets makes no per-point object:
that was 2.5 us a point, half of what snapping them cost.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PositionColumns:
    """Edge positions as aligned columns (one row per position; a snap's rows are consecutive).

    ``edge`` directed road edge, ``seg`` segment index within it, ``frac`` fraction along that segment,
    ``before``/``after`` metres from the edge's start / to its end. ``off`` gives snap ``i`` rows
    ``off[i]:off[i + 1]`` (it starts at 0), and ``owner`` each row's snap.
    """

    __slots__ = ("after", "before", "edge", "frac", "off", "owner", "seg")

    def __init__(
        self,
        edge: IntArray,
        seg: IntArray,
        frac: FloatArray,
        before: FloatArray,
        after: FloatArray,
        off: IntArray,
        owner: IntArray,
    ) -> None:
        self.edge, self.seg, self.frac, self.before, self.after = edge, seg, frac, before, after
        self.off, self.owner = off, owner


class SnapBatch(Sequence["Snap"]):
    """Snaps of many points, as columns (see the module docstring).

    Parameters
    ----------
    query, location : array of float, shape (n, 2)
        ``(lon, lat)`` degrees of each point as given and as snapped.
    distance : array of float, shape (n,)
        Metres between them.
    edge : array of int, shape (n,)
        The snapped edge of each point (its road name is that edge's).
    positions : PositionColumns
        Every snap's edge positions.
    names : sequence of str
        Road names per edge.
    alternative : list of Snap or None, length n
        Each snap's :attr:`Snap.alternative`.
    """

    __slots__ = ("_alt", "_dist", "_edge", "_loc", "_names", "_pos", "_query")

    def __init__(
        self,
        query: FloatArray,
        location: FloatArray,
        distance: FloatArray,
        edge: IntArray,
        positions: PositionColumns,
        names: Sequence[str],
        alternative: list[Snap | None],
    ) -> None:
        self._query, self._loc, self._dist, self._edge = query, location, distance, edge
        self._pos, self._names, self._alt = positions, names, alternative

    def __len__(self) -> int:
        return int(self._dist.shape[0])

    @overload
    def __getitem__(self, index: int) -> Snap: ...
    @overload
    def __getitem__(self, index: slice) -> SnapBatch: ...
    def __getitem__(self, index: int | slice) -> Snap | SnapBatch:
        if isinstance(index, slice):
            return self._slice(index)
        n = len(self)
        i = operator.index(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"snap {index} of a batch of {n}")
        from fevermap.routing.snapping import EdgePosition, Snap  # snapping imports this module

        p = self._pos
        a, b = int(p.off[i]), int(p.off[i + 1])
        positions = tuple(
            EdgePosition(*row)
            for row in zip(p.edge[a:b].tolist(), p.seg[a:b].tolist(), p.frac[a:b].tolist(), p.before[a:b].tolist(),
                           p.after[a:b].tolist(), strict=True)
        )  # fmt: skip
        q, loc = self._query[i].tolist(), self._loc[i].tolist()
        name = self._names[int(self._edge[i])]
        return Snap((q[0], q[1]), (loc[0], loc[1]), float(self._dist[i]), positions, name, self._alt[i])

    def _slice(self, index: slice) -> SnapBatch:
        start, stop, step = index.indices(len(self))
        if step != 1:  # not contiguous: as snaps (rare; the positions' rows would not be one run)
            return _batch_of([self[i] for i in range(start, stop, step)])
        stop = max(start, stop)
        p = self._pos
        a, b = int(p.off[start]), int(p.off[stop])
        cols = PositionColumns(p.edge[a:b], p.seg[a:b], p.frac[a:b], p.before[a:b], p.after[a:b],
                               p.off[start : stop + 1] - a, p.owner[a:b] - start)  # fmt: skip
        return SnapBatch(self._query[start:stop], self._loc[start:stop], self._dist[start:stop],
                         self._edge[start:stop], cols, self._names, self._alt[start:stop])  # fmt: skip

    def __iter__(self) -> Iterator[Snap]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SnapBatch | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SnapBatch({len(self)} snaps)"

    @property
    def alternatives(self) -> list[Snap | None]:
        """Each snap's :attr:`Snap.alternative` (None on a big component)."""
        return self._alt

    def position_columns(self) -> PositionColumns:
        """Every snap's positions as columns (``off`` starts at 0), without making snaps."""
        return self._pos


def position_columns_of(snaps: Sequence[Snap]) -> PositionColumns:
    """The positions of given snaps as columns (what a batch holds; for snaps that are not one)."""
    cols = list(zip(*(p for s in snaps for p in s.positions), strict=True)) or [(), (), (), (), ()]
    off = np.zeros(len(snaps) + 1, dtype=np.int64)
    np.cumsum(np.array([len(s.positions) for s in snaps], dtype=np.int64), out=off[1:])
    return PositionColumns(
        np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=np.float64),
        np.array(cols[3], dtype=np.float64), np.array(cols[4], dtype=np.float64), off,
        np.repeat(np.arange(len(snaps)), np.diff(off)),
    )  # fmt: skip


def _batch_of(snaps: Sequence[Snap]) -> SnapBatch:
    """A batch of given snaps (for non-contiguous slices); its name table is the snaps' names, one per snap."""
    pos = position_columns_of(snaps)
    q = np.array([s.query for s in snaps], dtype=np.float64).reshape(-1, 2)
    loc = np.array([s.location for s in snaps], dtype=np.float64).reshape(-1, 2)
    dist = np.array([s.distance_m for s in snaps], dtype=np.float64)
    return SnapBatch(q, loc, dist, np.arange(len(snaps), dtype=np.int64), pos, [s.name for s in snaps],
                     [s.alternative for s in snaps])  # fmt: skip
