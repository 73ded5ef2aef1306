"""Independent checks for turn-aware routing: networkx on the ``--turns`` export, and turn restrictions read straight
from the OSM relations with pyosmium (no fevermap code) checked against a route's OSM segments."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import osmium

from fevermap.routing.route import Route
from fevermap.routing.router import Router


def weighted_turns(export: nx.DiGraph) -> nx.DiGraph:
    """Arc weights ``travel_time(u) + turn_cost(u, v)`` on a turn export read back with ``nx.read_graphml``."""
    out = nx.DiGraph()
    tt = {int(x): float(d["travel_time"]) for x, d in export.nodes(data=True)}
    for x, d in export.nodes(data=True):
        out.add_node(int(x), travel_time=tt[int(x)], edge=int(d["fevermap_edge"]))
    for a, b, d in export.edges(data=True):
        out.add_edge(int(a), int(b), weight=tt[int(a)] + float(d["turn_cost"]))
    return out


def node_to_node_s(w: nx.DiGraph, router: Router, a: int, b: int) -> float:
    """Seconds from graph node ``a`` to graph node ``b`` on the weighted turn export (inf if unreachable)."""
    g = router.graph
    m = g.edge_count
    sources = [x for x in w.nodes if x < m and g.edge_tail[x] == a]
    targets = [y for y in w.nodes if g.edge_head[w.nodes[y]["edge"]] == b]
    if not sources or not targets:
        return float("inf")
    dist = nx.multi_source_dijkstra_path_length(w, set(sources), weight="weight")
    return min((dist[y] + w.nodes[y]["travel_time"] for y in targets if y in dist), default=float("inf"))


def route_segments(router: Router, route: Route) -> list[tuple[int, int]]:
    """OSM node pairs of the segments a route drives on (partly driven ones at both ends included), in order."""
    g = router.graph
    first, last = route.first, route.last
    assert first is not None and last is not None
    out: list[tuple[int, int]] = []
    for i, e in enumerate(route.edges):
        s0, s1 = int(g.seg_off[e]), int(g.seg_off[e + 1])
        lo, hi = s0, s1
        if i == 0:
            lo = s0 + first.seg + (1 if first.frac >= 1.0 else 0)
        if i == len(route.edges) - 1:
            hi = s0 + last.seg + (1 if last.frac > 0.0 else 0)
        out.extend(zip(g.seg_u_osm[lo:hi].tolist(), g.seg_v_osm[lo:hi].tolist(), strict=True))
    return out


@dataclass(frozen=True)
class Rule:
    """A restriction as tagged: from way, via node (or via ways), to way; ``only`` for ``only_*``."""

    relation: int
    only: bool
    from_way: int
    via_node: int | None
    via_ways: tuple[int, ...]
    to_way: int


@dataclass(frozen=True)
class Restrictions:
    rules: list[Rule]
    way_pairs: dict[int, frozenset[tuple[int, int]]]  # way -> its consecutive node pairs, both directions


@cache
def read_restrictions(path: Path) -> Restrictions:
    """Every car restriction relation of an extract (``except=motorcar`` and conditional ones left out)."""
    rules: list[Rule] = []
    wanted: set[int] = set()
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        tags = rel.tags
        value = tags.get("restriction:motorcar") or tags.get("restriction")
        if tags.get("type") != "restriction" or value is None or "motorcar" in (tags.get("except") or ""):
            continue
        members = [(m.role, m.type, m.ref) for m in rel.members]
        froms = [r for role, t, r in members if role == "from" and t == "w"]
        tos = [r for role, t, r in members if role == "to" and t == "w"]
        via_n = [r for role, t, r in members if role == "via" and t == "n"]
        via_w = tuple(r for role, t, r in members if role == "via" and t == "w")
        for f in froms:
            for t_ in tos:
                rules.append(Rule(rel.id, value.startswith("only_"), f, via_n[0] if via_n else None, via_w, t_))
                wanted.update((f, t_, *via_w))
    pairs: dict[int, frozenset[tuple[int, int]]] = {}
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if way.id in wanted:
            refs = [n.ref for n in way.nodes]
            both = list(itertools.pairwise(refs))
            pairs[way.id] = frozenset(both + [(b, a) for a, b in both])
    return Restrictions(rules, pairs)


def violations(r: Restrictions, segments: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """The restriction relations a sequence of driven OSM segments breaks, with what it did."""
    bad: list[tuple[int, str]] = []
    on = r.way_pairs
    for rule in r.rules:
        if rule.from_way not in on or rule.to_way not in on:
            continue
        if rule.via_node is not None:
            for (a, v), nxt in itertools.pairwise(segments):
                if v != rule.via_node or (a, v) not in on[rule.from_way] or nxt[0] != v:
                    continue
                enters = nxt in on[rule.to_way]
                if enters != rule.only:
                    bad.append((rule.relation, f"{a}->{v}->{nxt[1]}"))
            continue
        chain = [rule.from_way, *rule.via_ways]
        if any(w not in on for w in chain):
            continue
        for i in range(len(segments)):
            if segments[i] not in on[rule.from_way]:
                continue
            j = i + 1
            used: set[int] = set()
            while j < len(segments) and any(segments[j] in on[w] for w in rule.via_ways):
                used.update(w for w in rule.via_ways if segments[j] in on[w])
                j += 1
            if used != set(rule.via_ways) or j == i + 1 or j >= len(segments):
                continue
            if (segments[j] in on[rule.to_way]) != rule.only:
                bad.append((rule.relation, f"via ways at segment {j}"))
    return bad


def random_pairs(router: Router, n: int, seed: int) -> list[tuple[int, int]]:
    """Pairs of graph nodes whose edges all lie in the largest component."""
    g = router.graph
    comp = router.region.component[: g.edge_count]
    bad = np.zeros(g.node_count, dtype=bool)
    bad[g.edge_tail[comp != 0]] = True
    bad[g.edge_head[comp != 0]] = True
    good = np.flatnonzero(~bad)
    rng = np.random.default_rng(seed)
    return [(int(a), int(b)) for a, b in rng.choice(good, (n, 2))]
