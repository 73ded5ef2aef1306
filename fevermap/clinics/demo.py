"""The bundled demo clinics: the real Shanghai fever-clinic list (package data), imported on first use."""

from __future__ import annotations

from pathlib import Path

from fevermap.clinics.importers import RegionLike, import_file
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ImportReport
from fevermap.config import get_settings

#: Bundled list, relative to ``Settings.data_dir``.
DEMO_CLINICS = Path("clinics") / "shanghai_fever_clinics.csv"
#: Recorded as ``source`` of each demo clinic (per-field sources are kept in its ``extra``).
DEMO_SOURCE = (
    "Shanghai Health Commission fever-clinic list 2020-01-22 (cn_fever_clinics_20200211.json, "
    "github hhui64/wuhan2020map, MIT), enriched from cited public pages: see extra.coord_source, "
    "extra.phone_source, extra.notes and fevermap/data/clinics/PROVENANCE.md"
)


def demo_clinics_file() -> Path:
    """Path of the bundled demo clinic list."""
    return get_settings().data_dir / DEMO_CLINICS


def ensure_demo_clinics(registry: ClinicRegistry, region: RegionLike) -> ImportReport | None:
    """Import the bundled clinics into ``region`` if it has none yet; return the report (``None`` if skipped)."""
    if registry.count(region.name) > 0:
        return None
    return import_file(registry, region, demo_clinics_file(), default_source=DEMO_SOURCE)
