"""Settings: one pydantic ``Settings`` object, read from ``FEVERMAP_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from fevermap import paths
from fevermap.paths import PACKAGE_DATA_DIR, REPO_DATA_DIR

__all__ = ["PACKAGE_DATA_DIR", "REPO_DATA_DIR", "Settings", "get_settings"]


class Settings(BaseSettings):
    """fevermap settings; every field can be set as ``FEVERMAP_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="FEVERMAP_", extra="ignore")

    #: Folder of the bundled demo data (``osm/shanghai_center.osm``, ``clinics/shanghai_fever_clinics.csv``).
    data_dir: Path = Field(default_factory=paths.data_dir)
    #: Folder where built regions (e.g. the demo region, built on first use) are cached.
    cache_dir: Path = Field(default_factory=paths.cache_dir)
    #: A point farther than this from every road is refused (metres); ``FEVERMAP_MAX_SNAP_DISTANCE_M`` is the old name.
    max_snap_m: float = Field(
        default=1000.0,
        validation_alias=AliasChoices("max_snap_m", "FEVERMAP_MAX_SNAP_M", "FEVERMAP_MAX_SNAP_DISTANCE_M"),
    )
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

    # ---- many regions (issue "Many cities") ------------------------------------------------------------------
    #: More region directories to serve beside ``region`` (``fevermap serve --region A --region B``; JSON list).
    region_list: list[Path] = []
    #: A folder whose sub-folders are region directories, all served (``fevermap serve --regions DIR``).
    regions: Path | None = None
    #: City of the national clinic directory shown first on the page ("clinics in my city"), e.g. 果洛藏族自治州;
    #: None: the region's own ``city`` metadata (上海市 for the demo region).
    directory_city: str | None = None

    # --- surveillance and partner verification (issue 16) ---
    #: H3 resolution of the areas of symptom reports given as a point (7: cells of about 5 km²).
    surveillance_h3_resolution: int = 7
    #: Aberration detector: ``ewma`` (ESSENCE EWMA), ``regression`` (adaptive multiple regression) or ``switch``.
    surveillance_algorithm: str = "ewma"
    #: p-value below which a day is an alert / a warning (stricter than ESSENCE's 0.01 / 0.05: see
    #: docs/surveillance.md, it keeps false alerts at most 1 per 100 area-days on stationary series).
    surveillance_alert_p: float = 0.002
    surveillance_warning_p: float = 0.01
    #: How often the service recomputes today's series and alerts (seconds).
    surveillance_every_s: float = 3600.0
    #: Symptom reports accepted from one client per minute.
    symptom_reports_per_minute: int = 30
    #: HMAC keys shared with partner jurisdictions, as JSON ``{"<jurisdiction>": "<key>"}`` (never logged).
    verification_keys: dict[str, SecretStr] = {}
    #: Pseudonymous ids one partner may check per minute (a partner's own limit in ``verification_partner_limits``).
    verification_ids_per_minute: int = 60_000
    verification_partner_limits: dict[str, int] = {}
    #: Answer ``none`` for an id fevermap has no record of (True), or ``no_record`` (False).
    verification_unknown_as_none: bool = True
    #: Risk-area levels that answer ``sealed_area`` for a person whose recent declared stop lies in one.
    verification_sealed_levels: list[str] = ["sealed"]
    #: Local days, ending with the check day, whose declared stops count as the person's places.
    verification_recent_days: int = 14

    # --- risk areas (issue 15) ---
    #: Case records the risk areas are derived from: a file in any `fevermap trace match --cases` format or a folder
    #: with the Shanghai 2022 address.csv/geo.csv; None: the bundled Shanghai 2022 address-days on the demo region.
    risk_cases: Path | None = None
    #: Rule set of the risk areas: a JSON file, or a bundled one (default, hamagen).
    risk_rules: str = "default"
    #: Largest exclude polygon a caller may give: positions, and area (km²).
    max_exclude_vertices: int = 1000
    max_exclude_area_km2: float = 50.0
    #: At most this often (seconds) the risk areas check the stored case tracks for changes (0: on every use).
    risk_tracks_check_s: float = 1.0

    # --- OSRM lane (fevermap.api.osrm_lane)
    #: Answer light OSRM route / nearest requests before FastAPI's routing (same answers; off: through the routing).
    osrm_lane: bool = True

    # --- nearest-clinics lane (fevermap.api.nearest_lane; issue 14's mix)
    #: Answer plain ``GET /clinics/nearest`` requests in the same lane (same answers; off: through the routing).
    nearest_lane: bool = True


def get_settings() -> Settings:
    """Return settings read from the environment now (cheap; no module-level mutable state)."""
    return Settings()
