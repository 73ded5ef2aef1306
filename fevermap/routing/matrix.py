"""Many-point queries on a router: routes through waypoints and travel-time tables (OSRM's route and table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError
from fevermap.routing.router import Router
from fevermap.routing.snapping import Snap

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Table:
    """Travel times (s) and optionally route distances (m), ``len(sources) x len(destinations)``; inf = no route."""

    durations: FloatArray
    distances: FloatArray | None
    sources: list[int]
    destinations: list[int]


def table(
    router: Router,
    snaps: list[Snap],
    sources: list[int] | None = None,
    destinations: list[int] | None = None,
    *,
    with_distance: bool = False,
    state: Any = None,
) -> Table:
    """Travel times between snapped points: one one-to-many query per source.

    Parameters
    ----------
    router : Router
    snaps : list of Snap
        All points of the request.
    sources, destinations : list of int, optional
        Indices into ``snaps`` (default: all of them).
    with_distance : bool
        Also compute the distance (m) of each fastest route (one route per pair: use on small tables).
    state : optional
        A side metric of the router (e.g. with closed roads); default: the current one.
    """
    n = len(snaps)
    src = list(range(n)) if sources is None else sources
    dst = list(range(n)) if destinations is None else destinations
    for name, idx in (("sources", src), ("destinations", dst)):
        bad = [i for i in idx if not 0 <= i < n]
        if bad:
            raise InputError(f"{name} index {bad[0]} is out of range: there are {n} coordinates (0..{n - 1})")
    pinned = router.pin_targets([snaps[j] for j in dst])
    durations = (
        np.vstack([router.one_to_many(snaps[i], pinned, state=state) for i in src]) if src else np.zeros((0, len(dst)))
    )
    distances = None
    if with_distance:
        distances = np.full(durations.shape, np.inf)
        for a, i in enumerate(src):
            for b, j in enumerate(dst):
                if np.isfinite(durations[a, b]):
                    distances[a, b] = router.route_snapped(snaps[i], snaps[j], state=state).distance_m
    return Table(durations, distances, src, dst)
