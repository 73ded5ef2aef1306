"""The Shanghai 2022 case address-days as case tracks.

``address.csv`` (``date,address,district``) lists the residences of confirmed cases announced each day (2022-03-06 to
2022-04-15); ``geo.csv`` geocodes (district, address) pairs in GCJ-02 (``gcj02_lng``, ``gcj02_lat``) and WGS-84.
Each address-day becomes one case visit covering the whole local day (Asia/Shanghai); the case id names the address
(``sh2022:<district><address>``), since the announcements do not identify persons. Coordinates are taken from the
GCJ-02 columns (the geocoder's own output) and converted with :func:`fevermap.geo.gcj02.gcj02_to_wgs84`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fevermap.cases.shanghai2022 import read_files
from fevermap.errors import RecordError
from fevermap.tracing.assemble import ReadResult, assemble
from fevermap.tracing.models import DEFAULT_TZ
from fevermap.tracing.timeparse import parse_times


def read_shanghai2022(
    folder: str | Path, *, bbox: tuple[float, float, float, float] | None = None, tz: str = DEFAULT_TZ
) -> ReadResult:
    """Read ``address.csv`` and ``geo.csv`` from ``folder`` as case visits (``(lon, lat)`` WGS-84, UTC seconds).

    Parameters
    ----------
    folder : path
        Folder holding both files.
    bbox : (lon_min, lat_min, lon_max, lat_max), optional
        Keep only visits inside this box (degrees, WGS-84).
    tz : str
        Time zone of the day-level records.

    Address-days without a geocode are returned as errors, not dropped silently.
    """
    addr, geo = read_files(folder)
    addr = addr.assign(line=np.arange(2, len(addr) + 2))
    joined = addr.merge(geo, on=["district", "address"], how="left", validate="many_to_one")
    no_geo = joined["gcj02_lng"].isna() | (joined["gcj02_lng"] == "")
    errors = [
        RecordError(f"address.csv:line {ln}", f"address {d}{a!r} has no geocode in geo.csv")
        for ln, d, a in zip(joined["line"][no_geo], joined["district"][no_geo], joined["address"][no_geo], strict=True)
    ]
    j = joined[~no_geo]
    start, s_err = parse_times(j["date"].to_numpy(), role="start", tz=tz, field="date")
    end, e_err = parse_times(j["date"].to_numpy(), role="end", tz=tz, field="date")
    visits, errs = assemble(
        owner=("sh2022:" + j["district"] + j["address"]).to_numpy(dtype=object),
        lon=j["gcj02_lng"].to_numpy(),
        lat=j["gcj02_lat"].to_numpy(),
        start=start,
        start_err=s_err,
        end=end,
        end_err=e_err,
        records=("address.csv:line " + j["line"].astype(str)).to_numpy(dtype=object),
        place=j["complete_address"].where(j["complete_address"] != "", j["address"]).to_numpy(dtype=object)
        if "complete_address" in j.columns
        else j["address"].to_numpy(dtype=object),
        datum="gcj02",
    )
    if bbox is not None:
        inside = (visits.lon >= bbox[0]) & (visits.lon <= bbox[2]) & (visits.lat >= bbox[1]) & (visits.lat <= bbox[3])
        visits = visits.take(inside)
    return ReadResult(visits=visits, errors=errors + errs)
