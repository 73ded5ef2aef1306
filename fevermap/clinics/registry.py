"""The clinic registry: clinics and their live status stored in the database (SQLite or PostgreSQL + PostGIS).

Every write commits before it returns, so whatever the registry acknowledged survives a crash. A status update is
one conditional upsert (``INSERT ... ON CONFLICT DO UPDATE ... WHERE stored.observed_at < new.observed_at``), so an
older observation never overwrites a newer one, even when two arrive at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fevermap.clinics.geodesy import haversine_m
from fevermap.clinics.records import ClinicRecord, record_of, require_aware, stable_clinic_id
from fevermap.clinics.schemas import ClinicCreate, ClinicPublic, StatusResult, StatusUpdate
from fevermap.clinics.status import StatusRecord, status_view
from fevermap.clinics.views import public_view
from fevermap.config import Settings, get_settings
from fevermap.db import open_database, session_factory, transaction
from fevermap.db.models import Clinic, ClinicStatus, RegistryRevision
from fevermap.errors import FutureObservationError, InputError, NotFoundError
from fevermap.geo.lonlat import check_in_bbox

_STATUS_TABLE = cast(Table, ClinicStatus.__table__)
_REVISION_TABLE = cast(Table, RegistryRevision.__table__)

_STATIC_FIELDS = (
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
        #: Writes made through this registry object (a cheap local change signal for caches).
        self.local_writes = 0
        self.engine = engine if engine is not None else open_database(self.settings.database_url)
        self._sessions = session_factory(self.engine)
        status = _STATUS_TABLE
        self._stmt_clinic_tz = select(Clinic.timezone).where(Clinic.id == bindparam("clinic_id"))
        self._stmt_status = select(*(status.c[k] for k in StatusRecord.__slots__)).where(
            status.c.clinic_id == bindparam("clinic_id")
        )
        self._stmt_upsert_status = self._status_upsert()
        revision = _REVISION_TABLE
        bump = update(revision).where(revision.c.id == 1)
        self._stmt_bump = bump.values(revision=revision.c.revision + 1).returning(revision.c.revision)
        self._stmt_bump_clinics = bump.values(
            revision=revision.c.revision + 1, clinics_revision=revision.c.revision + 1
        ).returning(revision.c.revision)
        self._stmt_revisions = select(revision.c.revision, revision.c.clinics_revision).where(revision.c.id == 1)
        self._stmt_stamp_status = (
            update(status)
            .where(status.c.clinic_id == bindparam("b_clinic_id"))
            .values(revision=bindparam("b_revision"))
        )
        self._stmt_statuses_since = (
            select(status.c.clinic_id, status.c.revision, *(status.c[k] for k in StatusRecord.__slots__))
            .where(status.c.revision > bindparam("since"))
            .order_by(status.c.revision)
        )

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
    def _status_upsert(self) -> Any:
        """The conditional status upsert (built once: building it per call cost more than running it)."""
        table = _STATUS_TABLE
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        names = [c.name for c in table.columns]
        stmt = insert(table).values({k: bindparam(k, type_=table.c[k].type) for k in names})
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.clinic_id],
            set_={k: stmt.excluded[k] for k in names if k != "clinic_id"},
            where=table.c.observed_at < stmt.excluded.observed_at,
        )
        return stmt.returning(table.c.clinic_id)

    def _bump(self, session: Session, *, clinics: bool) -> int:
        """Advance the revision (and the clinics revision for writes to clinics); the new revision.

        The update takes the counter row's lock until the transaction ends, so writers get revisions in commit
        order: once a status of revision ``r`` is visible, every status of a lower revision is too.
        """
        self.local_writes += 1  # this process wrote: readers here re-check the database at once
        stmt = self._stmt_bump_clinics if clinics else self._stmt_bump
        return int(session.connection().execute(stmt).scalar_one())

    def upsert_many(
        self,
        region: str,
        clinics: Sequence[ClinicCreate],
        *,
        bbox: tuple[float, float, float, float] | None = None,
        timezone: str = "UTC",
    ) -> UpsertOutcome:
        """Insert or update ``clinics`` of ``region`` in one transaction (committed before returning).

        Parameters
        ----------
        region : str
            Region name the clinics belong to.
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
        now = _utcnow()
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        with transaction(self._sessions) as session:
            for c in clinics:
                cid = c.id or stable_clinic_id(region, c.name, c.address)
                values = c.model_dump(exclude={"id"})
                row = session.get(Clinic, cid)
                if row is None:
                    session.add(
                        Clinic(id=cid, region=region, timezone=timezone, created_at=now, updated_at=now, **values)
                    )
                    created.append(cid)
                    continue
                if row.region != region:
                    raise InputError(f"clinic id {cid!r} already belongs to region {row.region!r}, not {region!r}")
                if row.timezone == timezone and all(getattr(row, k) == values[k] for k in _STATIC_FIELDS):
                    unchanged.append(cid)
                    continue
                for k in _STATIC_FIELDS:
                    setattr(row, k, values[k])
                row.timezone = timezone
                row.updated_at = now
                updated.append(cid)
            if created or updated:
                self._bump(session, clinics=True)
        return UpsertOutcome(created, updated, unchanged)

    def add(self, region: str, clinic: ClinicCreate, *, timezone: str = "UTC") -> ClinicPublic:
        """Insert or update one clinic of ``region`` (time zone ``timezone``); return it as stored."""
        out = self.upsert_many(region, [clinic], timezone=timezone)
        return self.clinic((out.created + out.updated + out.unchanged)[0])

    def delete(self, clinic_id: str) -> None:
        """Remove a clinic and its status (:class:`NotFoundError` if unknown)."""
        with transaction(self._sessions) as session:
            n = session.execute(delete(Clinic).where(Clinic.id == clinic_id)).rowcount  # type: ignore[attr-defined]
            if not n:
                raise NotFoundError(f"unknown clinic id {clinic_id!r}")
            self._bump(session, clinics=True)

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
        now = require_aware(now or _utcnow(), "now")
        observed = require_aware(update_.observed_at, "observed_at")
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
            tz = conn.execute(self._stmt_clinic_tz, {"clinic_id": clinic_id}).scalar_one_or_none()
            if tz is None:
                raise _unknown_clinic(clinic_id)
            values["revision"] = 0  # set below, once the counter is taken (and locked until commit)
            applied = conn.execute(self._stmt_upsert_status, values).first() is not None
            if applied:
                rev = self._bump(session, clinics=False)
                conn.execute(self._stmt_stamp_status, {"b_clinic_id": clinic_id, "b_revision": rev})
                stored = StatusRecord(**{k: values[k] for k in StatusRecord.__slots__})  # type: ignore[arg-type]
            else:  # the newer status already stored, read in the same transaction
                stored = StatusRecord.of(conn.execute(self._stmt_status, {"clinic_id": clinic_id}).one())
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
            rev, clinics_rev = conn.execute(self._stmt_revisions).one()
        return int(rev), int(clinics_rev)

    def statuses_since(self, revision: int) -> list[tuple[str, int, StatusRecord]]:
        """Statuses written after registry revision ``revision``: ``(clinic_id, revision, status)``, oldest first.

        Read :meth:`revisions` first, then this: a status missing here was written after that revision and is
        found by the next call.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(self._stmt_statuses_since, {"since": int(revision)}).all()
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

    def within(self, lon: float, lat: float, radius_m: float, region: str | None = None) -> list[str]:
        """Ids of clinics within ``radius_m`` metres (geodesic) of ``(lon, lat)``, nearest first.

        On PostgreSQL this is a PostGIS ``ST_DWithin`` on the indexed ``geography`` column; on SQLite a haversine
        scan (fine for a registry of thousands).
        """
        if self.engine.dialect.name == "postgresql":
            sql = (
                "SELECT id FROM clinics "
                "WHERE ST_DWithin(geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r)"
                + (" AND region = :region" if region is not None else "")
                + " ORDER BY ST_Distance(geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography), id"
            )
            with self.engine.connect() as conn:
                rows = conn.execute(text(sql), {"lon": lon, "lat": lat, "r": radius_m, "region": region})
                return [r[0] for r in rows]
        recs = self.records(region)
        dist = [(haversine_m(lon, lat, r.lon, r.lat), r.id) for r in recs]
        return [cid for d, cid in sorted(dist) if d <= radius_m]

    def clinic(self, clinic_id: str, *, now: datetime | None = None) -> ClinicPublic:
        """The public view of one clinic (:class:`NotFoundError` if unknown; see :mod:`fevermap.clinics.views`)."""
        return public_view(self.get_record(clinic_id), self.stale_after_s, now=now)

    def clinics(self, region: str | None = None, *, now: datetime | None = None) -> list[ClinicPublic]:
        """Public views of all clinics (of ``region`` if given), ordered by id."""
        return [public_view(r, self.stale_after_s, now=now) for r in self.records(region)]
