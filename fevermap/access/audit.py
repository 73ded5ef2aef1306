"""The audit log: every read of personal data is written down (who, what, when) in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from fevermap.access.keys import Principal
from fevermap.db.service_models import AuditEntry


def record(
    session: Session, principal: Principal, action: str, subject: str = "", count: int = 0, client: str = ""
) -> None:
    """Add an audit entry to ``session`` (committed with the read it documents)."""
    session.add(
        AuditEntry(
            at=datetime.now(UTC),
            key_id=principal.key_id,
            role=principal.role,
            action=action,
            subject=subject[:2000],
            count=count,
            client=client[:64],
        )
    )
