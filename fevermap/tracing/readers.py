"""Readers of case tracks and declared itineraries: CSV, GeoJSON, Hamagen, Google Takeout, fevermap JSON.

Every reader returns a :class:`~fevermap.tracing.assemble.ReadResult`: the good rows as a :class:`Visits` table
(``(lon, lat)`` WGS-84 degrees, UTC epoch seconds) and one :class:`~fevermap.errors.RecordError` per bad record,
naming the file and line or feature. One bad record never loses the others.

Formats
-------
CSV
    Header ``id,lon,lat,start,end`` plus optional ``radius_m,place``; times ISO 8601 with offset, or dates for
    day-level records (whole local day).
GeoJSON
    FeatureCollection of Points, properties ``id``, ``start``, ``end``, optional ``radius_m``, ``place``.
Hamagen
    Israel's case format: GeoJSON Points with ``fromTime_utc``/``toTime_utc`` (epoch ms), optional ``radius``,
    ``Name`` (case), ``Place``.
Google Takeout
    Semantic location history: ``timelineObjects[].placeVisit`` (``location.latitudeE7``/``longitudeE7``,
    ``duration.startTimestamp[Ms]``) or the newer ``semanticSegments[].visit`` (``placeLocation.latLng``). Holds
    no person id: the caller gives one (by default the file name).
fevermap JSON
    ``{"declarations": [{"id", "stops": [{"lon", "lat", "start", "end", "place"}], "legs": [...],
    "contact_answers": {...}, "temperatures": [{"time", "celsius"}]}]}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from fevermap.errors import FormatError, RecordError
from fevermap.geo.datum import Datum
from fevermap.times import naive_message
from fevermap.tracing.assemble import ReadResult, assemble
from fevermap.tracing.legs import legs_from_records, parse_wuhan2020
from fevermap.tracing.models import Declaration, TemperatureReading, Visits
from fevermap.tracing.timeparse import parse_epoch_ms, parse_times

FORMATS = ("csv", "geojson", "hamagen", "takeout", "fevermap", "wuhan2020")
CSV_REQUIRED = ("id", "lon", "lat", "start", "end")


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (never a 2-d array, even for equal-length lists)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _from_columns(
    cols: dict[str, Any], records: np.ndarray, *, tz: str, assume_tz: str | None, datum: Datum
) -> tuple[Visits, list[RecordError]]:
    s, se = parse_times(cols["start"], role="start", tz=tz, assume_tz=assume_tz)
    e, ee = parse_times(cols["end"], role="end", tz=tz, assume_tz=assume_tz)
    return assemble(
        owner=cols["id"],
        lon=cols["lon"],
        lat=cols["lat"],
        start=s,
        start_err=se,
        end=e,
        end_err=ee,
        records=records,
        radius_m=cols.get("radius_m"),
        place=cols.get("place"),
        datum=datum,
    )


def _column(table: pa.Table, name: str) -> Any:
    col = table.column(name)
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)


def _float_column(table: pa.Table, name: str) -> Any:
    col = table.column(name)
    try:
        return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _column(table, name)  # parsed value by value in assemble(), which names the bad records


def _csv_chunks(
    batches: Iterator[pa.Table], path: Path, *, tz: str, assume_tz: str | None, datum: Datum
) -> Iterator[ReadResult]:
    line = 2
    for table in batches:
        missing = [c for c in CSV_REQUIRED if c not in table.column_names]
        if missing:
            raise FormatError(
                f"{path.name}: CSV needs the columns {', '.join(CSV_REQUIRED)} (optional radius_m, place); "
                f"missing {', '.join(missing)}"
            )
        n = table.num_rows
        records = np.char.add(f"{path.name}:line ", np.arange(line, line + n).astype(str)).astype(object)
        line += n
        s, se = parse_times(table.column("start"), role="start", tz=tz, assume_tz=assume_tz)
        e, ee = parse_times(table.column("end"), role="end", tz=tz, assume_tz=assume_tz)
        visits, errors = assemble(
            owner=_column(table, "id"),
            lon=_float_column(table, "lon"),
            lat=_float_column(table, "lat"),
            start=s,
            start_err=se,
            end=e,
            end_err=ee,
            records=records,
            radius_m=_column(table, "radius_m") if "radius_m" in table.column_names else None,
            place=_column(table, "place") if "place" in table.column_names else None,
            datum=datum,
        )
        yield ReadResult(visits=visits, errors=errors)


def _batches(reader: Any, chunk_rows: int) -> Iterator[pa.Table]:
    """Re-cut Arrow record batches into tables of exactly ``chunk_rows`` rows (the last one shorter)."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in reader:
        pending.append(batch)
        rows += batch.num_rows
        while rows >= chunk_rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, chunk_rows)
            rest = table.slice(chunk_rows)
            pending, rows = rest.to_batches(), rest.num_rows
    if rows:
        yield pa.Table.from_batches(pending)


