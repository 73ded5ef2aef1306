"""Polyline strings of many slices of one line (the steps of a leg), encoded once, vectorised.

A polyline stores its first point absolutely and every later point as the difference to the one before, so a slice
of a line is its first point followed by the line's own encoded differences: :class:`SlicedPolyline` encodes the
differences of the whole line once with numpy, and each slice costs one point plus a string slice. The output is
byte for byte that of :func:`fevermap.geo.polyline.encode` on the slice.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fevermap.geo import polyline

_MAX_CHUNKS = 7  # 5-bit chunks of a 32-bit zig-zag value


def _encode_values(values: npt.NDArray[np.int64]) -> tuple[str, npt.NDArray[np.int64]]:
    """All values' encodings concatenated, and the offset of each value's first character (length n + 1)."""
    z = np.where(values < 0, ~(values << 1), values << 1)
    shifts = np.arange(_MAX_CHUNKS, dtype=np.int64) * 5
    chunks = (z[:, None] >> shifts) & 0x1F
    rest = z[:, None] >> (shifts + 5)  # bits left after this chunk
    n_chunks = 1 + (rest[:, :-1] > 0).sum(axis=1)
    used = np.arange(_MAX_CHUNKS)[None, :] < n_chunks[:, None]
    more = np.arange(_MAX_CHUNKS)[None, :] < (n_chunks - 1)[:, None]
    chars = (chunks | np.where(more, 0x20, 0)) + 63
    text = chars[used].astype(np.uint8).tobytes().decode("ascii")
    return text, np.concatenate([[0], np.cumsum(n_chunks)]).astype(np.int64)


class SlicedPolyline:
    """Encode slices ``coords[i:j+1]`` of a ``(lon, lat)`` line as polylines of ``precision`` (5 or 6)."""

    def __init__(self, coords: npt.NDArray[np.float64], precision: int = 5) -> None:
        self.coords = coords
        self.precision = precision
        factor = 10**precision
        ints = np.rint(coords[:, ::-1] * factor).astype(np.int64)  # (lat, lon) per point
        deltas = np.diff(ints, axis=0).reshape(-1)
        self._text, off = _encode_values(deltas) if deltas.size else ("", np.zeros(1, dtype=np.int64))
        self._point_off = off[::2]  # offset of point k's delta (k = 1..n-1 -> index k-1)

    def slice(self, i: int, j: int) -> str:
        """The polyline of points ``i..j`` (inclusive)."""
        head = polyline.encode([(float(self.coords[i, 0]), float(self.coords[i, 1]))], precision=self.precision)
        return head + self._text[self._point_off[i] : self._point_off[j]]
