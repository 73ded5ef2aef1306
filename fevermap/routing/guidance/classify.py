"""What to announce at one intersection of a route: OSRM's maneuver type and modifier, or nothing.

The rules follow OSRM's guidance (its documented behaviour and cucumber scenarios): a road that goes on obviously
(the one nearest to straight on, with no rival of its class nearby) is not announced unless its name changes; a
name change to an empty name or to a prefix/suffix of the old name is not announced; ramps, merges, forks and ends
of road get their own types; anything else is a ``turn`` whose modifier comes from the turn angle.
"""

from __future__ import annotations

from dataclasses import dataclass

from fevermap.routing.guidance.attributes import EdgeAttributes
from fevermap.routing.guidance.geometry import Road, modifier

#: Turns within this many degrees of straight on count as going straight on for obviousness and forks.
FUZZY_DEG = 35.0
#: A road this many degrees nearer to straight on than the others is the obvious way on.
DISTINCT_DEG = 20.0
_RAMPS = {"motorway_link", "trunk_link"}
_CLASS_RANK = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "tertiary": 4, "unclassified": 5,
               "residential": 5, "living_street": 6, "service": 6}  # fmt: skip


def road_rank(highway: str) -> int:
    """Lower is a more important road (links rank with their road)."""
    return _CLASS_RANK.get(highway.removesuffix("_link"), 5)


def _refs(ref: str) -> set[str]:
    return {r.strip() for r in ref.split(";") if r.strip()}


def requires_name_announced(from_name: str, from_ref: str, to_name: str, to_ref: str) -> bool:
    """Whether moving from one road name to another is announced (as OSRM decides it).

    Not announced: the same name; losing the name (an empty new name); a new name that is a prefix or suffix of the
    old one or the other way round (``North Central Expressway`` -> ``Central Expressway``); a ref-only road whose
    refs overlap the old ones.
    """
    a, b = from_name.strip(), to_name.strip()
    if not b:
        return bool(not a and to_ref.strip() and not (_refs(from_ref) & _refs(to_ref)) and from_ref.strip())
    if a == b:
        return False
    return not (a and (a.endswith(b) or b.endswith(a) or a.startswith(b) or b.startswith(a)))


@dataclass(frozen=True)
class Decision:
    """A maneuver to announce: OSRM ``type`` and ``modifier``."""

    type: str
    modifier: str


def _side(angle: float) -> str:
    return "slight left" if angle > 180 else "slight right"


def classify(
    attrs: EdgeAttributes,
    e_in: int,
    e_out: int,
    roads: list[Road],
    bearing_before: float,
    out_index: int | None = None,
) -> Decision | None:
    """The maneuver from edge ``e_in`` onto ``e_out`` at a node with these ``roads``; None when nothing is said.

    ``bearing_before`` is the direction of travel arriving at the node (degrees); ``out_index`` is the index of
    ``e_out``'s road in ``roads`` when the caller knows it.
    """
    out = roads[out_index] if out_index is not None else next(r for r in roads if r.out_edge == e_out)
    angle = (bearing_before + 180.0 - out.bearing) % 360.0
    mod = modifier(angle)
    names = attrs.plain_names
    name_in, name_out = names[e_in], names[e_out]
    same_name = bool(name_in) and name_in == name_out
    if attrs.ferry[e_in] != attrs.ferry[e_out]:
        return Decision("notification", mod)
    if out.in_edge == e_in or mod == "uturn":
        return Decision("continue" if same_name else "turn", "uturn")
    # (road, turn angle, deviation from straight) of every road a car may take here, U-turn excluded
    exits = [(r, a, abs(180.0 - a)) for r in roads if r.entry and r.in_edge != e_in
             for a in ((bearing_before + 180.0 - r.bearing) % 360.0,)]  # fmt: skip
    highway = attrs.highway
    link_in, link_out = highway[e_in].endswith("_link"), highway[e_out].endswith("_link")
    ramp_out = highway[e_out] in _RAMPS
    if link_in and attrs.is_motorway(e_out) and not link_out:
        return Decision("merge", _side(angle) if mod == "straight" else mod)
    if len(exits) <= 1:
        return Decision("new name", mod) if _announce(attrs, e_in, e_out) else None
    if ramp_out and not link_in:
        return Decision("off ramp" if attrs.is_motorway(e_in) else "on ramp", mod)
    dev = abs(180.0 - angle)
    best = min(exits, key=lambda x: x[2])[0]
    if best is out and (dev <= FUZZY_DEG or same_name):
        rivals = [r for r, _, d in exits if r is not out and d <= dev + DISTINCT_DEG]
        rank_out = road_rank(highway[e_out])
        obvious = (
            not rivals
            or (same_name and all(names[r.out_edge] != name_out for r in rivals))
            or all(road_rank(highway[r.out_edge]) > rank_out for r in rivals)
        )
        if obvious:
            return Decision("new name", mod) if _announce(attrs, e_in, e_out) else None
    least = min(d for _, _, d in exits)
    straightish = sorted(  # rightmost first
        (a, i) for i, (r, a, d) in enumerate(exits) if d <= FUZZY_DEG and d <= least + DISTINCT_DEG
    )
    mine = [k for k, (_, i) in enumerate(straightish) if exits[i][0] is out]
    continues = bool(name_in) and any(names[exits[i][0].out_edge] == name_in for _, i in straightish)
    if mine and len(straightish) >= 2 and not (continues and not same_name):
        if mine[0] == 0:
            return Decision("fork", "slight right" if mod == "straight" else mod)
        if mine[0] == len(straightish) - 1:
            return Decision("fork", "slight left" if mod == "straight" else mod)
        return Decision("fork", "straight")
    if same_name:
        return Decision("continue", mod)
    sides = {a > 180 for _, a, _ in exits}
    if not straightish and len(exits) == 2 and sides == {True, False}:
        return Decision("end of road", "left" if angle > 180 else "right")
    return Decision("turn", mod)


def _announce(attrs: EdgeAttributes, e_in: int, e_out: int) -> bool:
    names = attrs.plain_names
    return requires_name_announced(names[e_in], attrs.ref[e_in], names[e_out], attrs.ref[e_out])
