"""Several regions in one service: each answers routes, tables and nearest clinics exactly as a service holding it
alone; cross-region and no-region requests get OSRM's errors naming the regions; ``/regions`` and the
``/regions/{name}/`` prefix; traffic applies to the regions whose roads it names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import ClinicCreate
from fevermap.config import Settings
from fevermap.errors import SnapError
from fevermap.routing.region import Region
from fevermap.routing.router import Router

from .conftest import make_settings

#: (region, origin, destination, a clinic location): points on each extract's roads.
POINTS = {
    "shanghai": ((121.4737, 31.2304), (121.4997, 31.2397), (121.4800, 31.2200)),
    "andorra": ((1.5218, 42.5063), (1.5340, 42.5450), (1.5600, 42.5100)),
    "monaco": ((7.4200, 43.7350), (7.4280, 43.7400), (7.4150, 43.7320)),
}


def _seed_clinics(db_url: str) -> None:
    with ClinicRegistry.open(db_url, Settings(database_url=db_url)) as registry:
        for name, (_a, _b, clinic) in POINTS.items():
            registry.add(name, ClinicCreate(name=f"Test clinic {name}", lon=clinic[0], lat=clinic[1],
                                            phones=["+862163240090"], source="test fixture"))  # fmt: skip


@pytest.fixture(scope="module")
def paths(shanghai: Region, andorra: Region, monaco: Region) -> dict[str, Path]:
    return {"shanghai": shanghai.path, "andorra": andorra.path, "monaco": monaco.path}


def _client(tmp: Path, paths: list[Path]) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp / 'fevermap.sqlite3'}"
    _seed_clinics(url)
    settings = make_settings(url, region=paths[0], region_list=paths[1:])
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def many(paths: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from _client(tmp_path_factory.mktemp("many"), list(paths.values()))


def _alone(name: str, paths: dict[str, Path], tmp: Path) -> Iterator[TestClient]:
    return _client(tmp, [paths[name]])


def _coords(*pts: tuple[float, float]) -> str:
    return ";".join(f"{lon},{lat}" for lon, lat in pts)


@pytest.mark.parametrize("name", list(POINTS))
def test_each_region_answers_as_a_service_holding_it_alone(
    name: str, many: TestClient, paths: dict[str, Path], tmp_path: Path
) -> None:
    a, b, clinic = POINTS[name]
    urls = [
        f"/route/v1/driving/{_coords(a, b)}?overview=full&geometries=geojson",
        f"/route/v1/driving/{_coords(a, b)}?overview=false",  # light: answered on the event loop
        f"/nearest/v1/driving/{_coords(a)}",
        f"/table/v1/driving/{_coords(a, b, clinic)}?annotations=duration,distance",
        f"/nearest/v1/driving/{_coords(a)}?number=2",
        f"/route?from={a[0]},{a[1]}&to={b[0]},{b[1]}",
        f"/clinics/nearest?at={a[0]},{a[1]}&limit=5",
    ]
    for alone in _alone(name, paths, tmp_path):
        for url in urls:
            got, want = many.get(url), alone.get(url)
            assert got.status_code == want.status_code == 200, (url, got.text, want.text)
            g, w = got.json(), want.json()
            if url.startswith("/clinics/nearest"):
                # clinic ids and drive times equal; the many-region service lists only this region's clinics
                assert [(c["id"], c["eta_s"]) for c in g["clinics"]] == [(c["id"], c["eta_s"]) for c in w["clinics"]]
                assert all(c["name"] == f"Test clinic {name}" for c in g["clinics"])
            else:
                assert g == w, url
        prefixed = many.get(f"/regions/{name}/route/v1/driving/{_coords(a, b)}?overview=false")
        assert prefixed.json() == alone.get(f"/route/v1/driving/{_coords(a, b)}?overview=false").json()


def test_cross_region_and_no_region_requests_name_the_regions(many: TestClient) -> None:
    sh, an = POINTS["shanghai"][0], POINTS["andorra"][0]
    r = many.get(f"/route/v1/driving/{_coords(sh, an)}")
    assert r.status_code == 400 and r.json()["code"] == "NoRoute"
    assert "'shanghai'" in r.json()["message"] and "'andorra'" in r.json()["message"]
    r = many.get("/route/v1/driving/2.0,42.0;2.01,42.0")
    assert r.status_code == 400 and r.json()["code"] == "NoSegment"
    assert "nearest region is 'andorra'" in r.json()["message"]
    r = many.get(f"/route?from={sh[0]},{sh[1]}&to={an[0]},{an[1]}")
    assert r.status_code == 422 and "'andorra'" in r.json()["detail"]
    # a region prefix routes only inside that region
    r = many.get(f"/regions/monaco/route/v1/driving/{_coords(sh, POINTS['shanghai'][1])}")
    assert r.status_code == 400 and r.json()["code"] == "NoSegment"


def test_a_point_in_one_regions_box_but_off_its_roads_gets_the_region_error(many: TestClient) -> None:
    # the handlers skip the region snaps when one region's box holds the points; the error stays the selection's
    regions = many.app.state.regions  # type: ignore[attr-defined]
    andorra = regions.get("andorra")
    west, south, east, north = andorra.region.bbox
    off = next((lon, lat) for lon in np.linspace(west, east, 40) for lat in np.linspace(south, north, 40)
               if regions.sole_candidate([(lon, lat)]) is andorra and not _snaps(andorra.router, lon, lat))  # fmt: skip
    on = POINTS["andorra"][0]
    with pytest.raises(SnapError) as refused:  # what region selection says (no region holds the point)
        regions.pick([off])
    want = str(refused.value).split(" (", 1)[1]  # after "point (lon, lat)" / "point 2 (lon, lat)"
    for url in [f"/route/v1/driving/{_coords(on, off)}?overview=false",
                f"/route/v1/driving/{_coords(on, off)}?overview=false&steps=maybe",  # its own error comes second
                f"/route/v1/driving/{_coords(off, on)}", f"/nearest/v1/driving/{_coords(off)}",
                f"/table/v1/driving/{_coords(on, off)}"]:  # fmt: skip
        r = many.get(url)
        assert r.status_code == 400 and r.json()["code"] == "NoSegment", (url, r.text)
        assert want in r.json()["message"], (url, r.text)
    r = many.get(f"/route/v1/driving/{_coords(on, POINTS['andorra'][1])}?overview=false&steps=maybe")
    assert r.status_code == 400 and r.json()["code"] == "InvalidOptions"


def _snaps(router: Router, lon: float, lat: float) -> bool:
    try:
        router.snap(lon, lat)
    except SnapError:
        return False
    return True


def test_unknown_region_is_a_404_listing_the_known_ones(many: TestClient) -> None:
    r = many.get(f"/regions/atlantis/route/v1/driving/{_coords(*POINTS['monaco'][:2])}")
    assert r.status_code == 404
    assert "andorra, monaco, shanghai" in r.json()["detail"]


def test_regions_lists_every_region(many: TestClient, paths: dict[str, Path]) -> None:
    listed = {r["name"]: r for r in many.get("/regions").json()}
    assert set(listed) == set(POINTS)
    for r in listed.values():
        assert r["footprint"]["type"] in ("Polygon", "MultiPolygon")
        assert r["timezone"] and r["nodes"] > 0 and r["edges"] > 0 and r["traffic_version"] == 0
    assert listed["shanghai"]["timezone"] == "Asia/Shanghai"
    assert listed["andorra"]["timezone"] == "Europe/Andorra"
    health = many.get("/health").json()
    assert {r["name"] for r in health["regions"]} == set(POINTS)


def test_traffic_applies_to_the_regions_whose_roads_it_names(many: TestClient) -> None:
    app = many.app
    monaco = app.state.regions.get("monaco").router  # type: ignore[attr-defined]
    g = monaco.graph
    seg_u, seg_v = int(g.seg_u_osm[0]), int(g.seg_v_osm[0])
    key = create_key(app.state.sessions, "traffic")  # type: ignore[attr-defined]
    before = {s.name: s.router.metric_version for s in app.state.regions}  # type: ignore[attr-defined]
    r = many.post("/traffic", content=f"{seg_u},{seg_v},0\n", headers={"X-API-Key": key, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["regions"]["monaco"]["rows_known"] == 1
    after = {s.name: s.router.metric_version for s in app.state.regions}  # type: ignore[attr-defined]
    assert after["monaco"] == before["monaco"] + 1
    assert after["shanghai"] == before["shanghai"] and after["andorra"] == before["andorra"]
    assert all(s.router.traffic_version == r.json()["version"] for s in app.state.regions)  # type: ignore[attr-defined]
