"""Shared fixtures: real regions built from bundled OSM extracts (Shanghai demo, Monaco, Andorra)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fevermap.config import PACKAGE_DATA_DIR, REPO_DATA_DIR
from fevermap.db.testing import postgres_required, postgres_schema_url, postgres_unavailable_reason, sqlite_url
from fevermap.routing.region import Region, build_region
from fevermap.routing.router import Router

SHARED = REPO_DATA_DIR.parent.parent / "shared" / "data"
EXTRACTS = {
    "shanghai": PACKAGE_DATA_DIR / "osm" / "shanghai_center.osm",
    "monaco": REPO_DATA_DIR / "fixtures" / "monaco.osm.gz",
    "andorra": REPO_DATA_DIR / "fixtures" / "andorra.osm.pbf",
}


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the demo-region cache of the test run out of the user's cache folder."""
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("FEVERMAP_CACHE_DIR")
    os.environ["FEVERMAP_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("FEVERMAP_CACHE_DIR", None)
    else:
        os.environ["FEVERMAP_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def region_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Region]]:
    built: dict[str, Region] = {}
    yield built


def _region(name: str, built: dict[str, Region], tmp_path_factory: pytest.TempPathFactory) -> Region:
    if name not in built:
        built[name] = build_region(EXTRACTS[name], tmp_path_factory.mktemp(f"region-{name}"), name=name)
    return built[name]


@pytest.fixture(scope="session")
def shanghai(region_factory: dict[str, Region], tmp_path_factory: pytest.TempPathFactory) -> Region:
    return _region("shanghai", region_factory, tmp_path_factory)


@pytest.fixture(scope="session")
def monaco(region_factory: dict[str, Region], tmp_path_factory: pytest.TempPathFactory) -> Region:
    return _region("monaco", region_factory, tmp_path_factory)


@pytest.fixture(scope="session")
def andorra(region_factory: dict[str, Region], tmp_path_factory: pytest.TempPathFactory) -> Region:
    return _region("andorra", region_factory, tmp_path_factory)


@pytest.fixture(params=["shanghai", "andorra"])
def any_region(request: pytest.FixtureRequest) -> Region:
    """Each of two real extracts of different character (dense city, mountain roads)."""
    region: Region = request.getfixturevalue(request.param)
    return region


@pytest.fixture
def router(any_region: Region) -> Router:
    """A fresh router (base speeds) on each real extract."""
    return Router(any_region)


@pytest.fixture
def shanghai_router(shanghai: Region) -> Router:
    return Router(shanghai)


@pytest.fixture(scope="session")
def _postgres_reason() -> str | None:
    return postgres_unavailable_reason()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, _postgres_reason: str | None) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a fresh schema in the test PostgreSQL (PostGIS).

    PostgreSQL comes from ``FEVERMAP_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` installs, starts and exports it).
    Without a reachable server the PostgreSQL variant is skipped with the reason, except when
    ``FEVERMAP_REQUIRE_POSTGRES=1`` (CI), where it fails.
    """
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if _postgres_reason is not None:
        if postgres_required():
            pytest.fail(f"FEVERMAP_REQUIRE_POSTGRES is set but {_postgres_reason}")
        pytest.skip(_postgres_reason)
    with postgres_schema_url() as url:
        yield url
