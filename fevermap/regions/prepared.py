"""Regions prepared once before a server forks its workers, handed to each worker's start-up instead of a rebuild.

Building a region's router (edge index, contraction hierarchy, first metric) costs hundreds of milliseconds of CPU
and most of a worker's memory; routingkit_cch cannot save a contraction hierarchy, only its order (already in the
region directory). ``fevermap serve`` therefore builds every router in the parent process, then forks the workers:
each worker starts with the routers in place, and the pages stay shared copy-on-write until a worker writes them (a
traffic update builds a new metric in that worker only). :func:`prepare` builds and keeps the set; :func:`take`
hands it over once, to the start-up that asks for the same region paths and snap limit, and forgets it, so that
applications created later in the same process (tests) build their own.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fevermap.regions.catalog import load_regions
from fevermap.regions.selection import RegionSet
from fevermap.routing.directions import Guidance
from fevermap.routing.region import Region
from fevermap.routing.router import Router


@dataclass(frozen=True, eq=False)
class PreparedRegions:
    """Loaded regions in the order given (the first is the default) and their :class:`RegionSet`."""

    key: tuple[tuple[str | None, ...], float]
    loaded: list[Region]
    regions: RegionSet


_PREPARED: list[PreparedRegions] = []


def _key(paths: Sequence[Path | None], max_snap_m: float) -> tuple[tuple[str | None, ...], float]:
    return tuple(None if p is None else str(Path(p).resolve()) for p in paths), float(max_snap_m)


def prepare(paths: Sequence[Path | None], max_snap_m: float) -> PreparedRegions:
    """Load every region, build its router and the region set, and keep them for :func:`take`.

    Afterwards the collector's generations are frozen (:func:`gc.freeze`): forked workers then never walk, and so
    never write to, the pages of these objects.

    Raises
    ------
    RegionError
        Naming a region that does not load (nothing is kept).
    """
    loaded = load_regions(paths)
    routers = [Router(region, max_snap_m=max_snap_m) for region in loaded]
    for router in routers:
        router.index.prepare()  # built here once, so the forked workers share it
        Guidance.of(router)  # the directions context (Porto: ~90 ms CPU), else built by each worker's first route
    prepared = PreparedRegions(_key(paths, max_snap_m), loaded, RegionSet(routers))
    _PREPARED[:] = [prepared]
    gc.collect()
    gc.freeze()
    return prepared


def take(paths: Sequence[Path | None], max_snap_m: float) -> PreparedRegions | None:
    """The prepared regions for these paths and snap limit, handed over once (None when none were prepared)."""
    if _PREPARED and _PREPARED[0].key == _key(paths, max_snap_m):
        return _PREPARED.pop()
    return None
