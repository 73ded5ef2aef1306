"""The direct lane's nearest clinics: a plain ``GET /clinics/nearest`` answered as its handler answers it.

:mod:`fevermap.api.osrm_lane` hands this module a ``GET /clinics/nearest``; :func:`light_query` says whether it is
plain (every parameter the handler declares in its canonical spelling: ``at``, ``limit`` 1-50, ``rank``, the four
filters as ``true``/``false``/``1``/``0``, ``time``; none repeated or blank; no ``avoid``), and :func:`answer`
answers it with what :func:`fevermap.api.routes_clinics.nearest` calls: the same region (picked without snapping
where one region's box holds the point, as the OSRM lane does), the same locator query, the same JSON. Anything
else, and any request whose answer raises (a bad point, time or filter, a point in no region), goes to the app,
which answers it and its error as without the lane. That skips FastAPI's dependency solving and query validation,
the handler's worker-thread hop and the region selection's second snap: about 0.8 ms of CPU a request of 1.7
(``benchmarks/_asgi_cost.py``). A query runs on the event loop; one whose snapshot of the clinics is due a database
read (:meth:`fevermap.clinics.locator.ClinicLocator.snapshot_due`) runs on a worker thread on PostgreSQL (the loop
never waits on a network), on the loop on SQLite (a local read of well under a millisecond: under load a worker
thread waits for the GIL at every step while the loop computes, tens of milliseconds a query).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fevermap.api.json_response import JSONResponse
from fevermap.clinics.locator import ClinicLocator, answer_json
from fevermap.geo.lonlat import parse_lonlat
from fevermap.regions.selection import RegionSet, ServedRegion
from fevermap.times import parse_instant

#: The path the lane answers (after the root path).
PATH = "/clinics/nearest"
_FLAGS = ("with_slots", "open_now", "night", "strict")
_BOOL = {"true": True, "false": False, "1": True, "0": False}
_RANKS = ("drive", "time_to_care")


def light_query(query_string: bytes) -> dict[str, Any] | None:
    """The locator's keyword arguments and the origin text of a plain nearest query, or None for the app.

    Returns
    -------
    dict or None
        ``{"at": "LON,LAT", "limit": int, "rank_by": str, "with_slots": bool, ..., "time": str | None}``.
    """
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    given: dict[str, str] = {}
    for key, value in pairs:
        if key in given or not value:
            return None  # repeated or blank: the app's validation decides
        given[key] = value
    if "avoid" in given or "at" not in given:
        return None
    limit = given.get("limit", "3")
    if not (limit.isascii() and limit.isdigit() and limit[0] != "0" and int(limit) <= 50):
        return None
    rank = given.get("rank", "drive")
    if rank not in _RANKS:
        return None
    out: dict[str, Any] = {"at": given["at"], "limit": int(limit), "rank_by": rank, "time": given.get("time")}
    for flag in _FLAGS:
        state = _BOOL.get(given.get(flag, "false"))
        if state is None:
            return None
        out[flag] = state
    return out


def region_of(regions: RegionSet, lon: float, lat: float) -> ServedRegion:
    """The region that answers a nearest query from ``(lon, lat)``, as :func:`fevermap.api.region_scope.served_region`
    picks it; without snapping where one region's box holds the point (the locator's own snap then checks it)."""
    only = regions.only or regions.sole_candidate([(lon, lat)])
    return only if only is not None else regions.pick([(lon, lat)])[0]


def origin(query: dict[str, Any]) -> tuple[float, float]:
    """The query's origin ``(lon, lat)`` (:class:`~fevermap.errors.InputError` as the handler raises it)."""
    return parse_lonlat(query["at"], "at")


def answer(locator: ClinicLocator, lon: float, lat: float, query: dict[str, Any]) -> JSONResponse:
    """The handler's answer: the locator's nearest clinics from ``(lon, lat)`` as JSON."""
    kwargs = {k: v for k, v in query.items() if k not in ("at", "time")}
    return JSONResponse(answer_json(locator.nearest(lon, lat, at=parse_instant(query["time"], "time"), **kwargs)))
