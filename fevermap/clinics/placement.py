"""Which region a clinic belongs to: the served region whose road footprint covers its location, or none.

A clinic is assigned when it is imported (``fevermap clinics import``, ``POST /clinics``), from the footprints of the
regions being served (:mod:`fevermap.regions.footprint`: the area within about a kilometre of the region's roads).
Where several footprints cover a clinic, the region whose roads are nearest wins (the nearest road vertex,
geodesic), ties broken by region name: the same preference as for requests (:mod:`fevermap.regions.selection`).
A clinic no footprint covers belongs to no region: it is stored and listed, but no region's locator ranks it.

Examples
--------
>>> import numpy as np
>>> roads = np.array([[121.47, 31.23], [121.48, 31.23]])
>>> shanghai = RegionArea.of("shanghai", "Asia/Shanghai", roads)
>>> placement = Placement([shanghai])
>>> placement.place(121.475, 31.231).name
'shanghai'
>>> placement.place(2.52, 42.5) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from fevermap.clinics.geodesy import haversine_m
from fevermap.clinics.records import PlacedClinic
from fevermap.clinics.schemas import ClinicCreate
from fevermap.regions.footprint import road_footprint
from fevermap.routing.region import Region

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class RegionArea:
    """A region as placement sees it: name, time zone, road footprint and road vertices (``(lon, lat)`` degrees)."""

    name: str
    timezone: str
    footprint: BaseGeometry
    coords: FloatArray

    @classmethod
    def of(cls, name: str, timezone: str, coords: npt.ArrayLike, footprint: BaseGeometry | None = None) -> RegionArea:
        """The area of roads ``coords`` (``(N, 2)`` ``(lon, lat)`` degrees); ``footprint`` default: computed."""
        xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        fp = footprint if footprint is not None else road_footprint(xy)
        shapely.prepare(fp)
        return cls(name, timezone, fp, xy)

    @classmethod
    def of_region(cls, region: Region, footprint: BaseGeometry | None = None) -> RegionArea:
        """The area of a loaded region (its road footprint, unless ``footprint`` is given)."""
        return cls.of(region.name, region.timezone, region.graph.coords, footprint)

    def road_distance_m(self, lon: float, lat: float) -> float:
        """Geodesic distance in metres from ``(lon, lat)`` to the nearest road vertex of the region."""
        if self.coords.shape[0] == 0:
            return float("inf")
        return float(np.min(haversine_m(lon, lat, self.coords[:, 0], self.coords[:, 1])))


class Placement:
    """The regions clinics can belong to, with the rule that assigns one (see the module docstring).

    Parameters
    ----------
    areas : sequence of RegionArea
        The served regions (names unique).
    """

    def __init__(self, areas: Sequence[RegionArea]) -> None:
        self.areas = sorted(areas, key=lambda a: a.name)
        if len({a.name for a in self.areas}) != len(self.areas):
            raise ValueError("region names must be unique")

    @classmethod
    def of_regions(cls, regions: Iterable[Region]) -> Placement:
        """Placement among loaded regions (their footprints are computed here)."""
        return cls([RegionArea.of_region(r) for r in regions])

    def placed(self, clinic: ClinicCreate, outside_timezone: str | None = None) -> PlacedClinic:
        """``clinic`` with the region it belongs to and that region's time zone; a clinic in no region gets
        ``outside_timezone`` (default: the first region's time zone, or UTC without regions)."""
        area = self.place(clinic.lon, clinic.lat)
        if area is not None:
            return PlacedClinic(clinic, area.name, area.timezone)
        return PlacedClinic(clinic, None, outside_timezone or (self.areas[0].timezone if self.areas else "UTC"))

    def place(self, lon: float, lat: float) -> RegionArea | None:
        """The region ``(lon, lat)`` (WGS-84 degrees) belongs to, or ``None`` outside every footprint."""
        point = shapely.Point(lon, lat)
        covering = [a for a in self.areas if a.footprint.covers(point)]
        if len(covering) <= 1:
            return covering[0] if covering else None
        return min(covering, key=lambda a: (a.road_distance_m(lon, lat), a.name))
