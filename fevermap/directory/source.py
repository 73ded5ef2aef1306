"""Read the national 2020 fever-clinic list (``provinceList[].cityList[].hospitalList[]``) into directory entries.

Each entry keeps the fields as published (province, city, county, name, level, address, hours, designated-hospital
flag, source, date) and its phones parsed by :mod:`fevermap.directory.phones`. The city is the list's city name
(``果洛藏族自治州``); the hospital's own spelling (``果洛州``) is kept as ``city_as_published``. Ids are stable
across imports: ``cn2020-`` and a hash of province, city, county and name (a repeat within one city gets ``-2``...).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fevermap.directory.phones import (
    DirectoryPhone,
    city_area_code,
    parse_phone_cell,
    place_area_code,
    with_area_code,
)
from fevermap.errors import FormatError

#: What the bundled list is, for answers and provenance.
SOURCE_NAME = "National list of fever clinics as published by provincial and city health commissions, 2020-02-11"


@dataclass(frozen=True)
class DirectoryEntry:
    """One clinic of the national list (no location)."""

    id: str
    province: str
    city: str
    county: str
    name: str
    address: str
    phones: list[DirectoryPhone]
    hours: str
    designated: bool
    level: str
    source: str
    published: str
    city_code: str = ""
    city_as_published: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DirectoryCitySource:
    """A city of the list: its code (``632600``), province, name and how many clinics the list gives (maybe 0)."""

    code: str
    province: str
    city: str
    entries: int


@dataclass(frozen=True)
class NationalList:
    """The whole list: every city (369 in the 2020 list, 142 of them without clinics) and every entry."""

    cities: list[DirectoryCitySource]
    entries: list[DirectoryEntry]


def _entry_id(province: str, city: str, county: str, name: str, seen: dict[str, int]) -> str:
    digest = hashlib.sha1(f"{province}|{city}|{county}|{name}".encode()).hexdigest()[:12]
    seen[digest] = seen.get(digest, 0) + 1
    return f"cn2020-{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")


def _text(value: object) -> str:
    """Published fields are sometimes lists; join them."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(_text(v) for v in value if v)
    return str(value).strip()


def read_national_list(path: str | Path) -> NationalList:
    """Every city and clinic of the list at ``path``, in the file's order.

    Raises
    ------
    FormatError
        When the file is not JSON of the published shape (the message names what is missing).
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: cannot read the national clinic list as JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("provinceList"), list):
        raise FormatError(f"{path}: expected an object with provinceList[].cityList[].hospitalList[]")
    cities: list[DirectoryCitySource] = []
    entries = list(_entries(doc["provinceList"], path, cities))
    return NationalList(cities, entries)


def _entries(provinces: list[Any], path: Path, cities: list[DirectoryCitySource]) -> Iterator[DirectoryEntry]:
    seen: dict[str, int] = {}
    for p_index, province in enumerate(provinces):
        p_name = _text(province.get("province")) if isinstance(province, dict) else ""
        if not p_name or not isinstance(province.get("cityList"), list):
            raise FormatError(f"{path}: provinceList[{p_index}] has no province name or cityList")
        for city in province["cityList"]:
            c_name = _text(city.get("city"))
            hospitals = [h for h in city.get("hospitalList") or [] if isinstance(h, dict)]
            parsed = [parse_phone_cell(_text(h.get("tel"))) for h in hospitals]
            code = place_area_code(p_name, c_name) or city_area_code([ph for phones in parsed for ph in phones])
            city_code = _text(city.get("code")) or f"{p_name}/{c_name}"
            cities.append(DirectoryCitySource(city_code, p_name, c_name, len(hospitals)))
            for h, phones in zip(hospitals, parsed, strict=True):
                name = _text(h.get("name"))
                county = _text(h.get("county"))
                yield DirectoryEntry(
                    id=_entry_id(p_name, c_name, county, name, seen),
                    province=p_name,
                    city=c_name,
                    county=county,
                    name=name,
                    address=_text(h.get("address")),
                    phones=[with_area_code(ph, code) for ph in phones],
                    hours=_text(h.get("hours")),
                    designated=bool(h.get("isDesignated")),
                    level=_text(h.get("level")),
                    source=_text(h.get("source")),
                    published=_text(h.get("date")),
                    city_code=city_code,
                    city_as_published=_text(h.get("city")),
                    extra={"tel_as_published": _text(h.get("tel"))},
                )
