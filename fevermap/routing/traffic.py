"""Live traffic in OSRM's segment-speed format.

A traffic file has rows ``from_osm_node_id,to_osm_node_id,speed_kmh[,rate]``, one row per direction, as OSRM's
``--segment-speed-file`` takes them (an optional header line is allowed). A row sets the speed of exactly that OSM
segment, also where it lies inside a longer simplified edge; speed 0 closes it. ``rate`` is accepted and validated but
does not change durations (fevermap routes by time). Unknown node pairs are counted, not fatal; a malformed row is an
error that names its line, and nothing of such a file is applied.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
MAX_SPEED_KPH = 300.0


@dataclass(frozen=True)
class TrafficRows:
    """Parsed traffic rows: OSM node ids and speeds in km/h (0 = closed)."""

    from_osm: IntArray
    to_osm: IntArray
    speed_kph: FloatArray

    def __len__(self) -> int:
        return int(self.from_osm.shape[0])


@dataclass(frozen=True)
class TrafficReport:
    """What an update did: rows read, segments changed and closed, unknown node pairs (with a few examples)."""

    rows: int
    segments_changed: int
    segments_closed: int
    unknown_pairs: int
    unknown_examples: list[tuple[int, int]] = field(default_factory=list)
    metric_version: int = 0
    customise_ms: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "segments_changed": self.segments_changed,
            "segments_closed": self.segments_closed,
            "unknown_pairs": self.unknown_pairs,
            "unknown_examples": [list(p) for p in self.unknown_examples],
            "metric_version": self.metric_version,
            "customise_ms": round(self.customise_ms, 3),
        }


def _parse_int(text: str, line: int, column: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"traffic line {line}: {column} {text.strip()!r} is not an integer OSM node id") from None
    if value <= 0:
        raise InputError(f"traffic line {line}: {column} {value} is not a positive OSM node id")
    return value


def _fast_parse(text: str) -> TrafficRows | None:
    """Vectorised parse of a well-formed file (numpy's C reader); None when anything looks off."""
    body = text
    first_line = text.split("\n", 1)[0]
    if first_line and not first_line.split(",")[0].strip().lstrip("-").isdigit():
        body = text[len(first_line) + 1 :]
    if not body.strip():
        return None
    try:
        table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError:
        return None
    if table.shape[1] not in (3, 4):
        return None
    ids = table[:, :2]
    speed = table[:, 2]
    ok = (ids > 0).all() and (ids == np.floor(ids)).all() and (ids < 2**53).all()
    ok = ok and bool(np.isfinite(speed).all() and (speed >= 0).all() and (speed <= MAX_SPEED_KPH).all())
    if table.shape[1] == 4:
        rate = table[:, 3]
        ok = ok and bool(np.isfinite(rate).all() and (rate >= 0).all())
    if not ok:
        return None
    return TrafficRows(ids[:, 0].astype(np.int64), ids[:, 1].astype(np.int64), speed.copy())


def parse_traffic(source: str | Path | Iterable[str]) -> TrafficRows:
    """Parse OSRM segment-speed rows.

    Parameters
    ----------
    source : Path, str or iterable of str
        A path to a CSV file (:class:`~pathlib.Path`), or the CSV text itself (``str``), or its lines.

    Raises
    ------
    InputError
        On the first malformed row, naming its line number and what is wrong.
    """
    if isinstance(source, Path):
        if not source.is_file():
            raise InputError(f"traffic file not found: {source}")
        source = source.read_text(encoding="utf-8-sig")
    if isinstance(source, str):
        source = source.removeprefix("\ufeff")
        fast = _fast_parse(source)
        if fast is not None:
            return fast
        lines: Iterable[str] = source.splitlines()  # the careful parser, for exact error messages
    else:
        lines = source
    from_ids: list[int] = []
    to_ids: list[int] = []
    speeds: list[float] = []
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if number == 1 and not row[0].strip().lstrip("-").isdigit():
            continue  # header
        if len(row) not in (3, 4):
            raise InputError(
                f"traffic line {number}: expected from_osm_node_id,to_osm_node_id,speed_kmh[,rate], "
                f"got {len(row)} fields"
            )
        a = _parse_int(row[0], number, "from_osm_node_id")
        b = _parse_int(row[1], number, "to_osm_node_id")
        try:
            speed = float(row[2])
        except ValueError:
            raise InputError(f"traffic line {number}: speed {row[2].strip()!r} is not a number") from None
        if not math.isfinite(speed) or speed < 0 or speed > MAX_SPEED_KPH:
            raise InputError(
                f"traffic line {number}: speed {speed} km/h must be between 0 (closed) and {MAX_SPEED_KPH}"
            )
        if len(row) == 4 and row[3].strip():
            try:
                rate = float(row[3])
            except ValueError:
                raise InputError(f"traffic line {number}: rate {row[3].strip()!r} is not a number") from None
            if not math.isfinite(rate) or rate < 0:
                raise InputError(f"traffic line {number}: rate {rate} must be a non-negative number")
        from_ids.append(a)
        to_ids.append(b)
        speeds.append(speed)
    if not from_ids:
        raise InputError("the traffic feed has no rows: expected from_osm_node_id,to_osm_node_id,speed_kmh[,rate]")
    return TrafficRows(
        np.asarray(from_ids, dtype=np.int64),
        np.asarray(to_ids, dtype=np.int64),
        np.asarray(speeds, dtype=np.float64),
    )


class SegmentTable:
    """Maps OSM node pairs to segment indices of a region (vectorised; built at ``fevermap build`` and saved).

    Node ids are mapped to dense indices (``ids`` sorted), a pair to the key ``dense(u) * len(ids) + dense(v)``;
    ``keys`` are sorted and ``order`` gives the segment of each key.
    """

    def __init__(self, ids: IntArray, keys: IntArray, order: IntArray) -> None:
        self.ids, self.keys, self.order = ids, keys, order

    @classmethod
    def build(cls, seg_u_osm: IntArray, seg_v_osm: IntArray) -> SegmentTable:
        ids = np.unique(np.concatenate([seg_u_osm, seg_v_osm]))
        n = ids.shape[0]
        keys = np.searchsorted(ids, seg_u_osm) * n + np.searchsorted(ids, seg_v_osm)
        order = np.argsort(keys, kind="stable")
        return cls(ids, keys[order], order)

    def _dense(self, osm: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        pos = np.searchsorted(self.ids, osm)
        pos = np.minimum(pos, self.ids.shape[0] - 1)
        return pos, self.ids[pos] == osm

    def lookup(self, from_osm: IntArray, to_osm: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
        """Segments of each pair: returns ``(row_index, segment_index, found_per_row)``.

        A pair may match several segments (parallel ways); each match is one output pair.
        """
        n = self.ids.shape[0]
        # sorted needles make numpy's binary searches cache-friendly
        by_from = np.argsort(from_osm, kind="stable")
        a_sorted, ok_sorted = self._dense(from_osm[by_from])
        a = np.empty_like(a_sorted)
        ok_a = np.empty_like(ok_sorted)
        a[by_from], ok_a[by_from] = a_sorted, ok_sorted
        b, ok_b = self._dense(to_osm)
        key = a * n + b
        by_key = np.argsort(key, kind="stable")
        lo = np.empty_like(key)
        hi = np.empty_like(key)
        lo[by_key] = np.searchsorted(self.keys, key[by_key], side="left")
        hi[by_key] = np.searchsorted(self.keys, key[by_key], side="right")
        found = ok_a & ok_b & (hi > lo)
        counts = np.where(found, hi - lo, 0)
        rows = np.repeat(np.arange(key.shape[0]), counts)
        starts = np.repeat(lo, counts)
        offsets = np.arange(rows.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        return rows, self.order[starts + offsets], found


def segment_times_ms(length_m: FloatArray, speed_kph: FloatArray) -> FloatArray:
    """Segment travel times in ms (``inf`` where the speed is 0, i.e. closed)."""
    with np.errstate(divide="ignore"):
        return np.where(speed_kph > 0, length_m * 3600.0 / np.maximum(speed_kph, 1e-300), np.inf)


def edge_weights_ms(seg_ms: FloatArray, seg_off: IntArray) -> IntArray:
    """Integer edge weights in ms: the ceiling of each edge's summed segment times (never faster than the roads)."""
    total = np.add.reduceat(seg_ms, seg_off[:-1])
    out = np.full(total.shape[0], 2**31 - 1, dtype=np.int64)
    finite = np.isfinite(total)
    out[finite] = np.minimum(np.ceil(total[finite] - 1e-9), 2**31 - 1).astype(np.int64)
    return out
