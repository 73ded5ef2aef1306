"""Timezone-aware instants: fevermap's one naive-datetime policy, applied by every package.

The policy (``DEVELOPERS.md``): a time without a UTC offset names no instant, so it is **refused** with an
:class:`~fevermap.errors.InputError` (a 4xx over HTTP, exit 2 on the command line) that names the field, **unless
the caller names the time zone to assume** (``assume_tz``: the ``--assume-tz`` option of ``fevermap trace match``).
It is never read silently in the server's, the region's or the data's time zone. A date alone (``2022-04-12``) is a
day, not an instant, and is read in the region's time zone where a day is meant (day-level case records, risk-area
dates). Instants are stored in UTC and shown in the region's time zone (``*_local`` fields).

Examples
--------
>>> parse_instant("2026-11-25T23:40:00+08:00", "time").isoformat()
'2026-11-25T15:40:00+00:00'
>>> parse_instant("2026-11-25T23:40", "time", assume_tz="Asia/Shanghai").isoformat()
'2026-11-25T15:40:00+00:00'
>>> parse_instant("2026-11-25T23:40", "time")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
fevermap.errors.InputError: time '2026-11-25T23:40' has no UTC offset: write it with one (e.g. ...)
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fevermap.errors import InputError

EXAMPLE = "2026-11-25T23:40:00+08:00"


def naive_message(field: str, value: object, *, can_assume: bool = False) -> str:
    """The one wording of the refusal of a time without an offset (``can_assume``: say a zone may be named)."""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    tail = " or name the time zone to assume" if can_assume else ""
    return f"{field} {text!r} has no UTC offset: write it with one (e.g. {EXAMPLE}){tail}"


def is_naive(at: datetime) -> bool:
    """Whether ``at`` carries no usable UTC offset."""
    return at.tzinfo is None or at.utcoffset() is None


def aware_utc(at: datetime, field: str) -> datetime:
    """``at`` converted to UTC; :class:`InputError` naming ``field`` when it has no UTC offset."""
    if is_naive(at):
        raise InputError(naive_message(field, at))
    return at.astimezone(UTC)


def parse_instant(text: str | None, field: str, *, assume_tz: str | None = None) -> datetime | None:
    """Parse ISO 8601 ``text`` into a UTC datetime (``None`` or blank stays ``None``).

    Parameters
    ----------
    text : str or None
        ISO 8601 with an offset or ``Z`` (``2026-11-25T23:40:00+08:00``, ``2026-11-25T15:40:00Z``).
    field : str
        Name of the parameter, for error messages.
    assume_tz : str, optional
        IANA time zone in which a time without an offset is read; without it such a time is refused.

    Raises
    ------
    InputError
        Not ISO 8601, no offset (and no ``assume_tz``), or an unknown ``assume_tz``.
    """
    if text is None or not text.strip():
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{field} {text!r} is not an ISO 8601 time (e.g. {EXAMPLE})") from None
    if is_naive(at):
        if assume_tz is None:
            raise InputError(naive_message(field, text.strip()))
        try:
            at = at.replace(tzinfo=ZoneInfo(assume_tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone {assume_tz!r} (an IANA name such as Asia/Shanghai)") from None
    return at.astimezone(UTC)
