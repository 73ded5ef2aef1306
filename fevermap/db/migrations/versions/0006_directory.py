"""National clinic directory: its cities and entries (clinics known by name and phone, without a location).

Revision ID: 0006_directory
Revises: 0005_surveillance
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fevermap.db.types import UTCDateTime

revision = "0006_directory"
down_revision = "0005_surveillance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_cities",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("province", sa.String(100), nullable=False, index=True),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("search", sa.Text, nullable=False),
    )
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("province", sa.String(100), nullable=False, index=True),
        sa.Column("city", sa.String(100), nullable=False, index=True),
        sa.Column("city_code", sa.String(16), nullable=False, index=True),
        sa.Column("county", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("phones", sa.JSON, nullable=False),
        sa.Column("dialable", sa.Boolean, nullable=False),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("designated", sa.Boolean, nullable=False),
        sa.Column("level", sa.String(100), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("published", sa.String(32), nullable=False),
        sa.Column("search", sa.Text, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("clinic_id", sa.String(64), nullable=True),
        sa.Column("located_at", UTCDateTime(), nullable=True),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("directory_entries")
    op.drop_table("directory_cities")
