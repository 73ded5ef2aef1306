"""Region files: aligned npz members, memory-mapped read-only arrays, older plain-``np.savez`` files still load."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from fevermap.errors import RegionError
from fevermap.routing.region import Region, load_region
from fevermap.routing.region_io import (
    ALIGN,
    Labels,
    map_npy,
    map_npz,
    mapped_bytes,
    read_labels,
    save_labels,
    save_npy,
    save_npz,
)
from fevermap.routing.router import Router


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {
        "i8": np.arange(1, 8, dtype=np.int8),  # an odd size, so the next member starts unaligned without padding
        "f64": rng.normal(size=(7, 2)),
        "i64": rng.integers(-(2**40), 2**40, size=13),
        "fortran": np.asfortranarray(rng.normal(size=(3, 5))),
        "flags": rng.random(9) > 0.5,
        "empty": np.zeros(0, dtype=np.int64),
        "road_class": rng.integers(0, 9, size=11).astype(np.uint8),  # a name the reader has never heard of
    }


def test_written_members_are_aligned_mapped_read_only_and_equal(tmp_path: Path) -> None:
    arrays = _arrays()
    save_npz(tmp_path / "a.npz", **arrays)
    mapped = map_npz(tmp_path / "a.npz")
    assert set(mapped) == set(arrays)
    with np.load(tmp_path / "a.npz") as plain:  # still an ordinary npz
        for name, want in arrays.items():
            np.testing.assert_array_equal(plain[name], want)
    for name, want in arrays.items():
        got = mapped[name]
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert not got.flags.writeable
        assert mapped_bytes(got) > 0, name  # a view of the file, not a copy
        if got.size:
            assert got.ctypes.data % ALIGN == 0, name
    with pytest.raises(ValueError, match="read-only"):
        mapped["i64"][0] = 1


def test_files_written_by_plain_numpy_load_the_same(tmp_path: Path) -> None:
    arrays = _arrays()
    np.savez(tmp_path / "plain.npz", **arrays)
    np.savez_compressed(tmp_path / "packed.npz", **arrays)
    np.save(tmp_path / "one.npy", arrays["i64"])
    for name in ("plain.npz", "packed.npz"):
        got = map_npz(tmp_path / name)
        for key, want in arrays.items():
            np.testing.assert_array_equal(got[key], want)
            assert not got[key].flags.writeable
    assert all(mapped_bytes(a) == 0 for a in map_npz(tmp_path / "packed.npz").values())  # read: compressed
    np.testing.assert_array_equal(map_npy(tmp_path / "one.npy"), arrays["i64"])
    save_npy(tmp_path / "two.npy", arrays["f64"])
    assert mapped_bytes(map_npy(tmp_path / "two.npy")) > 0


def test_labels_keep_one_copy_of_each_name_and_read_like_lists(tmp_path: Path) -> None:
    columns = {"name": ["Rua A", "Rua A", "", "Rua A", "南京东路"], "ref": ["N1", "N1", "", "", "Rua A"]}
    save_labels(tmp_path / "labels.npz", columns)
    labels = read_labels(tmp_path / "labels.npz")
    assert set(labels) == {"name", "ref"}
    for key, want in columns.items():
        got = labels[key]
        assert isinstance(got, Labels) and len(got) == len(want)
        assert got == want and list(got) == want and [got[i] for i in range(len(want))] == want
        assert got[-1] == want[-1] and got[1:4] == want[1:4]
        assert np.asarray(got, dtype=object).tolist() == want
    assert (
        "南京东路" in labels["name"]
        and "N1" not in labels["name"]
        and "Rua A" in labels["ref"]
        and 3 not in labels["ref"]
    )
    assert labels["name"][0] is labels["name"][3] is labels["ref"][4]  # one string object per distinct name
    assert labels["name"] != ["Rua A"] and labels["name"] == labels["name"]
    codes = map_npz(tmp_path / "labels.npz")["code_name"]
    assert codes.dtype == np.int32 and mapped_bytes(codes) > 0
    with pytest.raises(IndexError):
        labels["name"][5]


def test_a_loaded_region_views_its_files_and_routes_as_one_read_into_memory(tmp_path: Path, andorra: Region) -> None:
    region = load_region(andorra.path)
    for name in ("node_lon", "edge_tail", "seg_off", "coords", "seg_speed_kph"):
        arr = getattr(region.graph, name)
        assert mapped_bytes(arr) > 0 and not arr.flags.writeable, name
    assert mapped_bytes(region.turns.arc_from) > 0 and mapped_bytes(region.cch_order) > 0
    # the same region with its arrays rewritten by plain np.savez (unaligned members: read into memory)
    copy = tmp_path / "andorra"
    shutil.copytree(andorra.path, copy)
    for npz in ("graph.npz", "turns.npz", "traffic_index.npz"):
        with np.load(copy / npz) as f:
            np.savez(copy / npz, **{k: f[k] for k in f.files})
    plain = load_region(copy)
    a, b = Router(region), Router(plain)
    g = region.graph
    for i, j in [(0, g.node_count - 1), (10, 500), (700, 3)]:
        pa, pb = (float(g.node_lon[i]), float(g.node_lat[i])), (float(g.node_lon[j]), float(g.node_lat[j]))
        assert a.route(pa, pb).duration_s == b.route(pa, pb).duration_s


def test_a_truncated_region_file_is_refused_naming_it(tmp_path: Path, monaco: Region) -> None:
    copy = tmp_path / "monaco"
    shutil.copytree(monaco.path, copy)
    data = (copy / "graph.npz").read_bytes()
    (copy / "graph.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(RegionError, match="incomplete"):
        load_region(copy)
    (copy / "graph.npz").write_bytes(b"")
    with pytest.raises(RegionError, match="incomplete"):
        load_region(copy)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_every_header_numpy_writes_maps_to_the_same_array(tmp_path: Path, version: tuple[int, int]) -> None:
    arrays = {
        **_arrays(),
        "scalar": np.array(2.5),
        "structured": np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),  # not a plain header
        "when": np.array(["2026-12-01"], dtype="datetime64[D]"),
        "text": np.array(["Rua A", "南京东路"]),
    }
    for name, want in arrays.items():
        with (tmp_path / f"{name}.npy").open("wb") as fh:
            np.lib.format.write_array(fh, want, version=version)
        got = map_npy(tmp_path / f"{name}.npy")
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype and got.shape == want.shape and not got.flags.writeable, name
        assert got.flags.f_contiguous == want.flags.f_contiguous and got.flags.c_contiguous == want.flags.c_contiguous
    (tmp_path / "bad.npy").write_bytes(b"not an array at all")
    with pytest.raises(ValueError):
        map_npy(tmp_path / "bad.npy")
