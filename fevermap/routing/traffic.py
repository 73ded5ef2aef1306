"""Live traffic in OSRM's formats: segment speeds and turn penalties.

A traffic file has rows ``from_osm_node_id,to_osm_node_id,speed_kmh[,rate]``, one row per direction, as OSRM's
``--segment-speed-file`` takes them (an optional header line is allowed). A row sets the speed of exactly that OSM
segment, also where it lies inside a longer simplified edge; speed 0 closes it. ``rate`` is accepted and validated but
does not change durations (fevermap routes by time). A turn-penalty file has rows
``from_osm_id,via_osm_id,to_osm_id,penalty_s[,weight]`` (OSRM's ``--turn-penalty-file``: the OSM nodes before, at
and after the turn); a row sets that turn's cost in seconds. Unknown ids are counted with their line numbers, not
fatal; malformed rows (non-numeric, negative, out of range) are all counted and named by line in one
:class:`InputError`, and nothing of such a file is applied.
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
from fevermap.routing.segment_table import SegmentTable

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
MAX_SPEED_KPH = 300.0
__all__ = ["SegmentTable", "TrafficReport", "TrafficRows", "TurnPenaltyRows", "parse_traffic", "parse_turn_penalties"]


@dataclass(frozen=True)
class TrafficRows:
    """Parsed traffic rows: OSM node ids and speeds in km/h (0 = closed); ``lines`` their line numbers."""

    from_osm: IntArray
    to_osm: IntArray
    speed_kph: FloatArray
    lines: IntArray | None = None

    def __len__(self) -> int:
        return int(self.from_osm.shape[0])


@dataclass(frozen=True)
class TurnPenaltyRows:
    """Parsed turn-penalty rows: OSM node ids before, at and after the turn, its cost in s, and line numbers."""

    from_osm: IntArray
    via_osm: IntArray
    to_osm: IntArray
    penalty_s: FloatArray
    lines: IntArray

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
    unknown_lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "segments_changed": self.segments_changed,
            "segments_closed": self.segments_closed,
            "unknown_pairs": self.unknown_pairs,
            "unknown_examples": [list(p) for p in self.unknown_examples],
            "metric_version": self.metric_version,
            "customise_ms": round(self.customise_ms, 3),
            "unknown_lines": self.unknown_lines,
        }


_MAX_ERRORS_SHOWN = 10


def _parse_int(text: str, line: int, column: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"line {line}: {column} {text.strip()!r} is not an integer OSM node id") from None
    if value <= 0:
        raise InputError(f"line {line}: {column} {value} is not a positive OSM node id")
    if value >= 2**63:
        raise InputError(f"line {line}: {column} {value} is too large for an OSM node id")
    return value


def _parse_float(text: str, line: int, column: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"line {line}: {column} {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"line {line}: {column} {value} must be between {low:g} and {high:g}")
    return value


def _careful(lines: Iterable[str], what: str, ids: tuple[str, ...], value: tuple[str, float, float],
             optional: str, prefix: str) -> tuple[list[list[int]], list[float], list[int]]:  # fmt: skip
    """Parse CSV rows of ``ids``, one bounded ``value`` and an optional non-negative column; collect every bad row."""
    out_ids: list[list[int]] = [[] for _ in ids]
    values: list[float] = []
    numbers: list[int] = []
    errors: list[str] = []
    width = len(ids) + 1
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if number == 1 and not row[0].strip().lstrip("-").isdigit():
            continue  # header
        try:
            if len(row) not in (width, width + 1):
                raise InputError(f"line {number}: expected {','.join(ids)},{value[0]}[,{optional}], got {len(row)} "
                                 f"fields")  # fmt: skip
            parsed = [_parse_int(row[i], number, c) for i, c in enumerate(ids)]
            v = _parse_float(row[len(ids)], number, value[0], value[1], value[2])
            if len(row) == width + 1 and row[width].strip():
                _parse_float(row[width], number, optional, 0.0, math.inf)
        except InputError as exc:
            errors.append(f"{prefix} {exc}")
            continue
        for col, x in zip(out_ids, parsed, strict=True):
            col.append(x)
        values.append(v)
        numbers.append(number)
    if errors:
        shown = "; ".join(errors[:_MAX_ERRORS_SHOWN])
        more = f" (and {len(errors) - _MAX_ERRORS_SHOWN} more)" if len(errors) > _MAX_ERRORS_SHOWN else ""
        raise InputError(f"{what}: {len(errors)} malformed rows, nothing applied: {shown}{more}")
    if not values:
        raise InputError(f"the {what} has no rows: expected {','.join(ids)},{value[0]}[,{optional}]")
    return out_ids, values, numbers


def _text(source: str | Path | Iterable[str], what: str) -> str | Iterable[str]:
    if isinstance(source, Path):
        if not source.is_file():
            raise InputError(f"{what} file not found: {source}")
        source = source.read_text(encoding="utf-8-sig")
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    return source


def _fast_parse(text: str) -> TrafficRows | None:
    """Vectorised parse of a well-formed file (numpy's C reader); None when anything looks off."""
    body = text
    first_line = text.split("\n", 1)[0]
    if first_line and not first_line.split(",")[0].strip().strip('"').lstrip("-").isdigit():  # as csv reads it
        body = text[len(first_line) + 1 :]
    if not body.strip() or "\n\n" in body.strip() or "\r" in body:
        return None  # blank lines would shift the line numbers: let the careful parser count them
    columns = _plain_columns(body)
    if columns is None:
        try:
            table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError:
            return None
        if table.shape[1] not in (3, 4):
            return None
        columns = [table[:, i] for i in range(table.shape[1])]
    ids = columns[:2]
    speed = columns[2]
    ok = all(bool((i > 0).all() and (i == np.floor(i)).all() and (i < 2**53).all()) for i in ids)
    ok = ok and bool(np.isfinite(speed).all() and (speed >= 0).all() and (speed <= MAX_SPEED_KPH).all())
    if len(columns) == 4:
        rate = columns[3]
        ok = ok and bool(np.isfinite(rate).all() and (rate >= 0).all())
    if not ok:
        return None
    first = 2 if body is not text else 1
    lines = np.arange(first, first + speed.shape[0], dtype=np.int64)
    return TrafficRows(ids[0].astype(np.int64), ids[1].astype(np.int64), np.array(speed, dtype=np.float64), lines)


#: Byte classes of a plain traffic body: digits, the separators, the decimal point; anything else (5) sends it to numpy.
_DIGIT, _COMMA, _NEWLINE, _POINT, _OTHER = 0, 1, 2, 3, 5
_CLASS = np.full(256, _OTHER, dtype=np.uint8)
_CLASS[ord("0") : ord("9") + 1] = _DIGIT
_CLASS[[ord(","), ord("\n"), ord(".")]] = [_COMMA, _NEWLINE, _POINT]
_POW10 = 10 ** np.arange(19, dtype=np.int64)
_MAX_ID_DIGITS = 18  # below 2**63
_MAX_VALUE_DIGITS = 15  # below 2**53: digits / 10**k is then the correctly rounded float, as float() gives


def _plain_columns(body: str) -> list[np.ndarray] | None:
    """The 3 or 4 columns of a headerless body of plain rows ``digits,digits,value[,value]`` (a value: digits with at
    most one decimal point inside), the ids as int64 and the values as float64 equal to :func:`float` of their text;
    None when any row is otherwise (the caller then reads the body with numpy, and malformed rows reach the careful
    parser). A few vectorised passes over the bytes, and no import: pyarrow's reader, used before, was about as fast
    but its import made the first update of a process some 400 ms slower."""
    raw = np.frombuffer(body.encode(), dtype=np.uint8)
    if raw.shape[0] == 0:
        return None
    if raw[-1] != ord("\n"):
        raw = np.append(raw, np.uint8(ord("\n")))
    cls = _CLASS[raw]
    if int(cls.max()) > _POINT:
        return None
    marks = np.flatnonzero(cls != _DIGIT)  # separators and points
    is_point = cls[marks] == _POINT
    field_of_point = np.cumsum(~is_point)[is_point]  # separators before each point: its field
    ends = marks[~is_point]
    newline = (cls[ends] == _NEWLINE).reshape(-1, 1)
    rows = int(np.count_nonzero(newline))
    width = ends.shape[0] // rows if rows else 0
    if width not in (3, 4) or ends.shape[0] != rows * width:
        return None
    newline = newline.reshape(rows, width)
    if bool(newline[:, :-1].any()) or not bool(newline[:, -1].all()):
        return None
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    points = marks[is_point]
    if bool((field_of_point % width < 2).any()) or bool((np.diff(field_of_point) == 0).any()):
        return None  # a point in an id, or two in one value
    if bool(((points == starts[field_of_point]) | (points == ends[field_of_point] - 1)).any()):
        return None  # "5." or ".5": numpy reads them
    fraction = np.zeros(ends.shape[0], dtype=np.int64)  # digits after the point
    fraction[field_of_point] = ends[field_of_point] - 1 - points
    keep, k_starts, k_ends = raw, starts, ends
    if points.shape[0]:  # the digits without the points, and each field's bounds there
        keep = np.delete(raw, points)
        fields = np.arange(ends.shape[0])
        k_starts = starts - np.searchsorted(field_of_point, fields, side="left")
        k_ends = ends - np.searchsorted(field_of_point, fields, side="right")
    columns: list[np.ndarray] = []
    for col in range(width):
        digits = _digits_value(keep, k_starts[col::width], k_ends[col::width],
                               _MAX_ID_DIGITS if col < 2 else _MAX_VALUE_DIGITS)  # fmt: skip
        if digits is None:
            return None
        columns.append(digits if col < 2 else digits / 10.0 ** fraction[col::width])
    return columns


def _digits_value(data: np.ndarray, starts: IntArray, ends: IntArray, max_digits: int) -> IntArray | None:
    """The whole number written by the digits ``data[starts[i]:ends[i]]`` of each field (None: empty or too long)."""
    lengths = ends - starts
    width = int(lengths.max())
    if width > max_digits or int(lengths.min()) < 1:
        return None
    value = np.zeros(ends.shape[0], dtype=np.int64)
    for k in range(width):  # the k-th digit from the end of every field at once
        digit = data[ends - 1 - k].astype(np.int64) - ord("0")
        digit[lengths <= k] = 0
        value += digit * _POW10[k]
    return value


def parse_traffic(source: str | Path | Iterable[str]) -> TrafficRows:
    """Parse OSRM segment-speed rows.

    Parameters
    ----------
    source : Path, str or iterable of str
        A path to a CSV file (:class:`~pathlib.Path`), or the CSV text itself (``str``), or its lines.

    Raises
    ------
    InputError
        When any row is malformed: counts them and names their line numbers and what is wrong.
    """
    text = _text(source, "traffic")
    if isinstance(text, str):
        fast = _fast_parse(text)
        if fast is not None:
            return fast
        text = text.splitlines()  # the careful parser, for exact error messages
    ids, speeds, lines = _careful(text, "traffic feed", ("from_osm_node_id", "to_osm_node_id"),
                                  ("speed_kmh", 0.0, MAX_SPEED_KPH), "rate", "traffic")  # fmt: skip
    return TrafficRows(
        np.asarray(ids[0], dtype=np.int64),
        np.asarray(ids[1], dtype=np.int64),
        np.asarray(speeds, dtype=np.float64),
        np.asarray(lines, dtype=np.int64),
    )


#: Largest accepted turn penalty, seconds (an hour: anything longer is a closure, not a penalty).
MAX_TURN_PENALTY_S = 3600.0


def parse_turn_penalties(source: str | Path | Iterable[str]) -> TurnPenaltyRows:
    """Parse OSRM turn-penalty rows ``from_osm_id,via_osm_id,to_osm_id,penalty_s[,weight]`` (see the module doc).

    Raises
    ------
    InputError
        When any row is malformed (all of them counted, with line numbers); nothing is applied.
    """
    text = _text(source, "turn-penalty")
    lines_in = text.splitlines() if isinstance(text, str) else text
    ids, values, lines = _careful(lines_in, "turn-penalty file", ("from_osm_id", "via_osm_id", "to_osm_id"),
                                  ("penalty_s", 0.0, MAX_TURN_PENALTY_S), "weight", "turn-penalty")  # fmt: skip
    a, b, c = (np.asarray(x, dtype=np.int64) for x in ids)
    return TurnPenaltyRows(a, b, c, np.asarray(values, dtype=np.float64), np.asarray(lines, dtype=np.int64))
