"""fevermap.access.client_hash: a keyed hash of client addresses, under a secret kept in the database."""

from __future__ import annotations

import hashlib
import hmac

from fevermap.access.client_hash import client_hash, client_hash_secret
from fevermap.db import open_database, session_factory


def test_secret_is_generated_once_and_kept(db_url: str) -> None:
    engines = [open_database(db_url), open_database(db_url)]  # one worker, then a restart (or another worker)
    try:
        first = client_hash_secret(session_factory(engines[0]))
        assert len(first) == 32
        assert client_hash_secret(session_factory(engines[1])) == first
        assert client_hash_secret(session_factory(engines[0]), "from-settings") == b"from-settings"
    finally:
        for engine in engines:
            engine.dispose()


def test_hash_is_keyed_not_a_plain_digest() -> None:
    ip = "192.0.2.7"
    keyed = client_hash(ip, b"secret")
    assert keyed != hashlib.sha256(ip.encode()).hexdigest()
    assert keyed == hmac.new(b"secret", ip.encode(), hashlib.sha256).hexdigest()
