"""Data model of exposure matching: columnar tables of stops/visits and transport legs, the rule, the matches.

Inside fevermap every location is ``(lon, lat)`` in degrees on WGS-84 and every time an int64 count of seconds since
1970-01-01T00:00:00Z (UTC). A *visit table* serves both sides: a confirmed case's visits (``owner`` = case id, with an
optional ``radius_m``) and a declarant's stops (``owner`` = declarant id). Tables are columnar so that matching stays
vectorised; record-level classes (:class:`Declaration`, :class:`CaseTrack`) are for building them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError
from fevermap.times import aware_utc

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

#: Default time zone of the demo region, used for day-level records and local display.
DEFAULT_TZ = "Asia/Shanghai"


def _obj(values: Any, n: int) -> ObjArray:
    if values is None:
        return np.full(n, None, dtype=object)
    arr = np.empty(n, dtype=object)
    arr[:] = list(values)
    return arr


@dataclass(frozen=True)
class Visits:
    """A table of presences: who (``owner``) was where (``lon``, ``lat``) from ``start`` to ``end``.

    Attributes
    ----------
    owner : numpy.ndarray of object (str)
        Case id or declarant id of each row.
    lon, lat : numpy.ndarray of float64
        WGS-84 degrees.
    start, end : numpy.ndarray of int64
        UTC seconds since the epoch; ``end >= start``.
    radius_m : numpy.ndarray of float64
        Radius in metres declared for this point (case visits), NaN where none (the rule's default applies).
    place : numpy.ndarray of object
        Place name or address, or None.
    record : numpy.ndarray of object (str)
        Where the row came from (``file:row 12``), for error messages and explanations.
    """

    owner: ObjArray
    lon: FloatArray
    lat: FloatArray
    start: IntArray
    end: IntArray
    radius_m: FloatArray
    place: ObjArray
    record: ObjArray

    @classmethod
    def from_arrays(
        cls,
        owner: npt.ArrayLike,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        radius_m: npt.ArrayLike | None = None,
        place: Any = None,
        record: Any = None,
    ) -> Visits:
        """Build a table from array-likes (times as UTC epoch seconds), checking shapes and intervals."""
        lon_a = np.ascontiguousarray(lon, dtype=np.float64)
        n = len(lon_a)
        own = owner if isinstance(owner, np.ndarray) and owner.dtype == object else _obj(owner, n)
        rad = np.full(n, np.nan) if radius_m is None else np.ascontiguousarray(radius_m, dtype=np.float64)
        rec = _obj(record, n) if record is not None else _obj([f"row {i}" for i in range(n)], n)
        pl = place if isinstance(place, np.ndarray) and place.dtype == object else _obj(place, n)
        table = cls(
            owner=own,
            lon=lon_a,
            lat=np.ascontiguousarray(lat, dtype=np.float64),
            start=np.ascontiguousarray(start, dtype=np.int64),
            end=np.ascontiguousarray(end, dtype=np.int64),
            radius_m=rad,
            place=pl,
            record=rec,
        )
        table.check()
        return table

    @classmethod
    def empty(cls) -> Visits:
        """A table with no rows."""
        return cls.from_arrays([], [], [], [], [])

    def check(self) -> None:
        """Raise :class:`~fevermap.errors.InputError` on columns of unequal length or an end before its start."""
        n = len(self.lon)
        for name in ("owner", "lat", "start", "end", "radius_m", "place", "record"):
            if len(getattr(self, name)) != n:
                raise InputError(f"visit table column {name!r} has {len(getattr(self, name))} rows, expected {n}")
        bad = np.flatnonzero(self.end < self.start)
        if len(bad):
            i = int(bad[0])
            raise InputError(f"{self.record[i]}: end is before start ({len(bad)} rows like this)")

    def __len__(self) -> int:
        return len(self.lon)

    def take(self, idx: npt.ArrayLike | slice) -> Visits:
        """Rows ``idx`` (indices, a boolean mask or a slice) as a new table."""
        i = idx if isinstance(idx, slice) else np.asarray(idx)
        return Visits(
            owner=self.owner[i],
            lon=self.lon[i],
            lat=self.lat[i],
            start=self.start[i],
            end=self.end[i],
            radius_m=self.radius_m[i],
            place=self.place[i],
            record=self.record[i],
        )

    @staticmethod
    def concat(tables: list[Visits]) -> Visits:
        """Rows of all ``tables`` in order."""
        if not tables:
            return Visits.empty()
        return Visits(**{f: np.concatenate([getattr(t, f) for t in tables]) for f in Visits.__dataclass_fields__})


@dataclass(frozen=True)
class TransportLeg:
    """One trip on a numbered train or flight.

    ``date`` is the local departure date (ISO ``YYYY-MM-DD``) in the region's time zone; ``carriage`` the train car;
    ``seat_row``/``seat_letter`` the seat (``12C`` -> 12, ``"C"``); ``raw`` the text it was read from.
    """

    owner: str
    kind: str  # "train" or "flight"
    number: str
    date: str
    carriage: int | None = None
    seat_row: int | None = None
    seat_letter: str | None = None
    raw: str = ""
    record: str = ""


@dataclass(frozen=True)
class TemperatureReading:
    """A body temperature in degrees Celsius taken at ``time`` (timezone-aware)."""

    time: datetime
    celsius: float


@dataclass(frozen=True)
class Stop:
    """A place a person was: ``(lon, lat)`` degrees WGS-84, timezone-aware ``start``/``end``, optional radius/place."""

    lon: float
    lat: float
    start: datetime
    end: datetime
    place: str | None = None
    radius_m: float | None = None


@dataclass(frozen=True)
class Declaration:
    """What one resident declared: stops, transport legs, contact-history answers, temperature readings."""

    id: str
    stops: list[Stop] = field(default_factory=list)
    legs: list[TransportLeg] = field(default_factory=list)
    contact_answers: dict[str, str] = field(default_factory=dict)
    temperatures: list[TemperatureReading] = field(default_factory=list)


@dataclass(frozen=True)
class CaseTrack:
    """A confirmed case's visits (with optional radius each) and transport legs."""

    id: str
    visits: list[Stop] = field(default_factory=list)
    legs: list[TransportLeg] = field(default_factory=list)


def tracks_to_visits(tracks: list[Declaration] | list[CaseTrack]) -> Visits:
    """Flatten record-level declarations or case tracks into one :class:`Visits` table."""
    rows: list[tuple[str, Stop, int]] = []
    for t in tracks:
        stops = t.stops if isinstance(t, Declaration) else t.visits
        rows.extend((t.id, s, i) for i, s in enumerate(stops))
    for owner, s, i in rows:
        aware_utc(s.start, f"{owner} stop {i} start")
        aware_utc(s.end, f"{owner} stop {i} end")
    return Visits.from_arrays(
        owner=[o for o, _, _ in rows],
        lon=[s.lon for _, s, _ in rows],
        lat=[s.lat for _, s, _ in rows],
        start=[int(s.start.timestamp() // 1) for _, s, _ in rows],
        end=[-int(-s.end.timestamp() // 1) for _, s, _ in rows],
        radius_m=[np.nan if s.radius_m is None else s.radius_m for _, s, _ in rows],
        place=[s.place for _, s, _ in rows],
        record=[f"{o} stop {i}" for o, _, i in rows],
    )


@dataclass(frozen=True)
class MatchRule:
    """The proximity rule: distance <= radius and overlap >= ``min_overlap_s`` (defaults after Hamagen).

    Parameters
    ----------
    radius_m : float
        Radius in metres for case visits without their own (and for all when ``use_visit_radius`` is False).
    min_overlap_s : int
        Minimum overlap of the two time intervals in seconds (inclusive; 0 lets touching intervals match).
    use_visit_radius : bool
        Whether a case visit's own ``radius_m`` overrides ``radius_m``.
    """

    radius_m: float = 50.0
    min_overlap_s: int = 15 * 60
    use_visit_radius: bool = True

    def __post_init__(self) -> None:
        if not (np.isfinite(self.radius_m) and self.radius_m > 0):
            raise InputError(f"radius must be a positive number of metres, got {self.radius_m}")
        if self.min_overlap_s < 0:
            raise InputError(f"minimum overlap must be >= 0 seconds, got {self.min_overlap_s}")

    def radii(self, visits: Visits) -> FloatArray:
        """The radius in metres that applies to each case visit."""
        if not self.use_visit_radius:
            return np.full(len(visits), float(self.radius_m))
        own = visits.radius_m
        return np.where(np.isfinite(own) & (own > 0), own, float(self.radius_m))

    def describe(self) -> str:
        """The rule in words, e.g. ``distance <= 50 m and overlap >= 15 min``."""
        r = "the case visit's radius, else " if self.use_visit_radius else ""
        return f"distance <= {r}{self.radius_m:g} m and overlap >= {self.min_overlap_s / 60:g} min"


@dataclass(frozen=True)
class Matches:
    """Proximity matches as parallel arrays: row ``stop`` of the stops matched row ``visit`` of the case visits.

    ``distance_m`` is geodesic (metres), ``radius_m`` the radius that applied, ``overlap_start``/``overlap_end`` the
    overlap window in UTC epoch seconds.
    """

    stop: IntArray
    visit: IntArray
    distance_m: FloatArray
    radius_m: FloatArray
    overlap_start: IntArray
    overlap_end: IntArray

    def __len__(self) -> int:
        return len(self.stop)

    @classmethod
    def empty(cls) -> Matches:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), np.zeros(0), np.zeros(0), z.copy(), z.copy())

    @staticmethod
    def concat(parts: list[Matches]) -> Matches:
        if not parts:
            return Matches.empty()
        return Matches(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in Matches.__dataclass_fields__})

    def take(self, idx: npt.ArrayLike) -> Matches:
        i = np.asarray(idx)
        return Matches(**{f: getattr(self, f)[i] for f in Matches.__dataclass_fields__})

    def sorted(self) -> Matches:
        """Sorted by (stop, visit), the canonical order."""
        if len(self) == 0:
            return self
        width = int(self.visit.max()) + 1
        if int(self.stop.max()) < (1 << 62) // width:
            return self.take(np.argsort(self.stop * width + self.visit, kind="stable"))
        return self.take(np.lexsort((self.visit, self.stop)))

    def offset(self, stop_offset: int = 0, visit_offset: int = 0) -> Matches:
        """The same matches with row numbers shifted (for chunked stops)."""
        return Matches(
            self.stop + stop_offset,
            self.visit + visit_offset,
            self.distance_m,
            self.radius_m,
            self.overlap_start,
            self.overlap_end,
        )

    def pairs(self) -> set[tuple[int, int]]:
        """The set of ``(stop, visit)`` pairs (for comparisons in tests)."""
        return set(zip(self.stop.tolist(), self.visit.tolist(), strict=True))
