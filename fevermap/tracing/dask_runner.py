"""The same matching, partitioned on Dask: stops split into longitude tiles, case visits sent with a halo.

Stops are sorted by longitude and cut into ``n_partitions`` tiles of equal size (a dask DataFrame whose partitions
are spatial). Each tile receives the case visits whose disc can reach it (its longitude range widened by the largest
radius) and runs :class:`~fevermap.tracing.engine.ProximityIndex` on them. A stop lives in one tile and every visit
that can match it is in that tile's halo, so the union over tiles equals the single-machine result; distances are
geodesic, so they are identical too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fevermap.errors import MissingExtraError
from fevermap.tracing.engine import ProximityIndex
from fevermap.tracing.models import Matches, MatchRule, Visits

try:
    import dask
    import dask.dataframe as dd
except ImportError:  # the [dask] extra
    raise MissingExtraError("matching on Dask (fevermap.tracing.dask_runner)", "dask") from None

_M_PER_DEG_LAT = 110_574.0
_COLUMNS = {"stop": "int64", "visit": "int64", "distance_m": "float64", "radius_m": "float64",
            "overlap_start": "int64", "overlap_end": "int64"}  # fmt: skip


def _halo_deg(visits: Visits, rule: MatchRule) -> float:
    if len(visits) == 0:
        return 0.0
    r = float(rule.radii(visits).max())
    lat = min(float(np.abs(visits.lat).max()) + r / _M_PER_DEG_LAT, 89.5)
    return r / _M_PER_DEG_LAT / float(np.cos(np.radians(lat))) * 1.01 + 1e-9


def _match_tile(tile: pd.DataFrame, visits: Visits, rule: MatchRule, halo: float) -> pd.DataFrame:
    if len(tile) == 0:
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in _COLUMNS.items()})
    lo, hi = float(tile["lon"].min()) - halo, float(tile["lon"].max()) + halo
    vsel = np.flatnonzero((visits.lon >= lo) & (visits.lon <= hi))
    stops = Visits.from_arrays(
        owner=np.full(len(tile), "", dtype=object), lon=tile["lon"].to_numpy(), lat=tile["lat"].to_numpy(),
        start=tile["start"].to_numpy(), end=tile["end"].to_numpy(),
    )  # fmt: skip
    m = ProximityIndex(visits.take(vsel), rule).match(stops)
    return pd.DataFrame(
        {
            "stop": tile["row"].to_numpy()[m.stop],
            "visit": vsel[m.visit].astype(np.int64),
            "distance_m": m.distance_m,
            "radius_m": m.radius_m,
            "overlap_start": m.overlap_start,
            "overlap_end": m.overlap_end,
        }
    )


def spatial_partitions(stops: Visits, n_partitions: int) -> dd.DataFrame:
    """Stops as a dask DataFrame (``row, lon, lat, start, end``) whose partitions are longitude tiles."""
    order = np.argsort(stops.lon, kind="stable")
    frame = pd.DataFrame(
        {"row": order.astype(np.int64), "lon": stops.lon[order], "lat": stops.lat[order],
         "start": stops.start[order], "end": stops.end[order]}
    )  # fmt: skip
    return dd.from_pandas(frame, npartitions=max(1, n_partitions), sort=False)


def match_on_dask(
    stops: Visits, visits: Visits, rule: MatchRule | None = None, *, n_partitions: int = 4, **compute_kw: Any
) -> Matches:
    """:func:`~fevermap.tracing.engine.match_visits`, run as one Dask task per spatial tile of stops.

    Uses the active Dask scheduler (e.g. a ``distributed.Client`` on a ``LocalCluster``); ``compute_kw`` go to
    ``dask.compute``. Returns the matches sorted by (stop, visit), identical to the single-machine result.
    """
    rule = rule or MatchRule()
    halo = _halo_deg(visits, rule)
    parts = spatial_partitions(stops, n_partitions)
    v = dask.delayed(visits, pure=True)
    meta = pd.DataFrame({k: pd.Series([], dtype=t) for k, t in _COLUMNS.items()})
    result = parts.map_partitions(_match_tile, v, rule, halo, meta=meta)
    (frame,) = dask.compute(result, **compute_kw)
    m = Matches(**{k: frame[k].to_numpy(dtype=t) for k, t in _COLUMNS.items()})
    return m.sorted()
