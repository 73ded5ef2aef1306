"""Typing stub of the snapped points' edge positions in C (fevermap/routing/_snap.c); see
:meth:`fevermap.routing.snapping.EdgeIndex.snap_many`."""

from typing import Any

Buffer = Any  # a C-contiguous numpy array: int64 or float64 as named

class Positions:
    def __init__(
        self,
        seg_edge: Buffer,
        seg_k: Buffer,
        seg_length_m: Buffer,
        seg_before_m: Buffer,
        edge_len_m: Buffer,
        geom_off: Buffer,
        coords: Buffer,
        seg_off: Buffer,
        twin: Buffer,
        edge_tail: Buffer,
        edge_head: Buffer,
        out_order: Buffer,
        out_bounds: Buffer,
        in_order: Buffer,
        in_bounds: Buffer,
    ) -> None: ...
    def one(self, seg: int, t: float, cls: type, /) -> tuple[float, float, int, tuple[Any, ...]]: ...
    def columns(self, seg: Buffer, t: Buffer, lon: Buffer, lat: Buffer, /) -> tuple[bytearray, bytearray, int]: ...
