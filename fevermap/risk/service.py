"""What the HTTP layer and the CLI ask of the risk areas.

The engine of one region's case data: the configured case file's records and the case tracks held in the database
(:mod:`fevermap.risk.tracks`), those inside the region's footprint, loaded on first use and rebuilt when the case
tracks change (a new risk-area version); areas as public GeoJSON, and routes that exclude areas or a caller's
polygon.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session, sessionmaker

from fevermap.errors import InputError, NotFoundError
from fevermap.risk.closures import Closure, route_avoiding
from fevermap.risk.engine import RiskEngine
from fevermap.risk.places import parse_day
from fevermap.risk.rules import load_rules
from fevermap.risk.tracks import track_visits, tracks_fingerprint
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap
from fevermap.tracing.models import Visits
from fevermap.tracing.service import read_cases


def parse_levels(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """``"sealed,controlled"`` -> the level names, each checked against the rule set's."""
    names = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    bad = [n for n in names if n not in known]
    if not names or bad:
        raise InputError(f"exclude must name risk levels ({', '.join(known)}), comma-separated; got {text!r}")
    return names


class RiskService:
    """The risk engine of one region's case data.

    Parameters
    ----------
    cases : Path or None
        A case file or Shanghai 2022 folder (None: no file).
    rules : str or Path or None
        The rule set (:func:`fevermap.risk.rules.load_rules`).
    tz : str
        The region's time zone.
    sessions : sessionmaker, optional
        The service database: its case tracks are case records too.
    footprint : shapely geometry, optional
        The region's footprint (``(lon, lat)`` degrees): only records inside it count.
    check_s : float
        At most this often (seconds) the case tracks are checked for changes.
    """

    def __init__(
        self,
        cases: Path | None,
        rules: str | Path | None,
        tz: str,
        *,
        sessions: sessionmaker[Session] | None = None,
        footprint: BaseGeometry | None = None,
        check_s: float = 1.0,
    ) -> None:
        self.cases, self.rules, self.tz = cases, rules, tz
        self.sessions, self.footprint, self.check_s = sessions, footprint, check_s
        self._engine: RiskEngine | None = None
        self._file: tuple[Visits, list[Any]] | None = None
        self._tracks_key: str | None = None
        self._checked = -float("inf")
        self._lock = threading.Lock()

    def _inside(self, visits: Visits) -> Visits:
        if self.footprint is None or not len(visits):
            return visits
        return visits.take(np.flatnonzero(shapely.contains_xy(self.footprint, visits.lon, visits.lat)))

    def _build(self, key: str | None) -> RiskEngine:
        if self._file is None:
            read = read_cases(self.cases, tz=self.tz) if self.cases is not None else None
            self._file = (read.visits, list(read.errors)) if read else (Visits.empty(), [])
        parts = [self._file[0]]
        if self.sessions is not None:
            parts.append(track_visits(self.sessions, self.tz))
        visits = self._inside(Visits.concat(parts))
        if self.cases is None and not len(visits):
            raise NotFoundError("this region has no case data for risk areas (set FEVERMAP_RISK_CASES, or post case "
                                "tracks)")  # fmt: skip
        self._tracks_key = key
        return RiskEngine(visits, load_rules(self.rules), self.tz, self._file[1])

    @property
    def engine(self) -> RiskEngine:
        """The engine, loaded on first use (the case file read once per process) and rebuilt when the case tracks
        change."""
        now = time.monotonic()
        if self._engine is not None and (self.sessions is None or now - self._checked < self.check_s):
            return self._engine
        with self._lock:
            key = tracks_fingerprint(self.sessions) if self.sessions is not None else None
            self._checked = now
            if self._engine is None or key != self._tracks_key:
                self._engine = self._build(key)
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
