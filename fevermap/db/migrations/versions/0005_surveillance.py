"""Surveillance: anonymous symptom reports and detection results per series, area and day.

Revision ID: 0005_surveillance
Revises: 0004_house
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fevermap.db.types import UTCDateTime

revision = "0005_surveillance"
down_revision = "0004_house"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "symptom_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("day", sa.String(10), nullable=False, index=True),
        sa.Column("onset", sa.String(10), nullable=False),
        sa.Column("area", sa.String(100), nullable=False, index=True),
        sa.Column("symptoms", sa.JSON, nullable=False),
        sa.Column("temperature_c", sa.Float, nullable=True),
        sa.Column("advice", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("client_hash", sa.String(64), nullable=False, index=True),
    )
    op.create_table(
        "surveillance_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("area", sa.String(100), nullable=False, index=True),
        sa.Column("day", sa.String(10), nullable=False, index=True),
        sa.Column("observed", sa.Float, nullable=False),
        sa.Column("expected", sa.Float, nullable=True),
        sa.Column("statistic", sa.Float, nullable=True),
        sa.Column("p_value", sa.Float, nullable=True),
        sa.Column("level", sa.String(8), nullable=False, index=True),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("series", "area", "day", name="uq_surveillance_results_series_area_day"),
    )


def downgrade() -> None:
    op.drop_table("surveillance_results")
    op.drop_table("symptom_reports")
