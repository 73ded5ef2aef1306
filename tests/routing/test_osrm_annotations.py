"""Annotations: ``datasources`` mark the segments whose speed came from a live traffic feed."""

from __future__ import annotations

from fevermap.routing.region import Region
from fevermap.routing.router import Router

from .osrm_fixtures import route_json

A, B = (121.4737, 31.2304), (121.4997, 31.2397)


def test_datasources_mark_live_traffic(shanghai: Region) -> None:
    router = Router(shanghai)
    before = route_json(router, A, B)["routes"][0]["legs"][0]["annotation"]
    assert set(before["datasources"]) == {0}
    nodes = before["nodes"]
    k = len(nodes) // 2
    pair = (nodes[k], nodes[k + 1])
    speed_kmh = before["speed"][k] * 3.6 * 1.2  # a little faster: the route keeps this segment
    router.apply_traffic([f"{pair[0]},{pair[1]},{speed_kmh:.1f}"])
    after = route_json(router, A, B)["routes"][0]["legs"][0]["annotation"]
    marked = [i for i, d in enumerate(after["datasources"]) if d == 1]
    assert marked and all((after["nodes"][i], after["nodes"][i + 1]) == pair for i in marked)
    assert after["metadata"]["datasource_names"] == ["default", "traffic"]
