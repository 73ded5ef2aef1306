"""The bundled Shanghai 2022 announcements as daily counts of case addresses by district.

``fevermap/data/cases/shanghai2022/address.csv`` lists, per announcement date, the residences of newly confirmed cases
(``date,address,district``; one row per address-day, not per person: the announcements give no case counts per
address); ``geo.csv`` geocodes them in GCJ-02, converted here to WGS-84 for the district centroids. See
``fevermap/data/cases/PROVENANCE.md``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from fevermap.cases.daily import DailyCounts
from fevermap.errors import FormatError
from fevermap.geo.gcj02 import gcj02_to_wgs84

SOURCE = (
    "Shanghai Municipal Health Commission daily announcements of the residences of new cases, 2022 "
    "(github Stockard/Shanghai-COVID-2022; addresses inside the demo region)"
)


def read_files(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``address.csv`` and ``geo.csv`` of ``folder`` as string frames, columns checked, ``geo`` one row per address.

    The one reader of these files (:func:`read_address_days` here, and the case tracks of
    :mod:`fevermap.tracing.shanghai2022`).

    Raises
    ------
    FormatError
        A file missing, or a column missing from it.
    """
    folder = Path(folder)
    try:
        addr = pd.read_csv(folder / "address.csv", dtype=str, keep_default_na=False)
        geo = pd.read_csv(folder / "geo.csv", dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise FormatError(f"{folder}: needs address.csv and geo.csv ({exc.filename} missing)") from exc
    for name, frame, cols in (("address.csv", addr, ("date", "address", "district")),
                              ("geo.csv", geo, ("district", "address", "gcj02_lng", "gcj02_lat"))):  # fmt: skip
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise FormatError(f"{folder / name}: missing columns {', '.join(missing)}")
    return addr, geo.drop_duplicates(["district", "address"])


def read_address_days(folder: str | Path) -> DailyCounts:
    """Address-days of ``folder`` (``address.csv`` and ``geo.csv``) counted per announcement day and district.

    Parameters
    ----------
    folder : path
        Folder holding ``address.csv`` (``date`` as ``YYYYMMDD``) and ``geo.csv`` (``gcj02_lng``, ``gcj02_lat``).
    """
    folder = Path(folder)
    addr, geo = read_files(folder)
    geo = geo[["district", "address", "gcj02_lng", "gcj02_lat"]]
    joined = addr.merge(geo, on=["district", "address"], how="left", validate="many_to_one")
    try:
        days = pd.to_datetime(joined["date"], format="%Y%m%d").dt.date
    except ValueError as exc:
        raise FormatError(f"{folder / 'address.csv'}: date must be YYYYMMDD ({exc})") from exc
    g_lon = pd.to_numeric(joined["gcj02_lng"], errors="coerce").to_numpy()
    g_lat = pd.to_numeric(joined["gcj02_lat"], errors="coerce").to_numpy()
    lon, lat = gcj02_to_wgs84(g_lon, g_lat)
    return DailyCounts.from_records(list(days), list(joined["district"]), lon=list(lon), lat=list(lat), source=SOURCE,
                                    unit="address", source_id="shanghai2022")  # fmt: skip


@cache
def bundled(data_dir: Path) -> DailyCounts:
    """The bundled data under ``data_dir`` (``Settings.data_dir``), read once per process."""
    return read_address_days(data_dir / "cases" / "shanghai2022")
