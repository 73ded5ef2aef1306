"""OSM extract to road graph: connectivity, osmnx simplification, geometry, speeds, directions, formats, bad input.

Expected values come from the extracts themselves, read independently with pyosmium (way tags, node order, node
locations), and from formulas written here (geodesic and spherical lengths, osmnx's endpoint rule).
"""

from __future__ import annotations

import bz2
import collections
import gzip
import hashlib
import itertools
import json
import re
import shutil
import time
import xml.etree.ElementTree as ET
from dataclasses import fields
from functools import cache
from pathlib import Path

import numpy as np
import osmium
import pytest
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fevermap.config import PACKAGE_DATA_DIR, REPO_DATA_DIR
from fevermap.errors import FevermapError, InputError, RegionError
from fevermap.routing import region as region_mod
from fevermap.routing._osm import is_drivable, read_extract
from fevermap.routing.graph import RoadGraph
from fevermap.routing.region import Region, build_region, demo_region, load_region
from fevermap.routing.speeds import HIGHWAY_DEFAULT_KPH

GEOD = Geod(ellps="WGS84")
SOURCES = {
    "shanghai": PACKAGE_DATA_DIR / "osm" / "shanghai_center.osm",
    "monaco": REPO_DATA_DIR / "fixtures" / "monaco.osm.gz",
    "andorra": REPO_DATA_DIR / "fixtures" / "andorra.osm.pbf",
}
ALL = list(SOURCES)


