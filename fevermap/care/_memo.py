"""A bounded memo of arrays derived from a few live objects (graphs, sample sets, metric versions).

Care keeps per-process arrays that are costly to derive and read-only once built: road samples per spacing, their
tile order, per-version piece times. A :class:`Memo` keys them by the ids of the objects they come from and checks
identity on every hit, so an id reused by a new object never returns stale data; when it holds more than ``size``
entries it starts afresh (a few regions and traffic versions are in use at a time). Two threads may build the same
entry at once; either result is kept, both are equal.

>>> memo = Memo(2)
>>> data = [1, 2, 3]
>>> memo.get((data,), lambda: sum(data))
6
>>> memo.get((data,), lambda: 0)  # kept
6
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """Values built from ``owners`` (and an optional hashable ``extra`` key), kept while the owners live."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: dict[tuple[Any, ...], tuple[tuple[object, ...], T]] = {}

    def get(self, owners: tuple[object, ...], build: Callable[[], T], extra: Hashable = None) -> T:
        """The value for ``owners`` and ``extra``, built by ``build()`` the first time."""
        key = (*(id(o) for o in owners), extra)
        got = self._items.get(key)
        if got is not None and all(a is b for a, b in zip(got[0], owners, strict=True)):
            return got[1]
        value = build()
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key] = (owners, value)
        return value
