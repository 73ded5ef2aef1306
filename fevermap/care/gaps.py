"""The coverage report: cell times, the gaps beyond a threshold and their demand weight.

Every H3 cell's time to care by road, the gaps beyond a threshold with their demand weight, and how much of that
weight a candidate clinic would remove."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
import numpy.typing as npt

from fevermap.care import reach
from fevermap.care.coverage import Cells, cell_times, cells_of, check_resolution
from fevermap.care.demand import case_points
from fevermap.care.sites import Site
from fevermap.errors import InputError
from fevermap.geo.lonlat import check_in_bbox
from fevermap.routing.router import Router

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_RESOLUTION = 9
MAX_THRESHOLD_MIN = 120.0


@dataclass(frozen=True)
class Candidate:
    """A "what if" clinic: where it snaps, and the gap cells and weight it would bring within the threshold."""

    location: tuple[float, float]
    snapped: tuple[float, float]
    cells_covered: int
    weight_removed: float


@dataclass(frozen=True)
class Coverage:
    """Per cell (aligned with ``cells.ids``): ``time_s`` to the nearest clinic (``inf`` none reachable, ``nan``
    centre off every road), ``clinic`` (index into ``sites``, -1 none) and ``weight``; ``gap`` = time over the
    threshold (or none reachable)."""

    minutes: float
    cells: Cells
    sites: list[Site]
    time_s: FloatArray
    clinic: IntArray
    weight: FloatArray
    weight_kind: str
    weight_source: str
    unassigned_weight: float
    candidate: Candidate | None

    @property
    def gap(self) -> npt.NDArray[np.bool_]:
        return ~(self.time_s <= self.minutes * 60.0) & ~np.isnan(self.time_s)

    def summary(self) -> dict[str, Any]:
        gap = self.gap
        return {
            "minutes": self.minutes,
            "resolution": self.cells.resolution,
            "cells": len(self.cells.ids),
            "gap_cells": int(gap.sum()),
            "unknown_cells": int(np.isnan(self.time_s).sum()),
            "clinics": len(self.sites),
            "weight_kind": self.weight_kind,
            "weight_source": self.weight_source,
            "total_weight": round(float(self.weight.sum()), 1),
            "gap_weight": round(float(self.weight[gap].sum()), 1),
            "unassigned_weight": round(self.unassigned_weight, 1),
            "candidate": None if self.candidate is None else {
                "location": list(self.candidate.location),
                "snapped": list(self.candidate.snapped),
                "cells_covered": self.candidate.cells_covered,
                "gap_weight_removed": round(self.candidate.weight_removed, 1),
            },
        }  # fmt: skip

    def to_geojson(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection: one Polygon per cell (``h3``, ``minutes`` to care or null, ``clinic_id``,
        ``weight``, ``gap``), the outline of the gaps as ``gaps`` (a MultiPolygon), and the summary."""
        feats = []
        ids = self.cells.ids
        gap = self.gap
        for i, cell in enumerate(ids):
            ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
            t = self.time_s[i]
            c = int(self.clinic[i])
            feats.append({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                "properties": {
                    "h3": cell,
                    "minutes": round(float(t) / 60.0, 2) if math.isfinite(t) else None,
                    "clinic_id": self.sites[c].id if c >= 0 else None,
                    "clinic_name": self.sites[c].name if c >= 0 else None,
                    "weight": round(float(self.weight[i]), 1),
                    "gap": bool(gap[i]),
                },
            })  # fmt: skip
        gap_ids = [ids[i] for i in np.flatnonzero(gap).tolist()]
        outline = h3.cells_to_geo(gap_ids) if gap_ids else {"type": "MultiPolygon", "coordinates": []}
        return {"type": "FeatureCollection", "features": feats, "gaps": _as_multipolygon(outline),
                "summary": self.summary(), "attribution": "© OpenStreetMap contributors (ODbL 1.0)"}  # fmt: skip


def _as_multipolygon(geo: dict[str, Any]) -> dict[str, Any]:
    coords = geo["coordinates"]
    polys = [coords] if geo["type"] == "Polygon" else coords
    return {"type": "MultiPolygon", "coordinates": [[[list(p) for p in ring] for ring in poly] for poly in polys]}


def check_threshold(minutes: float) -> float:
    if not (math.isfinite(minutes) and 0 < minutes <= MAX_THRESHOLD_MIN):
        raise InputError(f"minutes {minutes} is out of range: give a threshold > 0 and <= {MAX_THRESHOLD_MIN:g}")
    return float(minutes)


def demand(router: Router, cells: Cells) -> tuple[FloatArray, str, str, float]:
    """Weight per cell: distinct case addresses where the region has case data (each counted in the cell of its
    nearest road point), else road metres; the kind, its source and the weight that falls in no road cell."""
    pts = case_points(router.region.bbox)
    if pts is None:
        return cells.road_m.copy(), "road_m", "length of road in the cell (no case data for this region)", 0.0
    res = cells.resolution
    w = np.zeros(len(cells.ids))
    outside = 0.0
    for sn in reach.snap_points(router, pts.lon, pts.lat):
        i = (
            None
            if isinstance(sn, Exception)
            else cells.index.get(str(h3.latlng_to_cell(sn.location[1], sn.location[0], res)))
        )
        if i is None:
            outside += 1.0
        else:
            w[i] += 1.0
    return w, "case_addresses", pts.source, outside


def coverage(
    router: Router,
    sites: Sequence[Site],
    minutes: float,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    candidate: tuple[float, float] | None = None,
) -> Coverage:
    """Coverage of the region's roads by ``sites`` within ``minutes``.

    Parameters
    ----------
    router : Router
        The region's router (current traffic).
    sites : sequence of Site
        The clinics that count (see :func:`fevermap.care.sites.clinic_sites`).
    minutes : float
        Threshold in (0, 120] minutes: cells farther than this from every site are gaps.
    resolution : int
        H3 resolution of the cells (refused when the region would need more than ``MAX_CELLS`` cells).
    candidate : (lon, lat), optional
        A "what if" clinic: the report says how much gap weight it would remove.
    """
    threshold = check_threshold(minutes)
    check_resolution(router, resolution)
    cand_snap = None
    if candidate is not None:
        check_in_bbox(candidate[0], candidate[1], router.region.bbox, what="candidate clinic")
        cand_snap = router.snap(*candidate)
    cells = cells_of(router, resolution)
    m = reach.metric(router)
    t_ms, clinic = cell_times(router, m, cells, list(sites))
    snapped = np.zeros(len(cells.ids), dtype=bool)
    snapped[cells.pos_cell] = True
    time_s = np.where(snapped, t_ms / 1000.0, np.nan)
    weight, kind, source, unassigned = demand(router, cells)
    cand = None
    if candidate is not None and cand_snap is not None:
        limit = threshold * 60_000.0
        c_ms, _ = cell_times(
            router, m, cells, [Site("candidate", "candidate", candidate[0], candidate[1], cand_snap)], limit
        )
        was_gap = snapped & ~(time_s <= threshold * 60.0)
        fixed = was_gap & (c_ms <= limit)
        cand = Candidate(candidate, cand_snap.location, int(fixed.sum()), float(weight[fixed].sum()))
    return Coverage(threshold, cells, list(sites), time_s, clinic, weight, kind, source, unassigned, cand)
