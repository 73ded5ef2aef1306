"""Service secrets: the rate limiter's HMAC key, generated on first start and shared by every worker.

Existing declarations keep their old (unkeyed) client hashes; they only count towards a minute's rate limit and are
purged with the declarations at the end of the retention period.

Revision ID: 0004_house
Revises: 0003_status_revision
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fevermap.db.types import UTCDateTime

revision = "0004_house"
down_revision = "0003_status_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_secrets")
