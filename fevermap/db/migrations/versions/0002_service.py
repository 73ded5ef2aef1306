"""HTTP service: API keys, audit log, declarations, case tracks, match runs and matches, traffic versions.

Revision ID: 0002_service
Revises: 0001_clinics
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fevermap.db.types import UTCDateTime

revision = "0002_service"
down_revision = "0001_clinics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, index=True),
        sa.Column("clinic_id", sa.String(64), nullable=True),
        sa.Column("area", sa.String(100), nullable=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False, index=True),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
    )
    op.create_table(
        "declarations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("received_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("area", sa.String(100), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("client_hash", sa.String(64), nullable=False, index=True),
    )
    op.create_table(
        "case_tracks",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("uploaded_by", sa.String(32), nullable=False),
        sa.Column("track", sa.JSON, nullable=False),
    )
    op.create_table(
        "match_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False, index=True),
        sa.Column("by", sa.String(32), nullable=False),
        sa.Column("radius_m", sa.Float, nullable=False),
        sa.Column("min_overlap_s", sa.Integer, nullable=False),
        sa.Column("declarations", sa.Integer, nullable=False),
        sa.Column("case_tracks", sa.Integer, nullable=False),
        sa.Column("matches", sa.Integer, nullable=False),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("match_runs.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column(
            "declaration_id",
            sa.String(40),
            sa.ForeignKey("declarations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "traffic_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.String(32), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("csv", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("traffic_versions", "matches", "match_runs", "case_tracks", "declarations", "audit_log", "api_keys"):
        op.drop_table(table)
