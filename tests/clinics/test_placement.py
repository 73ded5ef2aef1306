"""Clinics belong to a region: assigned from their location at import (or none), ranked only by their region's
locator, their opening hours read in their region's time zone (two regions in different time zones)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from fevermap.clinics.importers import import_file
from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.placement import Placement, RegionArea
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.views import clinics_geojson, public_view
from fevermap.routing.region import Region
from fevermap.routing.router import Router

#: Clinics on each extract's roads, and one in Beijing (no region here); open 08:00-20:00 local time.
CSV = """name,lon,lat,phone,opening_hours
Shanghai clinic,121.4800,31.2200,021-63240090,Mo-Su 08:00-20:00
Andorra clinic,1.5600,42.5100,,Mo-Su 08:00-20:00
Beijing clinic,116.3912,39.9062,,Mo-Su 08:00-20:00
"""
#: 10:00 in Shanghai, 03:00 in Andorra: the Shanghai clinic is open, the Andorra clinic closed.
AT = datetime.fromisoformat("2026-11-25T10:00:00+08:00")


@pytest.fixture
def imported(registry: ClinicRegistry, shanghai: Region, andorra: Region, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "clinics.csv"
    path.write_text(CSV, encoding="utf-8")
    rep = import_file(registry, [shanghai, andorra], path, timezone="Asia/Shanghai")
    assert rep.created == 3 and not rep.skipped
    assert rep.region is None and rep.regions == {shanghai.name: 1, andorra.name: 1} and rep.outside == 1
    return {c.name: c.id for c in registry.clinics()}


def test_placement_by_footprint(shanghai: Region, andorra: Region) -> None:
    placement = Placement.of_regions([shanghai, andorra])
    assert shanghai.timezone != andorra.timezone
    assert placement.place(121.48, 31.22).name == shanghai.name  # type: ignore[union-attr]
    assert placement.place(1.56, 42.51).name == andorra.name  # type: ignore[union-attr]
    assert placement.place(116.39, 39.91) is None  # Beijing: no served region
    assert placement.place(-30.0, 0.0) is None  # the open Atlantic


def test_overlapping_footprints_prefer_the_nearest_roads() -> None:
    a = RegionArea.of("a", "UTC", [[0.0, 0.0], [0.01, 0.0]])
    b = RegionArea.of("b", "UTC", [[0.012, 0.0], [0.03, 0.0]])
    placement = Placement([b, a])
    assert placement.place(0.0105, 0.0).name == "a"  # type: ignore[union-attr]  # in both footprints
    assert placement.place(0.0118, 0.0).name == "b"  # type: ignore[union-attr]


def test_import_assigns_regions_and_their_time_zones(
    registry: ClinicRegistry, imported: dict[str, str], shanghai: Region, andorra: Region
) -> None:
    sh, an, bj = (registry.get_record(imported[n]) for n in ("Shanghai clinic", "Andorra clinic", "Beijing clinic"))
    assert (sh.region, sh.timezone) == (shanghai.name, shanghai.timezone)
    assert (an.region, an.timezone) == (andorra.name, andorra.timezone)
    assert (bj.region, bj.timezone) == (None, "Asia/Shanghai")  # no region: the time zone given for those
    views = {v.name: v for v in registry.clinics(now=AT)}
    assert views["Beijing clinic"].region is None
    assert (views["Shanghai clinic"].open_now, views["Andorra clinic"].open_now) == (True, False)
    props = {f["properties"]["name"]: f["properties"] for f in clinics_geojson(views.values())["features"]}
    assert props["Andorra clinic"]["region"] == andorra.name and props["Beijing clinic"]["region"] is None
    assert public_view(an, registry.stale_after_s, now=AT).open_now is False


def test_each_region_ranks_only_its_clinics_with_hours_in_its_time_zone(
    registry: ClinicRegistry, imported: dict[str, str], shanghai: Region, andorra: Region
) -> None:
    sh = ClinicLocator(registry, Router(shanghai))
    an = ClinicLocator(registry, Router(andorra))
    got_sh = sh.nearest(121.4737, 31.2304, limit=5, at=AT)
    got_an = an.nearest(1.5218, 42.5063, limit=5, at=AT)
    assert [c.id for c in got_sh.clinics] == [imported["Shanghai clinic"]]
    assert [c.id for c in got_an.clinics] == [imported["Andorra clinic"]]
    assert got_sh.clinics[0].open_now is True and got_an.clinics[0].open_now is False  # 10:00 vs 03:00 local
    assert got_an.at_local.endswith("+01:00")
    assert sh.nearest(121.4737, 31.2304, limit=5, at=AT, open_now=True, strict=True).clinics
    assert not an.nearest(1.5218, 42.5063, limit=5, at=AT, open_now=True, strict=True).clinics


def test_a_clinic_that_moves_changes_region(
    registry: ClinicRegistry, imported: dict[str, str], shanghai: Region, andorra: Region, tmp_path: Path
) -> None:
    path = tmp_path / "moved.csv"
    path.write_text(f"id,name,lon,lat\n{imported['Beijing clinic']},Beijing clinic,121.4800,31.2250\n", "utf-8")
    rep = import_file(registry, [shanghai, andorra], path)
    assert rep.updated == 1 and rep.regions == {shanghai.name: 1}
    moved = registry.get_record(imported["Beijing clinic"])
    assert (moved.region, moved.timezone) == (shanghai.name, shanghai.timezone)
