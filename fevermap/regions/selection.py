"""Which region answers a request: the one whose roads are within snap distance of its coordinates.

Rule for overlapping regions (documented in ``docs/deploy.md``): a point belongs to every region that can snap it;
a request goes to a region that holds all its points, the one whose roads are nearest (smallest sum of snap
distances), ties broken by region name. A point no region holds is refused with the nearest region and its distance;
points held only by different regions cannot be routed (no road joins two region graphs).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from fevermap.errors import NoRouteError, NotFoundError, SnapError
from fevermap.regions.footprint import distance_to_footprint_m, road_footprint
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap


@dataclass(eq=False)
class ServedRegion:
    """One loaded region with its router, its footprint and the services the API attaches to it."""

    region: Region
    router: Router
    footprint: BaseGeometry
    #: Per-region services (e.g. the clinic locator), attached by whoever serves the region.
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.region.name


class RegionSet:
    """The regions of one service, by name, with the rule that picks the region for coordinates.

    Parameters
    ----------
    routers : sequence of Router
        One router per region (names must be unique).
    """

    def __init__(self, routers: Sequence[Router]) -> None:
        served = [ServedRegion(r.region, r, road_footprint(r.graph.coords)) for r in routers]
        self._by_name = {s.name: s for s in sorted(served, key=lambda s: s.name)}
        if len(self._by_name) != len(served):
            raise ValueError("region names must be unique")
        self._margin = {s.name: _bbox_margin_deg(s) for s in served}
        #: Per region (in name order) its bounding box widened by the snap limit: no road of the region is within
        #: snap distance of a point outside it.
        self._boxes = [(s, _widened(s.region.bbox, self._margin[s.name])) for s in self._by_name.values()]

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[ServedRegion]:
        return iter(self._by_name.values())

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    @property
    def only(self) -> ServedRegion | None:
        """The region when there is exactly one (single-region deployments pick it without looking)."""
        return next(iter(self._by_name.values())) if len(self._by_name) == 1 else None

    def get(self, name: str) -> ServedRegion:
        """The region called ``name`` (:class:`NotFoundError` listing the known ones)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise NotFoundError(f"unknown region {name!r}; this service has: {', '.join(self._by_name)}") from None

    def _snaps(self, lon: float, lat: float) -> dict[str, Snap]:
        """Snaps of ``(lon, lat)`` in every region that holds it (bounding-box prefilter, then the router)."""
        out: dict[str, Snap] = {}
        for served, (w, s, e, n) in self._boxes:
            if not (w <= lon <= e and s <= lat <= n):
                continue
            try:
                out[served.name] = served.router.snap(lon, lat)
            except SnapError:
                continue
        return out

    def nearest_region(self, lon: float, lat: float) -> tuple[str, float]:
        """The region whose footprint is nearest to ``(lon, lat)`` and that distance in metres."""
        dist = {name: distance_to_footprint_m(s.footprint, lon, lat) for name, s in self._by_name.items()}
        name = min(dist, key=lambda n: (dist[n], n))
        return name, dist[name]

    def _not_held(self, lon: float, lat: float, what: str) -> SnapError:
        name, dist = self.nearest_region(lon, lat)
        if dist > 0:
            where = f"the nearest region is {name!r}, about {_km(dist)} away"
        else:
            where = f"it lies in region {name!r} but farther from its roads than the snap limit"
        return SnapError(f"{what} ({lon}, {lat}) is in no region this service holds: {where}")

    def sole_candidate(self, points: Sequence[tuple[float, float]]) -> ServedRegion | None:
        """The region :meth:`pick` would answer with, *if* it holds every point, without snapping any: the one
        region whose widened bounding box holds all ``points`` when no other region's box holds any of them; else
        None (call :meth:`pick`).

        When the caller's own snaps in that region succeed, :meth:`pick` would have chosen it (no other region can
        hold the points); when one fails, :meth:`pick` would have raised, so a caller on this shortcut calls
        :meth:`pick` for its error before answering with its own.
        """
        sole: ServedRegion | None = None
        for lon, lat in points:
            inside = [served for served, (w, s, e, n) in self._boxes if w <= lon <= e and s <= lat <= n]
            if len(inside) != 1 or (sole is not None and inside[0] is not sole):
                return None
            sole = inside[0]
        return sole

    def pick(self, points: Sequence[tuple[float, float]]) -> tuple[ServedRegion, list[Snap]]:
        """The region that answers for all ``points`` (``(lon, lat)`` degrees) and their snaps in it.

        Raises
        ------
        SnapError
            A point no region holds (OSRM ``NoSegment``); the message names the nearest region and its distance.
        NoRouteError
            The points lie in different regions (OSRM ``NoRoute``); the message names them.
        """
        if not points:
            raise ValueError("pick needs at least one point")
        per_point = []
        for i, (lon, lat) in enumerate(points):
            snaps = self._snaps(lon, lat)
            if not snaps:
                raise self._not_held(lon, lat, f"point {i + 1}" if len(points) > 1 else "point")
            per_point.append(snaps)
        common = set(per_point[0]).intersection(*per_point[1:])
        if not common:
            first = min(per_point[0], key=lambda n: (per_point[0][n].distance_m, n))
            other_i = next(i for i, s in enumerate(per_point) if first not in s)
            other = min(per_point[other_i], key=lambda n: (per_point[other_i][n].distance_m, n))
            raise NoRouteError(
                f"point 1 is in region {first!r} and point {other_i + 1} in region {other!r}: "
                "no road joins two regions; ask each region separately"
            )
        best = min(common, key=lambda n: (math.fsum(s[n].distance_m for s in per_point), n))
        return self._by_name[best], [s[best] for s in per_point]

    def summary(self) -> list[dict[str, Any]]:
        """Name, footprint (GeoJSON), counts, time zone, traffic version and data date of every region."""
        out = []
        for s in self._by_name.values():
            source = s.region.meta.get("source") or {}
            out.append(
                {
                    "name": s.name,
                    "footprint": mapping(s.footprint),
                    "bbox": list(s.region.bbox),
                    "timezone": s.region.timezone,
                    "nodes": int(s.router.graph.node_count),
                    "edges": int(s.router.graph.edge_count),
                    "traffic_version": s.router.traffic_version,
                    "source_file": source.get("file"),
                    "source_sha256": source.get("sha256"),
                    "data_date": source.get("osm_timestamp"),
                    "built_at": s.region.meta.get("built_at"),
                }
            )
        return out


def _bbox_margin_deg(served: ServedRegion) -> tuple[float, float]:
    """The snap limit in degrees (lon, lat) at the region's latitude: the bbox prefilter's margin."""
    b = served.region.bbox
    snap_m = float(served.router.index.max_snap_m) * 1.01 + 1.0
    lat = max(abs(b[1]), abs(b[3]))
    return snap_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01)), snap_m / 110_000.0


def _widened(b: tuple[float, float, float, float], m: tuple[float, float]) -> tuple[float, float, float, float]:
    return (b[0] - m[0], b[1] - m[1], b[2] + m[0], b[3] + m[1])


def _km(metres: float) -> str:
    return f"{metres / 1000:,.1f} km" if metres >= 1000 else f"{metres:,.0f} m"
