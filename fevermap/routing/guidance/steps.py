"""Steps of a route leg: one per maneuver, from depart to arrive, with roundabouts, intersections and collapsing.

:func:`guide` walks the leg's edges; at every node between two edges it lists the roads there (an OSRM
intersection), asks :func:`fevermap.routing.guidance.classify.classify` what to announce, counts roundabout exits,
and finally collapses what OSRM collapses: two quick turns across a divided road into one turn, a short name flip
back to the same road into nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from fevermap.routing.annotations import LegPieces
from fevermap.routing.guidance.attributes import ROTARY, EdgeAttributes
from fevermap.routing.guidance.classify import Decision, classify
from fevermap.routing.guidance.geometry import Junctions, modifier, path_bearing, turn_angle

#: Steps shorter than this between two turns are collapsed with the next (OSRM merges such segregated turns), m.
COLLAPSE_M = 30.0
_TURNS = {"turn", "continue", "new name", "end of road", "fork"}


@dataclass(frozen=True)
class Intersection:
    """An OSRM intersection: where, the bearings of its roads, which may be entered, the road in and out."""

    location: tuple[float, float]
    bearings: list[int]
    entry: list[bool]
    in_: int | None
    out: int | None


@dataclass
class GuidedStep:
    """One step: its maneuver, the edge it drives on, the pieces ``start..end`` of the leg it covers."""

    type: str
    modifier: str | None
    location: tuple[float, float]
    bearing_before: float
    bearing_after: float
    edge: int
    start: int
    end: int
    intersections: list[Intersection] = field(default_factory=list)
    exit: int | None = None
    rotary: bool = False


def _intersection(junctions: Junctions, node: int, e_in: int, e_out: int, loc: tuple[float, float]) -> Intersection:
    bearings, entry_base, by_in, by_out = junctions.layout(node)
    in_, out = by_in.get(e_in), by_out.get(e_out)
    entry = list(entry_base)
    if in_ is not None:
        entry[in_] = False
    if out is not None:
        entry[out] = True
    return Intersection(loc, bearings, entry, in_, out)


Turn = tuple[float, float, Intersection, Decision | None]


def _turn(attrs: EdgeAttributes, junctions: Junctions, e_in: int, e_out: int, loc: tuple[float, float]) -> Turn:
    """Bearing before and after, the intersection and the maneuver of the turn from ``e_in`` onto ``e_out``."""
    node = int(junctions.graph.edge_head[e_in])
    before = (float(junctions.head_bearing[e_in]) + 180.0) % 360.0
    after = float(junctions.tail_bearing[e_out])
    inter = _intersection(junctions, node, e_in, e_out, loc)
    return before, after, inter, classify(attrs, e_in, e_out, junctions.roads(node), before, inter.out)


def guide(
    pieces: LegPieces,
    attrs: EdgeAttributes,
    junctions: Junctions,
    memo: dict[tuple[int, int], Turn] | None = None,
) -> list[GuidedStep]:
    """The steps of one leg (depart first, arrive last).

    Parameters
    ----------
    pieces : LegPieces
        The leg (see :func:`fevermap.routing.annotations.leg_pieces`).
    attrs : EdgeAttributes
        Names, classes and roundabout flags of the edges.
    junctions : Junctions
        The roads at each node of the same graph (cache it per graph).
    memo : dict, optional
        Turns already worked out, per ``(e_in, e_out)`` (a turn's bearings, intersection and maneuver depend on
        nothing else); keep one per graph to classify each turn once, as OSRM does once for all at build time.
    """
    g = junctions.graph
    coords = pieces.coordinates
    n = len(pieces)
    change = np.flatnonzero(np.diff(pieces.edge) != 0) + 1 if n else np.zeros(0, dtype=np.int64)
    first = int(pieces.edge[0])
    after0 = path_bearing(coords, pieces.distance_m)
    depart_loc = (float(coords[0, 0]), float(coords[0, 1]))
    steps: list[GuidedStep] = [
        GuidedStep(
            "depart",
            None,
            depart_loc,
            0.0,
            after0,
            first,
            0,
            n,
            [Intersection(depart_loc, [round(after0) % 360], [True], None, 0)],
        )
    ]
    ring: GuidedStep | None = None  # an open roundabout step
    ring_exits, ring_from_start = 0, False
    on_ring_from_start = bool(attrs.roundabout[first])
    e_ins, e_outs = pieces.edge[change - 1], pieces.edge[change]
    codes = attrs.codes
    plain = (  # the road just goes on: no choice, nothing about it changes
        (junctions.road_count[g.edge_head[e_ins]] <= 2)
        & (codes[e_ins] == codes[e_outs])
        & (attrs.roundabout[e_ins] == 0)
        & (g.edge_twin[e_ins] != e_outs)
    )
    for p in change[~plain].tolist():
        e_in, e_out = int(pieces.edge[p - 1]), int(pieces.edge[p])
        turn = memo.get((e_in, e_out)) if memo is not None else None
        if turn is None:
            turn = _turn(attrs, junctions, e_in, e_out, (float(coords[p, 0]), float(coords[p, 1])))
            if memo is not None:
                memo[(e_in, e_out)] = turn
        before, after, inter, decision = turn
        loc = inter.location
        rb_in, rb_out = bool(attrs.roundabout[e_in]), bool(attrs.roundabout[e_out])
        exits_here = 0
        if rb_in:
            roads = junctions.roads(int(g.edge_head[e_in]))
            exits_here = sum(1 for r in roads if r.entry and r.in_edge != e_in and not attrs.roundabout[r.out_edge])
        if rb_in and ring is None and on_ring_from_start:  # departed on a roundabout: announce its exit
            kind = "rotary" if attrs.roundabout[e_in] == ROTARY else "roundabout"
            ring = GuidedStep(kind, None, loc, before, after, e_in, p, n, [], rotary=kind == "rotary")
            ring_exits, ring_from_start = 0, True
            steps.append(ring)
        on_ring_from_start = False
        if rb_out and not rb_in:
            kind = "rotary" if attrs.roundabout[e_out] == ROTARY else "roundabout"
            ring = GuidedStep(kind, None, loc, before, after, e_out, p, n, [inter], rotary=kind == "rotary")
            ring_exits, ring_from_start = 0, False
            steps.append(ring)
            continue
        if rb_in and ring is not None:
            ring.intersections.append(inter)
            if rb_out:
                ring_exits += exits_here
                continue
            ring_exits += 1
            mod = modifier(turn_angle(ring.bearing_before, after))
            steps[-1] = replace(ring, modifier=mod, exit=ring_exits, edge=e_out, bearing_after=after)
            ring = None
            continue
        if decision is None:
            if len(inter.bearings) > 2:
                steps[-1].intersections.append(inter)
            continue
        steps.append(GuidedStep(decision.type, decision.modifier, loc, before, after, e_out, p, n, [inter]))
    if ring is not None and ring_from_start:  # only drove along a roundabout: nothing to announce
        steps.pop()
    elif ring is not None:  # arrived on the roundabout
        steps[-1] = replace(ring, modifier=modifier(turn_angle(ring.bearing_before, ring.bearing_after)))
    last = int(pieces.edge[-1]) if n else first
    end_loc = (float(coords[-1, 0]), float(coords[-1, 1]))
    before_end = _arrive_bearing(pieces)
    steps.append(GuidedStep("arrive", None, end_loc, before_end, 0.0, last, n, n,
                            [Intersection(end_loc, [round(before_end + 180) % 360], [True], 0, None)]))  # fmt: skip
    return _collapse(_ends(steps, n), pieces, attrs)


def _arrive_bearing(pieces: LegPieces) -> float:
    pts = pieces.coordinates[::-1]
    b = path_bearing(pts, pieces.distance_m[::-1])
    return (b + 180.0) % 360.0 if pieces.distance_m.sum() > 0 else 0.0


def _ends(steps: list[GuidedStep], n: int) -> list[GuidedStep]:
    """Set each step's ``end`` to the next step's ``start``."""
    for i, s in enumerate(steps):
        s.end = steps[i + 1].start if i + 1 < len(steps) else n
    return steps


def _collapse(steps: list[GuidedStep], pieces: LegPieces, attrs: EdgeAttributes) -> list[GuidedStep]:
    """Merge a short turn with the turn after it (divided roads, name flips), as OSRM's collapsing does."""
    out: list[GuidedStep] = [steps[0]]
    i = 1
    while i < len(steps):
        s = steps[i]
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        length = float(pieces.distance_m[s.start : s.end].sum())
        if nxt is not None and s.type == "new name" and nxt.type == "arrive" and length < COLLAPSE_M:
            out[-1].end = s.end  # a name change just before arriving is not worth a step (OSRM drops it too)
            out[-1].intersections.extend(s.intersections)
            i += 1
            continue
        if nxt is not None and s.type in _TURNS and nxt.type in _TURNS and length < COLLAPSE_M:
            angle = turn_angle(s.bearing_before, nxt.bearing_after)
            mod = modifier(angle)
            prev_name = attrs.display_name(out[-1].edge)
            merged_inter = s.intersections + nxt.intersections
            if mod == "straight" and attrs.display_name(nxt.edge) == prev_name:
                out[-1] = replace(out[-1], end=nxt.end, intersections=out[-1].intersections + merged_inter)
            else:
                same = bool(prev_name) and attrs.display_name(nxt.edge) == prev_name
                kind = "continue" if same and mod == "uturn" else s.type if s.type != "new name" else nxt.type
                if kind in ("end of road", "fork", "new name") and mod not in (
                    "left",
                    "right",
                    "slight left",
                    "slight right",
                    "straight",
                ):
                    kind = "turn"
                if kind == "end of road" and mod not in ("left", "right"):
                    kind = "turn"
                out.append(replace(s, type=kind, modifier=mod, bearing_after=nxt.bearing_after, edge=nxt.edge,
                                   end=nxt.end, intersections=merged_inter))  # fmt: skip
            i += 2
            continue
        out.append(s)
        i += 1
    return out
