"""The legs of a multi-waypoint OSRM route, with or without U-turns at via points (OSRM's ``continue_straight``).

With ``continue_straight`` (OSRM's car default, ``continue_straight_at_waypoint = true``) a route leaves each via
point in the direction it arrived: the next leg starts on the same directed road edge the previous one ended on, so
it never turns back at the via point itself (it may still turn where the road allows, e.g. at a dead end). The
direction at each via point is chosen for the whole route, not leg by leg: a small dynamic programme over the via
points' road directions (2 for a point inside a two-way road) picks the fastest combination. Without it
(``continue_straight=false``) each leg is the fastest route on its own and may start with a U-turn.
"""

from __future__ import annotations

import itertools

from fevermap.errors import NoRouteError
from fevermap.routing.route import Route
from fevermap.routing.router import Router
from fevermap.routing.snapping import EdgePosition, Snap
from fevermap.routing.state import MetricState


def _arrivals(snap: Snap) -> tuple[EdgePosition, ...]:
    """The directions a route can pass a via point in: its edge positions, or at a graph node only the edges that
    arrive there (leaving from one means taking one of its turns; arriving at a leaving edge's start is the same
    as arriving on some edge and turning onto it)."""
    ins = tuple(p for p in snap.positions if p.length_after_m == 0.0 and p.frac == 1.0)
    return ins or snap.positions


def _only(snap: Snap, pos: EdgePosition) -> Snap:
    return snap._replace(positions=(pos,), alternative=None)


def route_legs(router: Router, snaps: list[Snap], *, continue_straight: bool, state: MetricState | None) -> list[Route]:
    """The fastest legs through ``snaps`` in order.

    Parameters
    ----------
    router : Router
    snaps : list of Snap
        At least two waypoints.
    continue_straight : bool
        Whether routes leave via points in the direction they arrived (see the module).
    state : MetricState, optional
        The metric to route on; None: the live one.

    Raises
    ------
    NoRouteError
        When a leg has no route. With ``continue_straight``, when no combination of directions at the via points
        connects, the legs are the unconstrained ones (as with ``continue_straight=false``) if those exist.
    """
    if not continue_straight or len(snaps) == 2:
        return [router.route_snapped(a, b, state=state) for a, b in itertools.pairwise(snaps)]
    try:
        pairs = _best_pairs(router, snaps, state)
    except NoRouteError:
        return [router.route_snapped(a, b, state=state) for a, b in itertools.pairwise(snaps)]
    return [router.route_snapped(a, b, state=state) for a, b in pairs]


def _best_pairs(router: Router, snaps: list[Snap], state: MetricState | None) -> list[tuple[Snap, Snap]]:
    """(origin, destination) snaps of each leg, via points narrowed to one direction, fastest overall."""
    # best[pos] = (seconds so far, legs so far) for arriving at the current via point in direction pos
    best: dict[EdgePosition | None, tuple[float, list[tuple[Snap, Snap]]]] = {None: (0.0, [])}
    for i in range(len(snaps) - 1):
        here, there = snaps[i], snaps[i + 1]
        last = i + 1 == len(snaps) - 1
        targets: list[tuple[EdgePosition | None, Snap]] = (
            [(None, there)] if last else [(q, _only(there, q)) for q in _arrivals(there)]
        )
        nxt: dict[EdgePosition | None, tuple[float, list[tuple[Snap, Snap]]]] = {}
        for p, (cost, legs) in best.items():
            origin = here if p is None else _only(here, p)
            for q, target in targets:
                try:
                    r = router.route_snapped(origin, target, geometry=False, state=state)
                except NoRouteError:
                    continue
                if q not in nxt or cost + r.duration_s < nxt[q][0]:
                    nxt[q] = (cost + r.duration_s, [*legs, (origin, target)])
        if not nxt:
            raise NoRouteError(f"no route leaves waypoint {i} in the direction it is reached")
        best = nxt
    return best[None][1]
