"""Clinic registry: clinics, their live status, the registry revision counter; PostGIS location on PostgreSQL.

Revision ID: 0001_clinics
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fevermap.db.types import UTCDateTime

revision = "0001_clinics"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("address", sa.Text, nullable=True),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("phones", sa.JSON, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("opening_hours", sa.Text, nullable=True),
        sa.Column("night_emergency", sa.Boolean, nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("lon >= -180 AND lon <= 180 AND lat >= -90 AND lat <= 90", name="ck_clinics_lonlat"),
    )
    op.create_index("ix_clinics_region", "clinics", ["region"])
    op.create_table(
        "clinic_status",
        sa.Column("clinic_id", sa.String(64), sa.ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("slots", sa.Integer, nullable=True),
        sa.Column("waiting_patients", sa.Integer, nullable=True),
        sa.Column("waiting_minutes", sa.Integer, nullable=True),
        sa.Column("doctor_on_duty", sa.Boolean, nullable=True),
        sa.Column("stock_note", sa.String(280), nullable=True),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.CheckConstraint("slots IS NULL OR slots >= 0", name="ck_status_slots"),
    )
    op.create_table(
        "registry_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO registry_revision (id, revision) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(
            "ALTER TABLE clinics ADD COLUMN geog geography(Point, 4326) "
            "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED"
        )
        op.execute("CREATE INDEX ix_clinics_geog ON clinics USING GIST (geog)")


def downgrade() -> None:
    op.drop_table("registry_revision")
    op.drop_table("clinic_status")
    op.drop_index("ix_clinics_region", table_name="clinics")
    op.drop_table("clinics")
