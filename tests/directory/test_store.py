"""The directory in a real database (SQLite and PostgreSQL): import, search by Chinese names, short forms and
pinyin, phone first, errors that say what to fix, and an entry that becomes a located clinic under the same id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fevermap.clinics.registry import ClinicRegistry
from fevermap.config import Settings
from fevermap.db import open_database
from fevermap.db.testing import postgres_required, postgres_schema_url, postgres_unavailable_reason, sqlite_url
from fevermap.directory.source import read_national_list
from fevermap.directory.store import DirectoryStore
from fevermap.errors import CoordinateError, InputError, NotFoundError

from .conftest import NATIONAL


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per backend for the whole module (importing the list takes seconds; most tests only read)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("directory"))
        return
    reason = postgres_unavailable_reason()
    if reason is not None:
        if postgres_required():
            pytest.fail(f"FEVERMAP_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)
    with postgres_schema_url() as url:
        yield url


@pytest.fixture(scope="module")
def store(shared_url: str) -> Iterator[DirectoryStore]:
    engine = open_database(shared_url)
    yield DirectoryStore(engine, bundled=NATIONAL)
    engine.dispose()


def test_import_is_idempotent_and_counts_per_province(store: DirectoryStore) -> None:
    national = read_national_list(NATIONAL)
    first = store.import_list(national)
    again = store.import_list(national)
    assert first.stored == again.stored == store.count() == 6753
    assert first.per_province["青海省"] == sum(1 for e in national.entries if e.province == "青海省")
    provinces = store.provinces()
    assert len(provinces) == 31
    assert sum(len(p["cities"]) for p in provinces) == 369
    assert sum(p["entries"] for p in provinces) == 6753


def test_a_qinghai_city_lists_its_clinics_with_phones_first(store: DirectoryStore) -> None:
    page = store.search("青海", "果洛州")  # short forms, as callers type them; imports on first read
    assert (page["province"], page["city"]) == ("青海省", "果洛藏族自治州")
    national = [e for e in read_national_list(NATIONAL).entries if e.city == "果洛藏族自治州"]
    assert page["total"] == len(national) == len(page["entries"])
    assert {e["name"] for e in page["entries"]} == {e.name for e in national}
    assert all(e["tel"] and e["tel"].startswith("tel:+86-975-") for e in page["entries"])
    assert all(not e["located"] for e in page["entries"])
    assert "location" not in page["entries"][0] and "lon" not in page["entries"][0]


def test_entries_with_a_dialable_phone_come_first(store: DirectoryStore) -> None:
    page = store.search(province="河北省", limit=500)
    dialable = [e["tel"] is not None for e in page["entries"]]
    assert any(dialable) and not all(dialable)
    assert dialable == sorted(dialable, reverse=True)


@pytest.mark.parametrize("city", ["果洛藏族自治州", "果洛州", "果洛", "guoluo"])
def test_city_names_resolve_from_short_forms_and_pinyin(store: DirectoryStore, city: str) -> None:
    assert store.resolve_city(None, city) == ("青海省", "果洛藏族自治州")


def test_search_by_chinese_pinyin_and_initials(store: DirectoryStore) -> None:
    chinese = store.search(q="果洛州人民医院")
    assert [e["name"] for e in chinese["entries"]] == ["果洛州人民医院"]
    assert store.search(q="guoluozhou renmin")["entries"][0]["name"] == "果洛州人民医院"
    assert "果洛州人民医院" in [e["name"] for e in store.search(q="glzrmyy")["entries"]]
    assert store.search(q="%")["total"] == 0  # LIKE wildcards are literal


def test_unknown_and_ambiguous_places_say_what_to_fix(store: DirectoryStore) -> None:
    with pytest.raises(NotFoundError, match=r"unknown province 'Atlantis'.*青海省"):
        store.search(province="Atlantis")
    with pytest.raises(NotFoundError, match="unknown city"):
        store.search(city="不存在市")
    with pytest.raises(InputError, match="limit"):
        store.search(limit=0)


def test_an_entry_with_a_cited_location_becomes_a_clinic_with_the_same_id(
    shared_url: str, store: DirectoryStore
) -> None:
    registry = ClinicRegistry.open(shared_url, Settings(database_url=shared_url))
    try:
        entry = store.search("青海", "果洛州", q="果洛州人民医院")["entries"][0]
        with pytest.raises(InputError, match="coord_source"):
            store.locate(entry["id"], registry, region="golog", lon=100.24, lat=34.47, coord_source=" ")
        with pytest.raises(CoordinateError):
            store.locate(entry["id"], registry, region="golog", lon=10.0, lat=34.47, coord_source="a survey",
                         bbox=(100.0, 34.0, 101.0, 35.0))  # fmt: skip
        located = store.locate(entry["id"], registry, region="golog", lon=100.24, lat=34.47,
                               coord_source="test: a cited survey point", timezone="Asia/Shanghai")  # fmt: skip
        assert located["located"] and located["clinic_id"] == entry["id"]
        clinic = registry.clinic(entry["id"])
        assert clinic.name == "果洛州人民医院"
        assert clinic.phones == [p["e164"] for p in entry["phones"]]
        # the directory keeps the entry and its history; locating again updates the same clinic
        assert store.get(entry["id"])["located"]
        store.locate(entry["id"], registry, region="golog", lon=100.25, lat=34.47, coord_source="a better survey")
        assert registry.count("golog") == 1
        with pytest.raises(NotFoundError):
            store.locate("cn2020-nope", registry, region="golog", lon=100.2, lat=34.4, coord_source="x y z")
    finally:
        registry.close()
