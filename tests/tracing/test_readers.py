"""Readers: CSV, GeoJSON, Hamagen, Google Takeout, fevermap JSON; bad records named, good ones kept."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fevermap.errors import FormatError
from fevermap.geo.gcj02 import wgs84_to_gcj02
from fevermap.tracing.readers import iter_csv, read_tracks

CSV = """id,lon,lat,start,end,radius_m,place
p1,121.4737,31.2304,2022-04-12T09:00:00+08:00,2022-04-12T10:00:00+08:00,,People's Square
p2,121.48,31.23,2022-04-12,2022-04-12,30,home
p3,200,31.2,2022-04-12T09:00:00+08:00,2022-04-12T10:00:00+08:00,,
p4,121.48,31.23,2022-04-12T11:00:00+08:00,2022-04-12T10:00:00+08:00,,
p5,121.48,31.23,2022-04-12T09:00:00,2022-04-12T10:00:00+08:00,,
,121.48,31.23,2022-04-12T09:00:00+08:00,2022-04-12T10:00:00+08:00,,
p7,31.23,121.48,2022-04-12T09:00:00+08:00,2022-04-12T10:00:00+08:00,-5,
p8,121.49,31.24,2022-04-12T09:00:00Z,2022-04-12T10:00:00Z,,
"""

TZ = "Asia/Shanghai"  # the zone of the day-level and offset-less test records


def test_csv_keeps_good_rows_and_names_each_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(CSV, encoding="utf-8")
    res = read_tracks(path, tz=TZ)
    assert res.visits.owner.tolist() == ["p1", "p2", "p8"]
    assert res.visits.place.tolist() == ["People's Square", "home", None]
    assert np.isnan(res.visits.radius_m[0]) and res.visits.radius_m[1] == 30.0
    assert res.visits.end[1] - res.visits.start[1] == 86400  # day-level: the whole local day
    msgs = {e.record: e.reason for e in res.errors}
    assert set(msgs) == {f"cases.csv:line {i}" for i in (4, 5, 6, 7, 8)}
    assert "longitude 200.0" in msgs["cases.csv:line 4"]
    assert "end is before start" in msgs["cases.csv:line 5"]
    assert "no UTC offset" in msgs["cases.csv:line 6"]
    assert "id is missing" in msgs["cases.csv:line 7"]
    assert "did you swap them" in msgs["cases.csv:line 8"] and "radius_m" in msgs["cases.csv:line 8"]


def test_csv_streams_in_chunks_with_the_right_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "it.csv"
    path.write_text(CSV, encoding="utf-8")
    chunks = list(iter_csv(path, chunk_rows=3, tz=TZ))
    assert [len(c.visits) + len(c.errors) for c in chunks] == [3, 3, 2]
    assert chunks[2].visits.record.tolist() == ["it.csv:line 9"]


def test_csv_without_required_columns_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,x,y\na,1,2\n")
    with pytest.raises(FormatError, match="missing id, lon, lat, start, end"):
        read_tracks(path, tz=TZ)


def test_gcj02_coordinates_are_converted(tmp_path: Path) -> None:
    g_lon, g_lat = wgs84_to_gcj02(121.4737, 31.2304)
    path = tmp_path / "g.csv"
    path.write_text(f"id,lon,lat,start,end\na,{float(g_lon)!r},{float(g_lat)!r},2022-04-12,2022-04-12\n")
    res = read_tracks(path, datum="gcj02", tz=TZ)
    assert res.visits.lon[0] == pytest.approx(121.4737, abs=1e-8)
    assert res.visits.lat[0] == pytest.approx(31.2304, abs=1e-8)
    assert abs(read_tracks(path, tz=TZ).visits.lon[0] - 121.4737) > 1e-3  # unconverted, it would be ~450 m off


def _feature(lon: float, lat: float, **props: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def test_geojson_and_bad_geometry(tmp_path: Path) -> None:
    fc = {"type": "FeatureCollection", "features": [
        _feature(121.47, 31.23, id="c1", start="2022-04-12T09:00:00+08:00", end="2022-04-12T10:00:00+08:00",
                 radius_m=20, place="Nanjing Road"),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"id": "c2"}},
        _feature(121.47, 31.23, id="c3", start="2022-04-12T09:00:00+08:00"),
    ]}  # fmt: skip
    path = tmp_path / "cases.geojson"
    path.write_text(json.dumps(fc))
    res = read_tracks(path, tz=TZ)
    assert res.visits.owner.tolist() == ["c1"] and res.visits.radius_m.tolist() == [20.0]
    assert res.visits.place.tolist() == ["Nanjing Road"]
    reasons = {e.record: e.reason for e in res.errors}
    assert "Point" in reasons["cases.geojson:feature 1 (id c2)"]
    assert "end is missing" in reasons["cases.geojson:feature 2 (id c3)"]


def test_hamagen_epoch_milliseconds_and_radius(tmp_path: Path) -> None:
    fc = {"type": "FeatureCollection", "features": [
        _feature(34.7818, 32.0853, Name="חולה 1", Place="Dizengoff Center", fromTime_utc=1583049600000,
                 toTime_utc=1583053200000, radius=100),
        _feature(34.78, 32.08, Name="חולה 2", Place="x", fromTime_utc="oops", toTime_utc=1583053200000),
        _feature(34.78, 32.08, OBJECTID=17, fromTime_utc=1583049600000, toTime_utc=1583053200000),
    ]}  # fmt: skip
    path = tmp_path / "hamagen.json"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    res = read_tracks(path, tz=TZ)
    assert res.visits.owner.tolist() == ["חולה 1", "17"]
    assert res.visits.start.tolist() == [1583049600] * 2 and res.visits.end.tolist() == [1583053200] * 2
    assert res.visits.radius_m[0] == 100.0 and np.isnan(res.visits.radius_m[1])
    assert len(res.errors) == 1 and "fromTime_utc" in res.errors[0].reason


def test_google_takeout_both_generations(tmp_path: Path) -> None:
    old = {"timelineObjects": [
        {"activitySegment": {"distance": 100}},
        {"placeVisit": {"location": {"latitudeE7": 312304000, "longitudeE7": 1214737000, "name": "People's Park"},
                        "duration": {"startTimestamp": "2022-04-12T01:00:00.123Z",
                                     "endTimestamp": "2022-04-12T02:00:00Z"}}},
        {"placeVisit": {"location": {"latitudeE7": 312304000, "longitudeE7": 1214737000},
                        "duration": {"startTimestampMs": "1649725200000", "endTimestampMs": "1649728800000"}}},
    ]}  # fmt: skip
    new = {"semanticSegments": [
        {"startTime": "2022-04-12T09:00:00.000+08:00", "endTime": "2022-04-12T10:00:00.000+08:00",
         "visit": {"topCandidate": {"semanticType": "HOME", "placeLocation": {"latLng": "31.2304°, 121.4737°"}}}},
        {"startTime": "2022-04-12T10:00:00.000+08:00", "endTime": "2022-04-12T10:30:00.000+08:00", "timelinePath": []},
    ]}  # fmt: skip
    (tmp_path / "2022_APRIL.json").write_text(json.dumps(old))
    (tmp_path / "Timeline.json").write_text(json.dumps(new))
    a = read_tracks(tmp_path / "2022_APRIL.json", declarant_id="resident-7", tz=TZ)
    assert a.visits.owner.tolist() == ["resident-7", "resident-7"] and not a.errors
    assert a.visits.start.tolist() == [1649725200, 1649725200]
    assert a.visits.lon[0] == pytest.approx(121.4737) and a.visits.place[0] == "People's Park"
    b = read_tracks(tmp_path / "Timeline.json", tz=TZ)
    assert b.visits.owner.tolist() == ["Timeline"] and b.visits.lat.tolist() == [31.2304]


def test_fevermap_json_declarations_with_legs_and_temperatures(tmp_path: Path) -> None:
    doc = {"declarations": [
        {"id": "r1", "stops": [{"lon": 121.47, "lat": 31.23, "start": "2022-04-12T09:00:00+08:00",
                                "end": "2022-04-12T10:00:00+08:00", "place": "office"}],
         "legs": [{"kind": "train", "number": "g 1716", "date": "2020-01-05", "carriage": 7, "seat": "11C"},
                  {"kind": "bus", "number": "85"}],
         "contact_answers": {"contact_with_case": "no"},
         "temperatures": [{"time": "2022-04-12T08:00:00+08:00", "celsius": 37.8}, {"time": "noon", "celsius": 36}]},
        {"stops": []},
    ]}  # fmt: skip
    path = tmp_path / "decl.json"
    path.write_text(json.dumps(doc))
    res = read_tracks(path, tz=TZ)
    assert res.visits.owner.tolist() == ["r1"]
    assert [(leg.kind, leg.number, leg.carriage, leg.seat_row, leg.seat_letter) for leg in res.legs] == [
        ("train", "G1716", 7, 11, "C")
    ]
    assert res.declarations[0].contact_answers == {"contact_with_case": "no"}
    assert [t.celsius for t in res.declarations[0].temperatures] == [37.8]
    assert len(res.errors) == 3  # the bus leg, the bad temperature, the declaration without id


def test_unknown_formats_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"hello": 1}))
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(FormatError, match="unknown format"):
        read_tracks(tmp_path / "a.json", tz=TZ)
    with pytest.raises(FormatError, match="not valid JSON"):
        read_tracks(tmp_path / "b.json", tz=TZ)
    with pytest.raises(FormatError, match="no such file"):
        read_tracks(tmp_path / "missing.csv", tz=TZ)


def test_bd09_coordinates_are_converted_with_the_one_datum_module(tmp_path: Path) -> None:
    from fevermap.geo.bd09 import wgs84_to_bd09

    b_lon, b_lat = wgs84_to_bd09(121.4737, 31.2304)
    path = tmp_path / "b.csv"
    path.write_text(f"id,lon,lat,start,end\na,{float(b_lon)!r},{float(b_lat)!r},2022-04-12,2022-04-12\n")
    res = read_tracks(path, datum="bd09", tz=TZ)  # BD-09 back to WGS-84 is exact to about 0.2 m (fevermap.geo.bd09)
    assert res.visits.lon[0] == pytest.approx(121.4737, abs=3e-6)
    assert res.visits.lat[0] == pytest.approx(31.2304, abs=3e-6)
