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
    """Round times in ms up to whole ms (``inf`` stays ``inf``), as floats; 0 is +0.0, as :func:`ceil_ms` gives it
    (``ceil(0 - tolerance)`` alone is -0.0, which JSON would show as ``-0.0``)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(ms), np.ceil(ms - _TOLERANCE_MS) + 0.0, np.inf)


def ceil_ms(ms: float) -> float:
    """:func:`ceil_ms_array` of one Python float (the per-query path)."""
    return float(math.ceil(ms - _TOLERANCE_MS)) if math.isfinite(ms) else math.inf


def to_weights(ms: FloatArray, out: IntArray | None = None, scratch: FloatArray | None = None) -> IntArray:
    """Engine weights: :func:`ceil_ms_array` as int64, ``INF_MS`` where infinite or at least ``INF_MS``.

    ``out`` (int64) and ``scratch`` (float64), of ``ms``'s shape, are the buffers to use when given."""
    x = np.subtract(ms, _TOLERANCE_MS, dtype=np.float64, out=scratch)  # one buffer, worked in place
    np.ceil(x, out=x)
    np.minimum(x, INF_MS, out=x)
    x[~np.isfinite(ms)] = INF_MS
    if out is None:
        return x.astype(np.int64)
    np.copyto(out, x, casting="unsafe")
    return out


def seconds_to_ms(seconds: FloatArray) -> IntArray:
    """Turn costs and penalties in seconds to whole ms (rounded to nearest: they are model numbers, not roads)."""
    return np.rint(np.asarray(seconds, dtype=np.float64) * 1000.0).astype(np.int64)


def segment_times_ms(length_m: FloatArray, speed_kph: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Segment travel times in ms (``inf`` where the speed is 0, i.e. closed), written to ``out`` when given."""
    speed = np.asarray(speed_kph, dtype=np.float64)
    out = np.multiply(length_m, 3600.0, dtype=np.float64, out=out)  # one buffer, worked in place
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(out, speed, out=out)
    if speed.size == 0 or float(speed.min()) >= 1e-300:  # nothing closed nor tiny (a traffic update, usually)
        return out
    open_ = speed > 0
    tiny = open_ & (speed < 1e-300)
    if tiny.any():  # below 1e-300 km/h the divisor is 1e-300
        out[tiny] = np.asarray(length_m, dtype=np.float64)[tiny] * 3600.0 / 1e-300
    out[~open_] = np.inf
    return out
