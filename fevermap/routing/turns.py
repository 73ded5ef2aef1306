"""The turn-expanded graph the engine routes on: nodes are directed road edges, arcs are the allowed turns.

Turn-graph node ``x`` stands for "at the start of road edge ``node_edge[x]``, about to drive it"; arc ``x -> y`` drives
that edge and turns onto the next, so its weight is the edge's travel time plus the turn's cost
(:mod:`fevermap.routing.profile`). Nodes ``0..m-1`` are the road edges themselves; a via-way restriction adds copies of
its via edges (nodes ``m..``) that remember the restricted approach, so a forbidden sequence of turns has no path while
each of its turns stays usable on its own. U-turns exist only where OSRM allows them (dead ends, turning places,
barriers, a sole exit, at most one two-way road); turns banned by via-node restrictions are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.routing.graph import RoadGraph
from fevermap.routing.profile import Profile
from fevermap.routing.restrictions import Resolved, WayPath
from fevermap.routing.weights import seconds_to_ms

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TurnGraph:
    """Arrays of the turn-expanded graph (arcs sorted by ``arc_from``; ``out_off`` is their CSR offsets).

    ``arc_turn_ms`` is each turn's cost in whole ms (angle, U-turn; obstacles are in the road segments' times).
    """

    node_edge: IntArray
    arc_from: IntArray
    arc_to: IntArray
    arc_turn_ms: IntArray
    arc_u_turn: npt.NDArray[np.bool_]

    @property
    def node_count(self) -> int:
        return int(self.node_edge.shape[0])

    @property
    def arc_count(self) -> int:
        return int(self.arc_from.shape[0])

    @property
    def out_off(self) -> IntArray:
        return np.searchsorted(self.arc_from, np.arange(self.node_count + 1)).astype(np.int64)


def _candidates(g: RoadGraph) -> tuple[IntArray, IntArray]:
    """Every pair (e, f) with head(e) == tail(f)."""
    n, m = g.node_count, g.edge_count
    outdeg = np.bincount(g.edge_tail, minlength=n)
    out_start = np.concatenate([[0], np.cumsum(outdeg)])
    out_sorted = np.argsort(g.edge_tail, kind="stable")
    k = outdeg[g.edge_head]
    src = np.repeat(np.arange(m), k)
    offs = np.arange(src.shape[0]) - np.repeat(np.cumsum(k) - k, k)
    return src, out_sorted[out_start[g.edge_head[src]] + offs]


def _angles(g: RoadGraph, src: IntArray, dst: IntArray) -> npt.NDArray[np.float64]:
    """OSRM turn angles in degrees: 0 straight on, + to the right, - to the left, 180 back."""
    geom_off = g.seg_off + np.arange(g.edge_count + 1)
    a = g.coords[geom_off[src + 1] - 2]
    v = g.coords[geom_off[src + 1] - 1]
    b = g.coords[geom_off[dst] + 1]
    k = np.cos(np.radians(v[:, 1]))
    h_in = np.arctan2(v[:, 1] - a[:, 1], (v[:, 0] - a[:, 0]) * k)
    h_out = np.arctan2(b[:, 1] - v[:, 1], (b[:, 0] - v[:, 0]) * k)
    left = np.degrees(h_out - h_in)  # counter-clockwise positive
    left = (left + 180.0) % 360.0 - 180.0
    return np.where(left == -180.0, 180.0, -left)


def _node_roads(g: RoadGraph) -> tuple[IntArray, IntArray]:
    """Per node: roads meeting there (a two-way road once) and two-way roads meeting there."""
    n = g.node_count
    once = (g.edge_twin < 0) | (np.arange(g.edge_count) < g.edge_twin)
    roads = np.bincount(g.edge_tail[once], minlength=n) + np.bincount(g.edge_head[once], minlength=n)
    two = once & (g.edge_twin >= 0)
    two_way = np.bincount(g.edge_tail[two], minlength=n) + np.bincount(g.edge_head[two], minlength=n)
    return roads, two_way


def build_turns(g: RoadGraph, resolved: Resolved, profile: Profile, u_turn_nodes: IntArray) -> TurnGraph:
    """The turn graph of ``g`` under ``resolved`` restrictions.

    Parameters
    ----------
    u_turn_nodes : array of int
        OSM ids of nodes where U-turns are always allowed (turning circles, gates).
    """
    m = g.edge_count
    src, dst = _candidates(g)
    first, last = g.seg_off[dst], g.seg_off[src + 1] - 1
    u_turn = g.seg_v_osm[first] == g.seg_u_osm[last]
    via = g.edge_head[src]
    roads, two_way = _node_roads(g)
    outdeg = np.bincount(g.edge_tail, minlength=g.node_count)
    special = np.isin(g.node_osm, u_turn_nodes)
    u_ok = special[via] | (roads[via] == 1) | (outdeg[via] == 1) | (two_way[via] <= 1)
    keep = ~u_turn | u_ok
    if resolved.banned.size:
        key = src * m + dst
        keep &= ~np.isin(key, resolved.banned[:, 0] * m + resolved.banned[:, 1])
    src, dst, u_turn = src[keep], dst[keep], u_turn[keep]
    via = g.edge_head[src]
    penalised = (roads[via] > 2) | (g.edge_ferry[src] != g.edge_ferry[dst])
    turn_ms = seconds_to_ms(profile.turn_cost_s(_angles(g, src, dst), u_turn, penalised))
    node_edge = np.arange(m, dtype=np.int64)
    if resolved.paths:
        node_edge, src, dst, turn_ms, u_turn = _expand(m, resolved.paths, src, dst, turn_ms, u_turn)
    order = np.argsort(src, kind="stable")
    return TurnGraph(node_edge, src[order], dst[order], turn_ms[order], u_turn[order])


def _expand(
    m: int, paths: list[WayPath], src: IntArray, dst: IntArray, turn_ms: IntArray, u_turn: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Copy the via edges of via-way restrictions (a trie of their prefixes) and rewire the turns through them."""
    outs: dict[int, list[int]] = {}
    for i, e in enumerate(src.tolist()):
        outs.setdefault(e, []).append(i)
    dst_l, turn_l, u_l = dst.tolist(), turn_ms.tolist(), u_turn.tolist()
    copies: dict[tuple[int, ...], int] = {}  # trie prefix -> copy node id
    node_edge = list(range(m))
    for p in paths:
        for k in range(2, len(p.prefix) + 1):
            if p.prefix[:k] not in copies:
                copies[p.prefix[:k]] = len(node_edge)
                node_edge.append(p.prefix[k - 1])
    ends: dict[tuple[int, ...], list[WayPath]] = {}
    for p in paths:
        ends.setdefault(p.prefix, []).append(p)
    redirect = {(pre[0], pre[1]): node for pre, node in copies.items() if len(pre) == 2}
    new_src, new_dst, new_turn, new_u = [], [], [], []
    for i in range(src.shape[0]):  # original arcs, the first step into a restricted chain redirected to its copy
        s, d = int(src[i]), dst_l[i]
        new_src.append(s)
        new_dst.append(redirect.get((s, d), d))
        new_turn.append(turn_l[i])
        new_u.append(u_l[i])
    for pre, node in copies.items():
        x = pre[-1]
        for i in outs.get(x, []):
            y = dst_l[i]
            if (*pre, y) in copies:
                target = copies[(*pre, y)]
            else:
                rules = ends.get(pre, [])
                if any((y in r.to_edges) != r.only for r in rules):
                    continue
                target = redirect.get((x, y), y)
            new_src.append(node)
            new_dst.append(target)
            new_turn.append(turn_l[i])
            new_u.append(u_l[i])
    as_int = np.asarray
    return (as_int(node_edge, dtype=np.int64), as_int(new_src, dtype=np.int64), as_int(new_dst, dtype=np.int64),
            as_int(new_turn, dtype=np.int64), as_int(new_u, dtype=bool))  # fmt: skip


