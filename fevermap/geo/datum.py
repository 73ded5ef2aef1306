"""Datum identifiers: the one spelling of each (``wgs84``, ``gcj02``, ``bd09``), its accepted aliases, conversion.

fevermap works in WGS-84 inside. Coordinates from Chinese map services come in GCJ-02 (Amap, Tencent) or BD-09
(Baidu); every API parameter, CLI option, file column and report names a datum by one of the identifiers below. Old
spellings (``WGS-84``, ``GCJ-02``, ``EPSG:4326``, ``bd-09``, any case, ``_`` for ``-``) are accepted as aliases.

Examples
--------
>>> parse_datum("GCJ-02"), parse_datum(None), parse_datum("EPSG:4326")
('gcj02', 'wgs84', 'wgs84')
>>> lon, lat = to_wgs84(121.4737, 31.2304, "wgs84")
>>> float(lon), float(lat)
(121.4737, 31.2304)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from fevermap.errors import InputError
from fevermap.geo.bd09 import bd09_to_wgs84
from fevermap.geo.gcj02 import gcj02_to_wgs84

Datum = Literal["wgs84", "gcj02", "bd09"]
FloatArray = npt.NDArray[np.float64]

#: The identifiers, with what each is (for messages).
DATUMS: dict[str, str] = {
    "wgs84": "WGS-84 (GPS, OSM)",
    "gcj02": "GCJ-02 (Amap, Tencent)",
    "bd09": "BD-09 (Baidu)",
}
_ALIASES = {"epsg:4326": "wgs84", "4326": "wgs84"}


def parse_datum(value: str | None, default: Datum = "wgs84", *, accept: Collection[str] = tuple(DATUMS)) -> Datum:
    """The identifier of datum ``value`` (an identifier or an alias); empty gives ``default``.

    Raises
    ------
    InputError
        For a datum that is unknown or not in ``accept``, listing the accepted ones.
    """
    if value is None or not str(value).strip():
        return default
    key = str(value).strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key.replace("-", ""))
    if key not in accept:
        listed = ", ".join(f"{d} ({DATUMS[d]})" for d in accept)
        raise InputError(f"unknown datum {value!r}: use {listed}")
    return cast(Datum, key)


def parse_datum_field(value: object) -> Datum:
    """:func:`parse_datum` for a schema field (``BeforeValidator``): one argument, no default."""
    return parse_datum(None if value is None else str(value))


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, datum: Datum) -> tuple[FloatArray, FloatArray]:
    """``(lon, lat)`` degrees in ``datum`` converted to WGS-84 (vectorised)."""
    if datum == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "bd09":
        return bd09_to_wgs84(lon, lat)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
