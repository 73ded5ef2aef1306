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
    columns = _arrow_columns(body)
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


def _arrow_columns(body: str) -> list[np.ndarray] | None:
    """The 3 or 4 columns of a headerless, well-formed body read by pyarrow's CSV reader (whole-number ids as int64,
    the rest float64; about 4 times faster than numpy's), or None when it refuses anything: the caller then reads it
    with numpy, and malformed rows reach the careful parser."""
    import pyarrow as pa  # the service's first traffic update imports it; nothing else in routing needs it
    import pyarrow.csv as pa_csv

    types = {"f0": pa.int64(), "f1": pa.int64(), "f2": pa.float64(), "f3": pa.float64()}
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns not in (3, 4) or table.num_rows == 0 or any(c.null_count for c in table.columns):
        return None
    if any(table.column(i).type != types[f"f{i}"] for i in range(table.num_columns)):
        return None
    return [np.asarray(table.column(i).to_numpy()) for i in range(table.num_columns)]


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
