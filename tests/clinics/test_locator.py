"""The locator on the real Shanghai extract, both backends: exact driving-time order (equal to brute force, also
under live traffic), filters, call-first answers, clear errors. Clinics here are SYNTHETIC (random points in the
extract), as the real list has only 8 located clinics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fevermap.clinics.hours import is_open
from fevermap.clinics.locator import ClinicLocator, answer_json
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate, NearestAnswer, StatusUpdate
from fevermap.config import Settings
from fevermap.errors import CoordinateError, InputError
from fevermap.routing.region import Region
from fevermap.routing.router import Router

SH = timezone(timedelta(hours=8))
T = datetime(2026, 11, 25, 23, 40, tzinfo=SH)  # a Wednesday night


def synthetic_clinics(region: Region, n: int, seed: int) -> list[ClinicCreate]:
    """``n`` SYNTHETIC clinics at uniform random points of the region's bbox (ids syn-0000...)."""
    rng = np.random.default_rng(seed)
    lon0, lat0, lon1, lat1 = region.bbox
    pad = 0.002
    return [
        ClinicCreate(
            id=f"syn-{i:04d}",
            name=f"SYNTHETIC clinic {i}",
            lon=float(rng.uniform(lon0 + pad, lon1 - pad)),
            lat=float(rng.uniform(lat0 + pad, lat1 - pad)),
            phones=["+862163240090"],
            source="synthetic test data",
        )
        for i in range(n)
    ]


def random_origins(region: Region, n: int, seed: int) -> Iterator[tuple[float, float]]:
    """Random points within about 50 m of random road nodes (the extract's corners are far from any road)."""
    rng = np.random.default_rng(seed)
    g = region.graph
    for i in rng.choice(g.node_lon.shape[0], size=n, replace=False):
        yield float(g.node_lon[i] + rng.uniform(-5e-4, 5e-4)), float(g.node_lat[i] + rng.uniform(-4e-4, 4e-4))


def _assert_equals_brute_force(loc: ClinicLocator, origin: tuple[float, float], limit: int, **filters: bool) -> None:
    ans = loc.nearest(*origin, limit=limit, at=T, with_routes=False, **filters)
    wanted = None if not filters else [c.id for c in loc.nearest(*origin, limit=100, at=T, with_routes=False,
                                                                  **filters).clinics]  # fmt: skip
    brute = loc.brute_force(*origin, candidates=wanted)[:limit]
    got = [(c.id, c.eta_s) for c in ans.clinics]
    assert [round(e, 3) for _, e in got] == [round(e, 3) for _, e in brute]
    assert [i for i, _ in got] == [i for i, _ in brute]


def test_order_equals_brute_force_on_random_origins(registry: ClinicRegistry, shanghai: Region) -> None:
    registry.upsert_many(shanghai.name, synthetic_clinics(shanghai, 240, seed=1), timezone=shanghai.timezone)
    loc = ClinicLocator(registry, Router(shanghai), cell_size=32)  # several cells: the prefilter is exercised
    routed = []
    for origin in random_origins(shanghai, 12, seed=2):
        for limit in (1, 5):
            _assert_equals_brute_force(loc, origin, limit)
        routed.append(loc.nearest(*origin, limit=3, at=T, with_routes=False).routed)
    assert min(routed) < 240  # the safe prefilter skipped some cells


def test_order_equals_brute_force_under_live_traffic(registry: ClinicRegistry, shanghai: Region) -> None:
    registry.upsert_many(shanghai.name, synthetic_clinics(shanghai, 120, seed=3), timezone=shanghai.timezone)
    router = Router(shanghai)
    g = shanghai.graph
    rng = np.random.default_rng(4)
    pick = rng.choice(g.seg_u_osm.shape[0], size=3000, replace=False)
    speeds = rng.choice([0.0, 5.0, 15.0, 40.0, 90.0, 120.0], size=pick.size)
    rows = [f"{g.seg_u_osm[i]},{g.seg_v_osm[i]},{s:g}" for i, s in zip(pick, speeds, strict=True)]
    report = router.apply_traffic(rows)
    assert report.segments_closed > 0 and router.max_speed_mps > 100 / 3.6  # faster roads: the bound must follow
    loc = ClinicLocator(registry, router, cell_size=16)
    for origin in random_origins(shanghai, 6, seed=5):
        _assert_equals_brute_force(loc, origin, 4)


