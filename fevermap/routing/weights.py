"""Integer millisecond weights: the one rounding rule and the one infinite weight of the engine.

Every travel time the engine sees is whole milliseconds, rounded up (a route is never faster than its roads) with a
tolerance of 1e-9 ms so that float noise does not add a millisecond; :data:`INF_MS` marks a closed road or turn.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The engine's infinite weight (RoutingKit's, kept): an arc with it is closed, a path summing to it or more is no path.
INF_MS = 2**31 - 1
_TOLERANCE_MS = 1e-9


def ceil_ms_array(ms: FloatArray) -> FloatArray:
    """Round times in ms up to whole ms (``inf`` stays ``inf``), as floats."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(ms), np.ceil(ms - _TOLERANCE_MS), np.inf)


def ceil_ms(ms: float) -> float:
    """:func:`ceil_ms_array` of one Python float (the per-query path)."""
    return float(math.ceil(ms - _TOLERANCE_MS)) if math.isfinite(ms) else math.inf


def to_weights(ms: FloatArray) -> IntArray:
    """Engine weights: :func:`ceil_ms_array` as int64, ``INF_MS`` where infinite or at least ``INF_MS``."""
    out = np.full(np.shape(ms), INF_MS, dtype=np.int64)
    finite = np.isfinite(ms)
    out[finite] = np.minimum(np.ceil(ms[finite] - _TOLERANCE_MS), INF_MS).astype(np.int64)
    return out


def seconds_to_ms(seconds: FloatArray) -> IntArray:
    """Turn costs and penalties in seconds to whole ms (rounded to nearest: they are model numbers, not roads)."""
    return np.rint(np.asarray(seconds, dtype=np.float64) * 1000.0).astype(np.int64)


def segment_times_ms(length_m: FloatArray, speed_kph: FloatArray) -> FloatArray:
    """Segment travel times in ms (``inf`` where the speed is 0, i.e. closed)."""
    with np.errstate(divide="ignore"):
        return np.where(speed_kph > 0, length_m * 3600.0 / np.maximum(speed_kph, 1e-300), np.inf)
