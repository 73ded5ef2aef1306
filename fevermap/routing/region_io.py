"""Region files on disk: arrays written 64-byte aligned into ``.npz``/``.npy`` and read back memory-mapped read-only.

The writer keeps the ordinary NumPy formats (``np.load`` reads them), with one addition: every ``.npz`` member is
stored uncompressed and its data starts on a 64-byte boundary of the file (the zip local header's extra field pads
it). The reader maps each file once (``mmap``, read-only) and returns arrays that view the mapping, so loading costs
no copy and workers that map the same region share its pages through the page cache. Any array name loads the same
way: the reader knows no field list. A member that cannot be viewed in place (compressed, object dtype, or not
aligned for its dtype, as in a file written by plain ``np.savez``) is read into memory instead, so older region
directories still load.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> save_npz(folder / "a.npz", x=np.arange(5), y=np.ones((2, 3), dtype=np.float32))
>>> arrays = map_npz(folder / "a.npz")
>>> arrays["x"].tolist(), arrays["y"].shape, arrays["x"].flags.writeable
([0, 1, 2, 3, 4], (2, 3), False)
>>> mapped_bytes(arrays["x"]) > 0
True
"""

from __future__ import annotations

import io
import json
import mmap
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: Array data in region files starts on a multiple of this many bytes.
ALIGN = 64
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name and extra field
_PAD_ID = 0xF3A1  # an unregistered zip extra-field id: padding only


def _npy_bytes(array: npt.ArrayLike) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=False)
    return buf.getvalue()


def save_npz(path: Path | str, **arrays: npt.ArrayLike) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` whose members' data start 64-byte aligned (see module doc)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            data = _npy_bytes(array)  # the .npy header pads its data to a multiple of 64 bytes
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            start = zf.fp.tell() if zf.fp is not None else 0
            used = _LOCAL_HEADER + len(info.filename.encode()) + 4  # the padding field's own id and size
            pad = (-(start + used)) % ALIGN
            info.extra = struct.pack("<HH", _PAD_ID, pad) + b"\0" * pad
            zf.writestr(info, data)


def save_npy(path: Path | str, array: npt.ArrayLike) -> None:
    """Write one array as ``.npy`` (its data 64-byte aligned, as NumPy writes it)."""
    Path(path).write_bytes(_npy_bytes(array))


def _map(path: Path) -> mmap.mmap:
    with path.open("rb") as fh:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def _view(buf: mmap.mmap, offset: int) -> np.ndarray | None:
    """The ``.npy`` array at ``offset`` of ``buf`` as a read-only view, or None when it cannot be one."""
    fh = io.BytesIO(buf[offset : offset + 65536 + 16])  # a header is at most 64 KiB
    major, _ = np.lib.format.read_magic(fh)
    read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read(fh)
    start = offset + fh.tell()
    if dtype.hasobject or start % max(dtype.alignment, 1):
        return None
    count = int(np.prod(shape, dtype=np.int64))
    flat = np.frombuffer(buf, dtype=dtype, count=count, offset=start)
    return flat.reshape(shape, order="F" if fortran else "C")


def map_npz(path: Path | str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz``, memory-mapped read-only where possible (read into memory otherwise).

    Raises
    ------
    OSError, ValueError, zipfile.BadZipFile
        When the file is missing or not a valid ``.npz``.
    """
    path = Path(path)
    buf = _map(path)
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            view = None
            if info.compress_type == zipfile.ZIP_STORED:
                name_len, extra_len = struct.unpack("<HH", buf[info.header_offset + 26 : info.header_offset + 30])
                view = _view(buf, info.header_offset + _LOCAL_HEADER + name_len + extra_len)
            if view is None:
                with zf.open(info) as member:
                    view = np.lib.format.read_array(member, allow_pickle=False)
                view.setflags(write=False)
            out[name] = view
    return out


def map_npy(path: Path | str) -> np.ndarray:
    """One ``.npy`` array, memory-mapped read-only (read into memory if it cannot be viewed in place)."""
    path = Path(path)
    view = _view(_map(path), 0)
    if view is None:
        view = np.load(path, allow_pickle=False)
        view.setflags(write=False)
    return view


def read_labels(path: Path | str) -> dict[str, Any]:
    """A ``labels.json`` of per-edge string lists, each distinct string kept once (road names repeat a lot)."""
    labels = json.loads(Path(path).read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for key, values in labels.items():
        if isinstance(values, list):  # lists of strings only (the region writer's): map keeps the loop in C
            labels[key] = list(map(seen.setdefault, values, values))
    return labels


def mapped_bytes(array: np.ndarray) -> int:
    """Size in bytes of the file mapping ``array`` views (0 when it owns its memory)."""
    base: Any = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return len(base) if isinstance(base, mmap.mmap) else 0
