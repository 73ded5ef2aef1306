"""Snapping ``(lon, lat)`` points onto road edges (the nearest point on an edge, not the nearest node).

Edges are indexed once per region in a shapely STRtree built in a local transverse Mercator projection centred on
the region (metres; scale error below 1e-5 within 50 km of the centre). A two-way road is indexed once and answers
for both directed edges. Snap distances are reported geodesically (WGS-84).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer

from fevermap.errors import CoordinateError, SnapError
from fevermap.routing.build import RoadGraph

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class EdgePosition:
    """A position on directed edge ``edge``: inside its segment ``seg`` (edge-local index) at fraction ``frac``."""

    edge: int
    seg: int
    frac: float
    length_before_m: float
    length_after_m: float


@dataclass(frozen=True, slots=True)
class Snap:
    """A point snapped to the road network.

    ``query`` and ``location`` are ``(lon, lat)`` degrees; ``distance_m`` is the geodesic distance between them;
    ``positions`` lists every directed edge through ``location`` (both directions of a two-way road).
    """

    query: tuple[float, float]
    location: tuple[float, float]
    distance_m: float
    positions: tuple[EdgePosition, ...]
    name: str = ""


def check_lonlat(lon: float, lat: float) -> None:
    """Raise :class:`CoordinateError` for a non-finite or out-of-range ``(lon, lat)``, hinting at swapped order."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CoordinateError(f"coordinate ({lon}, {lat}) is not a finite number pair; give lon,lat in degrees")
    if not -90.0 <= lat <= 90.0:
        hint = " (did you swap them? fevermap takes lon,lat)" if -90.0 <= lon <= 90.0 else ""
        raise CoordinateError(f"latitude {lat} is out of range [-90, 90]{hint}")
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError(f"longitude {lon} is out of range [-180, 180]")


