"""Transport legs: reading train and flight trips, and matching them between declarants and cases.

A leg matches when the kind (train or flight), the normalised number (``G1716``, ``MU2603``) and the local
departure date agree. Among matches, a nearby seat ranks above the same carriage, which ranks above only the same
vehicle: "nearby" is the same row or up to ``seat_rows`` rows apart (flights: China's close-contact rule of the same
row and three rows either side; trains: the same carriage as well).

The wuhan2020 patient records write trips as free text (``G1716次7车厢11号``, ``JD5137/7E``, ``K356/7/12C``,
``厦门航空MF8513``); :func:`parse_detail` reads number, carriage and seat from such text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fevermap.errors import RecordError
from fevermap.times import naive_message
from fevermap.tracing.models import TransportLeg

TRAIN_WORDS = ("高铁", "火车", "动车", "列车", "train")
FLIGHT_WORDS = ("飞机", "航班", "航空", "flight")
_TRAIN_RE = re.compile(r"(?<![A-Z0-9])([GDCKZTYLS]\d{1,4})(?!\d)")
_FLIGHT_RE = re.compile(r"(?<![A-Z0-9])([A-Z][A-Z0-9]|\d[A-Z])(\d{1,4})(?!\d)")
_CARRIAGE_RE = re.compile(r"(\d{1,2})\s*(?:号?车厢|车)")
_SEAT_RE = re.compile(r"(\d{1,3})\s*([A-F])(?![A-Z])")
_SEAT_NUM_RE = re.compile(r"(\d{1,3})\s*号")


@dataclass(frozen=True)
class ParsedDetail:
    """Number, carriage and seat read from a free-text trip description."""

    kind: str
    number: str
    carriage: int | None
    seat_row: int | None
    seat_letter: str | None


def parse_detail(method: str, detail: str) -> ParsedDetail | None:
    """Read a train or flight trip from its method (``高铁``, ``飞机``...) and free text; None if it is neither.

    Examples
    --------
    >>> parse_detail("高铁", "G1716次7车厢11号")
    ParsedDetail(kind='train', number='G1716', carriage=7, seat_row=11, seat_letter=None)
    >>> parse_detail("飞机", "JD5137/7E")
    ParsedDetail(kind='flight', number='JD5137', carriage=None, seat_row=7, seat_letter='E')
    """
    text = str(detail or "").upper().replace("（", "(").replace("，", ",").strip()
    method = str(method or "")
    if any(w in method for w in FLIGHT_WORDS):
        kind = "flight"
    elif any(w in method for w in TRAIN_WORDS) or _TRAIN_RE.match(text):
        kind = "train"
    else:
        return None
    if kind == "train":
        m = _TRAIN_RE.search(text)
        if not m:
            return None
        number = m.group(1)
        rest = text[m.end() :].lstrip("次")
        carriage = seat_row = None
        letter = None
        cm = _CARRIAGE_RE.search(rest)
        parts = [p for p in re.split(r"[/(),\s]+", rest) if p]
        if cm:
            carriage = int(cm.group(1))
            rest_after = rest[cm.end() :]
        elif parts and parts[0].isdigit():
            carriage = int(parts[0])
            rest_after = "/".join(parts[1:])
        else:
            rest_after = rest
        sm = _SEAT_RE.search(rest_after)
        if sm:
            seat_row, letter = int(sm.group(1)), sm.group(2)
        else:
            nm = _SEAT_NUM_RE.search(rest_after) or re.search(r"(\d{1,3})", rest_after)
            seat_row = int(nm.group(1)) if nm else None
        return ParsedDetail("train", number, carriage, seat_row, letter)
    m = _FLIGHT_RE.search(text)
    if not m:
        return None
    number = m.group(1) + m.group(2)
    sm = _SEAT_RE.search(text[m.end() :])
    return ParsedDetail("flight", number, None, int(sm.group(1)) if sm else None, sm.group(2) if sm else None)


def _local_date(value: Any, tz: str) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    ts = pd.Timestamp(text)
    if ts.tzinfo is None:
        raise ValueError(naive_message("date-time", text))
    return str(ts.tz_convert(tz).date().isoformat())


def parse_wuhan2020(data: list[Any], name: str, *, tz: str) -> tuple[list[TransportLeg], list[RecordError]]:
    """Train and flight legs of wuhan2020 patient records (``travelData`` of ``pd_*.json``), dated in ``tz``.

    Legs by car, bus, on foot or without a readable number are skipped (they cannot be matched by number); legs with
    a number but no usable date are reported as errors.
    """
    legs: list[TransportLeg] = []
    errors: list[RecordError] = []
    for i, patient in enumerate(data):
        if not isinstance(patient, dict):
            continue
        pid = str(patient.get("id"))
        for j, t in enumerate(patient.get("travelData") or []):
            rec = f"{name}:patient {pid} travelData[{j}]"
            parsed = parse_detail(str(t.get("travelMethod") or ""), str(t.get("travelDetail") or ""))
            if parsed is None:
                continue
            try:
                date = _local_date(t.get("travelDate"), tz)
            except ValueError as exc:
                errors.append(RecordError(rec, f"travelDate: {exc}"))
                continue
            if date is None:
                errors.append(RecordError(rec, f"{parsed.kind} {parsed.number} has no travelDate; cannot be matched"))
                continue
            legs.append(
                TransportLeg(pid, parsed.kind, parsed.number, date, parsed.carriage, parsed.seat_row,
                             parsed.seat_letter, raw=str(t.get("travelDetail")), record=rec)
            )  # fmt: skip
        del i
    return legs, errors


def legs_from_records(rows: list[dict[str, Any]], *, tz: str) -> tuple[list[TransportLeg], list[RecordError]]:
    """Legs from dicts with ``id``, ``kind`` (train/flight), ``number``, ``date``, optional ``carriage``, ``seat``."""
    legs: list[TransportLeg] = []
    errors: list[RecordError] = []
    for i, row in enumerate(rows):
        rec = str(row.get("_record") or f"leg {i}")
        kind = str(row.get("kind") or "").lower()
        number = re.sub(r"\s+", "", str(row.get("number") or "")).upper()
        if kind not in ("train", "flight"):
            errors.append(RecordError(rec, f"kind must be 'train' or 'flight', got {row.get('kind')!r}"))
            continue
        if not number:
            errors.append(RecordError(rec, "number is missing (e.g. G1716 or MU2603)"))
            continue
        try:
            date = _local_date(row.get("date"), tz)
        except ValueError as exc:
            errors.append(RecordError(rec, f"date: {exc}"))
            continue
        if date is None:
            errors.append(RecordError(rec, "date is missing (YYYY-MM-DD, local)"))
            continue
        seat = _SEAT_RE.search(str(row.get("seat") or "").upper())
        car = row.get("carriage")
        legs.append(
            TransportLeg(str(row.get("id")), kind, number, date, int(car) if car not in (None, "") else None,
                         int(seat.group(1)) if seat else None, seat.group(2) if seat else None, raw=str(row),
                         record=rec)
        )  # fmt: skip
    return legs, errors


@dataclass(frozen=True)
class LegMatch:
    """A declarant's leg on the same train or flight, same local date, as a case's leg; ``level`` ranks it."""

    declarant: str
    case: str
    kind: str
    number: str
    date: str
    level: str  # "seat-near", "same-carriage" or "same-vehicle"
    declarant_leg: TransportLeg
    case_leg: TransportLeg


def _level(d: TransportLeg, c: TransportLeg, seat_rows: int) -> str:
    same_car = d.carriage is not None and d.carriage == c.carriage
    rows_near = d.seat_row is not None and c.seat_row is not None and abs(d.seat_row - c.seat_row) <= seat_rows
    if rows_near and (d.kind == "flight" or same_car):
        return "seat-near"
    if same_car:
        return "same-carriage"
    return "same-vehicle"


def match_legs(declared: list[TransportLeg], cases: list[TransportLeg], *, seat_rows: int = 3) -> list[LegMatch]:
    """All (declared leg, case leg) pairs on the same kind, number and local date, with their level."""
    by_key: dict[tuple[str, str, str], list[TransportLeg]] = {}
    for c in cases:
        by_key.setdefault((c.kind, c.number, c.date), []).append(c)
    out: list[LegMatch] = []
    for d in declared:
        for c in by_key.get((d.kind, d.number, d.date), []):
            out.append(LegMatch(d.owner, c.owner, d.kind, d.number, d.date, _level(d, c, seat_rows), d, c))
    return out
