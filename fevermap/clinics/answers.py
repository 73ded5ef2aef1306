"""How the locator's answer reads: why to call a clinic first, and the key order that leads with its phone."""

from __future__ import annotations

from typing import Any

from fevermap.clinics.schemas import NearestAnswer, StatusPublic


def call_first_reasons(
    eta_s: float, threshold_s: float, view: StatusPublic, *, hours_unknown: bool, night_unknown: bool
) -> list[str]:
    """Why to phone before driving (empty: no reason): a long drive, an unknown or stale status, and, where the query
    asked for them, unknown opening hours or night service."""
    reasons = []
    if eta_s > threshold_s:
        reasons.append(f"long drive: {eta_s / 60:.0f} min (over {threshold_s / 60:.0f} min)")
    if not view.known:
        reasons.append("no status reported: slots unknown")
    elif view.stale:
        reasons.append(f"status stale: last update {view.updated_at_local}")
    if hours_unknown:
        reasons.append("opening hours unknown")
    if night_unknown:
        reasons.append("night emergency service not stated")
    return reasons


def answer_json(answer: NearestAnswer) -> dict[str, Any]:
    """JSON-ready dict of an answer; a ``call_first`` clinic leads with its phone (``tel``, numbers, reasons).

    A route's GeoJSON (already JSON: a ``list`` of ``[lon, lat]`` float lists) is put in as it is rather than walked
    by pydantic's serialiser of ``Any``, which cost two thirds of the dump; ``route`` is a clinic's last field, so
    the keys keep their order.
    """
    routes = {i: c.route for i, c in enumerate(answer.clinics) if c.route is not None}
    data = answer.model_dump(mode="json", exclude={"clinics": {i: {"route"} for i in routes}} if routes else None)
    for i, route in routes.items():
        data["clinics"][i]["route"] = route
    lead = ("call_first", "tel", "phones_display", "call_first_reasons")
    data["clinics"] = [
        ({k: c[k] for k in lead} | {k: v for k, v in c.items() if k not in lead}) if c["call_first"] else c
        for c in data["clinics"]
    ]
    return data
