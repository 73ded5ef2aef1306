"""Incremental status reloads: the registry revision at which each status was written, and a separate counter for
writes to the clinics themselves.

A locator then re-reads only the statuses written since it last looked (``clinic_status.revision > last``) and
rebuilds everything only when ``registry_revision.clinics_revision`` moved.

Revision ID: 0003_status_revision
Revises: 0002_service
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_status_revision"
down_revision = "0002_service"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clinic_status", sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_clinic_status_revision", "clinic_status", ["revision"])
    op.add_column("registry_revision", sa.Column("clinics_revision", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE registry_revision SET clinics_revision = revision")


def downgrade() -> None:
    op.drop_index("ix_clinic_status_revision", table_name="clinic_status")
    with op.batch_alter_table("clinic_status") as batch:
        batch.drop_column("revision")
    with op.batch_alter_table("registry_revision") as batch:
        batch.drop_column("clinics_revision")
