"""Datum identifiers: one spelling each, the old spellings as aliases, refusals that list what is accepted."""

from __future__ import annotations

import pytest

from fevermap.clinics.geodesy import haversine_m
from fevermap.errors import InputError
from fevermap.geo.bd09 import wgs84_to_bd09
from fevermap.geo.datum import DATUMS, parse_datum, to_wgs84
from fevermap.geo.gcj02 import wgs84_to_gcj02


@pytest.mark.parametrize(
    ("text", "want"),
    [("wgs84", "wgs84"), ("WGS-84", "wgs84"), ("WGS84", "wgs84"), ("EPSG:4326", "wgs84"), ("gcj_02", "gcj02"),
     ("GCJ-02", "gcj02"), ("bd-09", "bd09"), ("BD09", "bd09"), ("", "wgs84"), (None, "wgs84")],
)  # fmt: skip
def test_aliases_give_the_one_spelling(text: str | None, want: str) -> None:
    assert parse_datum(text) == want
    assert want in DATUMS


def test_unknown_or_unaccepted_datums_are_refused_listing_the_accepted() -> None:
    with pytest.raises(InputError, match=r"unknown datum 'utm50n': use wgs84 .*gcj02 .*bd09"):
        parse_datum("utm50n")
    with pytest.raises(InputError, match=r"unknown datum 'BD-09': use wgs84 \(.*\), gcj02 \(.*\)$"):
        parse_datum("BD-09", accept=("wgs84", "gcj02"))


def test_to_wgs84_inverts_each_datum_within_a_metre() -> None:
    wgs = (121.4737, 31.2304)
    for datum, there in (("gcj02", wgs84_to_gcj02(*wgs)), ("bd09", wgs84_to_bd09(*wgs)), ("wgs84", wgs)):
        lon, lat = to_wgs84(*there, parse_datum(datum))
        assert float(haversine_m(lon, lat, *wgs)) < 1.0, datum


def test_the_schemas_take_the_same_identifiers_and_aliases() -> None:
    import pydantic

    from fevermap.directory.schemas import LocationCreate
    from fevermap.tracing.schemas import StopIn

    loc = LocationCreate(lon=121.47, lat=31.23, coord_source="survey 2026", datum="GCJ-02")
    assert loc.datum == "gcj02"
    b_lon, b_lat = wgs84_to_bd09(121.4737, 31.2304)
    stop = StopIn(lon=float(b_lon), lat=float(b_lat), start="2026-11-30T09:00+08:00", end="2026-11-30T10:00+08:00",
                  datum="BD-09")  # fmt: skip
    assert stop.datum == "wgs84" and haversine_m(stop.lon, stop.lat, 121.4737, 31.2304) < 2.0
    with pytest.raises(pydantic.ValidationError, match="unknown datum 'utm'"):
        StopIn(lon=121.0, lat=31.0, start="2026-11-30T09:00+08:00", end="2026-11-30T10:00+08:00", datum="utm")