def _three(registry: ClinicRegistry, region: Region) -> dict[str, str]:
    base = synthetic_clinics(region, 3, seed=7)
    specs = {
        "night24": {"night_emergency": True, "opening_hours": "24/7"},
        "dayonly": {"night_emergency": False, "opening_hours": "Mo-Fr 08:00-17:00"},
        "unknown": {},
    }
    clinics = [c.model_copy(update={"id": k, **v}) for c, (k, v) in zip(base, specs.items(), strict=True)]
    registry.upsert_many(region.name, clinics, timezone=region.timezone)
    return {k: k for k in specs}


def _three_with_fresh_status_answer(registry: ClinicRegistry, region: Region) -> NearestAnswer:
    """The three clinics of :func:`_three`, each with 3 slots reported now, asked for from the city centre at T."""
    _three(registry, region)
    now = T.astimezone(UTC)
    for cid in ("night24", "dayonly", "unknown"):
        registry.update_status(cid, StatusUpdate(slots=3, observed_at=now), now=now)
    return ClinicLocator(registry, Router(region)).nearest(121.4737, 31.2304, limit=3, at=T)


def _ids(loc: ClinicLocator, **kw: object) -> set[str]:
    return {c.id for c in loc.nearest(121.4737, 31.2304, limit=10, with_routes=False, **kw).clinics}  # type: ignore[arg-type]


def test_night_and_open_now_filters_across_midnight(registry: ClinicRegistry, shanghai: Region) -> None:
    _three(registry, shanghai)
    registry.add(
        shanghai.name,
        ClinicCreate(id="evening", name="evening", lon=121.47, lat=31.23, opening_hours="Mo-Su 18:00-02:00"),
        timezone=shanghai.timezone,
    )
    loc = ClinicLocator(registry, Router(shanghai))
    assert _ids(loc, night=True, at=T) == {"night24", "unknown", "evening"}
    assert _ids(loc, night=True, strict=True, at=T) == {"night24"}
    one_am = datetime(2026, 11, 26, 1, 30, tzinfo=SH)
    three_am = datetime(2026, 11, 26, 3, 0, tzinfo=SH)
    noon = datetime(2026, 11, 26, 12, 0, tzinfo=SH)
    assert _ids(loc, open_now=True, strict=True, at=one_am) == {"night24", "evening"}
    assert _ids(loc, open_now=True, strict=True, at=three_am) == {"night24"}
    assert _ids(loc, open_now=True, strict=True, at=noon) == {"night24", "dayonly"}
    # the same instant in UTC gives the same answer: hours are evaluated in Asia/Shanghai
    assert _ids(loc, open_now=True, strict=True, at=one_am.astimezone(UTC)) == {"night24", "evening"}
    # unknown hours are kept (marked), known-closed are dropped
    ans = loc.nearest(121.4737, 31.2304, limit=10, open_now=True, at=three_am, with_routes=False)
    marked = {c.id: c for c in ans.clinics}
    assert set(marked) == {"night24", "unknown"}
    assert marked["unknown"].open_now is None and "opening hours unknown" in marked["unknown"].call_first_reasons


def test_with_slots_uses_fresh_status_only(registry: ClinicRegistry, shanghai: Region) -> None:
    _three(registry, shanghai)
    now = T.astimezone(UTC)
    registry.update_status("night24", StatusUpdate(slots=4, observed_at=now - timedelta(minutes=5)), now=now)
    registry.update_status("dayonly", StatusUpdate(slots=0, observed_at=now - timedelta(minutes=5)), now=now)
    registry.update_status("unknown", StatusUpdate(slots=9, observed_at=now - timedelta(hours=2)), now=now)
    loc = ClinicLocator(registry, Router(shanghai))
    assert _ids(loc, with_slots=True, strict=True, at=T) == {"night24"}
    ans = {c.id: c for c in loc.nearest(121.4737, 31.2304, limit=10, with_slots=True, at=T).clinics}
    assert set(ans) == {"night24", "unknown"}  # known zero dropped, stale kept but marked
    assert ans["unknown"].stale and ans["unknown"].slots is None and ans["unknown"].call_first
    assert ans["unknown"].updated_at == now - timedelta(hours=2)
    assert ans["night24"].slots == 4 and not ans["night24"].stale
    # a new report is seen by the next query (registry revision changed)
    registry.update_status("dayonly", StatusUpdate(slots=2, observed_at=now - timedelta(minutes=1)), now=now)
    assert _ids(loc, with_slots=True, strict=True, at=T) == {"night24", "dayonly"}


