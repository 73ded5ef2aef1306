"""Driving speeds from OSM tags, as OSRM's car profile computes them (so that ETAs match OSRM's).

Source: Project-OSRM/osrm-backend ``profiles/car.lua`` and ``profiles/lib/way_handlers.lua`` (the copy shipped in
``osrm-bindings`` 26.10.0, BSD-2-Clause), applied in car.lua's order:

1. ``WayHandlers.speed``: the highway class's speed from car.lua ``speeds.highway`` (:data:`HIGHWAY_DEFAULT_KPH`).
2. ``WayHandlers.maxspeed``: where ``maxspeed:advisory``, ``maxspeed``, ``source:maxspeed`` or ``maxspeed:type``
   (each also ``:forward`` / ``:backward``, first found wins) gives a positive speed, that speed times car.lua's
   ``speed_reduction = 0.8`` (:data:`SPEED_REDUCTION`) replaces the class speed. ``WayHandlers.parse_maxspeed`` reads
   the leading number (``mph`` converted), else a zone such as ``PT:urban`` from car.lua ``maxspeed_table`` and
   ``maxspeed_table_default``.
3. ``WayHandlers.surface``: ``surface``, ``tracktype`` and ``smoothness`` cap the speed (car.lua ``surface_speeds``,
   ``tracktype_speeds``, ``smoothness_speeds``).

car.lua's ``WayHandlers.penalties`` (service, width, lanes, side roads) change OSRM's routing weight, not its
durations, so they are not applied to travel times. Speeds are in km/h (``speed_kph``, the osmnx attribute name).

Examples
--------
>>> parse_maxspeed("50")
50.0
>>> round(parse_maxspeed("30 mph"), 3)
48.28
>>> parse_maxspeed("60;40")
60.0
>>> parse_maxspeed("PT:urban")
50.0
>>> parse_maxspeed("signals") is None
True
>>> way_speed_kph({"highway": "residential"})
(25.0, 25.0)
>>> way_speed_kph({"highway": "primary", "maxspeed": "50"})
(40.0, 40.0)
>>> way_speed_kph({"highway": "primary", "surface": "cobblestone"})
(30.0, 30.0)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Highway classes kept for driving, with car.lua's ``speeds.highway`` in km/h (``road`` is not in car.lua's table:
#: car.lua's ``default_speed = 10``).
HIGHWAY_DEFAULT_KPH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "road": 10.0,
}
#: car.lua ``default_speed``, km/h.
DEFAULT_KPH = 10.0
#: car.lua ``speed_reduction``: a tagged maxspeed is driven at 80% of the limit.
SPEED_REDUCTION = 0.8
#: car.lua ``maxspeed_table`` (lower-cased zone -> km/h; ``(60*1609)/1000`` etc. as car.lua writes them).
MAXSPEED_TABLE: dict[str, float] = {
    "at:rural": 100, "at:trunk": 100, "ar:urban": 40, "ar:rural": 110, "be:motorway": 120, "be-bru:rural": 70,
    "be-bru:urban": 30, "be-vlg:rural": 70, "bg:motorway": 140, "by:urban": 60, "by:motorway": 110,
    "ca-on:rural": 80, "ch:rural": 80, "ch:trunk": 100, "ch:motorway": 120, "de:living_street": 7, "de:rural": 100,
    "de:motorway": 0, "dk:rural": 80, "es:trunk": 90, "fr:rural": 80, "gb:nsl_single": (60 * 1609) / 1000,
    "gb:nsl_dual": (70 * 1609) / 1000, "gb:motorway": (70 * 1609) / 1000, "lv:living_street": 20, "nl:rural": 80,
    "nl:trunk": 100, "no:rural": 80, "no:motorway": 110, "ph:urban": 40, "ph:rural": 80, "ph:motorway": 100,
    "pl:rural": 100, "pl:expressway": 120, "pl:motorway": 140, "ro:trunk": 100, "ru:living_street": 20,
    "ru:urban": 60, "ru:motorway": 110, "uk:nsl_single": (60 * 1609) / 1000, "uk:nsl_dual": (70 * 1609) / 1000,
    "uk:motorway": (70 * 1609) / 1000, "za:urban": 60, "za:rural": 100, "none": 140,
}  # fmt: skip
#: car.lua ``maxspeed_table_default``: ``XX:<zone>`` for countries not in :data:`MAXSPEED_TABLE`.
MAXSPEED_ZONE_KPH: dict[str, float] = {"urban": 50, "rural": 90, "trunk": 110, "motorway": 130}
#: car.lua ``surface_speeds``, ``tracktype_speeds``, ``smoothness_speeds``: caps in km/h.
SURFACE_KPH: dict[str, float] = {
    "cement": 80, "compacted": 80, "fine_gravel": 80, "paving_stones": 60, "metal": 60, "bricks": 60, "grass": 40,
    "wood": 40, "sett": 40, "grass_paver": 40, "gravel": 40, "unpaved": 40, "ground": 40, "dirt": 40,
    "pebblestone": 40, "tartan": 40, "cobblestone": 30, "clay": 30, "earth": 20, "stone": 20, "rocky": 20, "sand": 20,
    "laterite": 15, "mud": 10, "ice": 20, "snow": 30,
}  # fmt: skip
TRACKTYPE_KPH: dict[str, float] = {"grade1": 60, "grade2": 40, "grade3": 30, "grade4": 25, "grade5": 20}
SMOOTHNESS_KPH: dict[str, float] = {"intermediate": 80, "bad": 40, "very_bad": 20, "horrible": 10,
                                    "very_horrible": 5, "impassable": 0}  # fmt: skip
#: car.lua ``WayHandlers.maxspeed`` keys, in order.
MAXSPEED_KEYS = ("maxspeed:advisory", "maxspeed", "source:maxspeed", "maxspeed:type")
#: The tag keys :func:`way_speed_kph` reads (the build passes only these).
SPEED_TAG_PREFIXES = ("highway", "maxspeed", "source:maxspeed", "surface", "tracktype", "smoothness")

_MPH = 1.609344  # lib/measure.lua miles_to_kilometers
_LEADING_DIGITS = re.compile(r"\d*")
_ZONE = re.compile(r"[A-Za-z]{2}:([A-Za-z]+)")


def parse_maxspeed(value: str | None) -> float | None:
    """An OSM ``maxspeed`` value in km/h, as car.lua's ``WayHandlers.parse_maxspeed`` reads it.

    Parameters
    ----------
    value : str or None
        The tag value, e.g. ``"50"``, ``"30 mph"``, ``"PT:urban"``.

    Returns
    -------
    float or None
        km/h (the leading number, ``mph`` converted; else the zone's speed), or None when absent, unknown or 0.
    """
    if value is None:
        return None
    digits = _LEADING_DIGITS.match(value)
    if digits and digits.group(0):
        n = float(digits.group(0))
        if "mph" in value or "mp/h" in value:
            n *= _MPH
    else:
        source = value.lower()
        n = float(MAXSPEED_TABLE[source]) if source in MAXSPEED_TABLE else 0.0
        if source not in MAXSPEED_TABLE and (zone := _ZONE.search(source)) is not None:
            n = float(MAXSPEED_ZONE_KPH.get(zone.group(1), 0.0))
    return n if n > 0 else None


def _forward_backward(tags: Mapping[str, str]) -> tuple[str | None, str | None]:
    """car.lua ``Tags.get_forward_backward_by_set`` over :data:`MAXSPEED_KEYS`."""
    forward = backward = None
    for key in MAXSPEED_KEYS:
        forward = forward or tags.get(f"{key}:forward")
        backward = backward or tags.get(f"{key}:backward")
        if forward is None or backward is None:
            common = tags.get(key)
            forward, backward = forward or common, backward or common
        if forward and backward:
            break
    return forward, backward


def way_speed_kph(tags: Mapping[str, str]) -> tuple[float, float]:
    """Speeds of a drivable way in km/h, as ``(forward, backward)`` along the way's node order (car.lua's rules).

    Parameters
    ----------
    tags : mapping
        The way's OSM tags (at least those starting with :data:`SPEED_TAG_PREFIXES`); ``highway`` one of
        :data:`HIGHWAY_DEFAULT_KPH`.
    """
    default = HIGHWAY_DEFAULT_KPH.get(tags.get("highway", ""), DEFAULT_KPH)
    out = []
    for raw in _forward_backward(tags):
        limit = parse_maxspeed(raw)
        speed = limit * SPEED_REDUCTION if limit else default
        for table, key in ((SURFACE_KPH, "surface"), (TRACKTYPE_KPH, "tracktype"), (SMOOTHNESS_KPH, "smoothness")):
            cap = table.get(tags.get(key, ""))
            if cap:  # smoothness=impassable (0) makes OSRM drop the way; here it keeps its speed, not a closure
                speed = min(float(cap), speed)
        out.append(speed)
    return out[0], out[1]
