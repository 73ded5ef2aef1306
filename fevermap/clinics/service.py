"""Entry points of the clinic domain used by the CLI (and later the HTTP API): one call per command.

Each opens what it needs (region, router, registry), does one thing and returns plain JSON-ready data. Without a
region directory the bundled demo region is used, and its real clinic list is imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fevermap.clinics.demo import ensure_demo_clinics
from fevermap.clinics.filters import Filters
from fevermap.clinics.importers import import_file
from fevermap.clinics.locator import ClinicLocator, answer_json
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import StatusUpdate
from fevermap.clinics.simulator import simulate_statuses
from fevermap.clinics.views import public_view
from fevermap.config import Settings, get_settings
from fevermap.errors import InputError
from fevermap.geo.lonlat import parse_lonlat
from fevermap.regions.catalog import load_regions, regions_from
from fevermap.routing.region import Region, open_region
from fevermap.routing.router import Router
from fevermap.times import parse_instant


@dataclass
class ClinicContext:
    """A region with its router, the registry and a locator over both."""

    region: Region
    registry: ClinicRegistry
    router: Router
    locator: ClinicLocator
    demo: bool

    @classmethod
    def open(
        cls, region_dir: Path | str | None = None, *, settings: Settings | None = None, load_demo: bool = True
    ) -> ClinicContext:
        """Open ``region_dir`` (default: the bundled demo region, whose clinics are imported on first use)."""
        settings = settings or get_settings()
        region = open_region(region_dir)
        registry = ClinicRegistry.open(settings=settings)
        if region_dir is None and load_demo:
            ensure_demo_clinics(registry, region)
        router = Router(region, max_snap_m=settings.max_snap_m)
        return cls(region, registry, router, ClinicLocator(registry, router), region_dir is None)

    def __enter__(self) -> ClinicContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.registry.close()


def import_clinics(
    region_dirs: Path | list[Path] | None,
    file: Path,
    *,
    regions_folder: Path | None = None,
    datum: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Import a CSV/GeoJSON clinic file (``fevermap clinics import``): each clinic belongs to the region (of
    ``region_dirs`` and the regions inside ``regions_folder``; default: the demo region) its location lies in."""
    dirs = [region_dirs] if isinstance(region_dirs, Path) else region_dirs
    loaded = load_regions(regions_from(dirs, regions_folder))
    where = loaded[0] if len(loaded) == 1 else loaded
    with ClinicRegistry.open() as registry:
        return import_file(registry, where, file, datum=datum, timezone=timezone).model_dump(mode="json")


def nearest_clinics(
    region_dir: Path | None,
    at: str,
    *,
    limit: int = 3,
    night: bool = False,
    open_now: bool = False,
    with_slots: bool = False,
    strict: bool = False,
    time: str | None = None,
    traffic: Path | None = None,
    rank: str = "drive",
) -> dict[str, Any]:
    """Nearest clinics by driving time (``fevermap clinics nearest``); ``at`` is ``"LON,LAT"``; ``rank`` is
    ``drive`` or ``time_to_care`` (drive + expected wait)."""
    if rank not in ("drive", "time_to_care"):
        raise InputError(f"rank must be drive or time_to_care, got {rank!r}")
    lon, lat = parse_lonlat(at, "--at")
    with ClinicContext.open(region_dir) as ctx:
        traffic_report = ctx.router.apply_traffic(traffic).to_dict() if traffic is not None else None
        filters = Filters(with_slots=with_slots, open_now=open_now, night=night, strict=strict, time=time)
        answer = ctx.locator.nearest(
            lon, lat, limit=limit, rank_by="time_to_care" if rank == "time_to_care" else "drive",
            **filters.locator_kwargs("--time"),
        )  # fmt: skip
    out = answer_json(answer)
    if traffic_report is not None:
        out["traffic"] = traffic_report
    return out


def list_clinics(region_dir: Path | None, *, time: str | None = None) -> list[dict[str, Any]]:
    """All clinics of a region with their status (``fevermap clinics list``)."""
    with ClinicContext.open(region_dir) as ctx:
        now = parse_instant(time, "--time")
        return [c.model_dump(mode="json") for c in ctx.registry.clinics(ctx.region.name, now=now)]


def show_clinic(clinic_id: str, *, time: str | None = None) -> dict[str, Any]:
    """One clinic with its status (``fevermap clinics show``)."""
    with ClinicRegistry.open() as registry:
        record = registry.get_record(clinic_id)
        return public_view(record, registry.stale_after_s, now=parse_instant(time, "--time")).model_dump(mode="json")


def report_status(
    clinic_id: str,
    *,
    slots: int | None = None,
    waiting_patients: int | None = None,
    waiting_minutes: int | None = None,
    doctor_on_duty: bool | None = None,
    stock_note: str | None = None,
    observed_at: str | None = None,
    reporter: str = "operator",
) -> dict[str, Any]:
    """Store a live status of one clinic (``fevermap clinics status``); committed before it returns."""
    with ClinicRegistry.open() as registry:
        registry.get_record(clinic_id)  # an unknown id is refused first
        observed = parse_instant(observed_at, "--observed-at") or datetime.now(UTC)
        try:
            update = StatusUpdate(
                slots=slots,
                waiting_patients=waiting_patients,
                waiting_minutes=waiting_minutes,
                doctor_on_duty=doctor_on_duty,
                stock_note=stock_note,
                observed_at=observed,
                reporter=reporter,
            )
        except ValueError as exc:
            raise InputError(str(exc)) from None
        return registry.update_status(clinic_id, update).model_dump(mode="json")


def simulate_demo_status(region_dir: Path | None, *, seed: int = 0) -> dict[str, Any]:
    """Write SIMULATED statuses for every clinic of a region (``fevermap clinics simulate``), labelled as such."""
    with ClinicContext.open(region_dir) as ctx:
        results = simulate_statuses(ctx.registry, ctx.region.name, seed=seed)
    return {
        "simulated": True,
        "note": "synthetic demo statuses (reporter demo-simulator); real status comes only from operators",
        "clinics": [r.model_dump(mode="json") for r in results],
    }
