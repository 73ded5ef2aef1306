"""The nearest clinics avoiding risk areas: ETAs on the closure's side metric.

A clinic inside an excluded area is kept, flagged, with its unrestricted ETA (never silently dropped).
"""

from __future__ import annotations

from typing import Any

import shapely

from fevermap.clinics.locator import ClinicLocator, answer_json
from fevermap.clinics.time_to_care import Wait, rank_seconds
from fevermap.risk.closures import Closure, closed_state


def _area_of(closure: Closure, lon: float, lat: float) -> str | None:
    for poly, name in zip(closure.polygons, closure.names, strict=True):
        if shapely.contains_xy(poly, lon, lat):
            return name
    return None


def nearest_avoiding(locator: ClinicLocator, closure: Closure, lon: float, lat: float, **query: Any) -> dict[str, Any]:
    """:meth:`ClinicLocator.nearest` with the closure's roads closed (``query``: its keyword filters), as JSON.

    Each clinic carries ``risk_area`` (the id of the excluded area it lies in, or None). Clinics inside an excluded
    area, or that no road reaches around the areas (``reachable_avoiding: false``), are ranked by their
    unrestricted ETA and marked ``call_first``; ``avoid`` says how many areas were excluded and whether the origin
    is inside one.
    """
    router = locator.router
    origin = router.snap(float(lon), float(lat))
    state = closed_state(router, closure, [p.edge for p in origin.positions])  # type: ignore[arg-type]
    avoiding = answer_json(locator.nearest(lon, lat, state=state, **query))
    plain = answer_json(locator.nearest(lon, lat, **query))
    clinics: dict[str, dict[str, Any]] = {}
    for c in avoiding["clinics"]:
        area = _area_of(closure, *c["location"])
        if area is None:
            clinics[c["id"]] = c | {"risk_area": None}
    for c in plain["clinics"] + avoiding["clinics"]:
        area = _area_of(closure, *c["location"])
        if area is not None and c["id"] not in clinics:
            reason = f"inside excluded area {area}: entering may be refused, call first"
            clinics[c["id"]] = c | {"risk_area": area, "call_first": True,
                                    "call_first_reasons": [reason, *c["call_first_reasons"]]}  # fmt: skip
    for c in plain["clinics"]:
        if c["id"] not in clinics:  # cut off by the excluded areas: said, not dropped
            reason = "no road reaches it around the excluded areas: ETA without them, call first"
            clinics[c["id"]] = c | {"risk_area": None, "call_first": True, "reachable_avoiding": False,
                                    "call_first_reasons": [reason, *c["call_first_reasons"]]}  # fmt: skip
    by_care = query.get("rank_by") == "time_to_care"

    def key(c: dict[str, Any]) -> tuple[float, str]:
        if not by_care:
            return (c["eta_s"], c["id"])
        wait = c.get("wait_min")
        return (rank_seconds(c["eta_s"], Wait(None if wait is None else float(wait), c.get("wait_source", "unknown"))),
                c["id"])  # fmt: skip

    ranked = sorted(clinics.values(), key=key)[: int(query.get("limit", 3))]
    for rank, c in enumerate(ranked, start=1):
        c["rank"] = rank
    return avoiding | {
        "clinics": ranked,
        "avoid": {
            "areas": len(closure.polygons),
            "origin_inside": _area_of(closure, *origin.location),
            "unrestricted_first": plain["clinics"][0]["id"] if plain["clinics"] else None,
        },
    }