def test_answer_fields_and_route_of_the_first(registry: ClinicRegistry, shanghai: Region) -> None:
    ans = _three_with_fresh_status_answer(registry, shanghai)
    first, *rest = ans.clinics
    assert [c.rank for c in ans.clinics] == [1, 2, 3]
    assert all(a.eta_s <= b.eta_s for a, b in zip(ans.clinics, ans.clinics[1:], strict=False))
    assert first.route is not None and first.route["type"] == "LineString"
    assert first.route["coordinates"][0] == list(ans.snapped_origin)
    assert all(c.route is None for c in rest)
    assert all(c.distance_m is not None and c.distance_m > 0 for c in ans.clinics)
    assert first.tel == "tel:+86-21-6324-0090" and first.location == (first.status and first.location)
    assert ans.at_local.endswith("+08:00")
    data = answer_json(ans)
    assert {"id", "name", "phones", "tel", "address", "location", "eta_s", "distance_m", "slots", "stale",
            "open_now", "night_emergency", "source", "route"} <= set(data["clinics"][0])  # fmt: skip


def test_long_drive_says_call_first_and_leads_with_the_phone(db_url: str, shanghai: Region) -> None:
    registry = ClinicRegistry.open(db_url, settings=Settings(call_first_eta_min=2.0))
    ans = _three_with_fresh_status_answer(registry, shanghai)
    for c in ans.clinics:
        assert c.call_first == (c.eta_s > 120), (c.id, c.eta_s)
        if c.call_first:
            assert any(r.startswith("long drive") for r in c.call_first_reasons)
    data = answer_json(ans)
    for c in data["clinics"]:
        keys = list(c)
        assert (keys[:2] == ["call_first", "tel"]) == c["call_first"]
    registry.engine.dispose()


def test_bad_queries_give_clear_errors(registry: ClinicRegistry, shanghai: Region) -> None:
    _three(registry, shanghai)
    loc = ClinicLocator(registry, Router(shanghai))
    with pytest.raises(CoordinateError, match="outside the region"):
        loc.nearest(116.3912, 39.9062, at=T)
    with pytest.raises(CoordinateError, match="lat,lon"):
        loc.nearest(31.2304, 121.4737, at=T)
    with pytest.raises(InputError, match="limit"):
        loc.nearest(121.4737, 31.2304, limit=0, at=T)
    with pytest.raises(InputError, match=r"time .* has no UTC offset"):
        loc.nearest(121.4737, 31.2304, at=datetime(2026, 11, 25, 23, 40))


def test_no_clinics_gives_an_empty_answer(registry: ClinicRegistry, shanghai: Region) -> None:
    ans = ClinicLocator(registry, Router(shanghai)).nearest(121.4737, 31.2304, at=T)
    assert ans.clinics == [] and ans.considered == 0


def test_property_filtered_order_equals_brute_force(registry: ClinicRegistry, shanghai: Region) -> None:
    """Hypothesis: for any origin near a road, limit and strict filter combination, the answer equals brute force
    over the clinics an independent oracle says pass the filters."""
    rng = np.random.default_rng(11)
    now = T.astimezone(UTC)
    hours = [None, "24/7", "Mo-Fr 08:00-17:00", "Mo-Su 18:00-02:00"]
    clinics = [
        c.model_copy(
            update={
                "night_emergency": [None, True, False][int(rng.integers(3))],
                "opening_hours": hours[int(rng.integers(4))],
            }
        )
        for c in synthetic_clinics(shanghai, 150, seed=12)
    ]
    registry.upsert_many(shanghai.name, clinics, timezone=shanghai.timezone)
    for c in clinics[::2]:
        age = timedelta(minutes=float(rng.uniform(0, 60)))
        registry.update_status(str(c.id), StatusUpdate(slots=int(rng.integers(0, 4)), observed_at=now - age), now=now)
    loc = ClinicLocator(registry, Router(shanghai), cell_size=24)
    records = {r.id: r for r in registry.records(shanghai.name)}
    g = shanghai.graph

    def passes(cid: str, at: datetime, night: bool, open_now: bool, with_slots: bool) -> bool:
        r = records[cid]
        if night and r.night_emergency is not True:
            return False
        if open_now and is_open(r.opening_hours, at, shanghai.timezone) is not True:
            return False
        fresh = r.status is not None and (at - r.status.observed_at) <= timedelta(minutes=30)
        return not (with_slots and not (fresh and r.status is not None and (r.status.slots or 0) > 0))

    @settings(max_examples=30, deadline=None, derandomize=True)
    @given(
        node=st.integers(0, g.node_lon.shape[0] - 1),
        limit=st.integers(1, 8),
        night=st.booleans(),
        open_now=st.booleans(),
        with_slots=st.booleans(),
        hour=st.sampled_from([1, 3, 10, 20]),
    )
    def check(node: int, limit: int, night: bool, open_now: bool, with_slots: bool, hour: int) -> None:
        at = datetime(2026, 11, 26, hour, 0, tzinfo=SH)
        origin = (float(g.node_lon[node]), float(g.node_lat[node]))
        ans = loc.nearest(*origin, limit=limit, night=night, open_now=open_now, with_slots=with_slots, strict=True,
                          at=at, with_routes=False)  # fmt: skip
        wanted = [cid for cid in records if passes(cid, at, night, open_now, with_slots)]
        brute = loc.brute_force(*origin, candidates=wanted)[:limit]
        assert [(c.id, round(c.eta_s, 3)) for c in ans.clinics] == [(i, round(e, 3)) for i, e in brute]

    check()


