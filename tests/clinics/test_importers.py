"""Import from CSV and GeoJSON on both backends: documented columns, GCJ-02, idempotence, bad rows reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fevermap.clinics.demo import DEMO_SOURCE, demo_clinics_file, ensure_demo_clinics
from fevermap.clinics.geodesy import haversine_m
from fevermap.clinics.importers import import_file
from fevermap.clinics.registry import ClinicRegistry
from fevermap.errors import InputError
from fevermap.geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from fevermap.routing.region import Region

HEADER = "name,lon,lat,phone,address,night_emergency,opening_hours"
ROWS = [
    "瑞金医院,121.4666,31.2109,021-64370045,瑞金二路197号,true,24/7",
    "华东医院,121.4372133,31.22062219,,延安西路221号,false,Mo-Fr 08:00-17:00",
    "第一人民医院,121.4849097,31.25524376,021-63240090; +86 21 6324 0091,武进路85号,,",
]

# Published test vectors of the widely used GCJ-02 algorithm (eviltransform test suite): (wgs lon, lat), (gcj lon, lat)
EVILTRANSFORM = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _geojson(tmp_path: Path) -> Path:
    feats = []
    for row in ROWS:
        name, lon, lat, phone, address, night, hours = row.split(",")
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": {
                    "name": name,
                    "phone": phone,
                    "address": address,
                    "night_emergency": {"true": True, "false": False}.get(night),
                    "opening_hours": hours or None,
                },
            }
        )
    return _write(tmp_path, "c.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))


def test_csv_with_the_documented_header(registry: ClinicRegistry, shanghai: Region, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", "\n".join([HEADER, *ROWS]) + "\n")
    rep = import_file(registry, shanghai, path)
    assert (rep.rows, rep.created, rep.updated, rep.unchanged, rep.skipped) == (3, 3, 0, 0, [])
    by_name = {c.name: c for c in registry.clinics(shanghai.name)}
    rj = by_name["瑞金医院"]
    assert (rj.lon, rj.lat, rj.night_emergency, rj.opening_hours) == (121.4666, 31.2109, True, "24/7")
    assert rj.phones == ["+862164370045"] and rj.tel == "tel:+86-21-6437-0045"
    assert by_name["华东医院"].night_emergency is False
    assert by_name["第一人民医院"].night_emergency is None  # empty = unknown, not false
    assert by_name["第一人民医院"].phones == ["+862163240090", "+862163240091"]
    assert rj.source == "c.csv" and rj.timezone == shanghai.timezone


def test_geojson_with_the_same_properties(registry: ClinicRegistry, shanghai: Region, tmp_path: Path) -> None:
    rep = import_file(registry, shanghai, _geojson(tmp_path))
    assert (rep.created, rep.skipped) == (3, [])
    csv_path = _write(tmp_path, "c.csv", "\n".join([HEADER, *ROWS]) + "\n")
    again = import_file(registry, shanghai, csv_path)  # the same clinics from the other format
    assert again.created == 0 and again.unchanged + again.updated == 3


def test_reimport_is_idempotent_and_changes_update(registry: ClinicRegistry, shanghai: Region, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", "\n".join([HEADER, *ROWS]) + "\n")
    first = import_file(registry, shanghai, path)
    rev = registry.revision()
    second = import_file(registry, shanghai, path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert second.ids == first.ids and registry.count(shanghai.name) == 3
    assert registry.revision() == rev  # nothing written
    changed = [ROWS[0].replace("24/7", "Mo-Su 18:00-02:00"), *ROWS[1:]]
    path.write_text("\n".join([HEADER, *changed]) + "\n", encoding="utf-8")
    third = import_file(registry, shanghai, path)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)


def test_bad_rows_are_reported_and_skipped(registry: ClinicRegistry, shanghai: Region, tmp_path: Path) -> None:
    bad = [
        "no place,,,021-64370045,somewhere,,",
        "outside,116.3912,39.9062,,Beijing,,",
        "swapped,31.2109,121.4666,,,,",
        "bad phone,121.4666,31.2109,12345,,,",
        "bad hours,121.4666,31.2109,,,,Mo-Fr 8 to 5",
        "bad flag,121.4666,31.2109,,,maybe,",
        "not a number,121.4x,31.2,,,,",
        ",121.4666,31.2109,,,,",
        "extra field,121.4666,31.2109,,,,,surplus",
    ]
    path = _write(tmp_path, "c.csv", "\n".join([HEADER, ROWS[0], *bad]) + "\n")
    rep = import_file(registry, shanghai, path)
    assert rep.created == 1
    reasons = {s.row: s.reason for s in rep.skipped}
    assert sorted(reasons) == list(range(2, 11))
    assert "no usable location" in reasons[2]
    assert "outside the region" in reasons[3]
    assert "out of range" in reasons[4] and "lon comes first" in reasons[4]
    assert "phone number '12345'" in reasons[5]
    assert "opening_hours" in reasons[6]
    assert "night_emergency must be true or false" in reasons[7]
    assert "not a number" in reasons[8]
    assert "no name" in reasons[9]
    assert "fields, header has" in reasons[10]
    assert registry.count(shanghai.name) == 1  # nothing placed at an invented spot


def test_duplicate_rows_in_one_file(registry: ClinicRegistry, shanghai: Region, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", "\n".join([HEADER, ROWS[0], ROWS[0]]) + "\n")
    rep = import_file(registry, shanghai, path)
    assert rep.created == 1 and "duplicate of row 1" in rep.skipped[0].reason


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name,x,y\na,1,2\n", "lacks column"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ("{not json", "not valid JSON"),
    ],
)
def test_unusable_files_are_refused(
    registry: ClinicRegistry, shanghai: Region, tmp_path: Path, text: str, match: str
) -> None:
    suffix = ".csv" if text.startswith("name") else ".geojson"
    with pytest.raises(InputError, match=match):
        import_file(registry, shanghai, _write(tmp_path, "f" + suffix, text))
    with pytest.raises(InputError, match="does not exist"):
        import_file(registry, shanghai, tmp_path / "missing.csv")
    with pytest.raises(InputError, match="unknown datum"):
        import_file(registry, shanghai, _write(tmp_path, "g.csv", HEADER + "\n"), datum="bd09")


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_gcj02_conversion_matches_published_points_within_1m(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lon, lat = gcj02_to_wgs84(*gcj)
    assert float(haversine_m(lon, lat, *wgs)) < 1.0
    flon, flat = wgs84_to_gcj02(*wgs)
    assert float(haversine_m(flon, flat, *gcj)) < 1.0


def test_gcj02_option_and_datum_column(registry: ClinicRegistry, shanghai: Region, tmp_path: Path) -> None:
    wgs = (121.4666, 31.2109)
    g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(*wgs))
    assert haversine_m(g_lon, g_lat, *wgs) > 100  # the offset is real: 100-700 m
    p1 = _write(tmp_path, "g.csv", f"{HEADER}\nA,{g_lon!r},{g_lat!r},,,,\n")
    import_file(registry, shanghai, p1, datum="gcj02")
    rows = f"B,{g_lon!r},{g_lat!r},,,,,GCJ-02\nC,{wgs[0]},{wgs[1]},,,,,WGS-84\n"
    p2 = _write(tmp_path, "h.csv", f"{HEADER},datum\n{rows}")
    import_file(registry, shanghai, p2)
    got = {c.name: c for c in registry.clinics(shanghai.name)}
    for name in "ABC":
        assert float(haversine_m(got[name].lon, got[name].lat, *wgs)) < 1.0, name
    assert got["A"].extra["original_datum"] == "GCJ-02"


def test_bundled_demo_list_keeps_sources(registry: ClinicRegistry, shanghai: Region) -> None:
    rep = ensure_demo_clinics(registry, shanghai)
    assert rep is not None
    assert rep.rows == 110 and rep.created == 8  # 10 rows have a cited location, 8 of them inside the demo extract
    assert all(s.reason for s in rep.skipped) and len(rep.skipped) == 102
    assert ensure_demo_clinics(registry, shanghai) is None  # only once
    for c in registry.clinics(shanghai.name):
        assert c.source == DEMO_SOURCE
        assert c.extra["coord_source"]
    assert demo_clinics_file().is_file()
