"""Directory storage: import the national list, list and search entries, and turn an entry into a located clinic.

Entries are stored as published (with their parsed phones and a search key in Chinese, pinyin and initials); an
import is idempotent (same ids, rows updated in place) and safe when several workers run it at once. The only write
after import is :meth:`DirectoryStore.locate`, which adds the entry to the clinic registry under the same id once a
cited location is known.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate
from fevermap.config import get_settings
from fevermap.db import session_factory, transaction
from fevermap.db.directory_models import DirectoryCity, DirectoryEntryRow
from fevermap.directory.search import normalise_query, pinyin, place_stem, search_key
from fevermap.directory.source import NationalList, read_national_list
from fevermap.errors import InputError, NotFoundError

#: Most entries one search returns.
MAX_LIMIT = 500
#: Largest offset into search results (the directory has under 10,000 entries; a larger one is a client error).
MAX_OFFSET = 100_000


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote: cities and entries in the source, entries per province, rows now stored."""

    cities: int
    entries: int
    per_province: dict[str, int]
    stored: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _entry_public(row: DirectoryEntryRow) -> dict[str, Any]:
    dialable = [p for p in row.phones if p.get("e164")]
    return {
        "id": row.id,
        "phones": row.phones,
        "tel": dialable[0]["tel"] if dialable else None,
        "name": row.name,
        "province": row.province,
        "city": row.city,
        "county": row.county,
        "address": row.address or None,
        "hours": row.hours or None,
        "designated": row.designated,
        "level": row.level or None,
        "source": row.source or None,
        "published": row.published or None,
        "located": row.clinic_id is not None,
        "clinic_id": row.clinic_id,
    }


