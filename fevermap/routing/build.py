"""Build a drivable road graph from an OSM extract: every component, simplified, with per-segment speeds.

The graph keeps osmnx's conventions: nodes are intersections and dead ends (interior nodes of a road are removed by
simplification, as ``osmnx.simplify_graph`` does), an edge keeps the polyline of the road it replaces, ``speed_kph`` and
``travel_time`` (s). Unlike osmnx it also keeps every original OSM segment of an edge (its two OSM node ids, length and
speed) so that a traffic row for one segment changes exactly that piece of a longer edge, keeps a node wherever the
road's attributes change or a turn restriction needs it, and keeps every connected component (as OSRM does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from fevermap.errors import InputError

if TYPE_CHECKING:
    from fevermap.routing._osm import WayRun
from fevermap.routing.graph import RoadGraph
from fevermap.routing.profile import Profile

_GEOD = Geod(ellps="WGS84")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]


_LABEL_FIELDS = ("name", "highway", "name_zh", "name_en", "ref", "roundabout", "toll", "ferry")
Label = tuple[str, str, str, str, str, bool, bool, bool]
Obstacles = dict[int, tuple[str, str]]


@dataclass
class _Arcs:
    u: IntArray  # dense node index
    v: IntArray
    length: FloatArray
    speed: FloatArray
    way: IntArray
    label: IntArray  # index into the label table (_LABEL_FIELDS)
    forward: npt.NDArray[np.bool_]  # along the way's node order

    def take(self, keep: npt.NDArray[np.bool_]) -> _Arcs:
        return _Arcs(*(getattr(self, f)[keep] for f in ("u", "v", "length", "speed", "way", "label", "forward")))


def _collect_arcs(runs: Iterable[WayRun]) -> tuple[IntArray, FloatArray, FloatArray, _Arcs, list[Label]]:
    us: list[int] = []
    vs: list[int] = []
    speeds: list[float] = []
    ways: list[int] = []
    labels_idx: list[int] = []
    along: list[bool] = []
    labels: dict[Label, int] = {}
    coord: dict[int, tuple[float, float]] = {}
    for run in runs:
        key: Label = tuple(getattr(run, f) for f in _LABEL_FIELDS)
        label = labels.setdefault(key, len(labels))
        for nid, lon, lat in zip(run.node_ids, run.lons, run.lats, strict=True):
            coord[nid] = (lon, lat)
        pairs = [(a, b) for a, b in zip(run.node_ids[:-1], run.node_ids[1:], strict=True) if a != b]
        for go, speed, is_forward in ((run.forward, run.speed_forward_kph, True),
                                      (run.backward, run.speed_backward_kph, False)):  # fmt: skip
            if not go:
                continue
            for a, b in pairs:
                us.append(a if is_forward else b)
                vs.append(b if is_forward else a)
                speeds.append(speed)
                ways.append(run.way_id)
                labels_idx.append(label)
                along.append(is_forward)
    if not us:
        raise InputError("the OSM file has no drivable roads")
    node_osm = np.fromiter(coord.keys(), dtype=np.int64, count=len(coord))
    lonlat = np.array(list(coord.values()), dtype=np.float64)
    order = np.argsort(node_osm)
    node_osm, lonlat = node_osm[order], lonlat[order]
    u = np.searchsorted(node_osm, np.asarray(us, dtype=np.int64))
    v = np.searchsorted(node_osm, np.asarray(vs, dtype=np.int64))
    _, _, length = _GEOD.inv(lonlat[u, 0], lonlat[u, 1], lonlat[v, 0], lonlat[v, 1])
    arcs = _Arcs(
        u.astype(np.int64),
        v.astype(np.int64),
        np.asarray(length, dtype=np.float64),
        np.asarray(speeds, dtype=np.float64),
        np.asarray(ways, dtype=np.int64),
        np.asarray(labels_idx, dtype=np.int64),
        np.asarray(along, dtype=bool),
    )
    return node_osm, lonlat[:, 0].copy(), lonlat[:, 1].copy(), arcs, list(labels)


def _label_changes(n: int, arcs: _Arcs) -> npt.NDArray[np.bool_]:
    """Nodes where roads with different attributes (name, class, flags) meet: kept so that no edge spans a change."""
    lo = np.full(n, np.iinfo(np.int64).max)
    hi = np.full(n, -1)
    for ends in (arcs.u, arcs.v):
        np.minimum.at(lo, ends, arcs.label)
        np.maximum.at(hi, ends, arcs.label)
    return (hi >= 0) & (lo != hi)


def _penalties(node_osm: IntArray, arcs: _Arcs, obstacles: Obstacles, profile: Profile) -> FloatArray:
    """Obstacle cost in ms at the end node of each arc, where the obstacle's direction matches the arc's."""
    out = np.zeros(arcs.u.shape[0])
    if not obstacles:
        return out
    ids = np.fromiter(obstacles.keys(), dtype=np.int64, count=len(obstacles))
    kinds = list(obstacles.values())
    cost = np.array([profile.obstacle_cost_s(k) * 1000.0 for k, _ in kinds])
    direction = np.array([{"forward": 1, "backward": -1}.get(d, 0) for _, d in kinds])
    order = np.argsort(ids)
    ids, cost, direction = ids[order], cost[order], direction[order]
    head = node_osm[arcs.v]
    pos = np.minimum(np.searchsorted(ids, head), ids.shape[0] - 1)
    hit = ids[pos] == head
    sign = np.where(arcs.forward, 1, -1)
    applies = hit & ((direction[pos] == 0) | (direction[pos] == sign))
    out[applies] = cost[pos[applies]]
    return out


def _endpoints(n: int, arcs: _Arcs) -> npt.NDArray[np.bool_]:
    """Nodes that stay in the simplified graph (osmnx's non-strict rule)."""
    pair = arcs.u * n + arcs.v
    uniq, counts = np.unique(pair, return_counts=True)
    has_parallel = np.zeros(n, dtype=bool)
    par = uniq[counts > 1]
    has_parallel[par // n] = True
    has_parallel[par % n] = True
    uu, vv = uniq // n, uniq % n
    outdeg = np.bincount(uu, minlength=n)
    indeg = np.bincount(vv, minlength=n)
    # distinct neighbours: unique undirected pairs per node
    lo, hi = np.minimum(uu, vv), np.maximum(uu, vv)
    und = np.unique(lo * n + hi)
    nbrs = np.bincount(und // n, minlength=n) + np.bincount(und % n, minlength=n)
    through = (nbrs == 2) & (indeg == outdeg) & ((indeg == 1) | (indeg == 2))
    return ~through | has_parallel | (indeg == 0) | (outdeg == 0)


def _walk(n: int, arcs: _Arcs, endpoint: npt.NDArray[np.bool_]) -> list[list[int]]:
    """Chains of arc indices from endpoint to endpoint (loops made only of interior nodes start anywhere)."""
    order = np.argsort(arcs.u, kind="stable")
    starts = np.searchsorted(arcs.u[order], np.arange(n + 1))
    out_arcs = [order[starts[i] : starts[i + 1]].tolist() for i in range(n)]
    visited = np.zeros(arcs.u.shape[0], dtype=bool)
    u_list, v_list = arcs.u.tolist(), arcs.v.tolist()
    chains: list[list[int]] = []

    def follow(first: int) -> list[int]:
        chain = [first]
        visited[first] = True
        prev, node = u_list[first], v_list[first]
        while not endpoint[node]:
            nxt = [a for a in out_arcs[node] if v_list[a] != prev or len(out_arcs[node]) == 1]
            arc = nxt[0]
            if visited[arc]:
                break
            chain.append(arc)
            visited[arc] = True
            prev, node = node, v_list[arc]
        return chain

    for a in np.flatnonzero(endpoint[arcs.u]).tolist():
        if not visited[a]:
            chains.append(follow(a))
    for a in range(arcs.u.shape[0]):
        if not visited[a]:
            endpoint[u_list[a]] = True
            chains.append(follow(a))
    return chains


def find_twins(tail: IntArray, head: IntArray, seg_u: IntArray, seg_v: IntArray, seg_off: IntArray) -> IntArray:
    """For each directed edge, the edge over the same OSM nodes in the opposite direction, or -1."""
    first = seg_off[:-1]
    last = seg_off[1:] - 1
    n_segs = np.diff(seg_off)
    m = tail.shape[0]
    fwd = np.column_stack([tail, head, seg_u[first], seg_v[first], n_segs])
    rev = np.column_stack([head, tail, seg_v[last], seg_u[last], n_segs])
    _, ids = np.unique(np.concatenate([fwd, rev]), axis=0, return_inverse=True)
    ids = ids.reshape(-1)
    edge_of_id = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
    edge_of_id[ids[:m]] = np.arange(m)
    twin = edge_of_id[ids[m:]]
    twin[twin == np.arange(m)] = -1
    return twin


def build_graph(
    runs: Iterable[WayRun],
    progress: Progress | None = None,
    *,
    obstacles: Obstacles | None = None,
    keep_nodes: Iterable[int] = (),
    profile: Profile | None = None,
) -> RoadGraph:
    """Build the simplified drivable graph of some way runs (every component kept).

    Parameters
    ----------
    runs : iterable of WayRun
        Drivable ways, e.g. from :func:`fevermap.routing._osm.read_extract`.
    progress : callable, optional
        Called with a short description of each stage.
    obstacles : dict, optional
        OSM node id -> ``(kind, direction)`` of signals, stop signs, gates (:class:`fevermap.routing._osm.Extract`).
    keep_nodes : iterable of int
        OSM node ids that must stay graph nodes (the via nodes and via-way ends of turn restrictions).
    profile : Profile, optional
        Obstacle costs (default: the car profile).
    """
    say = progress or (lambda _msg: None)
    say("collecting road segments")
    node_osm, lon, lat, arcs, labels = _collect_arcs(runs)
    n = node_osm.shape[0]
    say("simplifying")
    endpoint = _endpoints(n, arcs) | _label_changes(n, arcs)
    keep = np.asarray(list(keep_nodes), dtype=np.int64)
    if keep.size:
        pos = np.minimum(np.searchsorted(node_osm, keep), n - 1)
        endpoint[pos[node_osm[pos] == keep]] = True
    while True:
        chains = _walk(n, arcs, endpoint.copy())
        loops = [c for c in chains if arcs.u[c[0]] == arcs.v[c[-1]] and len(c) > 1]
        if not loops:
            break
        for c in loops:  # split loops at their middle so that no edge starts and ends at one node
            if not endpoint[arcs.u[c[1:]]].any():  # its reverse twin may already be split
                endpoint[arcs.u[c[len(c) // 2]]] = True
    endpoint_final = np.zeros(n, dtype=bool)
    for c in chains:
        endpoint_final[arcs.u[c[0]]] = True
        endpoint_final[arcs.v[c[-1]]] = True
    chains = [c for c in chains if arcs.u[c[0]] != arcs.v[c[-1]]]
    dense = np.cumsum(endpoint_final) - 1
    flat = np.fromiter((a for c in chains for a in c), dtype=np.int64)
    lengths = np.fromiter((len(c) for c in chains), dtype=np.int64, count=len(chains))
    seg_off = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    first = flat[seg_off[:-1]]
    last = flat[seg_off[1:] - 1]
    # polyline of edge i: tail of each of its segments, then the head of its last segment
    edge_of_seg = np.repeat(np.arange(len(chains)), lengths)
    geom_nodes = np.empty(flat.shape[0] + len(chains), dtype=np.int64)
    geom_nodes[np.arange(flat.shape[0]) + edge_of_seg] = arcs.u[flat]
    geom_nodes[seg_off[1:] + np.arange(len(chains))] = arcs.v[last]
    label_of_edge = arcs.label[first].tolist()
    edge_tail = dense[arcs.u[first]].astype(np.int64)
    edge_head = dense[arcs.v[last]].astype(np.int64)
    say("pairing two-way edges")
    twin = find_twins(edge_tail, edge_head, node_osm[arcs.u[flat]], node_osm[arcs.v[flat]], seg_off)
    penalty = _penalties(node_osm, arcs, obstacles or {}, profile or Profile())

    def column(i: int) -> list[str]:
        return [str(labels[k][i]) for k in label_of_edge]

    def flag(i: int) -> npt.NDArray[np.bool_]:
        return np.array([bool(labels[k][i]) for k in label_of_edge], dtype=bool)

    return RoadGraph(
        node_osm=node_osm[endpoint_final],
        node_lon=lon[endpoint_final],
        node_lat=lat[endpoint_final],
        edge_tail=edge_tail,
        edge_head=edge_head,
        seg_off=seg_off,
        seg_u_osm=node_osm[arcs.u[flat]],
        seg_v_osm=node_osm[arcs.v[flat]],
        seg_length_m=arcs.length[flat],
        seg_speed_kph=arcs.speed[flat],
        seg_way=arcs.way[flat],
        coords=np.column_stack([lon[geom_nodes], lat[geom_nodes]]),
        edge_twin=twin,
        edge_name=column(0),
        edge_highway=column(1),
        seg_forward=arcs.forward[flat],
        seg_penalty_ms=penalty[flat],
        edge_way=arcs.way[first],
        edge_roundabout=flag(5),
        edge_toll=flag(6),
        edge_ferry=flag(7),
        edge_name_zh=column(2),
        edge_name_en=column(3),
        edge_ref=column(4),
    )