# ---------------------------------------------------------------------------------------------- independent readers
@cache
def _ways(name: str) -> dict[int, tuple[tuple[int, ...], dict[str, str]]]:
    """Every highway way of an extract: node refs in file order and tags (read with pyosmium, no fevermap code)."""
    out = {}
    for way in osmium.FileProcessor(str(SOURCES[name]), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway")):
        out[way.id] = (tuple(n.ref for n in way.nodes), dict(way.tags))
    return out


@cache
def _node_locations(name: str) -> dict[int, tuple[float, float]]:
    return {n.id: (n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(SOURCES[name]), osmium.osm.NODE)}


@cache
def _restriction_nodes(name: str) -> set[int]:
    """Via nodes and via-way nodes of the extract's restriction relations (read with pyosmium)."""
    out: set[int] = set()
    ways = _ways(name)
    for rel in osmium.FileProcessor(str(SOURCES[name]), osmium.osm.RELATION):
        if rel.tags.get("type") == "restriction":
            for m in rel.members:
                if m.role == "via":
                    out.update([m.ref] if m.type == "n" else ways.get(m.ref, ((), {}))[0])
    return out


@cache
def _monaco_xml() -> bytes:
    return gzip.decompress(SOURCES["monaco"].read_bytes())


def _region(request: pytest.FixtureRequest, name: str) -> Region:
    region: Region = request.getfixturevalue(name)
    return region


def _edge_of_seg(g: RoadGraph) -> np.ndarray:
    return np.repeat(np.arange(g.edge_count), np.diff(g.seg_off))


# ---------------------------------------------------------------------------------------------- graph structure
@pytest.mark.parametrize("name", ALL)
def test_every_component_is_kept(request: pytest.FixtureRequest, name: str) -> None:
    region = _region(request, name)
    g = region.graph
    assert g.node_count > 100
    # every located consecutive pair of a drivable way is a segment: nothing is dropped for being disconnected
    locs = _node_locations(name)
    expected = set()
    for nodes, tags in _ways(name).values():
        if is_drivable(tags):  # type: ignore[arg-type]
            for a, b in itertools.pairwise(nodes):
                if a != b and a in locs and b in locs:
                    expected.add(frozenset((a, b)))
    kept = {frozenset(p) for p in zip(g.seg_u_osm.tolist(), g.seg_v_osm.tolist(), strict=True)}
    assert kept == expected
    np.testing.assert_array_equal(np.union1d(g.edge_tail, g.edge_head), np.arange(g.node_count))  # no isolated node
    assert not np.any(g.edge_tail == g.edge_head)  # loops are split, no self-loop edge
    # components are the strongly connected components of the turn graph, numbered by size
    t = region.turns
    n = t.node_count
    matrix = coo_matrix((np.ones(t.arc_count), (t.arc_from, t.arc_to)), shape=(n, n)).tocsr()
    count, _ = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(region.component)
    assert sizes.shape[0] == count == region.meta["components"]
    assert sizes[0] == sizes.max()


def _osmnx_endpoints(g: RoadGraph) -> set[int]:
    """osmnx's endpoint rule (``simplification._is_endpoint``, osmnx 2, no attribute rule) on the OSM segment graph."""
    succ: dict[int, list[int]] = collections.defaultdict(list)
    pred: dict[int, list[int]] = collections.defaultdict(list)
    for u, v in zip(g.seg_u_osm.tolist(), g.seg_v_osm.tolist(), strict=True):
        succ[u].append(v)
        pred[v].append(u)
    endpoints = set()
    for node in set(succ) | set(pred):
        neighbours = set(succ[node]) | set(pred[node])
        degree = len(succ[node]) + len(pred[node])
        if (
            node in neighbours  # rule 1: self-loop
            or not succ[node]  # rule 2: no way out or no way in
            or not pred[node]
            or not (len(neighbours) == 2 and degree in (2, 4))  # rule 3: dead end, junction, oneway change
        ):
            endpoints.add(node)
    return endpoints


@pytest.mark.parametrize("name", ["shanghai", "monaco", "andorra"])
def test_no_interior_pass_through_node_is_left(request: pytest.FixtureRequest, name: str) -> None:
    g = _region(request, name).graph
    endpoints = _osmnx_endpoints(g)
    kept = set(g.node_osm.tolist())
    # every intersection, dead end and direction change stays a node: none is swallowed inside an edge
    assert endpoints <= kept
    # a kept node that osmnx would remove is allowed only where a loop was cut so that no edge is a self-loop: all its
    # edges then lead to one single other node
    neighbours: dict[int, set[int]] = collections.defaultdict(set)
    for a, b in zip(g.edge_tail.tolist(), g.edge_head.tolist(), strict=True):
        neighbours[a].add(b)
        neighbours[b].add(a)
    # ... or where the road's attributes change (so that no edge spans two names) or a turn restriction needs it
    labels: dict[int, set[tuple[object, ...]]] = collections.defaultdict(set)
    for e, (a, b) in enumerate(zip(g.edge_tail.tolist(), g.edge_head.tolist(), strict=True)):
        label = (g.edge_name[e], g.edge_highway[e], g.edge_name_zh[e], g.edge_name_en[e], g.edge_ref[e],
                 bool(g.edge_roundabout[e]), bool(g.edge_toll[e]), bool(g.edge_ferry[e]))  # fmt: skip
        labels[a].add(label)
        labels[b].add(label)
    index = {osm: i for i, osm in enumerate(g.node_osm.tolist())}
    vias = _restriction_nodes(name)
    pass_through = sorted(
        osm
        for osm in kept - endpoints
        if len(neighbours[index[osm]]) != 1 and len(labels[index[osm]]) == 1 and osm not in vias
    )
    assert pass_through == []
    # and the interior points of every edge are pass-through points of the segment graph
    interior = np.ones(g.seg_v_osm.shape[0], dtype=bool)
    interior[g.seg_off[1:] - 1] = False
    assert not set(g.seg_v_osm[interior].tolist()) & endpoints


@pytest.mark.parametrize("name", ALL)
def test_edge_polylines_start_and_end_at_their_nodes(request: pytest.FixtureRequest, name: str) -> None:
    g = _region(request, name).graph
    m = g.edge_count
    first_seg, last_seg = g.seg_off[:-1], g.seg_off[1:] - 1
    assert np.all(np.diff(g.seg_off) >= 1)
    assert g.coords.shape == (g.seg_off[-1] + m, 2)
    start = g.coords[g.seg_off[:-1] + np.arange(m)]
    end = g.coords[g.seg_off[1:] + np.arange(m)]
    np.testing.assert_array_equal(start, np.column_stack([g.node_lon, g.node_lat])[g.edge_tail])
    np.testing.assert_array_equal(end, np.column_stack([g.node_lon, g.node_lat])[g.edge_head])
    np.testing.assert_array_equal(g.seg_u_osm[first_seg], g.node_osm[g.edge_tail])
    np.testing.assert_array_equal(g.seg_v_osm[last_seg], g.node_osm[g.edge_head])
    # the segments of an edge are a chain
    inner = np.ones(g.seg_u_osm.shape[0], dtype=bool)
    inner[last_seg] = False
    np.testing.assert_array_equal(g.seg_v_osm[:-1][inner[:-1]], g.seg_u_osm[1:][inner[:-1]])


@pytest.mark.parametrize("name", ALL)
def test_polylines_follow_the_osm_node_locations(request: pytest.FixtureRequest, name: str) -> None:
    g = _region(request, name).graph
    loc = _node_locations(name)
    e = _edge_of_seg(g)
    s = np.arange(g.seg_u_osm.shape[0])
    expected_u = np.array([loc[i] for i in g.seg_u_osm.tolist()])
    expected_v = np.array([loc[i] for i in g.seg_v_osm.tolist()])
    np.testing.assert_allclose(g.coords[s + e], expected_u, rtol=0, atol=1e-9)
    np.testing.assert_allclose(g.coords[s + e + 1], expected_v, rtol=0, atol=1e-9)
    node_loc = np.array([loc[i] for i in g.node_osm.tolist()])
    np.testing.assert_allclose(np.column_stack([g.node_lon, g.node_lat]), node_loc, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ALL)
def test_segment_lengths_are_geodesic_and_positive(request: pytest.FixtureRequest, name: str) -> None:
    g = _region(request, name).graph
    e = _edge_of_seg(g)
    s = np.arange(g.seg_u_osm.shape[0])
    a, b = g.coords[s + e], g.coords[s + e + 1]
    assert np.all(g.seg_length_m > 0)
    _, _, geodesic = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    np.testing.assert_allclose(g.seg_length_m, geodesic, rtol=1e-9, atol=1e-6)
    # an independent spherical (haversine) length agrees to the ellipsoid's flattening, far better than a planar
    # degree-based length would
    lon1, lat1, lon2, lat2 = (np.radians(c) for c in (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    haversine = 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))
    np.testing.assert_allclose(g.seg_length_m, haversine, rtol=6e-3)


# ---------------------------------------------------------------------------------------------- speeds and directions
_SURFACE_CAPS = ("surface", "tracktype", "smoothness")


def _tagged_kph(tags: dict[str, str]) -> float | None:
    """car.lua's speed for a plain ``maxspeed`` ("50", "30 mph", "90;30": its leading number) times car.lua's
    ``speed_reduction`` 0.8; None when untagged, directional, advisory, symbolic or capped by a surface tag."""
    if any(k.startswith(("maxspeed:", "source:maxspeed", *_SURFACE_CAPS)) for k in tags):
        return None
    m = re.match(r"(\d+)", tags["maxspeed"])
    if m is None:
        return None
    mph = "mph" in tags["maxspeed"] or "mp/h" in tags["maxspeed"]
    return float(m.group(1)) * (1.609344 if mph else 1.0) * 0.8


@pytest.mark.parametrize("name", ["shanghai", "andorra"])
def test_speeds_follow_maxspeed_where_tagged_and_highway_defaults_otherwise(
    request: pytest.FixtureRequest, name: str
) -> None:
    """Speeds as OSRM's car.lua: class speed (car.lua ``speeds.highway``), else 80% of a tagged maxspeed."""
    g = _region(request, name).graph
    ways = _ways(name)
    seg_speed = collections.defaultdict(set)
    for w, speed in zip(g.seg_way.tolist(), g.seg_speed_kph.tolist(), strict=True):
        seg_speed[w].add(speed)
    tagged = defaulted = 0
    for way_id, speeds in seg_speed.items():
        tags = ways[way_id][1]
        if not any(k.startswith(("maxspeed", "source:maxspeed", *_SURFACE_CAPS)) for k in tags):
            assert speeds == {HIGHWAY_DEFAULT_KPH[tags["highway"]]}, (way_id, tags)
            defaulted += 1
        elif "maxspeed" in tags and (kph := _tagged_kph(tags)) is not None:
            assert len(speeds) == 1 and speeds.pop() == pytest.approx(kph, rel=1e-12), (way_id, tags)
            tagged += 1
    assert tagged >= 20 and defaulted >= 100
    # one real way whose maxspeed differs from its class default
    way_id = next(
        w
        for w in sorted(seg_speed)
        if "maxspeed" in ways[w][1]
        and (kph := _tagged_kph(ways[w][1])) is not None
        and kph != HIGHWAY_DEFAULT_KPH[ways[w][1]["highway"]]
    )
    maxspeed = ways[way_id][1]["maxspeed"]
    expected = float(maxspeed) * 0.8 if maxspeed.isdigit() else _tagged_kph(ways[way_id][1])
    np.testing.assert_array_equal(g.seg_speed_kph[g.seg_way == way_id], expected)


def test_highway_defaults_rank_road_classes() -> None:
    d = HIGHWAY_DEFAULT_KPH
    ladder = ["motorway", "trunk", "primary", "secondary", "tertiary", "residential", "living_street"]
    assert [d[k] for k in ladder] == sorted((d[k] for k in ladder), reverse=True)
    assert all(d[f"{k}_link"] <= d[k] for k in ("motorway", "trunk", "primary", "secondary", "tertiary"))
    assert not {"footway", "path", "steps", "pedestrian", "cycleway", "track", "service"} & set(d)


@pytest.mark.parametrize("name", ["shanghai", "andorra"])
def test_oneway_ways_produce_one_direction_only(request: pytest.FixtureRequest, name: str) -> None:
    g = _region(request, name).graph
    ways = _ways(name)
    segments = set(zip(g.seg_way.tolist(), g.seg_u_osm.tolist(), g.seg_v_osm.tolist(), strict=True))
    counts: collections.Counter[str] = collections.Counter()
    for way_id, u, v in segments:
        refs, tags = ways[way_id]
        along = set(itertools.pairwise(refs))
        against = {(b, a) for a, b in along}
        oneway = tags.get("oneway", "")
        implied = tags.get("junction") in {"roundabout", "circular"} or tags["highway"] == "motorway"
        if along & against:  # a way that runs over one pair of nodes both ways: no single direction to check
            continue
        if oneway in {"yes", "true", "1"} or (implied and oneway != "no" and oneway != "-1"):
            assert (u, v) in along and (way_id, v, u) not in segments, (way_id, tags)
            counts["forward"] += 1
        elif oneway == "-1":
            assert (u, v) in against and (way_id, v, u) not in segments, (way_id, tags)
            counts["reverse"] += 1
        else:
            assert (u, v) in along | against and (way_id, v, u) in segments, (way_id, tags)
            counts["two-way"] += 1
    assert counts["forward"] > 100 and counts["reverse"] >= 1 and counts["two-way"] > 100, counts


# ---------------------------------------------------------------------------------------------- input formats
@pytest.mark.parametrize(("name", "suffix"), [("shanghai", ".osm"), ("monaco", ".osm.gz"), ("andorra", ".osm.pbf")])
def test_bundled_formats_load(request: pytest.FixtureRequest, name: str, suffix: str) -> None:
    region = _region(request, name)
    assert region.meta["source"]["file"].endswith(suffix)
    drivable_ways = set(region.graph.seg_way.tolist())
    assert len(drivable_ways) > 50
    assert drivable_ways <= set(_ways(name))


def test_bz2_and_plain_xml_give_the_gzip_graph(monaco: Region, tmp_path: Path) -> None:
    xml = _monaco_xml()
    (tmp_path / "monaco.osm.bz2").write_bytes(bz2.compress(xml))
    (tmp_path / "monaco.osm").write_bytes(xml)
    for source in ("monaco.osm.bz2", "monaco.osm"):
        graph = build_region(tmp_path / source, tmp_path / f"region-{source}").graph
        for f in fields(RoadGraph):
            a, b = getattr(graph, f.name), getattr(monaco.graph, f.name)
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=f"{source}: {f.name}")
            else:
                assert a == b, f"{source}: {f.name}"