class EdgeIndex:
    """Spatial index of a region's edges for snapping.

    Parameters
    ----------
    graph : RoadGraph
        The region's graph.
    max_distance_m : float
        Points farther than this from every road are refused with :class:`SnapError`.
    """

    def __init__(self, graph: RoadGraph, max_distance_m: float = 1000.0) -> None:
        self.graph = graph
        self.max_distance_m = float(max_distance_m)
        lon, lat = graph.coords[:, 0], graph.coords[:, 1]
        self.centre = (float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
        self.bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
        self._to_xy = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=tmerc +lat_0={self.centre[1]} +lon_0={self.centre[0]} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m",
            always_xy=True,
        )
        x, y = self._to_xy.transform(lon, lat)
        xy = np.column_stack([x, y])
        m = graph.edge_count
        counts = np.diff(graph.seg_off) + 1
        self._geom_off = graph.seg_off + np.arange(m + 1)
        edge_of_coord = np.repeat(np.arange(m), counts)
        self._twin = self._find_twins(graph)
        indexed = np.flatnonzero((self._twin < 0) | (np.arange(m) < self._twin))
        self._lines = shapely.linestrings(xy, indices=edge_of_coord)[indexed]
        self._line_edge = indexed
        # segment start distances along each edge, in projected metres
        seg_dxy = np.diff(xy, axis=0)
        seg_len_xy = np.hypot(seg_dxy[:, 0], seg_dxy[:, 1])
        valid = np.ones(seg_len_xy.shape[0], dtype=bool)
        valid[self._geom_off[1:-1] - 1] = False  # the jumps between consecutive edges
        self._seg_len_xy = seg_len_xy[valid]
        self._tree = shapely.STRtree(self._lines)
        self._line_len_xy = shapely.length(self._lines)
        self._out = self._incidence(graph.edge_tail, graph.node_count)
        self._in = self._incidence(graph.edge_head, graph.node_count)

    @staticmethod
    def _incidence(ends: npt.NDArray[np.int64], n: int) -> list[npt.NDArray[np.int64]]:
        order = np.argsort(ends, kind="stable")
        bounds = np.searchsorted(ends[order], np.arange(n + 1))
        return [order[bounds[i] : bounds[i + 1]] for i in range(n)]

    def node_positions(self, node: int) -> tuple[EdgePosition, ...]:
        """Positions of every edge leaving (at its start) or entering (at its end) ``node``."""
        g = self.graph
        out = []
        for e in self._out[node].tolist():
            length = float(g.seg_length_m[g.seg_off[e] : g.seg_off[e + 1]].sum())
            out.append(EdgePosition(e, 0, 0.0, 0.0, length))
        for e in self._in[node].tolist():
            n_seg = int(g.seg_off[e + 1] - g.seg_off[e])
            length = float(g.seg_length_m[g.seg_off[e] : g.seg_off[e + 1]].sum())
            out.append(EdgePosition(e, n_seg - 1, 1.0, length, 0.0))
        return tuple(out)

    @staticmethod
    def _find_twins(graph: RoadGraph) -> npt.NDArray[np.int64]:
        """The opposite directed edge over the same OSM nodes, or -1."""
        first = graph.seg_off[:-1]
        last = graph.seg_off[1:] - 1
        n_segs = np.diff(graph.seg_off)
        fwd = {
            key: e
            for e, key in enumerate(
                zip(
                    graph.edge_tail.tolist(),
                    graph.edge_head.tolist(),
                    graph.seg_u_osm[first].tolist(),
                    graph.seg_v_osm[first].tolist(),
                    n_segs.tolist(),
                    strict=True,
                )
            )
        }
        twin = np.full(graph.edge_count, -1, dtype=np.int64)
        for e, key in enumerate(
            zip(
                graph.edge_head.tolist(),
                graph.edge_tail.tolist(),
                graph.seg_v_osm[last].tolist(),
                graph.seg_u_osm[last].tolist(),
                n_segs.tolist(),
                strict=True,
            )
        ):
            t = fwd.get(key)
            if t is not None and t != e:
                twin[e] = t
        return twin

    def _position(self, edge: int, along_xy: float) -> EdgePosition:
        g = self.graph
        s0, s1 = int(g.seg_off[edge]), int(g.seg_off[edge + 1])
        lens_xy = self._seg_len_xy[s0:s1]
        cum = np.concatenate([[0.0], np.cumsum(lens_xy)])
        k = int(np.clip(np.searchsorted(cum, along_xy, side="right") - 1, 0, s1 - s0 - 1))
        frac = float(np.clip((along_xy - cum[k]) / lens_xy[k], 0.0, 1.0)) if lens_xy[k] > 0 else 0.0
        lens = g.seg_length_m[s0:s1]
        before = float(lens[:k].sum() + frac * lens[k])
        return EdgePosition(edge, k, frac, before, float(lens.sum()) - before)

    def location(self, pos: EdgePosition) -> tuple[float, float]:
        """The ``(lon, lat)`` of an edge position (linear along its segment)."""
        c = self.graph.coords[self._geom_off[pos.edge] + pos.seg : self._geom_off[pos.edge] + pos.seg + 2]
        p = c[0] + pos.frac * (c[1] - c[0])
        return (float(p[0]), float(p[1]))

    def twin(self, edge: int) -> int:
        return int(self._twin[edge])

    def snap(self, lon: float, lat: float) -> Snap:
        """Snap ``(lon, lat)`` degrees to the nearest point of a road edge.

        Raises
        ------
        CoordinateError
            For coordinates out of range.
        SnapError
            When the nearest road is farther than ``max_distance_m``; the message names the distance.
        """
        check_lonlat(lon, lat)
        x, y = self._to_xy.transform(lon, lat)
        point = shapely.Point(x, y)
        hits = self._tree.query_nearest(point, max_distance=self.max_distance_m)
        if hits.shape[0] == 0:
            raise SnapError(self._too_far_message(lon, lat, point))
        line_i = int(hits[0])
        line = self._lines[line_i]
        along = float(shapely.line_locate_point(line, point))
        edge = int(self._line_edge[line_i])
        pos = self._position(edge, along)
        positions: tuple[EdgePosition, ...] = (pos,)
        if along <= 1e-9:  # on a graph node: every edge through it is a way in or out
            positions = self.node_positions(int(self.graph.edge_tail[edge]))
        elif along >= float(self._line_len_xy[line_i]) - 1e-9:
            positions = self.node_positions(int(self.graph.edge_head[edge]))
        elif (twin := self.twin(edge)) >= 0:
            n_seg = int(self.graph.seg_off[edge + 1] - self.graph.seg_off[edge])
            positions = (
                pos,
                EdgePosition(twin, n_seg - 1 - pos.seg, 1.0 - pos.frac, pos.length_after_m, pos.length_before_m),
            )
        loc = self.location(pos)
        _, _, dist = _GEOD.inv(lon, lat, loc[0], loc[1])
        return Snap((lon, lat), loc, float(dist), tuple(positions), self.graph.edge_name[edge])

    def _too_far_message(self, lon: float, lat: float, point: shapely.Point) -> str:
        _, dists = self._tree.query_nearest(point, return_distance=True)
        b = self.bbox
        inside = b[0] <= lon <= b[2] and b[1] <= lat <= b[3]
        where = "" if inside else f" and outside the region (lon {b[0]:.4f}..{b[2]:.4f}, lat {b[1]:.4f}..{b[3]:.4f})"
        nearest = float(dists[0]) if dists.shape[0] else float("inf")
        return (
            f"point ({lon}, {lat}) is {nearest:,.0f} m from the nearest road{where}; the limit is "
            f"{self.max_distance_m:,.0f} m: give a point on or near a road"
        )
