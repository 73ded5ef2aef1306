"""Opening hours in OSM ``opening_hours`` syntax, evaluated in the region's time zone (``opening-hours-py``)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from fevermap.errors import InputError
from fevermap.times import aware_utc

#: The parser's exception class (not in the package's type stubs).
_PARSER_ERROR: type[Exception] = getattr(opening_hours, "ParserError", SyntaxError)


def validate_opening_hours(expr: str) -> str:
    """Return ``expr`` stripped if it parses as an OSM ``opening_hours`` value.

    Raises
    ------
    InputError
        With the parser's message, when it does not parse (e.g. ``Mo-Fr 8-17`` needs ``08:00-17:00``).
    """
    text = expr.strip()
    try:
        opening_hours.OpeningHours(text)
    except (_PARSER_ERROR, SyntaxError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise InputError(
            f"opening_hours {text!r} is not valid OSM opening_hours syntax ({first}); "
            "examples: '24/7', 'Mo-Fr 08:00-17:00; Sa 08:00-12:00', 'Mo-Su 18:00-02:00'"
        ) from None
    return text


@lru_cache(maxsize=4096)
def _parsed(expr: str, tz: str) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(expr, timezone=ZoneInfo(tz))


def is_open(expr: str | None, at: datetime, tz: str) -> bool | None:
    """Whether hours ``expr`` say open at ``at`` in time zone ``tz``; ``None`` when hours or state are unknown.

    Parameters
    ----------
    expr : str or None
        OSM ``opening_hours`` expression (``None``: unknown).
    at : datetime
        Timezone-aware instant.
    tz : str
        IANA time zone of the clinic's region, e.g. ``Asia/Shanghai``.
    """
    if expr is None:
        return None
    zone = ZoneInfo(tz)
    state, _comment = _parsed(expr, tz).state(aware_utc(at, "time").astimezone(zone))
    if state == opening_hours.State.OPEN:
        return True
    if state == opening_hours.State.CLOSED:
        return False
    return None
