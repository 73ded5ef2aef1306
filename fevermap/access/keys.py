"""API keys: ``fm_<id>_<secret>``, stored as SHA-256 of the secret, each with one role and its binding.

Roles and what they may do:

- ``clinic`` (bound to one clinic id): update that clinic's live status;
- ``traffic``: post traffic feeds;
- ``investigator``: upload case tracks, run matching, read matches with full detail;
- ``staff`` (bound to one community area): read the verification list of that area only;
- ``partner`` (bound to one partner jurisdiction, kept in ``area``): check pseudonymous ids (``POST /verification``);
- ``admin``: everything above (for operators; created only from the command line).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fevermap.db.service_models import ApiKey
from fevermap.errors import AuthenticationError, ForbiddenError, InputError

ROLES = ("clinic", "traffic", "investigator", "staff", "partner", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key id (None for the public), its role and binding."""

    key_id: str | None
    role: str
    clinic_id: str | None = None
    area: str | None = None

    @property
    def is_public(self) -> bool:
        return self.key_id is None


PUBLIC = Principal(None, "public")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    factory: sessionmaker[Session],
    role: str,
    *,
    clinic_id: str | None = None,
    area: str | None = None,
    label: str = "",
) -> str:
    """Create a key and return its token (shown once; only its hash is stored).

    Raises
    ------
    InputError
        For an unknown role, a clinic key without a clinic, or a staff key without an area.
    """
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == "clinic" and not clinic_id:
        raise InputError("a clinic key needs the clinic id it may update")
    if role == "staff" and not area:
        raise InputError("a staff key needs the community area it may read")
    if role == "partner" and not area:
        raise InputError("a partner key needs the jurisdiction it belongs to (--area)")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(24)
    with factory.begin() as session:
        session.add(
            ApiKey(
                id=key_id,
                secret_sha256=_digest(secret),
                role=role,
                clinic_id=clinic_id if role == "clinic" else None,
                area=area if role in ("staff", "partner") else None,
                label=label,
                created_at=datetime.now(UTC),
            )
        )
    return f"fm_{key_id}_{secret}"


def revoke_key(factory: sessionmaker[Session], key_id: str) -> None:
    """Revoke a key (it stops working at once)."""
    with factory.begin() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise InputError(f"unknown key id {key_id!r}")
        row.revoked_at = datetime.now(UTC)


def authenticate(factory: sessionmaker[Session], token: str | None) -> Principal:
    """The principal of a token; :data:`PUBLIC` for no token.

    Raises
    ------
    AuthenticationError
        For a malformed, unknown or revoked token.
    """
    if not token:
        return PUBLIC
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "fm" or not parts[1] or not parts[2]:
        raise AuthenticationError("malformed API key: expected fm_<id>_<secret>")
    with factory() as session:
        row = session.execute(select(ApiKey).where(ApiKey.id == parts[1])).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.secret_sha256, _digest(parts[2])):
        raise AuthenticationError("unknown API key")
    if row.revoked_at is not None:
        raise AuthenticationError("this API key was revoked")
    return Principal(row.id, row.role, row.clinic_id, row.area)


def require(principal: Principal, *roles: str, clinic_id: str | None = None, area: str | None = None) -> None:
    """Check that ``principal`` may act: one of ``roles`` (admin always may), bound to ``clinic_id`` / ``area``.

    Raises
    ------
    AuthenticationError
        No key at all (HTTP 401).
    ForbiddenError
        A key of another role, or bound to another clinic or area (HTTP 403).
    """
    if principal.is_public:
        raise AuthenticationError(f"this needs an API key of role {' or '.join(roles)} (header X-API-Key)")
    if principal.role == "admin":
        return
    if principal.role not in roles:
        raise ForbiddenError(f"this {principal.role} key may not do this: it needs role {' or '.join(roles)}")
    if clinic_id is not None and principal.role == "clinic" and principal.clinic_id != clinic_id:
        raise ForbiddenError("this clinic key may update only its own clinic")
    if area is not None and principal.role == "staff" and principal.area != area:
        raise ForbiddenError("this staff key may read only its own area")
