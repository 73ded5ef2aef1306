"""The clinic registry: clinics and their live status stored in the database (SQLite or PostgreSQL + PostGIS).

Every write commits before it returns, so whatever the registry acknowledged survives a crash. A status update is
one conditional upsert (``INSERT ... ON CONFLICT DO UPDATE ... WHERE stored.observed_at < new.observed_at``), so an
older observation never overwrites a newer one, even when two arrive at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from fevermap.clinics.records import ClinicRecord, PlacedClinic, record_of, stable_clinic_id
from fevermap.clinics.registry_sql import RegistryStatements
from fevermap.clinics.schemas import ClinicCreate, ClinicPublic, StatusResult, StatusUpdate
from fevermap.clinics.status import StatusRecord, status_view
from fevermap.clinics.views import public_view
from fevermap.config import Settings, get_settings
from fevermap.db import open_database, session_factory, transaction
from fevermap.db.models import Clinic
from fevermap.errors import FutureObservationError, NotFoundError
from fevermap.geo.lonlat import check_in_bbox
from fevermap.times import aware_utc

_STATIC_FIELDS = (
    "region",
    "timezone",
    "name",
    "kind",
    "address",
    "district",
    "phones",
    "lon",
    "lat",
    "opening_hours",
    "night_emergency",
    "source",
    "extra",
)


def _unknown_clinic(clinic_id: str) -> NotFoundError:
    return NotFoundError(f"unknown clinic id {clinic_id!r} (list them with `fevermap clinics list`)")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """What :meth:`ClinicRegistry.upsert_many` did to each clinic."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