def test_rural_long_drive_on_andorra_mountain_roads(registry: ClinicRegistry, andorra: Region) -> None:
    """Journey 2: a caller at the south end of Andorra, the only (SYNTHETIC) clinic at the east end: about 55 min
    of mountain roads, so the default 45-min threshold says call first, phone leading, with a fresh status."""
    g = andorra.graph
    east = int(np.argmax(g.node_lon))
    south = int(np.argmin(g.node_lat))
    clinic = ClinicCreate(
        id="syn-east", name="SYNTHETIC east clinic", lon=float(g.node_lon[east]), lat=float(g.node_lat[east]),
        phones=["+376800000"], night_emergency=True, opening_hours="24/7",
    )  # fmt: skip
    registry.upsert_many(andorra.name, [clinic], timezone=andorra.timezone)
    at = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    registry.update_status("syn-east", StatusUpdate(slots=2, observed_at=at - timedelta(minutes=3)), now=at)
    loc = ClinicLocator(registry, Router(andorra))
    ans = loc.nearest(float(g.node_lon[south]), float(g.node_lat[south]), limit=1, at=at)
    (c,) = ans.clinics
    assert c.eta_s > 45 * 60 and c.call_first
    assert c.call_first_reasons == [f"long drive: {c.eta_s / 60:.0f} min (over 45 min)"]
    assert c.slots == 2 and not c.stale and c.open_now is True
    assert list(answer_json(ans)["clinics"][0])[:2] == ["call_first", "tel"]
    assert c.tel is not None and c.tel.startswith("tel:+376")
    assert ans.at_local == "2026-11-26T00:00:00+01:00"  # Europe/Andorra


def _pydantic_json(answer: NearestAnswer) -> dict[str, Any]:
    """The answer as pydantic dumps all of it (the reference :func:`answer_json` must equal, key order included)."""
    data = answer.model_dump(mode="json")
    lead = ("call_first", "tel", "phones_display", "call_first_reasons")
    data["clinics"] = [({k: c[k] for k in lead} | {k: v for k, v in c.items() if k not in lead}) if c["call_first"]
                       else c for c in data["clinics"]]  # fmt: skip
    return data


def test_answer_json_is_the_pydantic_dump_byte_for_byte(registry: ClinicRegistry, shanghai: Region) -> None:
    """The route's GeoJSON is put in as it is: the same bytes as pydantic's dump of every field."""
    clinics = synthetic_clinics(shanghai, 12, seed=21)
    registry.upsert_many(shanghai.name, clinics, timezone=shanghai.timezone)
    for i, c in enumerate(clinics[:8]):
        update = StatusUpdate(slots=i % 3, waiting_patients=i, observed_at=T - timedelta(minutes=20 * i))
        registry.update_status(str(c.id), update, now=T)
    loc = ClinicLocator(registry, Router(shanghai))
    rng = np.random.default_rng(5)
    lon0, lat0, lon1, lat1 = shanghai.bbox
    seen_route = 0
    for _ in range(12):
        lon, lat = float(rng.uniform(lon0, lon1)), float(rng.uniform(lat0, lat1))
        for limit, rank in ((1, "drive"), (3, "time_to_care"), (12, "drive")):
            try:
                ans = loc.nearest(lon, lat, limit=limit, rank_by=rank, at=T, with_slots=limit == 3)
            except InputError:  # a random point far from any road
                continue
            seen_route += any(c.route is not None for c in ans.clinics)
            opt = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
            assert orjson.dumps(answer_json(ans), option=opt) == orjson.dumps(_pydantic_json(ans), option=opt)
    assert seen_route > 5
