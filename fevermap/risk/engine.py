"""The risk-area engine: case records read once, areas computed per date and rule set, cached.

A :class:`RiskEngine` holds the case places of one data set (any case format ``fevermap trace match --cases``
reads, see :func:`fevermap.tracing.service.read_cases`) and answers, for any local date, the risk areas, the daily
counts per area and the public case place-days the self-check page matches against. It imports no web framework.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from fevermap.errors import RecordError
from fevermap.risk.areas import RiskAreas, compute_areas
from fevermap.risk.places import CasePlaces, day_number
from fevermap.risk.rules import RuleSet, load_rules
from fevermap.tracing.engine import match_visits
from fevermap.tracing.models import DEFAULT_TZ, Matches, MatchRule, Visits
from fevermap.tracing.service import read_cases

#: Dates whose areas each engine keeps computed.
CACHED_DATES = 8


@dataclass
class RiskEngine:
    """Risk areas of one case data set under one rule set.

    Parameters
    ----------
    visits : Visits
        Case records (``(lon, lat)`` WGS-84, UTC seconds).
    rules : RuleSet
        The rule set (:func:`fevermap.risk.rules.load_rules`).
    tz : str
        Time zone of the local days the rules count.
    """

    visits: Visits
    rules: RuleSet
    tz: str = DEFAULT_TZ
    errors: list[RecordError] = field(default_factory=list)

    def __post_init__(self) -> None:
        keep_radius = any(lv.use_record_radius for lv in self.rules.levels)
        self.places = CasePlaces.from_visits(self.visits, self.tz, keep_radius=keep_radius)
        self._cache: OrderedDict[date, RiskAreas] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_path(
        cls, cases: str | Path, *, rules: str | Path | RuleSet | None = None, tz: str = DEFAULT_TZ, fmt: str = "auto"
    ) -> RiskEngine:
        """Read a case file (or a Shanghai 2022 folder) and keep its good records (bad ones in ``errors``)."""
        rs = rules if isinstance(rules, RuleSet) else load_rules(rules)
        read = read_cases(cases, fmt=fmt, tz=tz)
        return cls(read.visits, rs, tz, list(read.errors))

    def areas(self, on: date) -> RiskAreas:
        """The risk areas on local date ``on`` (computed once per date; the few most recent dates are kept)."""
        with self._lock:
            hit = self._cache.get(on)
            if hit is not None:
                self._cache.move_to_end(on)
                return hit
        areas = compute_areas(self.places, self.rules, on)
        with self._lock:
            self._cache[on] = areas
            while len(self._cache) > CACHED_DATES:
                self._cache.popitem(last=False)
        return areas

    def info(self) -> dict[str, Any]:
        """What the engine holds: rule set, first and last case day, place and record counts."""
        rng = self.places.day_range
        return {
            "rules": self.rules.to_dict(),
            "tz": self.tz,
            "first_day": rng[0].isoformat() if rng else None,
            "last_day": rng[1].isoformat() if rng else None,
            "places": len(self.places),
            "records": int(self.places.rec_day.size),
        }

    def _place_days(self, on: date) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (place, start, end) rows of the look-back before ``on`` and the places they use."""
        d = day_number(on)
        p = self.places
        sel = (p.rec_day <= d) & (p.rec_day > d - self.rules.match.lookback_days)
        rows = np.unique(np.stack([p.rec_place[sel], p.rec_start[sel], p.rec_end[sel]], axis=1), axis=0)
        used, new_index = np.unique(rows[:, 0], return_inverse=True)
        rows[:, 0] = new_index.reshape(-1)
        return rows.reshape(-1, 3), used

    def place_days(self, on: date) -> dict[str, Any]:
        """The case place-days of the rule set's look-back before ``on`` (inclusive), public: no case ids.

        ``places`` are ``[lon, lat, radius_m or null]``; ``visits`` are distinct ``[place, start, end]`` rows with
        UTC epoch seconds.
        """
        rows, used = self._place_days(on)
        p = self.places
        return {
            "date": on.isoformat(),
            "since": (on - timedelta(days=self.rules.match.lookback_days - 1)).isoformat(),
            "tz": self.tz,
            "rules": self.rules.name,
            "match": self.rules.to_dict()["match"],
            "places": [
                [float(x), float(y), None if not np.isfinite(r) else float(r)]
                for x, y, r in zip(p.lon[used], p.lat[used], p.radius_m[used], strict=True)
            ],
            "visits": rows.tolist(),
        }

    def match(self, stops: Visits, on: date) -> Matches:
        """The server's matcher on the same place-days the page downloads: a stop matches a place-day within the
        rule set's ``match.radius_m`` (or the place's own radius) and ``match.min_overlap_min`` of overlap.

        ``Matches.visit`` indexes the ``visits`` rows of :meth:`place_days`.
        """
        rows, used = self._place_days(on)
        p = self.places
        cases = Visits.from_arrays(
            owner=np.full(len(rows), "case", dtype=object),
            lon=p.lon[used][rows[:, 0]],
            lat=p.lat[used][rows[:, 0]],
            start=rows[:, 1],
            end=rows[:, 2],
            radius_m=p.radius_m[used][rows[:, 0]],
        )
        m = self.rules.match
        rule = MatchRule(radius_m=m.radius_m, min_overlap_s=round(m.min_overlap_min * 60), use_visit_radius=True)
        return match_visits(stops, cases, rule).sorted()
