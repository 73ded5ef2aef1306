"""Typing stub of fevermap.geo's C kernels (fevermap/geo/_native.c); see :mod:`fevermap.geo.segment_index` and
:mod:`fevermap.geo.projection`."""

from collections.abc import Sequence
from typing import Any

Buffer = Any  # a C-contiguous buffer (numpy array) of 8-byte items: float64, or int64 where stated

class Grid:
    def __init__(
        self,
        packed: Buffer,
        members: Buffer,
        offsets: Buffer,
        reach: Buffer,
        cell_m: float,
        x0: float,
        y0: float,
        nx: int,
        ny: int,
    ) -> None: ...
    def nearest(self, x: float, y: float, max_distance: float, /) -> tuple[int, float, float] | None: ...
    def nearest_many(
        self, x: Buffer, y: Buffer, max_distance: float, segments_out: Buffer, t_out: Buffer, distances_out: Buffer, /
    ) -> None: ...

class Forward:
    def __init__(self, lon_0: float, e: float, rect: float, northing_0: float, alpha: Sequence[float]) -> None: ...
    def one(self, lon: float, lat: float, /) -> tuple[float, float]: ...
    def many(self, lon: Buffer, lat: Buffer, x_out: Buffer, y_out: Buffer, /) -> None: ...

def runs(coords: Buffer, offsets: Buffer, ids: Buffer, /) -> bytearray: ...
def line(
    coords: Buffer,
    offsets: Buffer,
    ids: Buffer,
    first_edge: int,
    first_seg: int,
    first_frac: float,
    last_edge: int,
    last_seg: int,
    last_frac: float,
    /,
) -> bytearray: ...
