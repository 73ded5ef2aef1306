"""Import clinics from CSV or GeoJSON, converting GCJ-02 coordinates to WGS-84 where declared.

CSV: a header row; ``name``, ``lon``, ``lat`` are required columns, the others optional: ``id``, ``phone`` (several
separated by ``;``), ``address``, ``district``, ``kind`` (``fever_clinic`` or ``designated_hospital``),
``night_emergency`` (true/false, empty = unknown), ``opening_hours`` (OSM syntax), ``datum`` (``WGS-84`` or
``GCJ-02``; overrides the file's datum for that row), ``source``. Any other column (e.g. ``coord_source``, ``notes``)
is kept per clinic as provenance in ``extra``.

GeoJSON: a FeatureCollection of Point features (``[lon, lat]``) whose properties use the same names (``phone`` may
also be ``phones``, a list). A row or feature without a usable location, with a malformed phone, bad hours, or a
location outside the region is reported in :class:`~fevermap.clinics.schemas.ImportReport` and skipped, never placed
at an invented spot.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from fevermap.clinics.phones import normalise_phones
from fevermap.clinics.records import stable_clinic_id
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate, ImportReport, SkippedRow
from fevermap.errors import FevermapError, InputError
from fevermap.geo.gcj02 import gcj02_to_wgs84
from fevermap.geo.lonlat import check_in_bbox, check_lonlat

_DATUMS = {
    "wgs84": "WGS-84",
    "wgs-84": "WGS-84",
    "epsg:4326": "WGS-84",
    "4326": "WGS-84",
    "gcj02": "GCJ-02",
    "gcj-02": "GCJ-02",
}
_KNOWN = {
    "id",
    "name",
    "lon",
    "lat",
    "phone",
    "phones",
    "address",
    "district",
    "kind",
    "night_emergency",
    "opening_hours",
    "datum",
    "source",
}
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


class RegionLike(Protocol):
    """What the importer needs of a region: its name, bounding box and time zone."""

    @property
    def name(self) -> str: ...

    @property
    def bbox(self) -> tuple[float, float, float, float]: ...

    @property
    def timezone(self) -> str: ...


def parse_datum(value: str | None, default: str = "WGS-84") -> str:
    """Canonical datum name (``WGS-84`` or ``GCJ-02``) of ``value``; empty gives ``default``.

    Raises
    ------
    InputError
        For any other datum (BD-09 and projected systems are not supported: convert them first).
    """
    if value is None or not str(value).strip():
        return default
    key = str(value).strip().lower().replace("_", "-")
    if key in _DATUMS:
        return _DATUMS[key]
    if key.replace("-", "") in _DATUMS:
        return _DATUMS[key.replace("-", "")]
    raise InputError(f"unknown datum {value!r}: use WGS-84 (default, GPS/OSM) or GCJ-02 (Amap, Tencent)")


def parse_bool(value: Any, what: str) -> bool | None:
    """``true``/``false`` (also yes/no, 1/0) to bool; empty to ``None`` (unknown)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{what} must be true or false, got {value!r}")


def _float(value: Any, what: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} {value!r} is not a number") from None
    if not math.isfinite(x):
        raise InputError(f"{what} {value!r} is not a finite number")
    return x


@dataclass(frozen=True, slots=True)
class RawRow:
    """One input row: its 1-based number, its fields, and its point (GeoJSON) if any."""

    number: int
    fields: Mapping[str, Any]
    point: tuple[Any, Any] | None = None


