"""Which declared places lie in a sealed risk area on a day: declarations' recent stops against the risk engine.

A declaration's stops (``(lon, lat)`` WGS-84 degrees, aware start/end times) are its declared places: where the
person stays and was. A stop counts as *recent* on local day ``D`` when it overlaps the ``recent_days`` local days
ending with ``D``; a person is *in a sealed area* on ``D`` when one of their recent stops lies inside an area of a
sealed level that the risk engine (:mod:`fevermap.risk`, its public service only) computes for ``D``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import shapely

from fevermap.errors import NotFoundError
from fevermap.risk.service import RiskService

#: Local days, ending with the check day, whose declared stops count as the person's recent places.
RECENT_DAYS = 14


@dataclass(frozen=True)
class Stops:
    """Declared stops of many declarations as arrays: owner index, ``(lon, lat)`` degrees, UTC epoch seconds."""

    owner: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    start: npt.NDArray[np.float64]
    end: npt.NDArray[np.float64]

    @staticmethod
    def rows_of(form: Mapping[str, Any] | None) -> list[tuple[float, float, float, float]]:
        """``(lon, lat, start, end)`` of the stops of a stored declaration form (``form["stops"]``: ``lon``, ``lat``,
        ISO ``start``/``end``), times as UTC epoch seconds; a stop that does not read is skipped."""
        rows = []
        for s in (form or {}).get("stops") or ():
            try:
                t0 = datetime.fromisoformat(s["start"]).timestamp()
                t1 = datetime.fromisoformat(s["end"]).timestamp()
                rows.append((float(s["lon"]), float(s["lat"]), t0, t1))
            except (KeyError, TypeError, ValueError):
                continue  # the schema checked it on arrival; an older form may lack a field
        return rows

    @classmethod
    def from_rows(cls, owned: Iterable[tuple[int, Sequence[tuple[float, float, float, float]]]]) -> Stops:
        """Stops from ``(owner, rows)`` pairs (rows as :meth:`rows_of` gives them)."""
        flat = [(k, *r) for k, rows in owned for r in rows]
        a = np.array(flat, dtype=np.float64).reshape(-1, 5)
        return cls(a[:, 0].astype(np.int64), a[:, 1], a[:, 2], a[:, 3], a[:, 4])


@dataclass(frozen=True)
class SealedAreas:
    """The sealed areas of one local day (``version``: changes exactly when they do; empty without case data)."""

    day: date
    version: str
    polygons: list[Any]
    tz: str

    def owners_inside(self, stops: Stops, recent_days: int = RECENT_DAYS) -> set[int]:
        """Owners (``stops.owner`` values) with a recent stop inside one of the areas."""
        if not self.polygons or stops.owner.size == 0:
            return set()
        zone = ZoneInfo(self.tz)
        lo = datetime.combine(self.day - timedelta(days=recent_days - 1), time(), zone).timestamp()
        hi = datetime.combine(self.day + timedelta(days=1), time(), zone).timestamp()
        recent = np.flatnonzero((stops.end > lo) & (stops.start < hi))
        if recent.size == 0:
            return set()
        tree = shapely.STRtree(self.polygons)
        pts = shapely.points(stops.lon[recent], stops.lat[recent])
        hit, _area = tree.query(pts, predicate="intersects")  # a point on an area's edge counts as inside
        return set(stops.owner[recent[hit]].tolist())


def sealed_areas(risk: RiskService | None, levels: Iterable[str], on: date | None = None) -> SealedAreas:
    """The areas of the ``levels`` (those the rule set has) on local day ``on`` (default: today in the risk
    service's time zone); no areas when the service has no case data."""
    if risk is None:
        return SealedAreas(on or date.min, "no-risk-service", [], "UTC")
    day = on or risk.day(None)
    try:
        engine = risk.engine
    except NotFoundError:  # no case data served: nobody is in a sealed area
        return SealedAreas(day, "no-case-data", [], risk.tz)
    names = [n for n in levels if n in engine.rules.names]
    areas = engine.areas(day)
    return SealedAreas(day, f"{areas.version}:{','.join(names)}", [a.polygon for a in areas.of_level(*names)], risk.tz)
