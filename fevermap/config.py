"""Settings: one pydantic ``Settings`` object, read from ``FEVERMAP_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

#: The package's own data (the demo OSM extract and clinic list, their provenance and licence): ships in the wheel.
PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"
#: The repository's ``data/`` folder: test extracts and case data for tests, notebooks and benchmarks (only in a
#: checkout; the product never needs it).
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fevermap"


class Settings(BaseSettings):
    """fevermap settings; every field can be set as ``FEVERMAP_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="FEVERMAP_", extra="ignore")

    #: Folder of the bundled demo data (``osm/shanghai_center.osm``, ``clinics/shanghai_fever_clinics.csv``).
    data_dir: Path = PACKAGE_DATA_DIR
    #: Folder where built regions (e.g. the demo region, built on first use) are cached.
    cache_dir: Path = _default_cache_dir()
    #: A point farther than this from every road is refused (metres).
    max_snap_distance_m: float = 1000.0
    #: Database URL (SQLAlchemy); default is a SQLite file in the cache folder.
    database_url: str | None = None
    #: Clinic status older than this is reported as stale (minutes).
    stale_after_min: float = 30.0
    #: A clinic farther than this by road gets "call first" with its phone leading the answer (minutes).
    call_first_eta_min: float = 45.0
    #: A status update observed more than this in the future is refused (clock skew allowance, seconds).
    status_max_skew_s: float = 120.0
    #: Region directory served by default (None: the bundled demo region).
    region: Path | None = None
    #: Most coordinates in one OSRM route request / table request.
    max_route_coordinates: int = 25
    max_table_coordinates: int = 100
    #: Tile URL template for the web map's background (e.g. an OSM tile server you run); None: draw the region's
    #: own roads, which works with no internet.
    tile_url: str | None = None
    #: Declarations accepted from one client per minute.
    declarations_per_minute: int = 30
    #: Declarations, matches and case tracks older than this are purged (days).
    retention_days: float = 21.0
    #: How often each worker checks the database for traffic posted to another worker (seconds).
    traffic_poll_s: float = 2.0
    #: How often the service purges data past retention (seconds).
    purge_every_s: float = 3600.0
    #: The locator re-reads the registry's revision at most this often (seconds); a write through the same process
    #: is seen at once, one through another worker within this interval.
    status_refresh_s: float = 0.25
    #: Threads per worker for request handlers (routing is CPU work under the GIL: a few threads beat many).
    threads: int = 4
    #: Largest request body accepted (bytes).
    max_body_bytes: int = 2_000_000
    #: Country whose dialling rules apply to phone numbers written without a country code (ISO 3166 alpha-2).
    phone_region: str = "CN"

    # --- house (issue 10) ---
    #: HMAC key of the rate limiter's client hashes; None: generated on first start and kept in the database.
    client_hash_secret: str | None = None


def get_settings() -> Settings:
    """Return settings read from the environment now (cheap; no module-level mutable state)."""
    return Settings()
