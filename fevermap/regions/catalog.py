"""The regions a service loads: region directories named one by one or found inside a folder.

A folder given with ``--regions`` holds one region directory per sub-folder (each with its ``meta.json``). Every
region must load, and names must be unique: a broken region stops the start with a message that names it, so that
a service never runs half-loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fevermap.errors import RegionError
from fevermap.routing.region import Region, load_region, open_region


def region_dirs(folder: Path | str) -> list[Path]:
    """The region directories inside ``folder`` (sub-folders with a ``meta.json``), sorted by name.

    Raises
    ------
    RegionError
        When ``folder`` is not a folder, holds no region, or holds a sub-folder that is not a region directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise RegionError(f"regions folder {folder} does not exist or is not a folder")
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    broken = [p.name for p in subs if not (p / "meta.json").exists()]
    if broken:
        raise RegionError(
            f"regions folder {folder}: {', '.join(broken)} is not a region directory (no meta.json); "
            "build it with `fevermap build` or move it out"
        )
    if not subs:
        raise RegionError(f"regions folder {folder} holds no region directory; build one with `fevermap build`")
    return subs


def load_regions(paths: Iterable[Path | str | None]) -> list[Region]:
    """Load every region (``None`` = the bundled demo region), refusing broken ones and duplicate names.

    Raises
    ------
    RegionError
        Naming the region directory that failed, or the two directories that share a name.
    """
    regions: list[Region] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            region = open_region(path)
        except RegionError as exc:
            raise RegionError(f"region {path}: {exc}") from exc
        if region.name in seen:
            raise RegionError(f"two regions are named {region.name!r}: {seen[region.name]} and {region.path}")
        seen[region.name] = region.path
        regions.append(region)
    if not regions:
        raise RegionError("no region to serve")
    return regions


def regions_from(region: list[Path] | None, regions_folder: Path | None) -> list[Path | None]:
    """The region paths a service loads: each ``--region`` and every region inside ``--regions`` (none: demo)."""
    paths: list[Path | None] = list(region or [])
    if regions_folder is not None:
        paths.extend(region_dirs(regions_folder))
    return paths or [None]


__all__ = ["Region", "load_region", "load_regions", "region_dirs", "regions_from"]