def iter_csv(
    path: str | Path,
    *,
    chunk_rows: int = 1_000_000,
    tz: str,
    assume_tz: str | None = None,
    datum: Datum = "wgs84",
) -> Iterator[ReadResult]:
    """Read a CSV file of ``id,lon,lat,start,end[,radius_m,place]`` in chunks of about ``chunk_rows`` rows.

    Every column is read as text (Apache Arrow's CSV reader) and checked record by record; ``line`` numbers in
    errors assume no line breaks inside quoted fields.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            header = fh.readline()
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name}: not a UTF-8 CSV file ({exc})") from exc
    names = [h.strip() for h in header.rstrip("\r\n").split(",")]
    convert = pv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False)
    try:
        reader = pv.open_csv(path, read_options=pv.ReadOptions(block_size=8 << 20), convert_options=convert)
        with reader:
            yield from _csv_chunks(_batches(reader, chunk_rows), path, tz=tz, assume_tz=assume_tz, datum=datum)
    except pa.ArrowInvalid as exc:
        raise FormatError(f"{path.name}: not a readable CSV file ({exc})") from exc


def read_csv(path: str | Path, **kw: Any) -> ReadResult:
    """Read a whole CSV file (see :func:`iter_csv`)."""
    parts = list(iter_csv(path, **kw))
    return ReadResult(visits=Visits.concat([p.visits for p in parts]), errors=[e for p in parts for e in p.errors])


def _feature_columns(
    features: list[Any], name: str, hamagen: bool
) -> tuple[dict[str, Any], np.ndarray, list[RecordError]]:
    cols: dict[str, list[Any]] = {k: [] for k in ("id", "lon", "lat", "start", "end", "radius_m", "place")}
    records: list[str] = []
    errors: list[RecordError] = []
    for i, f in enumerate(features):
        props = (f or {}).get("properties") or {} if isinstance(f, dict) else {}
        geom = f.get("geometry") if isinstance(f, dict) else None
        ident = props.get("Name", props.get("OBJECTID")) if hamagen else props.get("id")
        rec = f"{name}:feature {i}" + (f" (id {ident})" if ident not in (None, "") else "")
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            kind = geom.get("type") if isinstance(geom, dict) else None
            errors.append(RecordError(rec, f"geometry must be a Point with [lon, lat] coordinates, got {kind!r}"))
            continue
        records.append(rec)
        cols["id"].append(ident)
        cols["lon"].append(coords[0])
        cols["lat"].append(coords[1])
        if hamagen:
            cols["start"].append(props.get("fromTime_utc"))
            cols["end"].append(props.get("toTime_utc"))
            cols["radius_m"].append(props.get("radius"))
            cols["place"].append(props.get("Place"))
        else:
            cols["start"].append(props.get("start"))
            cols["end"].append(props.get("end"))
            cols["radius_m"].append(props.get("radius_m"))
            cols["place"].append(props.get("place"))
    arrays = {k: _objects(v) for k, v in cols.items()}
    return arrays, _objects(records), errors


def read_geojson(
    data: dict[str, Any],
    name: str,
    *,
    tz: str,
    assume_tz: str | None = None,
    datum: Datum = "wgs84",
) -> ReadResult:
    """Read a parsed GeoJSON FeatureCollection of Points (fevermap properties or Hamagen's)."""
    features = data.get("features")
    if data.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise FormatError(f"{name}: GeoJSON input must be a FeatureCollection of Points")
    first = next((f.get("properties") or {} for f in features if isinstance(f, dict)), {})
    hamagen = "fromTime_utc" in first or "toTime_utc" in first
    cols, records, errors = _feature_columns(features, name, hamagen)
    if hamagen:
        s, se = parse_epoch_ms(cols["start"], role="start", field="fromTime_utc")
        e, ee = parse_epoch_ms(cols["end"], role="end", field="toTime_utc")
        visits, errs = assemble(
            owner=cols["id"], lon=cols["lon"], lat=cols["lat"], start=s, start_err=se, end=e, end_err=ee,
            records=records, radius_m=cols["radius_m"], place=cols["place"], datum=datum,
        )  # fmt: skip
    else:
        visits, errs = _from_columns(cols, records, tz=tz, assume_tz=assume_tz, datum=datum)
    return ReadResult(visits=visits, errors=errors + errs)


_LATLNG_RE = re.compile(r"\s*(-?\d+(?:\.\d+)?)°?\s*,\s*(-?\d+(?:\.\d+)?)°?\s*")


def read_takeout(data: dict[str, Any], name: str, *, declarant_id: str, datum: Datum = "wgs84") -> ReadResult:
    """Read Google Takeout semantic location history (place visits) as one declarant's stops."""
    cols: dict[str, list[Any]] = {k: [] for k in ("lon", "lat", "start", "end", "place")}
    records: list[str] = []
    for i, obj in enumerate(data.get("timelineObjects") or []):
        visit = obj.get("placeVisit") if isinstance(obj, dict) else None
        if not isinstance(visit, dict):
            continue
        loc = visit.get("location") or {}
        dur = visit.get("duration") or {}
        lat_e7, lon_e7 = loc.get("latitudeE7"), loc.get("longitudeE7")
        cols["lon"].append(None if lon_e7 is None else float(lon_e7) / 1e7)
        cols["lat"].append(None if lat_e7 is None else float(lat_e7) / 1e7)
        for key in ("start", "end"):
            iso = dur.get(f"{key}Timestamp")
            ms = dur.get(f"{key}TimestampMs")
            cols[key].append(iso if iso is not None else _ms_to_iso(ms))
        cols["place"].append(loc.get("name") or loc.get("address"))
        records.append(f"{name}:timelineObjects[{i}]")
    for i, seg in enumerate(data.get("semanticSegments") or []):
        visit = seg.get("visit") if isinstance(seg, dict) else None
        if not isinstance(visit, dict):
            continue
        cand = visit.get("topCandidate") or {}
        m = _LATLNG_RE.fullmatch(str((cand.get("placeLocation") or {}).get("latLng", "")))
        cols["lat"].append(float(m.group(1)) if m else None)
        cols["lon"].append(float(m.group(2)) if m else None)
        cols["start"].append(seg.get("startTime"))
        cols["end"].append(seg.get("endTime"))
        cols["place"].append(cand.get("semanticType"))
        records.append(f"{name}:semanticSegments[{i}]")
    if not records and not ("timelineObjects" in data or "semanticSegments" in data):
        raise FormatError(f"{name}: not a Google Takeout location history (no timelineObjects/semanticSegments)")
    n = len(records)
    arr = {k: _objects(v) for k, v in cols.items()}
    arr["id"] = np.full(n, declarant_id, dtype=object)
    recs = _objects(records)
    # Takeout times are absolute (epoch ms, or ISO 8601 with an offset): no zone is needed to read them
    visits, errors = _from_columns(arr, recs, tz="UTC", assume_tz=None, datum=datum)
    return ReadResult(visits=visits, errors=errors)


def _ms_to_iso(ms: Any) -> str | None:
    try:
        return pd.Timestamp(int(ms), unit="ms", tz="UTC").isoformat()
    except (TypeError, ValueError):
        return None if ms is None else str(ms)


def read_fevermap_json(
    data: dict[str, Any], name: str, *, tz: str, assume_tz: str | None = None, datum: Datum = "wgs84"
) -> ReadResult:
    """Read fevermap's declaration JSON: stops, transport legs, contact answers, temperature readings."""
    decls = data.get("declarations")
    if not isinstance(decls, list):
        raise FormatError(f"{name}: fevermap JSON needs a 'declarations' list")
    cols: dict[str, list[Any]] = {k: [] for k in ("id", "lon", "lat", "start", "end", "radius_m", "place")}
    records: list[str] = []
    leg_rows: list[dict[str, Any]] = []
    out_decls: list[Declaration] = []
    errors: list[RecordError] = []
    for i, d in enumerate(decls):
        did = d.get("id") if isinstance(d, dict) else None
        if not isinstance(d, dict) or did in (None, ""):
            errors.append(RecordError(f"{name}:declarations[{i}]", "declaration needs an 'id'"))
            continue
        for j, s in enumerate(d.get("stops") or []):
            s = s if isinstance(s, dict) else {}
            for k in ("lon", "lat", "start", "end", "radius_m", "place"):
                cols[k].append(s.get(k))
            cols["id"].append(did)
            records.append(f"{name}:declarations[{i}] (id {did}) stop {j}")
        for j, leg in enumerate(d.get("legs") or []):
            leg_rows.append(
                {**(leg if isinstance(leg, dict) else {}), "id": did, "_record": f"{name}:declarations[{i}] leg {j}"}
            )
        temps: list[TemperatureReading] = []
        for j, t in enumerate(d.get("temperatures") or []):
            try:
                when = pd.Timestamp(str(t["time"]))
                if when.tzinfo is None:
                    raise ValueError(naive_message("time", t["time"]))
                temps.append(TemperatureReading(when.tz_convert("UTC").to_pydatetime(), float(t["celsius"])))
            except (KeyError, TypeError, ValueError) as exc:
                errors.append(
                    RecordError(
                        f"{name}:declarations[{i}] temperature {j}", f"needs time (with offset) and celsius: {exc}"
                    )
                )
        answers = {str(k): str(v) for k, v in (d.get("contact_answers") or {}).items()}
        out_decls.append(Declaration(id=str(did), contact_answers=answers, temperatures=temps))
    arr = {k: _objects(v) for k, v in cols.items()}
    visits, errs = _from_columns(arr, _objects(records), tz=tz, assume_tz=assume_tz, datum=datum)
    legs, leg_errs = legs_from_records(leg_rows, tz=tz)
    return ReadResult(visits=visits, legs=legs, declarations=out_decls, errors=errors + errs + leg_errs)


def detect_format(path: Path, data: Any | None) -> str:
    """Name the format of ``path`` (one of :data:`FORMATS`) from its extension and content."""
    if path.suffix.lower() == ".csv":
        return "csv"
    if isinstance(data, dict):
        if data.get("type") == "FeatureCollection":
            feats = data.get("features") or [{}]
            props = (feats[0] or {}).get("properties") or {} if isinstance(feats[0], dict) else {}
            return "hamagen" if "fromTime_utc" in props or "toTime_utc" in props else "geojson"
        if "timelineObjects" in data or "semanticSegments" in data:
            return "takeout"
        if "declarations" in data:
            return "fevermap"
    if isinstance(data, list) and data and isinstance(data[0], dict) and "travelData" in data[0]:
        return "wuhan2020"
    raise FormatError(
        f"{path.name}: unknown format; give a CSV (id,lon,lat,start,end[,radius_m,place]), a GeoJSON "
        "FeatureCollection of Points, Hamagen GeoJSON, Google Takeout location history or fevermap JSON"
    )


def read_tracks(
    path: str | Path,
    *,
    fmt: str = "auto",
    tz: str,
    assume_tz: str | None = None,
    datum: Datum = "wgs84",
    declarant_id: str | None = None,
) -> ReadResult:
    """Read case tracks or declared itineraries from a file in any supported format (see module docstring).

    Raises
    ------
    FormatError
        If the file is unreadable or in no supported format; bad *records* are returned in ``errors`` instead.
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    if fmt not in ("auto", *FORMATS):
        raise FormatError(f"unknown format {fmt!r}; use one of auto, {', '.join(FORMATS)}")
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() == ".csv"):
        return read_csv(path, tz=tz, assume_tz=assume_tz, datum=datum)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path.name}: not valid JSON ({exc})") from exc
    kind = detect_format(path, data) if fmt == "auto" else fmt
    if kind in ("geojson", "hamagen"):
        return read_geojson(data, path.name, tz=tz, assume_tz=assume_tz, datum=datum)
    if kind == "takeout":
        return read_takeout(data, path.name, declarant_id=declarant_id or path.stem, datum=datum)
    if kind == "fevermap":
        return read_fevermap_json(data, path.name, tz=tz, assume_tz=assume_tz, datum=datum)
    if kind == "wuhan2020":
        legs, errors = parse_wuhan2020(data, path.name, tz=tz)
        return ReadResult(visits=Visits.empty(), legs=legs, errors=errors)
    raise FormatError(f"{path.name}: format {kind!r} cannot be read as JSON")
