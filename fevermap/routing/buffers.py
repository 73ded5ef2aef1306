"""Reusing the buffers of retired metric states, so that a traffic update writes to memory that is already mapped.

A 5 % traffic update on Porto makes about ten arrays of 0.5-4 MB (speeds, segment times, partial-time sums, edge and
turn weights). Fresh from the allocator, large arrays are new mappings: every 4 kB page of them faults on first write
(about 5,000 faults, 10-15 ms on this class of machine, once the process has run queries for a while and the
allocator has given the memory back). :class:`ArrayPool` keeps the arrays it handed out and hands one out again once
nothing else refers to it: not the state that owned it, not a query still running on that state, not a view of it.

The test is CPython's reference count of the array that owns the memory. Every view and every slice of a pooled
array refers to that owner (NumPy points a view's ``base`` at the array that owns the data), so an owner whose count
is the pool's own reference alone has no reader left anywhere.

Examples
--------
>>> pool = ArrayPool()
>>> a = pool.empty(1000, np.float64)
>>> pool.empty(1000, np.float64) is a  # ``a`` is still held here
False
>>> view = a[10:20]
>>> del a
>>> len(pool.free(1000, np.float64))  # the view still reads the first buffer
1
>>> del view
>>> len(pool.free(1000, np.float64))
2
"""

from __future__ import annotations

import ctypes
import functools
import mmap
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayPool"]


def _calibrate() -> int:
    """The reference count :func:`sys.getrefcount` reports for an array held only by a pool's list."""
    held = [np.empty(1)]
    return sys.getrefcount(held[0])


_ONLY_POOL = _calibrate()


def _is_free(held: list[npt.NDArray[Any]], i: int) -> bool:
    """Whether nothing but the list ``held`` refers to its array ``i`` (the count :func:`_calibrate` measured: the
    list's reference and the call's argument)."""
    return sys.getrefcount(held[i]) == _ONLY_POOL


_MADV_FREE = 8  # <sys/mman.h> on Linux (4.5 and later); Python's mmap module has it only as a method of its own maps
_PAGE = mmap.PAGESIZE


@functools.cache
def _madvise() -> Any:
    """libc's ``madvise`` where it is Linux's (None elsewhere: free buffers then simply stay resident), looked up on
    the first :meth:`ArrayPool.release`. The process's own symbols hold it (``CDLL(None)``, ~0.1 ms);
    ``ctypes.util.find_library`` would run ``ldconfig`` (~14 ms)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int), ctypes.c_int
    return fn


class ArrayPool:
    """Arrays by length and dtype, each handed out again once nothing but the pool refers to it.

    Not thread-safe: one writer uses it (the router's traffic updates, under its update lock). Arrays it hands out
    are uninitialised, like :func:`numpy.empty`. It keeps at most ``keep`` arrays per length and dtype; beyond
    those, :meth:`empty` allocates arrays the pool does not keep.
    """

    def __init__(self, keep: int = 12) -> None:
        self._keep = keep
        self._held: dict[tuple[int, str], list[npt.NDArray[Any]]] = {}

    def empty(self, n: int, dtype: npt.DTypeLike) -> npt.NDArray[Any]:
        """An uninitialised 1-D array of ``n`` items, reused when the pool holds one nothing else refers to."""
        dt = np.dtype(dtype)
        held = self._held.setdefault((n, dt.str), [])
        for i in range(len(held)):
            if _is_free(held, i):
                return held[i]
        out = np.empty(n, dtype=dt)
        if len(held) < self._keep:
            held.append(out)
        return out

    def copy(self, a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """A copy of the 1-D array ``a`` in a buffer from :meth:`empty`."""
        out = self.empty(a.shape[0], a.dtype)
        np.copyto(out, a)
        return out

    def free(self, n: int, dtype: npt.DTypeLike) -> list[npt.NDArray[Any]]:
        """The arrays of this length and dtype that nothing else refers to (a new list; for tests and stats)."""
        held = self._held.get((n, np.dtype(dtype).str), [])
        return [held[i] for i in range(len(held)) if _is_free(held, i)]

    def release(self) -> int:
        """Let the kernel take back the pages of the free arrays when it needs memory (``MADV_FREE``); returns bytes.

        Until it does, they stay mapped and the next :meth:`empty` writes to them without a fault; once it has, the
        next write faults in zeroed pages, as a fresh array's would. Only whole pages inside an array's data are
        marked (the allocator's bookkeeping beside it is left alone). As the native engine does with the buffer of
        the metric a traffic update replaced.
        """
        madvise = _madvise()
        if madvise is None:
            return 0
        marked = 0
        for arrays in self._held.values():
            for i in range(len(arrays)):
                if not _is_free(arrays, i):
                    continue
                addr = arrays[i].__array_interface__["data"][0]
                start = -(-addr // _PAGE) * _PAGE
                end = (addr + arrays[i].nbytes) // _PAGE * _PAGE
                if end - start >= 16 * _PAGE and madvise(start, end - start, _MADV_FREE) == 0:
                    marked += end - start
        return marked

    @property
    def nbytes(self) -> int:
        """Bytes of every array the pool keeps (held elsewhere or not)."""
        return sum(a.nbytes for arrays in self._held.values() for a in arrays)