def _clip_monaco(tmp_path: Path) -> tuple[Path, set[int], dict[int, int]]:
    """A clipped Monaco extract: nodes east of the 90th longitude percentile and the middle node of every fourth long
    two-way road are dropped, ways are kept whole (as ``osmium extract -s simple`` does)."""
    root = ET.fromstring(_monaco_xml())
    lon = {int(n.get("id", "0")): float(n.get("lon", "nan")) for n in root.iter("node")}
    cut = float(np.percentile(list(lon.values()), 90))
    dropped = {i for i, x in lon.items() if x > cut}
    candidates = {}
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        refs = [int(nd.get("ref", "0")) for nd in way.iter("nd")]
        if (
            tags.get("highway") in {"primary", "secondary", "tertiary", "residential", "unclassified"}
            and "oneway" not in tags
            and len(refs) >= 7
            and not set(refs) & dropped
        ):
            candidates[int(way.get("id", "0"))] = refs[len(refs) // 2]
    gaps = dict(sorted(candidates.items())[::4])
    dropped |= set(gaps.values())
    for node in list(root.findall("node")):
        if int(node.get("id", "0")) in dropped:
            root.remove(node)
    path = tmp_path / "monaco-clipped.osm"
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path, dropped, gaps


def test_clipped_extract_splits_ways_at_missing_nodes(tmp_path: Path) -> None:
    path, dropped, gaps = _clip_monaco(tmp_path)
    assert len(gaps) >= 10
    ways = _ways("monaco")

    # the reader yields exactly the maximal runs of located nodes of each drivable way
    full = {run.way_id for run in read_extract(SOURCES["monaco"]).ways}
    runs = collections.defaultdict(list)
    for run in read_extract(path).ways:
        runs[run.way_id].append(run.node_ids)
    for way_id in full:
        expected, current = [], []
        for ref in [*ways[way_id][0], None]:
            if ref is not None and ref not in dropped:
                current.append(ref)
                continue
            if len(current) >= 2:
                expected.append(tuple(current))
            current = []
        assert runs.get(way_id, []) == expected, way_id

    # the region builds, touches no missing node, and no segment bridges a gap
    graph = build_region(path, tmp_path / "region").graph
    assert graph.node_count > 100
    used = set(graph.seg_u_osm.tolist()) | set(graph.seg_v_osm.tolist())
    assert not used & dropped
    for way_id, u, v in zip(graph.seg_way.tolist(), graph.seg_u_osm.tolist(), graph.seg_v_osm.tolist(), strict=True):
        refs = ways[way_id][0]
        consecutive = set(itertools.pairwise(refs))
        assert (u, v) in consecutive or (v, u) in consecutive, (way_id, u, v)
    # roads cut in their middle keep both halves where both still connect to the network
    split_both_sides = 0
    for way_id, gap in gaps.items():
        refs = ways[way_id][0]
        k = refs.index(gap)
        nodes = set(graph.seg_u_osm[graph.seg_way == way_id].tolist())
        split_both_sides += bool(nodes & set(refs[:k]) and nodes & set(refs[k + 1 :]))
    assert split_both_sides >= 3


# ---------------------------------------------------------------------------------------------- bad input
NO_ROADS = b"""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="43.7300" lon="7.4200"/>
  <node id="2" lat="43.7310" lon="7.4210"/>
  <node id="3" lat="43.7320" lon="7.4230"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="12"><nd ref="1"/><nd ref="3"/><tag k="highway" v="service"/></way>
  <way id="13"><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way>
</osm>
"""


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    xml = _monaco_xml()
    rng = np.random.default_rng(0)
    files = {
        "unsupported suffix": ("monaco.osm.xz", xml[:1000], r"unsupported OSM file 'monaco\.osm\.xz'.*\.osm\.pbf"),
        "no drivable roads": ("paths.osm", NO_ROADS, "no drivable roads"),
        "random pbf": ("random.osm.pbf", rng.bytes(4096), "cannot read OSM file .*random.osm.pbf"),
        "truncated xml": ("truncated.osm", xml[: len(xml) // 2], "cannot read OSM file .*truncated.osm"),
        "not gzip": ("fake.osm.gz", b"not a gzip stream", "cannot read OSM file .*fake.osm.gz"),
        "not bz2": ("fake.osm.bz2", b"not a bzip2 stream", "cannot read OSM file .*fake.osm.bz2"),
        "html page": ("download.osm", b"<html><body>502 Bad Gateway</body></html>", "cannot read OSM file"),
    }
    out = {"missing file": (tmp_path / "nowhere.osm", "OSM file not found: .*nowhere.osm")}
    for case, (file_name, data, message) in files.items():
        (tmp_path / file_name).write_bytes(data)
        out[case] = (tmp_path / file_name, message)
    return out


BAD_CASES = ["missing file", "unsupported suffix", "no drivable roads", "random pbf", "truncated xml", "not gzip",
             "not bz2", "html page"]  # fmt: skip


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_a_clear_input_error_and_writes_nothing(tmp_path: Path, case: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    path, message = _bad_inputs(src)[case]
    out = tmp_path / "out"
    with pytest.raises(InputError, match=message) as info:
        build_region(path, out)
    assert isinstance(info.value, ValueError)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no half-built directory left behind


# ---------------------------------------------------------------------------------------------- region directories
def test_load_region_refuses_what_is_not_a_region(tmp_path: Path, monaco: Region) -> None:
    with pytest.raises(RegionError, match="not a fevermap region directory"):
        load_region(tmp_path)
    with pytest.raises(RegionError, match="not a fevermap region directory"):
        load_region(tmp_path / "missing")
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(monaco.path / "meta.json", partial / "meta.json")
    with pytest.raises(RegionError, match="incomplete"):
        load_region(partial)
    old = tmp_path / "old"
    shutil.copytree(monaco.path, old)
    meta = json.loads((old / "meta.json").read_text())
    meta["format_version"] = -1
    (old / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(RegionError, match="rebuild"):
        load_region(old)
    assert issubclass(RegionError, OSError)


@pytest.mark.parametrize(
    ("name", "timezone"), [("shanghai", "Asia/Shanghai"), ("monaco", "Europe/Monaco"), ("andorra", "Europe/Andorra")]
)
def test_meta_describes_the_region(request: pytest.FixtureRequest, name: str, timezone: str) -> None:
    region = _region(request, name)
    meta = json.loads((region.path / "meta.json").read_text())
    assert meta["name"] == region.name == name
    assert meta["timezone"] == region.timezone == timezone  # looked up: the fixtures give no time zone
    g = region.graph
    lon_min, lat_min, lon_max, lat_max = region.bbox
    assert meta["bbox"] == [lon_min, lat_min, lon_max, lat_max]
    assert (lon_min, lon_max) == (g.coords[:, 0].min(), g.coords[:, 0].max())
    assert (lat_min, lat_max) == (g.coords[:, 1].min(), g.coords[:, 1].max())
    source = SOURCES[name]
    assert meta["source"]["file"] == source.name
    assert meta["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (meta["nodes"], meta["edges"], meta["segments"]) == (g.node_count, g.edge_count, g.seg_u_osm.shape[0])
    assert "OpenStreetMap" in meta["licence"]


def test_rebuild_replaces_an_existing_region(tmp_path: Path) -> None:
    out = tmp_path / "region"
    first = build_region(SOURCES["monaco"], out, name="first")
    (out / "stale.txt").write_text("from the first build")
    second = build_region(SOURCES["monaco"], out, name="second", timezone="Europe/Paris")
    assert not (out / "stale.txt").exists()
    reloaded = load_region(out)
    assert (reloaded.name, reloaded.timezone) == ("second", "Europe/Paris")
    assert reloaded.meta == second.meta
    assert first.meta["name"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region"]  # no temporary or old directory left


def test_a_corrupt_meta_json_is_a_region_error(tmp_path: Path, monaco: Region) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(monaco.path, broken)
    (broken / "meta.json").write_text('{"format_version": ')  # e.g. a disk filled up while writing
    with pytest.raises(RegionError):
        load_region(broken)


def test_build_refuses_to_replace_a_directory_that_is_not_a_region(tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "notes.txt").write_text("not a region")
    with pytest.raises(FevermapError):
        build_region(SOURCES["monaco"], documents)
    assert (documents / "notes.txt").read_text() == "not a region"


def test_demo_region_is_built_once_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("FEVERMAP_CACHE_DIR", str(cache_dir))
    started = time.perf_counter()
    first = demo_region()
    first_s = time.perf_counter() - started
    assert first.path.parent == cache_dir / "regions"
    assert (first.name, first.timezone) == ("shanghai_center", "Asia/Shanghai")
    stamp = (first.path / "graph.npz").stat().st_mtime_ns

    def no_rebuild(*args: object, **kwargs: object) -> Region:
        raise AssertionError("demo_region rebuilt a cached region")

    monkeypatch.setattr(region_mod, "build_region", no_rebuild)
    started = time.perf_counter()
    second = demo_region()
    second_s = time.perf_counter() - started
    assert second.path == first.path
    assert second.meta == first.meta
    assert (second.path / "graph.npz").stat().st_mtime_ns == stamp
    assert second_s < first_s
