"""Edge attributes for directions: from the graph's build, or read from the OSM extract by way id."""

from __future__ import annotations

from fevermap.config import PACKAGE_DATA_DIR
from fevermap.routing.guidance import EdgeAttributes
from fevermap.routing.region import Region


def test_attributes_from_graph_default_the_optional_ones(shanghai: Region) -> None:
    attrs = EdgeAttributes.from_graph(shanghai.graph)
    m = shanghai.graph.edge_count
    assert len(attrs.name) == len(attrs.ref) == len(attrs.name_zh) == m
    assert attrs.roundabout.shape == (m,)


def test_attributes_from_osm_read_names_by_language(shanghai: Region) -> None:
    osm = PACKAGE_DATA_DIR / "osm" / "shanghai_center.osm"
    attrs = EdgeAttributes.from_osm(shanghai.graph, osm)
    english = [e for e in range(shanghai.graph.edge_count) if attrs.name_en[e] and attrs.name[e]]
    assert english, "central Shanghai tags name:en on main roads"
    e = english[0]
    assert attrs.display_name(e, "en") == attrs.name_en[e]
    assert attrs.display_name(e, "zh") == (attrs.name_zh[e] or attrs.name[e])
    assert attrs.display_name(e) == attrs.name[e]
    assert list(attrs.name) == list(shanghai.graph.edge_name)
