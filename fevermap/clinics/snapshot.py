"""The locator's snapshot of one region's clinics: snapped to roads, grouped into pinned cells, refreshed by revision.

:class:`StaticClinics` holds what changes only when clinics move (snaps, kd-tree cells pinned as target sets);
:class:`LiveClinics` the per-revision arrays (records, night flag, opening hours with the time zone of each clinic's
region, slots, observation times). :class:`Snapshots` re-reads the registry when its revision changes and patches in
only the statuses written since (a full reload costs O(clinics) per status report).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from fevermap.clinics.records import ClinicRecord
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.status import StatusRecord
from fevermap.errors import InputError, SnapError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class RouterLike(Protocol):
    """What the locator needs of :class:`fevermap.routing.router.Router`."""

    region: Any

    @property
    def max_speed_mps(self) -> float: ...

    def snap(self, lon: float, lat: float) -> Any: ...

    def pin_targets(self, snaps: Sequence[Any]) -> Any: ...

    def one_to_many(self, origin: Any, targets: Any, *, state: Any = None) -> FloatArray: ...

    def route_snapped(self, origin: Any, destination: Any, *, geometry: bool = True, state: Any = None) -> Any: ...


@dataclass(frozen=True)
class Cell:
    members: IntArray  # indices into the static arrays
    pinned: Any


@dataclass(frozen=True)
class StaticClinics:
    """Clinics that snap to the road network, their snapped locations and the pinned cells."""

    key: tuple[tuple[str, float, float], ...]
    ids: list[str]
    index: dict[str, int]  # clinic id -> static index
    ids_arr: npt.NDArray[np.object_]
    snaps: list[Any]
    lon: FloatArray
    lat: FloatArray
    cells: list[Cell]
    order: IntArray  # static indices in cell order
    cell_start: IntArray  # start of each cell in ``order``
    unsnapped: dict[str, str]


@dataclass(frozen=True)
class LiveClinics:
    """Per-revision arrays aligned with the static clinics (records, night flag, hours, status)."""

    revision: int  # the registry revision read before these were loaded
    clinics_revision: int  # the clinics revision they were built from (statuses are patched in while it holds)
    records: list[ClinicRecord]
    night: npt.NDArray[np.int8]  # 1 yes, 0 no, -1 unknown
    hours_code: IntArray  # index into ``hours``; -1 unknown
    hours: list[tuple[str, str]]  # (opening hours, IANA time zone of the clinic's region)
    slots: FloatArray  # nan unknown
    observed: FloatArray  # epoch seconds, nan none


def kd_cells(lon: FloatArray, lat: FloatArray, idx: IntArray, size: int) -> list[IntArray]:
    if idx.size <= size:
        return [idx]
    span_lon = (lon[idx].max() - lon[idx].min()) * np.cos(np.radians(float(lat[idx].mean())))
    span_lat = lat[idx].max() - lat[idx].min()
    key = lon[idx] if span_lon >= span_lat else lat[idx]
    order = idx[np.argsort(key, kind="stable")]
    half = order.size // 2
    return kd_cells(lon, lat, order[:half], size) + kd_cells(lon, lat, order[half:], size)


def slots_observed(status: StatusRecord | None) -> tuple[float, float]:
    """Free slots and observation time (epoch seconds) of a status, ``nan`` where unknown."""
    if status is None:
        return np.nan, np.nan
    return (np.nan if status.slots is None else float(status.slots)), status.observed_at.timestamp()


class Snapshots:
    """The current snapshot of the clinics of ``router``'s region in ``registry``, cells of at most ``cell_size``."""

    def __init__(self, registry: ClinicRegistry, router: RouterLike, *, cell_size: int = 128) -> None:
        self.registry = registry
        self.router = router
        self.region_name = str(router.region.name)
        self.cell_size = int(cell_size)
        self._static: StaticClinics | None = None
        self._live: LiveClinics | None = None
        self._snap_cache: dict[tuple[str, float, float], Any] = {}
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._checked_writes = -1

    def due(self) -> bool:
        """Whether the next :meth:`refresh` reads the database (its check interval passed, this process wrote since,
        or nothing is loaded yet); False: it answers from memory."""
        interval = float(getattr(self.registry.settings, "status_refresh_s", 0.0))
        return (
            self._static is None
            or self._live is None
            or time.monotonic() - self._checked_at >= interval
            or self._checked_writes != self.registry.local_writes_of(self.region_name)
        )

    def refresh(self, *, force: bool = False) -> tuple[StaticClinics, LiveClinics]:
        """Reload clinics and statuses if the registry changed since the last query (cheap otherwise).

        The database's revision counter is read at most every ``Settings.status_refresh_s`` seconds (default
        0.25 s), and at once after a write through this process's registry that can change this region's clinics
        (:meth:`~fevermap.clinics.registry.ClinicRegistry.local_writes_of`: any write to clinics, a status of one of
        this region's): a status reported to another worker reaches this one's answers within that interval.
        """
        static, live = self._static, self._live
        now = time.monotonic()
        interval = float(getattr(self.registry.settings, "status_refresh_s", 0.0))
        writes = self.registry.local_writes_of(self.region_name)
        fresh_enough = now - self._checked_at < interval and self._checked_writes == writes
        if not force and static is not None and live is not None and fresh_enough:
            return static, live
        self._checked_writes = writes
        rev, clinics_rev = self.registry.revisions()
        self._checked_at = now
        with self._lock:
            static, live = self._static, self._live
            if not force and static is not None and live is not None:
                if live.revision >= rev:
                    return static, live  # current (or another thread refreshed past this revision meanwhile)
                if live.clinics_revision == clinics_rev:
                    # only statuses changed: patch those in (a full reload costs O(clinics) per status report)
                    self._live = self._patch_live(live, static, rev, self.registry.statuses_since(live.revision))
                    return static, self._live
            records = self.registry.records(self.region_name)
            key = tuple((r.id, r.lon, r.lat) for r in records)
            if force or static is None or static.key != key:
                static = self._static = self._build_static(records, key)
            self._live = self._build_live(rev, clinics_rev, records, static)
            return static, self._live

    def _build_static(self, records: list[ClinicRecord], key: tuple[tuple[str, float, float], ...]) -> StaticClinics:
        ids: list[str] = []
        snaps: list[Any] = []
        unsnapped: dict[str, str] = {}
        cache: dict[tuple[str, float, float], Any] = {}
        for r, k in zip(records, key, strict=True):
            snap = self._snap_cache.get(k)
            if snap is None:
                try:
                    snap = self.router.snap(r.lon, r.lat)
                except (SnapError, InputError) as exc:
                    unsnapped[r.id] = f"{r.name}: {exc}"
                    continue
            cache[k] = snap
            ids.append(r.id)
            snaps.append(snap)
        self._snap_cache = cache
        lon = np.array([s.location[0] for s in snaps], dtype=float)
        lat = np.array([s.location[1] for s in snaps], dtype=float)
        groups = kd_cells(lon, lat, np.arange(len(snaps), dtype=np.int64), self.cell_size) if snaps else []
        cells = [Cell(g, self.router.pin_targets([snaps[i] for i in g])) for g in groups]
        order = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
        starts = np.cumsum([0] + [g.size for g in groups[:-1]]).astype(np.int64) if groups else np.zeros(0, np.int64)
        ids_arr = np.array(ids, dtype=object)
        index = {cid: i for i, cid in enumerate(ids)}
        return StaticClinics(key, ids, index, ids_arr, snaps, lon, lat, cells, order, starts, unsnapped)

    def _build_live(
        self, rev: int, clinics_rev: int, records: list[ClinicRecord], static: StaticClinics
    ) -> LiveClinics:
        by_id = {r.id: r for r in records}
        recs = [by_id[i] for i in static.ids]
        hours = sorted({(r.opening_hours, r.timezone) for r in recs if r.opening_hours})
        code = {h: i for i, h in enumerate(hours)}
        status = np.array([slots_observed(r.status) for r in recs], dtype=float).reshape(-1, 2)
        return LiveClinics(
            revision=rev,
            clinics_revision=clinics_rev,
            records=recs,
            night=np.array([-1 if r.night_emergency is None else int(r.night_emergency) for r in recs], dtype=np.int8),
            hours_code=np.array(
                [code[(r.opening_hours, r.timezone)] if r.opening_hours else -1 for r in recs], dtype=np.int64
            ),
            hours=hours,
            slots=status[:, 0].copy(),
            observed=status[:, 1].copy(),
        )

    @staticmethod
    def _patch_live(
        live: LiveClinics, static: StaticClinics, rev: int, changes: list[tuple[str, int, StatusRecord]]
    ) -> LiveClinics:
        """``live`` with the statuses in ``changes`` (oldest first) applied; clinics of other regions are skipped."""
        records = list(live.records)
        slots = live.slots.copy()
        observed = live.observed.copy()
        for clinic_id, _rev, status in changes:
            i = static.index.get(clinic_id)
            if i is None:
                continue
            records[i] = replace(records[i], status=status)
            slots[i], observed[i] = slots_observed(status)
        return replace(live, revision=rev, records=records, slots=slots, observed=observed)
