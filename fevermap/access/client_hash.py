"""Keyed hashes of client addresses for rate limiting: HMAC-SHA-256 under a per-installation secret.

An unsalted hash of an IPv4 address can be reversed by hashing all 2**32 addresses (minutes on a laptop), so it does
not keep the address from whoever reads the database. The hash here is keyed: without the secret, a stored hash
says nothing about the address. The secret comes from ``FEVERMAP_CLIENT_HASH_SECRET`` when set; otherwise it is
generated on first start (32 random bytes) and kept in the database's ``service_secrets`` table, so that every
worker and every restart rate-limits with the same key. Rotating it (deleting the row) only resets the rate limits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fevermap.db.service_models import ServiceSecret

#: Name of the rate-limiting secret's row in ``service_secrets``.
SECRET_NAME = "client_hash"


def client_hash_secret(factory: sessionmaker[Session], configured: str | None = None) -> bytes:
    """The secret of :func:`client_hash`: ``configured`` if given, else the stored one, created on first use.

    Safe when several workers start at once: the first insert wins and the others read it back.
    """
    if configured:
        return configured.encode()
    with factory() as session:
        row = session.get(ServiceSecret, SECRET_NAME)
        if row is not None:
            return bytes.fromhex(row.value)
    try:
        with factory.begin() as session:
            session.add(ServiceSecret(name=SECRET_NAME, value=secrets.token_hex(32), created_at=datetime.now(UTC)))
    except IntegrityError:  # another worker created it first
        pass
    with factory() as session:
        stored = session.get(ServiceSecret, SECRET_NAME)
        assert stored is not None
        return bytes.fromhex(stored.value)


def client_hash(client: str, secret: bytes) -> str:
    """HMAC-SHA-256 (hex) of a client address under ``secret``: enough to rate-limit, without keeping the address.

    Examples
    --------
    >>> client_hash("192.0.2.1", b"k") == client_hash("192.0.2.1", b"k") != client_hash("192.0.2.1", b"other")
    True
    """
    return hmac.new(secret, client.encode(), hashlib.sha256).hexdigest()
