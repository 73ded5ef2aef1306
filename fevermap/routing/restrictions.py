"""Turn restrictions: OSM ``type=restriction`` relations resolved onto the road graph's directed edges.

``no_*`` forbids the from-way -> via -> to-way transition, ``only_*`` forbids every other exit from the via (any value
with that prefix, as OSRM reads them; ``*_on_red`` and other values are skipped and counted); the via is
a node or a chain of ways. :func:`resolve` returns the banned edge-to-edge turns at via nodes, the edge paths of via-way
restrictions (which :mod:`fevermap.routing.turns` enforces by duplicating the via edges), and a report that counts
every relation: applied, skipped on purpose (conditional, ``except=motorcar``, other vehicles) or malformed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fevermap.routing.graph import RoadGraph

if TYPE_CHECKING:
    from fevermap.routing._osm import Extract, RestrictionRelation

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class WayPath:
    """A via-way restriction on edges: after driving ``prefix`` (from-edge, then the via edges), ``only`` says
    whether ``to_edges`` are the only exits (``only_*``) or the forbidden ones (``no_*``)."""

    prefix: tuple[int, ...]
    to_edges: frozenset[int]
    only: bool


@dataclass
class Resolved:
    """Restrictions on the graph: ``banned`` is an ``(k, 2)`` array of forbidden ``(from_edge, to_edge)`` turns at
    via nodes; ``paths`` the via-way restrictions; ``report`` counts relations by outcome."""

    banned: IntArray
    paths: list[WayPath]
    report: dict[str, object] = field(default_factory=dict)


def _shared(a: tuple[int, ...], b: tuple[int, ...]) -> int | None:
    """The node two ways share, preferring an end of ``b`` (a via way joins its neighbours at its ends)."""
    common = set(a) & set(b)
    if not common:
        return None
    for end in (b[0], b[-1]):
        if end in common:
            return end
    return min(common)


def _chain(rel: RestrictionRelation, ways: dict[int, tuple[int, ...]]) -> list[int] | None:
    """Junction nodes ``[from∩via1, via1∩via2, ..., viak∩to]`` of a via-way relation (via ways put in order)."""
    if not (rel.from_ways and rel.to_ways) or any(w not in ways for w in (*rel.via_ways, rel.from_ways[0])):
        return None
    prev, left, nodes = rel.from_ways[0], list(rel.via_ways), []
    while left:
        nxt = next((w for w in left if _shared(ways[prev], ways[w]) is not None), None)
        if nxt is None:
            return None
        node = _shared(ways[prev], ways[nxt])
        assert node is not None
        nodes.append(node)
        left.remove(nxt)
        prev = nxt
    if rel.to_ways[0] not in ways or (end := _shared(ways[rel.to_ways[0]], ways[prev])) is None:
        return None
    return [*nodes, end]


def required_nodes(extract: Extract) -> set[int]:
    """OSM nodes that must stay graph nodes: every via node and every junction of a via-way chain."""
    out: set[int] = set()
    for rel in extract.restrictions:
        out.update(rel.via_nodes)
        if rel.via_ways and (chain := _chain(rel, extract.way_nodes)) is not None:
            out.update(chain)
    return out


class _Graph:
    """Edge look-ups by node and way for resolving relations."""

    def __init__(self, g: RoadGraph) -> None:
        self.g = g
        self.first = g.seg_off[:-1]
        self.last = g.seg_off[1:] - 1
        self.ins: dict[int, list[int]] = {}
        self.outs: dict[int, list[int]] = {}
        for e, (t, h) in enumerate(zip(g.edge_tail.tolist(), g.edge_head.tolist(), strict=True)):
            self.outs.setdefault(int(g.node_osm[t]), []).append(e)
            self.ins.setdefault(int(g.node_osm[h]), []).append(e)
        self.way_first = g.seg_way[self.first].tolist()
        self.way_last = g.seg_way[self.last].tolist()
        self.head_osm = g.node_osm[g.edge_head].tolist()

    def arriving(self, node: int, way: int) -> list[int]:
        return [e for e in self.ins.get(node, []) if self.way_last[e] == way]

    def leaving(self, node: int, way: int) -> list[int]:
        return [e for e in self.outs.get(node, []) if self.way_first[e] == way]

    def along(self, way: int, start: int, end: int) -> list[int] | None:
        """Edges driving ``way`` from graph node ``start`` to graph node ``end`` (OSM ids), or None."""
        path: list[int] = []
        node = start
        for _ in range(10_000):
            if node == end:
                return path
            nxt = self.leaving(node, way)
            nxt = [e for e in nxt if not path or e != int(self.g.edge_twin[path[-1]])]
            if not nxt:
                return None
            path.append(nxt[0])
            node = self.head_osm[nxt[0]]
        return None


def resolve(extract: Extract, g: RoadGraph) -> Resolved:
    """Resolve the extract's restriction relations onto ``g`` (built with :func:`required_nodes` kept)."""
    graph = _Graph(g)
    outcome: Counter[str] = Counter()
    banned: list[tuple[int, int]] = []
    paths: list[WayPath] = []
    ways = extract.way_nodes
    for rel in extract.restrictions:
        only = rel.value.startswith("only_")  # any only_* / no_* counts, as OSRM reads them
        if rel.value.endswith("_on_red"):
            outcome["skipped: turn on red (not a restriction for routing)"] += 1
            continue
        if not only and not rel.value.startswith("no_"):
            outcome["skipped: unknown restriction value"] += 1
            continue
        if rel.bad_members or not rel.from_ways or not rel.to_ways or bool(rel.via_nodes) == bool(rel.via_ways):
            outcome["malformed: missing or wrong members"] += 1
            continue
        if len(rel.via_nodes) > 1:
            outcome["malformed: several via nodes"] += 1
            continue
        if any(w not in ways for w in (*rel.from_ways, *rel.to_ways, *rel.via_ways)):
            outcome["skipped: a member way is not drivable or not in the extract"] += 1
            continue
        if rel.via_nodes:
            via = rel.via_nodes[0]
            if any(via not in ways[w] for w in (*rel.from_ways, *rel.to_ways)):
                outcome["malformed: via node not on the from and to ways"] += 1
                continue
            froms = [e for w in rel.from_ways for e in graph.arriving(via, w)]
            exits_ok = {e for w in rel.to_ways for e in graph.leaving(via, w)}
            exits = graph.outs.get(via, [])
            for e in froms:
                banned.extend((e, f) for f in exits if (f not in exits_ok) == only)
            outcome["applied: via node"] += 1
            continue
        chain = _chain(rel, ways)
        if chain is None:
            outcome["malformed: via ways do not connect the from and to ways"] += 1
            continue
        order = [w for w in rel.via_ways]  # re-derive the chained order from the junctions
        via_path: list[int] = []
        ok = True
        for a, b in itertools.pairwise(chain):
            way = next((w for w in order if a in ways[w] and b in ways[w]), None)
            piece = None if way is None else graph.along(way, a, b)
            if piece is None:
                ok = False
                break
            via_path.extend(piece)
        tos = frozenset(e for w in rel.to_ways for e in graph.leaving(chain[-1], w))
        if not ok or not via_path:
            outcome["applied: via way (not drivable in this direction: no effect)"] += 1
            continue
        for e in graph.arriving(chain[0], rel.from_ways[0]):
            paths.append(WayPath((e, *via_path), tos, only))
        outcome["applied: via way"] += 1
    for reason, count in extract.skipped.items():
        outcome[f"skipped: {reason}"] += count
    pairs = np.array(sorted(set(banned)), dtype=np.int64).reshape(-1, 2)
    report: dict[str, object] = {"relations": len(extract.restrictions) + sum(extract.skipped.values()),
                                 **dict(sorted(outcome.items()))}  # fmt: skip
    return Resolved(pairs, paths, report)