class TurnTable:
    """Turn-graph arcs by the OSM nodes before, at and after the turn (for OSRM turn-penalty files)."""

    def __init__(self, g: RoadGraph, turns: TurnGraph) -> None:
        src = turns.node_edge[turns.arc_from]
        dst = turns.node_edge[turns.arc_to]
        last = g.seg_off[src + 1] - 1
        keys = zip(g.seg_u_osm[last].tolist(), g.seg_v_osm[last].tolist(), g.seg_v_osm[g.seg_off[dst]].tolist(),
                   strict=True)  # fmt: skip
        self._arcs: dict[tuple[int, int, int], list[int]] = {}
        for i, key in enumerate(keys):
            self._arcs.setdefault(key, []).append(i)

    def lookup(self, a: IntArray, b: IntArray, c: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
        """Arcs of each ``(from, via, to)`` row: ``(row_index, arc_index, found_per_row)``."""
        rows: list[int] = []
        arcs: list[int] = []
        found = np.zeros(a.shape[0], dtype=bool)
        for i, key in enumerate(zip(a.tolist(), b.tolist(), c.tolist(), strict=True)):
            hit = self._arcs.get(key)
            if hit:
                found[i] = True
                rows.extend([i] * len(hit))
                arcs.extend(hit)
        return np.asarray(rows, dtype=np.int64), np.asarray(arcs, dtype=np.int64), found
