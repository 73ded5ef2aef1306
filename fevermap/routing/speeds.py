"""Driving speeds from OSM tags, after osmnx's conventions.

A way's speed is its ``maxspeed`` where tagged (``maxspeed:forward`` / ``maxspeed:backward`` per direction when
present; mph converted; a list such as ``"60;40"`` averaged), otherwise the default of its highway class. Speeds are in
km/h (``speed_kph``), as in osmnx.

Examples
--------
>>> parse_maxspeed("50")
50.0
>>> round(parse_maxspeed("30 mph"), 3)
48.28
>>> parse_maxspeed("60;40")
50.0
>>> parse_maxspeed("CN:urban") is None
True
>>> way_speed_kph({"highway": "residential"})
(25.0, 25.0)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Highway classes kept for driving, with their default speed in km/h where no usable ``maxspeed`` is tagged.
HIGHWAY_DEFAULT_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "road": 30.0,
}

_MPH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", re.IGNORECASE)
#: The few symbolic values that carry a number.
_SYMBOLIC_KPH = {"walk": 5.0, "living_street": 10.0}


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h.

    Parameters
    ----------
    value : str or None
        The tag value, e.g. ``"50"``, ``"30 mph"``, ``"60;40"``.

    Returns
    -------
    float or None
        Speed in km/h, or None when the value is absent, symbolic without a number (``"none"``, ``"signals"``,
        ``"CN:urban"``) or not positive.
    """
    if value is None:
        return None
    parts = [p for p in value.split(";") if p.strip()]
    speeds: list[float] = []
    for part in parts:
        text = part.strip().lower()
        if text in _SYMBOLIC_KPH:
            speeds.append(_SYMBOLIC_KPH[text])
            continue
        m = _NUMBER.match(text)
        if not m:
            continue
        number = float(m.group(1))
        if m.group(2) and m.group(2).lower() == "mph":
            number *= _MPH
        if number > 0:
            speeds.append(number)
    if not speeds:
        return None
    return sum(speeds) / len(speeds)


def way_speed_kph(tags: Mapping[str, str]) -> tuple[float, float]:
    """Speeds of a drivable way in km/h, as ``(forward, backward)`` along the way's node order.

    Parameters
    ----------
    tags : mapping
        The way's OSM tags; ``highway`` must be one of :data:`HIGHWAY_DEFAULT_KPH`.
    """
    default = HIGHWAY_DEFAULT_KPH.get(tags.get("highway", ""), 30.0)
    both = parse_maxspeed(tags.get("maxspeed"))
    forward = parse_maxspeed(tags.get("maxspeed:forward")) or both or default
    backward = parse_maxspeed(tags.get("maxspeed:backward")) or both or default
    return forward, backward
