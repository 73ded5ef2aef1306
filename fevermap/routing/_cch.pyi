"""Typing stub of the native CCH (fevermap/routing/_cch.c); see :mod:`fevermap.routing.engine`."""

from typing import Any

Buffer = Any  # any C-contiguous buffer (numpy array, bytes, bytearray) of the stated item size

INF: int

def contract(order: Buffer, tail: Buffer, head: Buffer) -> dict[str, bytearray]: ...

class CCH:
    node_count: int
    arc_count: int
    def __init__(
        self,
        rank: Buffer,
        order: Buffer,
        up_first: Buffer,
        up_head: Buffer,
        arc_low: Buffer,
        down_first: Buffer,
        down_arc: Buffer,
        parent: Buffer,
        arc_slot: Buffer,
        *,
        chunk_first: Buffer | None = None,
        chunk_nodes: Buffer | None = None,
        chunk_root: Buffer | None = None,
        top_children: Buffer | None = None,
        top_task: Buffer | None = None,
    ) -> None: ...
    partitioned: bool
    def partition(self) -> dict[str, bytearray]: ...

class Metric:
    mapped: bool
    def __init__(
        self, cch: CCH, weights: Buffer | None = None, *, threads: int = 1, packed: Buffer | None = None
    ) -> None: ...
    def packed(self) -> bytearray: ...

class Pinned:
    count: int
    span: int
    def __init__(self, cch: CCH, nodes: Buffer) -> None: ...

class Query:
    def __init__(self, cch: CCH) -> None: ...
    def run(self, metric: Metric, sources: Any, targets: Any) -> tuple[int, bytearray] | None: ...
    def many(self, metric: Metric, pinned: Pinned, seeds: Any, reverse: bool) -> bytearray: ...
