"""Demand weights for coverage: confirmed-case addresses where the region has case data, else road length.

The bundled case data are the Shanghai 2022 address-days (``data/cases/shanghai2022``, read with
:func:`fevermap.tracing.shanghai2022.read_shanghai2022`); a region whose box overlaps them weighs each H3 cell by the
number of distinct case addresses in it. Any other region weighs a cell by the length of road in it (metres).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fevermap.config import get_settings
from fevermap.tracing.shanghai2022 import read_shanghai2022

FloatArray = npt.NDArray[np.float64]

#: Box of the bundled Shanghai 2022 case addresses (lon_min, lat_min, lon_max, lat_max; degrees, generous).
SHANGHAI2022_BBOX = (120.8, 30.6, 122.2, 31.9)
CASES_DIR = ("cases", "shanghai2022")


@dataclass(frozen=True)
class CasePoints:
    """Distinct confirmed-case addresses inside a region: ``(lon, lat)`` WGS-84 degrees, and where they come from."""

    lon: FloatArray
    lat: FloatArray
    source: str


_lock = threading.Lock()
_cache: dict[tuple[float, float, float, float], CasePoints | None] = {}


def case_points(bbox: tuple[float, float, float, float]) -> CasePoints | None:
    """Distinct case addresses inside ``bbox`` (degrees), or None when the region has no case data (cached)."""
    key = tuple(float(v) for v in bbox)
    if key in _cache:
        return _cache[key]
    out: CasePoints | None = None
    b = SHANGHAI2022_BBOX
    folder = get_settings().data_dir.joinpath(*CASES_DIR)
    overlaps = key[0] <= b[2] and key[2] >= b[0] and key[1] <= b[3] and key[3] >= b[1]
    if overlaps and folder.is_dir():
        visits = read_shanghai2022(folder, bbox=key).visits  # type: ignore[arg-type]
        if len(visits.lon):
            _, first = np.unique(np.asarray(visits.owner, dtype=str), return_index=True)
            out = CasePoints(
                np.asarray(visits.lon, dtype=np.float64)[first],
                np.asarray(visits.lat, dtype=np.float64)[first],
                "confirmed-case addresses, Shanghai 2022 announcements (data/cases/shanghai2022)",
            )
    with _lock:
        _cache[key] = out  # type: ignore[index]
    return out