class ClinicRegistry:
    """Clinics and their live status, stored in one database.

    Parameters
    ----------
    engine : sqlalchemy.Engine, optional
        Database; default: :func:`fevermap.db.open_database` on the configured URL (migrated on first use).
    settings : Settings, optional
        Stale age, clock skew, call-first threshold; default: read from the environment.
    """

    def __init__(self, engine: Engine | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        #: Writes made through this registry object, counted once committed (a cheap local change signal for
        #: caches): to clinics (every region), and statuses per region (:meth:`local_writes_of`).
        self.local_writes = 0
        self._clinic_writes = 0
        self._status_writes: dict[str | None, int] = {}
        self._writes_lock = threading.Lock()
        self.engine = engine if engine is not None else open_database(self.settings.database_url)
        #: Whether the database is a local file (SQLite): a query takes well under a millisecond and never waits on
        #: a network, so an event loop may run it itself (``api``: a worker thread's hop costs more under load).
        self.local_database = self.engine.dialect.name == "sqlite"
        self._sessions = session_factory(self.engine)
        self._sql = RegistryStatements(self.engine)

    @classmethod
    def open(cls, url: str | None = None, settings: Settings | None = None) -> ClinicRegistry:
        """Open (and migrate) the database at ``url`` (default: the configured one)."""
        settings = settings or get_settings()
        return cls(open_database(url or settings.database_url), settings)

    def close(self) -> None:
        """Release the database connections (the registry must not be used afterwards)."""
        self.engine.dispose()

    def __enter__(self) -> ClinicRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stale_after_s(self) -> float:
        """Age in seconds beyond which a status is stale."""
        return self.settings.stale_after_min * 60.0

    # ---- writes -------------------------------------------------------------------------------------------
    def _bump(self, session: Session, *, clinics: bool) -> int:
        """Advance the revision (and the clinics revision for writes to clinics); the new revision.

        The update takes the counter row's lock until the transaction ends, so writers get revisions in commit
        order: once a status of revision ``r`` is visible, every status of a lower revision is too.
        """
        stmt = self._sql.bump_clinics if clinics else self._sql.bump
        return int(session.connection().execute(stmt).scalar_one())

    def _wrote(self, *, region: str | None = None, clinics: bool) -> None:
        """Count a committed write: readers of this process re-check the database at once (every region's after a
        write to clinics, ``region``'s after a status). Counted after the commit, so a reader that saw the count
        reads what was written."""
        with self._writes_lock:
            self.local_writes += 1
            if clinics:
                self._clinic_writes += 1
            else:
                self._status_writes[region] = self._status_writes.get(region, 0) + 1

    def local_writes_of(self, region: str | None) -> int:
        """A count that grows with every committed write through this registry that can change ``region``'s
        clinics: writes to clinics (any region) and statuses of ``region``'s clinics."""
        return self._clinic_writes + self._status_writes.get(region, 0)

    def upsert_many(
        self,
        region: str | None,
        clinics: Sequence[ClinicCreate],
        *,
        bbox: tuple[float, float, float, float] | None = None,
        timezone: str = "UTC",
    ) -> UpsertOutcome:
        """Insert or update ``clinics``, all of ``region``, in one transaction (committed before returning).

        Parameters
        ----------
        region : str or None
            Region name the clinics belong to (``None``: no region).
        clinics : sequence of ClinicCreate
            Clinics; without ``id`` the id is :func:`stable_clinic_id`.
        bbox : tuple, optional
            ``(lon_min, lat_min, lon_max, lat_max)``; a clinic outside it raises :class:`CoordinateError`.
        timezone : str
            IANA time zone of the region (opening hours are evaluated in it).
        """
        if bbox is not None:
            for c in clinics:
                check_in_bbox(c.lon, c.lat, bbox, what=f"clinic {c.name!r}")
        return self.upsert_placed([PlacedClinic(c, region, timezone) for c in clinics])

    def upsert_placed(self, placed: Sequence[PlacedClinic]) -> UpsertOutcome:
        """Insert or update clinics, each with its own region and time zone, in one transaction (committed before
        returning). A stored clinic whose location now lies in another region (or none) moves there."""
        now = _utcnow()
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        with transaction(self._sessions) as session:
            for p in placed:
                c = p.clinic
                cid = c.id or stable_clinic_id(p.region, c.name, c.address)
                values = c.model_dump(exclude={"id"})
                values.update(region=p.region, timezone=p.timezone)
                row = session.get(Clinic, cid)
                if row is None:
                    session.add(Clinic(id=cid, created_at=now, updated_at=now, **values))
                    created.append(cid)
                    continue
                if all(getattr(row, k) == values[k] for k in _STATIC_FIELDS):
                    unchanged.append(cid)
                    continue
                for k in _STATIC_FIELDS:
                    setattr(row, k, values[k])
                row.updated_at = now
                updated.append(cid)
            if created or updated:
                self._bump(session, clinics=True)
        if created or updated:
            self._wrote(clinics=True)
        return UpsertOutcome(created, updated, unchanged)

    def add(self, region: str | None, clinic: ClinicCreate, *, timezone: str = "UTC") -> ClinicPublic:
        """Insert or update one clinic of ``region`` (``None``: none; time zone ``timezone``); return it as stored."""
        out = self.upsert_placed([PlacedClinic(clinic, region, timezone)])
        return self.clinic((out.created + out.updated + out.unchanged)[0])

    def delete(self, clinic_id: str) -> None:
        """Remove a clinic and its status (:class:`NotFoundError` if unknown)."""
        with transaction(self._sessions) as session:
            n = session.execute(delete(Clinic).where(Clinic.id == clinic_id)).rowcount  # type: ignore[attr-defined]
            if not n:
                raise NotFoundError(f"unknown clinic id {clinic_id!r}")
            self._bump(session, clinics=True)
        self._wrote(clinics=True)

    def update_status(self, clinic_id: str, update_: StatusUpdate, *, now: datetime | None = None) -> StatusResult:
        """Store a live status if it is newer than the stored one; commit before returning.

        Parameters
        ----------
        clinic_id : str
            Clinic id (:class:`NotFoundError` if unknown).
        update_ : StatusUpdate
            The report with its ``observed_at``.
        now : datetime, optional
            Receiving time (default: the system clock, UTC).

        Returns
        -------
        StatusResult
            ``applied`` false (with the reason) when the stored status was observed at the same time or later.

        Raises
        ------
        FutureObservationError
            When ``observed_at`` is later than ``now`` plus the allowed clock skew.
        """
        now = aware_utc(now or _utcnow(), "now")
        observed = aware_utc(update_.observed_at, "observed_at")
        skew = self.settings.status_max_skew_s
        if observed > now + timedelta(seconds=skew):
            raise FutureObservationError(
                f"status for {clinic_id!r} observed at {observed.isoformat()} is in the future "
                f"(now {now.isoformat()}, allowed clock skew {skew:g} s): check the reporter's clock"
            )
        values = {
            "clinic_id": clinic_id,
            "slots": update_.slots,
            "waiting_patients": update_.waiting_patients,
            "waiting_minutes": update_.waiting_minutes,
            "doctor_on_duty": update_.doctor_on_duty,
            "stock_note": update_.stock_note,
            "observed_at": observed.astimezone(UTC),
            "received_at": now.astimezone(UTC),
            "reporter": update_.reporter,
        }
        with transaction(self._sessions) as session:
            conn = session.connection()
            row = conn.execute(self._sql.clinic_timezone, {"clinic_id": clinic_id}).first()
            if row is None:
                raise _unknown_clinic(clinic_id)
            tz, region = row
            values["revision"] = 0  # set below, once the counter is taken (and locked until commit)
            applied = conn.execute(self._sql.upsert_status, values).first() is not None
            if applied:
                rev = self._bump(session, clinics=False)
                conn.execute(self._sql.stamp_status, {"b_clinic_id": clinic_id, "b_revision": rev})
                stored = StatusRecord(**{k: values[k] for k in StatusRecord.__slots__})  # type: ignore[arg-type]
            else:  # the newer status already stored, read in the same transaction
                stored = StatusRecord.of(conn.execute(self._sql.status, {"clinic_id": clinic_id}).one())
        if applied:
            self._wrote(region=region, clinics=False)
        view = status_view(stored, now, self.stale_after_s, tz)
        reason = (
            "stored"
            if applied
            else f"ignored: a status observed at {view.updated_at.isoformat() if view.updated_at else '?'} "
            "(same time or newer) is already stored"
        )
        return StatusResult(clinic_id=clinic_id, applied=applied, reason=reason, status=view)

    # ---- reads --------------------------------------------------------------------------------------------
    def revision(self) -> int:
        """A counter that grows with every write (clinics or status); cheap to poll."""
        return self.revisions()[0]

    def revisions(self) -> tuple[int, int]:
        """``(revision, clinics_revision)``: the first grows with every write, the second only with writes to the
        clinics themselves (not status reports)."""
        with self.engine.connect() as conn:
            rev, clinics_rev = conn.execute(self._sql.revisions).one()
        return int(rev), int(clinics_rev)

    def statuses_since(self, revision: int) -> list[tuple[str, int, StatusRecord]]:
        """Statuses written after registry revision ``revision``: ``(clinic_id, revision, status)``, oldest first.

        Read :meth:`revisions` first, then this: a status missing here was written after that revision and is
        found by the next call.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(self._sql.statuses_since, {"since": int(revision)}).all()
        return [(r.clinic_id, int(r.revision), StatusRecord.of(r)) for r in rows]

    def get_record(self, clinic_id: str) -> ClinicRecord:
        """The stored clinic (:class:`NotFoundError` if unknown)."""
        with self._sessions() as session:
            row = session.get(Clinic, clinic_id)
            if row is None:
                raise _unknown_clinic(clinic_id)
            return record_of(row)

    def records(self, region: str | None = None) -> list[ClinicRecord]:
        """All clinics (of ``region`` if given), ordered by id."""
        with self._sessions() as session:
            q = select(Clinic).order_by(Clinic.id)
            if region is not None:
                q = q.where(Clinic.region == region)
            return [record_of(r) for r in session.execute(q).unique().scalars()]

    def count(self, region: str | None = None) -> int:
        """Number of clinics (of ``region`` if given)."""
        with self._sessions() as session:
            q = select(func.count()).select_from(Clinic)
            if region is not None:
                q = q.where(Clinic.region == region)
            return int(session.execute(q).scalar_one())

    def clinic(self, clinic_id: str, *, now: datetime | None = None) -> ClinicPublic:
        """The public view of one clinic (:class:`NotFoundError` if unknown; see :mod:`fevermap.clinics.views`)."""
        return public_view(self.get_record(clinic_id), self.stale_after_s, now=now)

    def clinics(self, region: str | None = None, *, now: datetime | None = None) -> list[ClinicPublic]:
        """Public views of all clinics (of ``region`` if given), ordered by id."""
        return [public_view(r, self.stale_after_s, now=now) for r in self.records(region)]
