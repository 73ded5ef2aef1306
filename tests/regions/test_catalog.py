"""Loading the regions of a service: every region directory of a folder, or a refusal that names the broken one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fevermap.errors import RegionError
from fevermap.regions.catalog import load_regions, region_dirs, regions_from
from fevermap.routing.region import Region


def test_a_regions_folder_loads_every_region(tmp_path: Path, andorra: Region, monaco: Region) -> None:
    for r in (andorra, monaco):
        shutil.copytree(r.path, tmp_path / r.name)
    assert [p.name for p in region_dirs(tmp_path)] == ["andorra", "monaco"]
    assert [r.name for r in load_regions(regions_from(None, tmp_path))] == ["andorra", "monaco"]


def test_a_broken_region_refuses_to_start_naming_it(tmp_path: Path, andorra: Region, monaco: Region) -> None:
    shutil.copytree(andorra.path, tmp_path / "andorra")
    shutil.copytree(monaco.path, tmp_path / "monaco")
    (tmp_path / "monaco" / "cch_order.npy").unlink()
    with pytest.raises(RegionError, match=r"monaco.*incomplete"):
        load_regions(regions_from(None, tmp_path))
    (tmp_path / "stray").mkdir()
    with pytest.raises(RegionError, match="stray is not a region directory"):
        region_dirs(tmp_path)


def test_duplicate_names_and_empty_folders_are_refused(tmp_path: Path, andorra: Region) -> None:
    shutil.copytree(andorra.path, tmp_path / "a")
    shutil.copytree(andorra.path, tmp_path / "b")
    with pytest.raises(RegionError, match="two regions are named 'andorra'"):
        load_regions(regions_from(None, tmp_path))
    with pytest.raises(RegionError, match="holds no region"):
        region_dirs(_empty(tmp_path))


def _empty(tmp_path: Path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty
