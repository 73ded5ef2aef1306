"""Routes: the :class:`Route` result and its geometry, cut from the road graph's edge polylines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.geo._native import line, runs
from fevermap.routing.graph import RoadGraph
from fevermap.routing.snapping import EdgeIndex, EdgePosition, Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Route:
    """A route between two snapped points.

    ``coordinates`` is an ``(N, 2)`` array of ``(lon, lat)`` degrees from the snapped origin to the snapped
    destination; ``duration_s`` in seconds, ``distance_m`` in metres (geodesic segment lengths). ``edges`` are the
    road-edge ids driven, in order (the first and last ones partly); ``first`` / ``last`` the positions on them.
    """

    duration_s: float
    distance_m: float
    coordinates: FloatArray
    origin: Snap
    destination: Snap
    edges: list[int] = field(default_factory=list)
    first: EdgePosition | None = None
    last: EdgePosition | None = None

    @property
    def geometry(self) -> dict[str, Any]:
        """GeoJSON LineString, ``[lon, lat]`` positions."""
        return {"type": "LineString", "coordinates": self.coordinates.tolist()}

    def to_dict(self) -> dict[str, Any]:
        """fevermap's route JSON: duration, distance, GeoJSON geometry and the snapped ends."""

        def end(s: Snap) -> dict[str, Any]:
            return {"location": list(s.location), "snap_distance_m": round(s.distance_m, 2), "name": s.name}

        return {
            "duration_s": round(self.duration_s, 3),
            "distance_m": round(self.distance_m, 2),
            "geometry": self.geometry,
            "from": end(self.origin),
            "to": end(self.destination),
        }


class Geometry:
    """Edge polylines of a graph: whole edges, pieces between positions, runs of consecutive edges."""

    def __init__(self, graph: RoadGraph, index: EdgeIndex) -> None:
        self.graph = graph
        self.index = index
        self.geom_off = graph.seg_off + np.arange(graph.edge_count + 1)

    def edge(self, edge: int) -> FloatArray:
        """The ``(lon, lat)`` polyline of one edge, tail to head."""
        return self.graph.coords[int(self.geom_off[edge]) : int(self.geom_off[edge + 1])]

    def piece(self, pos_from: EdgePosition | None, pos_to: EdgePosition | None, edge: int) -> FloatArray:
        """Coordinates of ``edge`` between two positions (None = the edge's tail / head)."""
        c = self.edge(edge)
        i0 = 0 if pos_from is None else pos_from.seg + 1
        i1 = c.shape[0] - 1 if pos_to is None else pos_to.seg
        pts = [c[i0 : i1 + 1]]
        if pos_from is not None:
            pts.insert(0, np.array([self.index.location(pos_from)]))
        if pos_to is not None:
            pts.append(np.array([self.index.location(pos_to)]))
        return np.concatenate(pts)

    def run(self, edges: IntArray) -> FloatArray:
        """Coordinates of consecutive whole edges, each without its first point (the previous one's last)."""
        if edges.shape[0] == 0:
            return self.graph.coords[:0]
        ids = np.ascontiguousarray(edges, dtype=np.int64)
        return np.frombuffer(runs(self.graph.coords, self.geom_off, ids), dtype=np.float64).reshape(-1, 2)

    def route(self, first: EdgePosition, whole: IntArray, last: EdgePosition) -> FloatArray:
        """From ``first`` to the end of its edge, the ``whole`` edges, then ``last``'s edge up to ``last``
        (in C: :meth:`_route_reference` is its Python form)."""
        ids = np.ascontiguousarray(whole, dtype=np.int64)
        out = line(self.graph.coords, self.geom_off, ids, first.edge, first.seg, first.frac, last.edge, last.seg,
                   last.frac)  # fmt: skip
        return np.frombuffer(out, dtype=np.float64).reshape(-1, 2)

    def _route_reference(self, first: EdgePosition, whole: IntArray, last: EdgePosition) -> FloatArray:
        """:meth:`route` in Python (the tests' oracle for it)."""
        head = self.edge(first.edge)[first.seg + 1 :]
        tail = self.edge(last.edge)[1 : last.seg + 1]
        loc = self.index.location
        return np.concatenate([[loc(first)], head, self.run(whole), tail, [loc(last)]])

    def along(self, a: EdgePosition, b: EdgePosition) -> FloatArray:
        """From ``a`` to ``b`` on one edge (``a`` before ``b``)."""
        mid = self.edge(a.edge)[a.seg + 1 : b.seg + 1]
        return np.concatenate([[self.index.location(a)], mid, [self.index.location(b)]])
