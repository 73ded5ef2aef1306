"""Road closures from areas: the edges whose road geometry enters a polygon, closed on a cached side metric.

An edge is closed when any part of its polyline intersects an excluded polygon (shapely, on the full geometry), so
a route on the resulting metric never enters one. The side metric is customised once per (risk-area version, levels,
opened endpoint edges) or per caller polygon and cached by the router (``Router.state_with_closed_edges``, the only
routing call made here). A start or destination whose own road edge is closed may still use that edge, and when that
is not enough to get out (or in), the areas its road runs through are opened for that query; the answer says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from fevermap.errors import NoRouteError
from fevermap.routing.router import Route, Router
from fevermap.routing.snapping import Snap

BoolArray = npt.NDArray[np.bool_]


class EdgeGeometries:
    """The road edges of a router as shapely LineStrings (``(lon, lat)`` degrees) in an STRtree, built once."""

    def __init__(self, router: Router) -> None:
        g = router.graph
        off = g.seg_off + np.arange(g.edge_count + 1)
        counts = np.diff(off)
        self.lines = shapely.linestrings(g.coords, indices=np.repeat(np.arange(g.edge_count), counts))
        self.tree = shapely.STRtree(self.lines)
        self.edge_count = int(g.edge_count)

    def edges_in(self, polygons: Sequence[BaseGeometry]) -> BoolArray:
        """Mask of the edges whose polyline intersects any of ``polygons``."""
        mask = np.zeros(self.edge_count, dtype=bool)
        if len(polygons):
            _, edges = self.tree.query(np.asarray(polygons, dtype=object), predicate="intersects")
            mask[edges] = True
        return mask


def edge_geometries(router: Router) -> EdgeGeometries:
    """The router's :class:`EdgeGeometries`, built on first use and kept on the router."""
    geoms: EdgeGeometries | None = router.__dict__.get("_risk_edge_geometries")
    if geoms is None:
        geoms = router.__dict__["_risk_edge_geometries"] = EdgeGeometries(router)
    return geoms


@dataclass(frozen=True)
class Closure:
    """Polygons to avoid, named, with the key their side metric is cached under (e.g. a risk-area version)."""

    key: str
    polygons: list[BaseGeometry]
    names: list[str]

    @classmethod
    def of_polygon(cls, polygon: BaseGeometry, name: str = "caller polygon") -> Closure:
        return cls("poly:" + hashlib.sha1(shapely.to_wkb(polygon)).hexdigest(), [polygon], [name])


@dataclass(frozen=True)
class AvoidingRoute:
    """A route that avoids a closure, with the unrestricted route for comparison."""

    route: Route
    plain: Route
    avoided: list[str]
    origin_inside: list[str]
    destination_inside: list[str]

    def to_dict(self) -> dict[str, Any]:
        """fevermap's route JSON plus what was avoided and how much longer it is than the unrestricted route."""
        extra = self.route.duration_s - self.plain.duration_s
        notes = []
        if self.origin_inside:
            notes.append("the start is inside an excluded area: the route leaves it by the shortest way out")
        if self.destination_inside:
            notes.append("the destination is inside an excluded area: the route enters it by the shortest way in")
        return self.route.to_dict() | {
            "avoided": self.avoided,
            "unrestricted_duration_s": round(self.plain.duration_s, 3),
            "unrestricted_distance_m": round(self.plain.distance_m, 2),
            "extra_duration_s": round(extra, 3),
            "extra_ratio": round(self.route.duration_s / self.plain.duration_s, 4) if self.plain.duration_s else 1.0,
            "origin_inside": self.origin_inside,
            "destination_inside": self.destination_inside,
            "notes": notes,
        }


def _inside(closure: Closure, snap: Snap) -> list[str]:
    x, y = snap.location
    return [n for p, n in zip(closure.polygons, closure.names, strict=True) if shapely.contains_xy(p, x, y)]


def closure_mask(router: Router, closure: Closure, open_edges: Sequence[int] = ()) -> tuple[BoolArray, Any]:
    """The closure's closed road edges except ``open_edges``, and the key their side metric is cached under."""
    mask = edge_geometries(router).edges_in(closure.polygons)
    opened = sorted({int(e) for e in open_edges if mask[int(e)]})
    if opened:
        mask = mask.copy()
        mask[opened] = False
    return mask, (closure.key, tuple(opened))


def closed_state(router: Router, closure: Closure, open_edges: Sequence[int] = ()) -> Any:
    """The side metric with the closure's edges closed, except ``open_edges`` (cached per closure and those)."""
    return router.state_with_closed_edges(*closure_mask(router, closure, open_edges))


def route_avoiding(router: Router, origin: Snap, destination: Snap, closure: Closure) -> AvoidingRoute:
    """The fastest route from ``origin`` to ``destination`` that enters none of the closure's polygons, except along
    the endpoints' own edges when those are closed.

    Raises
    ------
    NoRouteError
        When the closure cuts the two points apart.
    """
    ends = [p.edge for p in origin.positions] + [p.edge for p in destination.positions]
    try:
        route = router.route_snapped(origin, destination, state=closed_state(router, closure, ends))
    except NoRouteError:
        # an endpoint deep inside an area: open the areas its road runs through, for this pair only
        lines = edge_geometries(router).lines[ends]
        keep = [i for i, p in enumerate(closure.polygons) if not shapely.intersects(p, lines).any()]
        if len(keep) == len(closure.polygons):
            raise
        opened = Closure(closure.key + ":open:" + ",".join(str(i) for i in range(len(closure.polygons))
                                                           if i not in keep),
                         [closure.polygons[i] for i in keep], [closure.names[i] for i in keep])  # fmt: skip
        route = router.route_snapped(origin, destination, state=closed_state(router, opened, ends))
    plain = router.route_snapped(origin, destination)
    geoms = edge_geometries(router)
    plain_edges = np.zeros(geoms.edge_count, dtype=bool)
    plain_edges[plain.edges] = True
    avoided = [n for p, n in zip(closure.polygons, closure.names, strict=True)
               if plain_edges[geoms.edges_in([p])].any()]  # fmt: skip
    return AvoidingRoute(route, plain, avoided, _inside(closure, origin), _inside(closure, destination))
