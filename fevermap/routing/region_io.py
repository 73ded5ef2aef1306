"""Region files on disk: arrays written 64-byte aligned into ``.npz``/``.npy`` and read back memory-mapped read-only.

The writer keeps the ordinary NumPy formats (``np.load`` reads them), with one addition: every ``.npz`` member is
stored uncompressed and its data starts on a 64-byte boundary of the file (the zip local header's extra field pads
it). The reader maps each file once (``mmap``, read-only) and returns arrays that view the mapping, so loading costs
no copy and workers that map the same region share its pages through the page cache. Any array name loads the same
way: the reader knows no field list. A member that cannot be viewed in place (compressed, object dtype, or not
aligned for its dtype, as in a file written by plain ``np.savez``) is read into memory instead, so older region
directories still load. Per-edge string columns (road names) are saved as an int32 code per edge into one table of
distinct strings (:func:`save_labels`) and read back as :class:`Labels`, whose codes stay mapped.

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
import itertools
import math
import mmap
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

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


#: The header NumPy writes for a plain array (``np.lib.format``); anything else is read by NumPy's own parser.
_HEADER = re.compile(r"\{'descr': '([<>|=][a-zA-Z]\d*)', 'fortran_order': (True|False), 'shape': \(([\d, ]*)\), \} *\n")


def _header(buf: mmap.mmap, offset: int) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Shape, Fortran order, dtype and data offset of the ``.npy`` array at ``offset`` of ``buf``, reading only
    its header's bytes (a plain header with a regular expression, else with NumPy's parser)."""
    lead = buf[offset : offset + 12]
    if lead[:6] == b"\x93NUMPY" and lead[6] in (1, 2, 3):
        size, skip = (
            (struct.unpack("<H", lead[8:10])[0], 10) if lead[6] == 1 else (struct.unpack("<I", lead[8:12])[0], 12)
        )
        found = _HEADER.fullmatch(buf[offset + skip : offset + skip + size].decode("latin1"))
        if found is not None:
            shape = tuple(int(x) for x in found[3].split(",") if x.strip())
            return shape, found[2] == "True", np.dtype(found[1]), offset + skip + size
        size += skip
    else:
        size = 12
    fh = io.BytesIO(buf[offset : offset + size])
    major, _ = np.lib.format.read_magic(fh)  # raises ValueError for what is not a .npy
    read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read(fh)
    return shape, fortran, dtype, offset + fh.tell()


def _view(buf: mmap.mmap, offset: int) -> np.ndarray | None:
    """The ``.npy`` array at ``offset`` of ``buf`` as a read-only view, or None when it cannot be one."""
    shape, fortran, dtype, start = _header(buf, offset)
    if dtype.hasobject or start % max(dtype.alignment, 1):
        return None
    count = math.prod(shape)
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


class Labels(Sequence[str]):
    """One per-edge string column of a region: ``codes`` (one per edge) into a table of distinct strings.

    Reads like the list of strings it stands for (``labels[e]``, ``len``, iteration, ``in``, ``==`` a list,
    ``np.asarray(labels, dtype=object)``) while the codes stay in the mapped file: no per-edge Python object.
    """

    __slots__ = ("_codes", "_strings")

    def __init__(self, codes: npt.NDArray[np.int32], strings: list[str]) -> None:
        self._codes, self._strings = codes, strings

    def __len__(self) -> int:
        return int(self._codes.shape[0])

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._strings[c] for c in self._codes[index].tolist()]
        return self._strings[self._codes[index]]

    def __iter__(self) -> Iterator[str]:
        return map(self._strings.__getitem__, self._codes.tolist())

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str) or value not in self._strings:
            return False
        return bool((self._codes == self._strings.index(value)).any())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        out = np.array(self._strings, dtype=object)[self._codes]
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"Labels({len(self)} edges, {len(self._strings)} distinct)"


def save_labels(path: Path | str, columns: Mapping[str, Sequence[str]]) -> None:
    """Write per-edge string columns as a ``labels.npz``: the distinct strings once (``strings``: their UTF-8 bytes,
    one after the other; ``string_off``: where each starts and ends, in characters of the decoded text) and, per
    column, an int32 code per edge (``code_<column>``)."""
    table: dict[str, int] = {}
    codes = {key: np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int32)
             for key, values in columns.items()}  # fmt: skip
    off = np.zeros(len(table) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in table], out=off[1:])
    blob = np.frombuffer("".join(table).encode("utf-8"), dtype=np.uint8)
    save_npz(path, strings=blob, string_off=off, **{f"code_{k}": v for k, v in codes.items()})


def read_labels(path: Path | str) -> dict[str, Labels]:
    """The columns of a ``labels.npz`` (:func:`save_labels`), their codes memory-mapped, the distinct strings decoded
    once and shared by all columns.

    Raises
    ------
    OSError, ValueError, zipfile.BadZipFile
        When the file is missing or not a valid ``.npz``.
    """
    arrays = map_npz(path)
    text, off = arrays["strings"].tobytes().decode("utf-8"), arrays["string_off"].tolist()
    strings = [text[a:b] for a, b in itertools.pairwise(off)]
    return {k.removeprefix("code_"): Labels(v, strings) for k, v in arrays.items() if k.startswith("code_")}


def mapped_bytes(array: np.ndarray) -> int:
    """Size in bytes of the file mapping ``array`` views (0 when it owns its memory)."""
    base: Any = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return len(base) if isinstance(base, mmap.mmap) else 0
