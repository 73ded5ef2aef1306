"""What the HTTP layer and the CLI ask of the risk areas.

The engine of the served case data (loaded on first use), areas as public GeoJSON, and routes that exclude areas or
a caller's polygon.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry.base import BaseGeometry

from fevermap.errors import InputError, NotFoundError
from fevermap.risk.closures import Closure, route_avoiding
from fevermap.risk.engine import RiskEngine
from fevermap.risk.places import parse_day
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap


def parse_levels(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """``"sealed,controlled"`` -> the level names, each checked against the rule set's."""
    names = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    bad = [n for n in names if n not in known]
    if not names or bad:
        raise InputError(f"exclude must name risk levels ({', '.join(known)}), comma-separated; got {text!r}")
    return names


class RiskService:
    """The risk engine of the served case data (``cases``: a file or Shanghai 2022 folder; None: no case data)."""

    def __init__(self, cases: Path | None, rules: str | Path | None, tz: str) -> None:
        self.cases, self.rules, self.tz = cases, rules, tz
        self._engine: RiskEngine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> RiskEngine:
        """The engine, loaded on first use (reading the case data once per process)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    if self.cases is None:
                        raise NotFoundError("this service has no case data for risk areas (set FEVERMAP_RISK_CASES)")
                    self._engine = RiskEngine.from_path(self.cases, rules=self.rules, tz=self.tz)
        return self._engine

    def day(self, text: str | None) -> date:
        """The local date asked for, or today in the rules' time zone."""
        return parse_day(text) if text else datetime.now(ZoneInfo(self.tz)).date()

    def areas_geojson(self, on: str | None, level: str | None) -> dict[str, Any]:
        """Public GeoJSON of the areas of a date (no case identities, no source records)."""
        eng = self.engine
        if level is not None:
            eng.rules.level(level)
        out = eng.areas(self.day(on)).geojson(level, public=True)
        info = eng.info()
        return out | {"first_day": info["first_day"], "last_day": info["last_day"]}

    def closure(self, on: str | None, exclude: str | None, polygon: BaseGeometry | None) -> Closure | None:
        """The areas of ``exclude`` levels on a date and/or the caller's polygon, as one closure (None: neither)."""
        parts: list[Closure] = []
        if exclude:
            eng = self.engine
            levels = parse_levels(exclude, eng.rules.names)
            areas = eng.areas(self.day(on))
            chosen = areas.of_level(*levels)
            parts.append(Closure(f"{areas.version}:{','.join(levels)}", [a.polygon for a in chosen],
                                 [a.id for a in chosen]))  # fmt: skip
        if polygon is not None:
            parts.append(Closure.of_polygon(polygon))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return Closure("+".join(p.key for p in parts), [g for p in parts for g in p.polygons],
                       [n for p in parts for n in p.names])  # fmt: skip

    def route(self, router: Router, origin: Snap, destination: Snap, closure: Closure) -> dict[str, Any]:
        """Route JSON avoiding ``closure``, with what was avoided and the extra time over the unrestricted route."""
        return route_avoiding(router, origin, destination, closure).to_dict()
