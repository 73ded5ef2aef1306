"""The bundled real case data: Shanghai 2022 address-days and wuhan2020 travel legs."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from fevermap.config import PACKAGE_DATA_DIR
from fevermap.geo.geodesy import geodesic_distance_m
from fevermap.tracing.legs import match_legs, parse_wuhan2020
from fevermap.tracing.models import TransportLeg
from fevermap.tracing.shanghai2022 import read_shanghai2022

CASES = PACKAGE_DATA_DIR / "cases"
BBOX = (121.4092739, 31.1800933, 121.5407444, 31.278327)


def test_shanghai2022_address_days_become_whole_local_days_inside_the_demo_region() -> None:
    res = read_shanghai2022(CASES / "shanghai2022")
    v = res.visits
    raw = pd.read_csv(CASES / "shanghai2022" / "address.csv", dtype=str)
    assert len(v) + len(res.errors) == len(raw)
    assert len(v) > 23_000
    assert np.all(v.end - v.start == 86400)
    sh = ZoneInfo("Asia/Shanghai")
    starts = {datetime.fromtimestamp(int(s), sh).strftime("%H:%M") for s in v.start[:1000]}
    assert starts == {"00:00"}
    first = raw.iloc[0]
    day = datetime.strptime(first["date"], "%Y%m%d").replace(tzinfo=sh)
    assert v.start[0] == int(day.timestamp())
    margin = 0.001  # the box was cut on the source's WGS-84 columns; our own conversion differs by ~1 m
    assert np.all((v.lon > BBOX[0] - margin) & (v.lon < BBOX[2] + margin))
    assert np.all((v.lat > BBOX[1] - margin) & (v.lat < BBOX[3] + margin))


def test_shanghai2022_gcj02_conversion_agrees_with_the_sources_wgs84() -> None:
    geo = pd.read_csv(CASES / "shanghai2022" / "geo.csv").drop_duplicates(["district", "address"])
    v = read_shanghai2022(CASES / "shanghai2022").visits
    ids = ("sh2022:" + geo["district"] + geo["address"]).to_numpy()
    lookup = dict(zip(ids, zip(geo["wgs84_lng"], geo["wgs84_lat"], strict=True), strict=True))
    src = np.array([lookup[o] for o in v.owner[:2000]])
    d = geodesic_distance_m(v.lon[:2000], v.lat[:2000], src[:, 0], src[:, 1])
    assert np.median(d) < 2.0 and d.max() < 5.0


def test_wuhan2020_train_and_flight_legs() -> None:
    data = json.loads((CASES / "wuhan2020_travel.json").read_text(encoding="utf-8"))
    legs, errors = parse_wuhan2020(data, "wuhan2020_travel.json", tz="Asia/Shanghai")
    assert len(legs) > 100
    assert {leg.kind for leg in legs} == {"train", "flight"}
    assert all(leg.record and leg.date[:4] == "2020" for leg in legs)
    assert all("travelDate" in e.reason or "no travelDate" in e.reason for e in errors)
    # Two patients on flight GS6635 (seats 10A/10C) on the same local date: found as a nearby-seat pair.
    gs = [leg for leg in legs if leg.number == "GS6635"]
    assert len(gs) >= 2
    me = TransportLeg("resident", "flight", "GS6635", gs[0].date, seat_row=12, seat_letter="B")
    far = TransportLeg("resident2", "flight", "GS6635", gs[0].date, seat_row=30, seat_letter="B")
    other_day = TransportLeg("resident3", "flight", "GS6635", "2020-02-01", seat_row=10, seat_letter="A")
    found = match_legs([me, far, other_day], legs)
    assert {m.declarant for m in found} == {"resident", "resident2"}
    assert {m.level for m in found if m.declarant == "resident"} == {"seat-near"}
    assert {m.level for m in found if m.declarant == "resident2"} == {"same-vehicle"}


def test_train_levels_need_the_same_carriage() -> None:
    case = TransportLeg("c", "train", "G1716", "2020-01-05", carriage=7, seat_row=11)
    near = TransportLeg("a", "train", "G1716", "2020-01-05", carriage=7, seat_row=12)
    same_car = TransportLeg("b", "train", "G1716", "2020-01-05", carriage=7, seat_row=20)
    other_car = TransportLeg("d", "train", "G1716", "2020-01-05", carriage=8, seat_row=11)
    levels = {m.declarant: m.level for m in match_legs([near, same_car, other_car], [case])}
    assert levels == {"a": "seat-near", "b": "same-carriage", "d": "same-vehicle"}
