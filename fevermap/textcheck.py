"""Text that every database can store: no NUL characters, no lone UTF-16 surrogates (JSON allows both).

PostgreSQL refuses NUL in text and neither backend can encode a lone surrogate as UTF-8; refusing such input at the
edge turns what would be a database error into a clear 4xx.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator


def check_text(value: str) -> str:
    """Return ``value`` if it can be stored; raise ``ValueError`` saying what to fix otherwise."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL (\\u0000) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (it contains a lone surrogate)") from None
    return value


def check_mapping(value: dict[str, Any]) -> dict[str, Any]:
    """:func:`check_text` on every key and string value of a mapping."""
    for k, v in value.items():
        check_text(k)
        if isinstance(v, str):
            check_text(v)
    return value


CleanStr = Annotated[str, AfterValidator(check_text)]
