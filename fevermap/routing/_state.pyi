"""Typing stub of a metric state's arrays in one pass, in C (fevermap/routing/_state.c); see
:func:`fevermap.routing.state.metric_arrays`."""

from typing import Any

Buffer = Any  # a C-contiguous 1-D numpy array: float64 or int64 as named

def metric_pass(
    length_m: Buffer,
    speed_kph: Buffer,
    penalty_ms: Buffer,
    seg_off: Buffer,
    arc_edge: Buffer,
    turn_ms: Buffer,
    seg_ms: Buffer,
    excl: Buffer,
    incl: Buffer,
    total: Buffer,
    edge_w: Buffer,
    arc_w: Buffer,
) -> bool: ...
def before_ceil(
    seg: Buffer, frac: Buffer, seg_ms: Buffer, excl: Buffer, incl: Buffer, closed_before: Buffer, out: Buffer
) -> None: ...
