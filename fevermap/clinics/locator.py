"""Nearest *available* clinic by driving time: exact order, with a safe spatial prefilter.

How a query runs
----------------
1. The origin is checked against the region and snapped to a road (:class:`~fevermap.errors.CoordinateError`,
   :class:`~fevermap.errors.SnapError`).
2. Filters (night service, open now in the region's time zone, fresh slots) select the candidate clinics.
3. Clinics are grouped once into spatial cells (kd-tree leaves of at most ``cell_size`` clinics), each pinned as a
   target set of the router. A lower bound of a clinic's ETA is the geodesic distance between the snapped points
   divided by the metric's top speed (every road path is at least that long; edge times are rounded up), times a
   0.99 safety factor for the sphere/ellipsoid difference. Cells are queried with one one-to-many query each, in
   order of their smallest lower bound, until the next cell's bound exceeds the ``limit``-th best ETA found. No
   skipped clinic can beat the answer, so the order equals brute force (a route to every clinic). With up to
   ``cell_size`` clinics this is exactly one one-to-many query.
4. The first ``limit`` clinics by ``(eta, id)`` are returned with their route lengths and the first one's geometry.

Unknown facts are not treated as negatives: a filter drops clinics known to fail it and keeps those where the fact
is unknown (hours not published, night service not stated, status stale or never reported), marking them
``call_first`` with the reason; ``strict=True`` drops unknowns too. An answer also says to call first when the drive
exceeds ``Settings.call_first_eta_min`` (default 45 min); such answers lead with the phone number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.clinics.answers import answer_json, call_first_reasons
from fevermap.clinics.geodesy import haversine_m
from fevermap.clinics.hours import is_open
from fevermap.clinics.phones import display_phone, tel_uri
from fevermap.clinics.records import ClinicRecord
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import NearestAnswer, NearestClinic
from fevermap.clinics.snapshot import LiveClinics, RouterLike, Snapshots, StaticClinics
from fevermap.clinics.status import local_iso, status_view
from fevermap.clinics.time_to_care import Rank, Wait, expected_wait, minutes_per_patient, time_to_care_min
from fevermap.errors import InputError, NoRouteError
from fevermap.geo.lonlat import check_in_bbox
from fevermap.times import aware_utc

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Safety factor on the geodesic lower bound (sphere vs ellipsoid, < 0.5 %).
LOWER_BOUND_FACTOR = 0.99

__all__ = ["LOWER_BOUND_FACTOR", "ClinicLocator", "RouterLike", "answer_json"]


class ClinicLocator:
    """Nearest available clinics of one region by driving time.

    Parameters
    ----------
    registry : ClinicRegistry
        Where clinics and statuses are stored; re-read when its revision changes.
    router : Router
        Router of the region (:class:`fevermap.routing.router.Router`); its live traffic metric is used.
    cell_size : int
        At most this many clinics per pinned target cell (default 128).
    """

    def __init__(self, registry: ClinicRegistry, router: RouterLike, *, cell_size: int = 128) -> None:
        self.registry = registry
        self.router = router
        self.region = router.region
        self.cell_size = int(cell_size)
        self._snapshots = Snapshots(registry, router, cell_size=cell_size)

    @property
    def region_name(self) -> str:
        return str(self.region.name)

    @property
    def timezone(self) -> str:
        return str(self.region.timezone)

    # ------------------------------------------------------------------ snapshot
    def refresh(self, *, force: bool = False) -> tuple[StaticClinics, LiveClinics]:
        """The current snapshot of the region's clinics (:meth:`fevermap.clinics.snapshot.Snapshots.refresh`)."""
        return self._snapshots.refresh(force=force)

    def snapshot_due(self) -> bool:
        """Whether the next query reads the database first (:meth:`fevermap.clinics.snapshot.Snapshots.due`): a
        caller on an event loop runs such a query on a thread."""
        return self._snapshots.due()

    def _candidates(
        self, live: LiveClinics, at: datetime, *, night: bool, open_now: bool, with_slots: bool, strict: bool
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
        """Candidate mask, open-now state per clinic (1 open, 0 closed, -1 unknown) and fresh-status mask."""
        n = len(live.records)
        mask = np.ones(n, dtype=bool)
        # opening hours are read in the time zone of each clinic's region
        hour_state = np.array([_tri(is_open(h, at, tz)) for h, tz in live.hours] + [-1], dtype=np.int8)
        open_state = hour_state[live.hours_code]  # code -1 picks the trailing "unknown"
        age = at.timestamp() - live.observed
        fresh = age <= self.registry.stale_after_s  # nan compares False
        if night:
            mask &= live.night == 1 if strict else live.night != 0
        if open_now:
            mask &= open_state == 1 if strict else open_state != 0
        if with_slots:
            has = fresh & (np.nan_to_num(live.slots, nan=0.0) > 0)
            known_zero = fresh & (live.slots == 0)
            mask &= has if strict else ~known_zero
        return mask, open_state, fresh

    def ranked(
        self,
        origin_snap: Any,
        candidates: npt.NDArray[np.bool_],
        limit: int,
        static: StaticClinics,
        extra_s: FloatArray | None = None,
        state: Any = None,
    ) -> tuple[IntArray, FloatArray, int]:
        """Exact top-``limit`` candidates by ``(eta + extra_s, id)`` (``extra_s`` >= 0 per clinic, e.g. the expected
        wait; default none): static indices, ETAs in seconds, clinics routed (on the side metric ``state`` when
        given)."""
        add = np.zeros(len(static.ids)) if extra_s is None else extra_s
        if not candidates.any():
            return np.zeros(0, np.int64), np.zeros(0), 0
        ox, oy = origin_snap.location
        lb = haversine_m(ox, oy, static.lon, static.lat) * (LOWER_BOUND_FACTOR / self.router.max_speed_mps)
        lb = np.where(candidates, lb, np.inf)
        lb_sorted = lb[static.order]
        cell_lb = np.minimum.reduceat(lb_sorted, static.cell_start) if static.cells else np.zeros(0)
        eta = np.full(len(static.ids), np.inf)
        routed = 0
        found: list[float] = []
        for c in np.argsort(cell_lb, kind="stable"):
            bound = cell_lb[c]
            if not np.isfinite(bound):
                break
            if len(found) >= limit and bound > found[limit - 1]:
                break
            cell = static.cells[c]
            secs = self.router.one_to_many(origin_snap, cell.pinned, state=state)
            eta[cell.members] = secs
            routed += cell.members.size
            vals = (secs + add[cell.members])[candidates[cell.members] & np.isfinite(secs)]
            found = sorted([*found, *vals.tolist()])[:limit]
        ok = np.flatnonzero(candidates & np.isfinite(eta))
        ids = static.ids_arr[ok]
        order = np.lexsort((ids, eta[ok] + add[ok]))[:limit]
        return ok[order], eta[ok[order]], routed

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        limit: int = 3,
        night: bool = False,
        open_now: bool = False,
        with_slots: bool = False,
        strict: bool = False,
        at: datetime | None = None,
        with_routes: bool = True,
        rank_by: Rank = "drive",
        state: Any = None,
    ) -> NearestAnswer:
        """The nearest clinics from ``(lon, lat)`` by driving time, filtered, in order.

        Parameters
        ----------
        lon, lat : float
            Origin, WGS-84 degrees.
        limit : int
            Number of clinics to return (1..100).
        night : bool
            Only clinics with a night emergency service (unknown kept unless ``strict``).
        open_now : bool
            Only clinics open at ``at`` by their opening hours in the region's time zone (unknown kept unless
            ``strict``).
        with_slots : bool
            Only clinics with fresh status and free slots (stale/unknown kept, marked, unless ``strict``).
        strict : bool
            Drop clinics where a filtered fact is unknown.
        at : datetime, optional
            Query time, timezone-aware (default now): opening hours and status freshness are judged at it.
        with_routes : bool
            Compute each answer's route length and the first one's geometry (default true).
        rank_by : {"drive", "time_to_care"}
            Order by driving time (default) or by drive + expected wait (:mod:`fevermap.clinics.time_to_care`);
            every answer shows both parts either way.
        state : optional
            A side metric of the router (e.g. with closed roads, ``Router.state_with_closed_edges``); default: the
            current one.

        Raises
        ------
        CoordinateError
            Origin outside the region (or not a valid lon/lat).
        SnapError
            Origin too far from any road.
        """
        if not 1 <= limit <= 100:
            raise InputError(f"limit must be between 1 and 100, got {limit}")
        when = aware_utc(at or datetime.now(UTC), "time")
        check_in_bbox(float(lon), float(lat), tuple(self.region.bbox), what="origin")
        origin = self.router.snap(float(lon), float(lat))
        static, live = self.refresh()
        mask, open_state, _fresh = self._candidates(
            live, when, night=night, open_now=open_now, with_slots=with_slots, strict=strict
        )
        stale_s = self.registry.stale_after_s
        # the expected waits of every clinic when they rank, else of the answered ones only (O(limit) a query)
        waits: dict[int, Wait] = {}
        if rank_by == "time_to_care":
            waits = {i: _wait_of(r, when, stale_s) for i, r in enumerate(live.records)}
            extra = np.array([waits[i].rank_minutes * 60.0 for i in range(len(live.records))])
        else:
            extra = None
        idx, etas, routed = self.ranked(origin, mask, limit, static, extra, state)
        threshold_s = self.registry.settings.call_first_eta_min * 60.0
        out: list[NearestClinic] = []
        for rank, (i, eta) in enumerate(zip(idx.tolist(), etas.tolist(), strict=True), start=1):
            rec = live.records[i]
            wait = waits[i] if i in waits else _wait_of(rec, when, stale_s)
            route = None
            if with_routes:
                try:
                    route = self.router.route_snapped(origin, static.snaps[i], geometry=rank == 1, state=state)
                except NoRouteError:  # pragma: no cover - one_to_many said reachable
                    route = None
            view = status_view(rec.status, when, self.registry.stale_after_s, rec.timezone)
            reasons = call_first_reasons(eta, threshold_s, view, hours_unknown=open_now and open_state[i] == -1,
                                         night_unknown=night and live.night[i] == -1)  # fmt: skip
            out.append(
                NearestClinic(
                    rank=rank,
                    id=rec.id,
                    name=rec.name,
                    call_first=bool(reasons),
                    call_first_reasons=reasons,
                    phones=list(rec.phones),
                    tel=tel_uri(rec.phones[0]) if rec.phones else None,
                    phones_display=[display_phone(p) for p in rec.phones],
                    address=rec.address,
                    location=(rec.lon, rec.lat),
                    eta_s=round(eta, 3),
                    eta_min=round(eta / 60.0, 1),
                    wait_min=wait.minutes,
                    wait_source=wait.source,
                    time_to_care_min=_round(time_to_care_min(eta, wait)),
                    distance_m=round(route.distance_m, 1) if route is not None else None,
                    slots=view.slots,
                    stale=view.stale,
                    updated_at=view.updated_at,
                    updated_at_local=view.updated_at_local,
                    status=view,
                    open_now={1: True, 0: False}.get(int(open_state[i])),
                    night_emergency=rec.night_emergency,
                    kind=rec.kind,
                    source=rec.source,
                    provenance=rec.extra,
                    route=route.geometry if (route is not None and rank == 1) else None,
                )
            )
        return NearestAnswer(
            region=self.region_name,
            origin=(float(lon), float(lat)),
            snapped_origin=(float(origin.location[0]), float(origin.location[1])),
            at=when,
            at_local=local_iso(when, self.timezone),
            filters={
                "night": night,
                "open_now": open_now,
                "with_slots": with_slots,
                "strict": strict,
                "limit": limit,
                "rank": rank_by,
            },
            considered=int(mask.sum()),
            routed=routed,
            clinics=out,
            not_routable=[{"id": k, "reason": v} for k, v in sorted(static.unsnapped.items())],
        )

    def brute_force(self, lon: float, lat: float, candidates: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Reference: a point-to-point route to every (candidate) clinic, sorted by ``(eta, id)``; for tests and
        benchmarks."""
        origin = self.router.snap(float(lon), float(lat))
        static, _live = self.refresh()
        wanted = None if candidates is None else set(candidates)
        rows = []
        for cid, snap in zip(static.ids, static.snaps, strict=True):
            if wanted is not None and cid not in wanted:
                continue
            try:
                rows.append((cid, self.router.route_snapped(origin, snap, geometry=False).duration_s))
            except NoRouteError:
                continue
        return sorted(rows, key=lambda r: (r[1], r[0]))


def _wait_of(rec: ClinicRecord, when: datetime, stale_s: float) -> Wait:
    return expected_wait(rec.status, when, stale_s, minutes_per_patient(rec.extra))


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def _tri(v: bool | None) -> int:
    return -1 if v is None else int(v)
