"""Clinics belong to a region assigned from their location, or to none: ``clinics.region`` becomes nullable.

Revision ID: 0007_clinic_region
Revises: 0006_directory
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_clinic_region"
down_revision = "0006_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.alter_column("region", existing_type=sa.String(100), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE clinics SET region = '' WHERE region IS NULL")
    with op.batch_alter_table("clinics") as batch:
        batch.alter_column("region", existing_type=sa.String(100), nullable=False)
