"""The registry's per-request SQL, built once per engine: the conditional status upsert and the revision counter.

Building an upsert cost more than running it (``DEVELOPERS.md``, HTTP handlers and speed), so every statement that
runs per request is built here once, with ``bindparam`` placeholders. The status upsert is one
``INSERT ... ON CONFLICT DO UPDATE ... WHERE stored.observed_at < new.observed_at``: an older observation never
overwrites a newer one, even when two arrive at once.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fevermap.clinics.status import StatusRecord
from fevermap.db.models import Clinic, ClinicStatus, RegistryRevision

STATUS_TABLE = cast(Table, ClinicStatus.__table__)
REVISION_TABLE = cast(Table, RegistryRevision.__table__)


def status_upsert(engine: Engine) -> Any:
    """The conditional status upsert in ``engine``'s dialect (PostgreSQL or SQLite), returning the clinic id when the
    new status was stored."""
    table = STATUS_TABLE
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    names = [c.name for c in table.columns]
    stmt = insert(table).values({k: bindparam(k, type_=table.c[k].type) for k in names})
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.clinic_id],
        set_={k: stmt.excluded[k] for k in names if k != "clinic_id"},
        where=table.c.observed_at < stmt.excluded.observed_at,
    )
    return stmt.returning(table.c.clinic_id)


class RegistryStatements:
    """The statements :class:`~fevermap.clinics.registry.ClinicRegistry` runs per request, for one engine."""

    def __init__(self, engine: Engine) -> None:
        status, revision = STATUS_TABLE, REVISION_TABLE
        #: A clinic's time zone and region (the region of a status write: its readers re-check at once).
        self.clinic_timezone = select(Clinic.timezone, Clinic.region).where(Clinic.id == bindparam("clinic_id"))
        self.status = select(*(status.c[k] for k in StatusRecord.__slots__)).where(
            status.c.clinic_id == bindparam("clinic_id")
        )
        self.upsert_status = status_upsert(engine)
        bump = update(revision).where(revision.c.id == 1)
        #: Advance the revision (every write) ...
        self.bump = bump.values(revision=revision.c.revision + 1).returning(revision.c.revision)
        #: ... and with it the clinics revision (writes to the clinics themselves).
        self.bump_clinics = bump.values(
            revision=revision.c.revision + 1, clinics_revision=revision.c.revision + 1
        ).returning(revision.c.revision)
        self.revisions = select(revision.c.revision, revision.c.clinics_revision).where(revision.c.id == 1)
        self.stamp_status = (
            update(status)
            .where(status.c.clinic_id == bindparam("b_clinic_id"))
            .values(revision=bindparam("b_revision"))
        )
        self.statuses_since = (
            select(status.c.clinic_id, status.c.revision, *(status.c[k] for k in StatusRecord.__slots__))
            .where(status.c.revision > bindparam("since"))
            .order_by(status.c.revision)
        )