class DirectoryStore:
    """The national directory in the database (``directory_cities``, ``directory_entries``).

    Parameters
    ----------
    engine : Engine
        The database (migrated).
    bundled : path, optional
        A national list to import on the first read when the directory is empty (the service passes the bundled
        2020 list); ``None``: never import by itself.
    """

    def __init__(self, engine: Engine, bundled: Path | None = None) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._bundled = bundled
        self._ready = bundled is None
        self._lock = threading.Lock()

    def _ensure(self) -> None:
        """Import the bundled list once if the directory is empty (first read after the first start)."""
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                if self._bundled is not None and not self.count():
                    self.import_list(read_national_list(self._bundled))
                self._ready = True

    # ---- import ---------------------------------------------------------------------------------------------
    def import_list(self, national: NationalList) -> ImportReport:
        """Store every city and entry of ``national`` (insert or update by id) in one transaction."""
        now = datetime.now(UTC)
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        cities = [
            {"code": c.code, "province": c.province, "city": c.city, "entries": c.entries,
             "search": " ".join((pinyin(c.province + c.city), place_stem(c.city)))}
            for c in national.cities
        ]  # fmt: skip
        entries = [
            {
                "id": e.id, "province": e.province, "city": e.city, "city_code": e.city_code, "county": e.county,
                "name": e.name, "address": e.address, "phones": [p.to_dict() for p in e.phones],
                "dialable": any(p.e164 for p in e.phones), "hours": e.hours,
                "designated": e.designated, "level": e.level, "source": e.source, "published": e.published,
                "search": search_key(e.name, e.county, e.address), "extra": e.extra, "imported_at": now,
            }
            for e in national.entries
        ]  # fmt: skip
        with transaction(self._sessions) as session:
            for table, rows, key in ((DirectoryCity, cities, "code"), (DirectoryEntryRow, entries, "id")):
                stmt = insert(table)
                keep = {key, "clinic_id", "located_at"}
                stmt = stmt.on_conflict_do_update(
                    index_elements=[key], set_={c: stmt.excluded[c] for c in rows[0] if c not in keep}
                )
                session.execute(stmt, rows)  # executemany: one statement, every row
            stored = int(session.scalar(select(func.count()).select_from(DirectoryEntryRow)) or 0)
        per_province: dict[str, int] = {}
        for e in national.entries:
            per_province[e.province] = per_province.get(e.province, 0) + 1
        return ImportReport(len(national.cities), len(national.entries), per_province, stored)

    def count(self) -> int:
        """How many entries are stored."""
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(DirectoryEntryRow)) or 0)

    # ---- reads ----------------------------------------------------------------------------------------------
    def provinces(self) -> list[dict[str, Any]]:
        """Every province with its cities (code, name, number of entries), in the list's order."""
        self._ensure()
        with self._sessions() as session:
            rows = session.scalars(select(DirectoryCity).order_by(DirectoryCity.code)).all()
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            p = out.setdefault(r.province, {"province": r.province, "entries": 0, "cities": []})
            p["cities"].append({"code": r.code, "city": r.city, "entries": r.entries})
            p["entries"] += r.entries
        return list(out.values())

    def resolve_city(self, province: str | None, city: str | None) -> tuple[str | None, str | None]:
        """Exact ``(province, city)`` names for what a caller typed (full name, short form or pinyin).

        Raises
        ------
        NotFoundError
            When nothing matches; the message lists close names or the provinces.
        InputError
            When a short form matches several cities of different provinces (say which province).
        """
        if not province and not city:
            return None, None
        with self._sessions() as session:
            rows = session.scalars(select(DirectoryCity)).all()
        if province:
            prov = _match([r.province for r in rows], province)
            if not prov:
                names = sorted({r.province for r in rows})
                raise NotFoundError(f"unknown province {province!r}; the directory has: {', '.join(names)}")
            rows = [r for r in rows if r.province in prov]
        if not city:
            return (sorted({r.province for r in rows})[0], None)
        cities = _match([r.city for r in rows], city)
        found = sorted({(r.province, r.city) for r in rows if r.city in cities})
        if not found:
            where = f" in {rows[0].province}" if province and rows else ""
            raise NotFoundError(f"unknown city {city!r}{where}; list the cities with GET /directory/cities")
        if len({p for p, _ in found}) > 1:
            raise InputError(
                f"city {city!r} is ambiguous: " + ", ".join(f"{c} ({p})" for p, c in found) + "; give the province too"
            )
        return found[0]

    def search(
        self,
        province: str | None = None,
        city: str | None = None,
        q: str | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Entries of a province / city matching ``q`` (Chinese, pinyin or initials), those with a phone first."""
        self._ensure()
        if not 1 <= limit <= MAX_LIMIT:
            raise InputError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        if not 0 <= offset <= MAX_OFFSET:
            raise InputError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
        if q is not None and len(q) > 100:
            raise InputError("q is too long: at most 100 characters")
        prov, cty = self.resolve_city(province, city)
        stmt = select(DirectoryEntryRow)
        if prov:
            stmt = stmt.where(DirectoryEntryRow.province == prov)
        if cty:
            stmt = stmt.where(DirectoryEntryRow.city == cty)
        if q and normalise_query(q):
            needle = "%" + normalise_query(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(
                or_(
                    DirectoryEntryRow.search.like(needle, escape="\\"), DirectoryEntryRow.city.like(needle, escape="\\")
                )
            )
        with self._sessions() as session:
            total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
            order = (DirectoryEntryRow.dialable.desc(), DirectoryEntryRow.province, DirectoryEntryRow.city,
                     DirectoryEntryRow.county, DirectoryEntryRow.name, DirectoryEntryRow.id)  # fmt: skip
            rows = session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).all()
        return {
            "province": prov,
            "city": cty,
            "q": q or None,
            "total": total,
            "offset": offset,
            "entries": [_entry_public(r) for r in rows],
            "note": "Directory entries have no location: phone them. Hours are as published in 2020.",
        }

    def get(self, entry_id: str) -> dict[str, Any]:
        """One entry as JSON (:class:`NotFoundError` when unknown)."""
        self._ensure()
        with self._sessions() as session:
            row = session.get(DirectoryEntryRow, entry_id)
        if row is None:
            raise NotFoundError(f"unknown directory entry {entry_id!r}")
        return _entry_public(row)

    # ---- an entry gets a location ------------------------------------------------------------------------------
    def locate(
        self,
        entry_id: str,
        registry: ClinicRegistry,
        *,
        region: str,
        lon: float,
        lat: float,
        coord_source: str,
        timezone: str = "UTC",
        bbox: tuple[float, float, float, float] | None = None,
    ) -> dict[str, Any]:
        """Make entry ``entry_id`` a located clinic of ``region`` with the same id; its directory row stays.

        ``coord_source`` must cite where the location comes from (never invented); it is kept in the clinic's
        provenance together with the directory record.
        """
        if not coord_source or not coord_source.strip():
            raise InputError("coord_source is required: cite where the location comes from")
        self._ensure()
        with self._sessions() as session:
            row = session.get(DirectoryEntryRow, entry_id)
        if row is None:
            raise NotFoundError(f"unknown directory entry {entry_id!r}")
        clinic = ClinicCreate(
            id=row.id,
            name=row.name,
            address=row.address or None,
            district=row.county or None,
            phones=list(dict.fromkeys(p["e164"] for p in row.phones if p.get("e164"))),
            lon=lon,
            lat=lat,
            source=row.source or None,
            extra={
                "coord_source": coord_source.strip(),
                "directory": {k: v for k, v in _entry_public(row).items() if k not in ("located", "clinic_id")},
            },
        )
        registry.upsert_many(region, [clinic], bbox=bbox, timezone=timezone)
        with transaction(self._sessions) as session:
            stored = session.get(DirectoryEntryRow, entry_id)
            assert stored is not None
            if stored.clinic_id is None:
                stored.located_at = datetime.now(UTC)
            stored.clinic_id = row.id
        return self.get(entry_id)


def _match(names: list[str], typed: str) -> set[str]:
    """Names equal to ``typed``, else with the same stem (``果洛州`` ~ ``果洛藏族自治州``), else by pinyin."""
    typed = typed.strip()
    exact = {n for n in names if n == typed}
    if exact:
        return exact
    stem = place_stem(typed)
    by_stem = {n for n in names if place_stem(n) == stem}
    if by_stem:
        return by_stem
    key = normalise_query(typed)
    return {n for n in names if key and (pinyin(place_stem(n)) == key or pinyin(n) == key)}


def bundled_list_path() -> Path:
    """The national 2020 list shipped with fevermap (see ``data/clinics/PROVENANCE.md``)."""
    return get_settings().data_dir / "clinics" / "cn_fever_clinics_20200211.json"