def read_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a CSV (``.csv``, ``.txt``) or GeoJSON (``.geojson``, ``.json``) file.

    Raises
    ------
    InputError
        For a missing file, an unknown extension, a CSV without ``name``/``lon``/``lat`` columns or a GeoJSON that
        is not a FeatureCollection.
    """
    if not path.is_file():
        raise InputError(f"clinic file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        yield from _csv_rows(path.read_text(encoding="utf-8-sig"), str(path))
    elif suffix in (".geojson", ".json"):
        yield from _geojson_rows(path.read_text(encoding="utf-8"), str(path))
    else:
        raise InputError(f"clinic file {str(path)!r}: use a .csv or .geojson file")


def _csv_rows(text: str, name: str) -> Iterator[RawRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("name", "lon", "lat") if c not in header]
    if missing:
        raise InputError(
            f"{name}: CSV header lacks column(s) {', '.join(missing)}; "
            "expected at least name,lon,lat (optional: phone,address,night_emergency,opening_hours,datum,...)"
        )
    reader.fieldnames = header
    for i, row in enumerate(reader, start=1):
        if None in row:
            yield RawRow(i, {"__error__": f"row has {len(header) + len(row[None])} fields, header has {len(header)}"})
            continue
        yield RawRow(i, {k: v for k, v in row.items() if k is not None})


def _geojson_rows(text: str, name: str) -> Iterator[RawRow]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise InputError(f"{name}: expected a GeoJSON FeatureCollection of Point features")
    for i, feat in enumerate(doc["features"], start=1):
        props = feat.get("properties") if isinstance(feat, dict) else None
        props = props if isinstance(props, dict) else {}
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        point: tuple[Any, Any] | None = None
        if isinstance(geom, dict):
            coords = geom.get("coordinates")
            if geom.get("type") != "Point":
                props = {**props, "__error__": f"geometry is {geom.get('type')!r}, expected Point"}
            elif isinstance(coords, list) and len(coords) >= 2:
                point = (coords[0], coords[1])
        yield RawRow(i, props, point)


def row_to_clinic(row: RawRow, *, file_datum: str, phone_region: str) -> ClinicCreate:
    """Validate one row into a :class:`ClinicCreate` in WGS-84 (GCJ-02 converted).

    Raises
    ------
    InputError
        Saying what is wrong with the row (the importer reports it and skips the row).
    """
    f = row.fields
    if "__error__" in f:
        raise InputError(str(f["__error__"]))
    name = str(f.get("name") or "").strip()
    if not name:
        raise InputError("no name")
    if row.point is not None:
        lon, lat = _float(row.point[0], "lon"), _float(row.point[1], "lat")
    else:
        lon, lat = _float(f.get("lon"), "lon"), _float(f.get("lat"), "lat")
    if lon is None or lat is None:
        raise InputError("no usable location (lon/lat empty); not placed")
    check_lonlat(lon, lat)
    datum = parse_datum(f.get("datum"), default=file_datum)
    if datum == "GCJ-02":
        wlon, wlat = gcj02_to_wgs84(lon, lat)
        lon, lat = float(wlon), float(wlat)
    phones_raw = f.get("phones") if f.get("phones") not in (None, "") else f.get("phone")
    phones = normalise_phones(phones_raw if phones_raw not in ("",) else None, phone_region)
    extra = {k: v for k, v in f.items() if k not in _KNOWN and v not in (None, "")}
    if datum != "WGS-84":
        extra["original_datum"] = datum
    try:
        return ClinicCreate(
            id=(str(f["id"]).strip() or None) if f.get("id") not in (None, "") else None,
            name=name,
            kind=(str(f.get("kind") or "").strip() or "fever_clinic"),  # type: ignore[arg-type]
            address=(str(f.get("address") or "").strip() or None),
            district=(str(f.get("district") or "").strip() or None),
            phones=phones,
            lon=lon,
            lat=lat,
            opening_hours=(str(f.get("opening_hours") or "").strip() or None),
            night_emergency=parse_bool(f.get("night_emergency"), "night_emergency"),
            source=(str(f.get("source") or "").strip() or None),
            extra=extra,
        )
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InputError(msgs) from None


def import_file(
    registry: ClinicRegistry,
    region: RegionLike,
    path: str | Path,
    *,
    datum: str | None = None,
    default_source: str | None = None,
) -> ImportReport:
    """Import a CSV or GeoJSON clinic file into ``region``'s registry; idempotent, committed before returning.

    Parameters
    ----------
    registry : ClinicRegistry
        Target registry.
    region : RegionLike
        Region the clinics belong to; a clinic outside its bbox is skipped with the reason.
    path : str or Path
        CSV or GeoJSON file (format by extension).
    datum : str, optional
        Datum of the file's coordinates, ``WGS-84`` (default) or ``GCJ-02``; a row's ``datum`` cell overrides it.
    default_source : str, optional
        Source recorded for rows without a ``source`` (default: the file name).

    Returns
    -------
    ImportReport
        Counts of created/updated/unchanged clinics and every skipped row with its reason.
    """
    p = Path(path)
    file_datum = parse_datum(datum)
    phone_region = registry.settings.phone_region
    clinics: list[ClinicCreate] = []
    skipped: list[SkippedRow] = []
    seen: dict[str, int] = {}
    n = 0
    for row in read_rows(p):
        n += 1
        label = str(row.fields.get("name") or "").strip() or None
        try:
            clinic = row_to_clinic(row, file_datum=file_datum, phone_region=phone_region)
            check_in_bbox(clinic.lon, clinic.lat, region.bbox, what="location")
        except FevermapError as exc:
            skipped.append(SkippedRow(row=row.number, name=label, reason=str(exc)))
            continue
        if clinic.source is None:
            clinic = clinic.model_copy(update={"source": default_source or p.name})
        cid = clinic.id or stable_clinic_id(region.name, clinic.name, clinic.address)
        if cid in seen:
            skipped.append(
                SkippedRow(row=row.number, name=label, reason=f"duplicate of row {seen[cid]} (same id {cid})")
            )
            continue
        seen[cid] = row.number
        clinics.append(clinic)
    outcome = registry.upsert_many(region.name, clinics, bbox=region.bbox, timezone=region.timezone)
    return ImportReport(
        file=str(p),
        region=region.name,
        datum=file_datum,
        rows=n,
        created=len(outcome.created),
        updated=len(outcome.updated),
        unchanged=len(outcome.unchanged),
        skipped=skipped,
        ids=outcome.created + outcome.updated + outcome.unchanged,
    )
