"""ArrayPool: an array is handed out again only once nothing else refers to it, not even a view."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from fevermap.routing.buffers import ArrayPool


def test_an_array_is_reused_only_when_nothing_else_refers_to_it() -> None:
    pool = ArrayPool()
    a = pool.empty(100, np.float64)
    b = pool.empty(100, np.float64)
    assert a is not b and a.shape == (100,) and a.dtype == np.float64
    assert pool.free(100, np.float64) == []  # both held here
    first = id(a)
    kept = {"state": a}  # held by something else (a state) once the caller lets go
    del a
    assert pool.free(100, np.float64) == []
    view = kept.pop("state")[5:10]  # only a slice of it is left: still not free
    gc.collect()
    assert pool.free(100, np.float64) == []
    assert id(pool.empty(100, np.float64)) not in (first, id(b))  # a third buffer
    del view
    free = pool.free(100, np.float64)
    assert first in [id(x) for x in free] and id(b) not in [id(x) for x in free]
    del free
    assert id(pool.empty(100, np.float64)) == first  # the first free one, in the order they were made


def test_length_and_dtype_are_kept_apart_and_the_pool_is_bounded() -> None:
    pool = ArrayPool(keep=2)
    a = pool.empty(8, np.float64)
    del a
    i = pool.empty(8, np.int64)
    assert i.dtype == np.int64 and i.shape == (8,)
    assert pool.empty(9, np.float64).shape == (9,)
    held = [pool.empty(4, np.float64) for _ in range(5)]  # three beyond the bound: allocated, not kept
    assert len({id(x) for x in held}) == 5
    assert pool.nbytes == 8 * 8 + 8 * 8 + 9 * 8 + 2 * 4 * 8
    del held
    assert len(pool.free(4, np.float64)) == 2


def _lazy_free_kb() -> int:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("LazyFree:"):
            return int(line.split()[1])
    raise AssertionError("no LazyFree line")


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux's /proc/self/smaps_rollup")
def test_release_marks_only_free_arrays_and_they_are_reused_whole() -> None:
    pool = ArrayPool()
    held = pool.empty(1 << 20, np.float64)  # 8 MB
    free = pool.empty(1 << 20, np.float64)
    held[:] = 1.0
    free[:] = 2.0
    free_id = id(free)
    del free
    before = _lazy_free_kb()
    marked = pool.release()
    assert 8 * 2**20 - 2 * 4096 <= marked <= 8 * 2**20  # the free one's whole pages, not the held one
    assert _lazy_free_kb() - before >= marked // 1024 - 64  # the kernel has them as lazily freed
    assert (held == 1.0).all()
    again = pool.empty(1 << 20, np.float64)
    assert id(again) == free_id
    again[:] = np.arange(1 << 20)  # written after the mark: the kernel keeps these pages
    assert (again == np.arange(1 << 20)).all()
    del again
    assert pool.release() == marked
    assert ArrayPool().release() == 0
