"""Region directories: a built road graph, its turn graph, CCH order and metadata, ready to load in under a second.

Arrays are written and read by :mod:`fevermap.routing.region_io`: a loaded region's arrays are read-only views of
its files, memory-mapped, so the workers of a service (and services on one machine) share them.

A region directory holds:

- ``graph.npz``, the arrays of :class:`fevermap.routing.graph.RoadGraph` (``n`` nodes, ``m`` directed road edges,
  ``s`` OSM segments): ``node_osm`` (n, OSM node id), ``node_lon`` / ``node_lat`` (n, degrees WGS-84);
  ``edge_tail`` / ``edge_head`` (m, node index), ``edge_twin`` (m, the opposite direction or -1), ``edge_way`` (m,
  OSM way id), ``edge_roundabout`` (m, ``junction=roundabout|circular``), ``edge_toll`` (m, ``toll`` not ``no``),
  ``edge_ferry`` (m, ``route=ferry``); ``seg_off`` (m+1, edge ``i``'s segments are ``seg_off[i]:seg_off[i+1]`` in
  driving order); ``seg_u_osm`` / ``seg_v_osm`` (s, OSM node ids of each segment's ends, so an edge's OSM node
  sequence is ``seg_u_osm[seg_off[i]:seg_off[i+1]]`` then ``seg_v_osm[seg_off[i+1]-1]``), ``seg_way`` (s, OSM way
  id), ``seg_forward`` (s, driven along the way's node order), ``seg_length_m`` (s, geodesic metres),
  ``seg_speed_kph`` (s, km/h), ``seg_penalty_ms`` (s, obstacle cost at the segment's end node, ms); ``coords``
  (s+m, 2: ``(lon, lat)`` polyline rows, edge ``i``'s are ``coords[seg_off[i]+i : seg_off[i+1]+i+1]``).
- ``labels.npz``: per-edge strings (:func:`fevermap.routing.region_io.save_labels`): ``strings`` (UTF-8 bytes of
  every distinct string, one after the other) and ``string_off`` (where each starts and ends in the decoded text, in
  characters; one more than strings), and per edge an int32 code into them (m each): ``code_name`` (``name``, else
  ``ref``), ``code_name_zh`` (``name:zh``), ``code_name_en`` (``name:en``), ``code_ref``, ``code_highway``
  (``"ferry"`` for ferries).
- ``turns.npz``: the :class:`fevermap.routing.turns.TurnGraph` (``node_edge``, ``arc_from``, ``arc_to``,
  ``arc_turn_ms``, ``arc_u_turn``) and ``component`` (strongly connected component of each turn-graph node,
  0 = the largest).
- ``cch_order.npy``: the nested-dissection order of the turn graph for the Customizable Contraction Hierarchy.
- ``traffic_index.npz``: the OSM node pair to segment look-up for traffic feeds
  (:class:`fevermap.routing.segment_table.SegmentTable`): ``slots`` (``2**k`` int32, a hash table of the lowest
  segment of each distinct pair, -1 = empty) and ``same_pair`` (s, int32: the next segment with the same pair or -1).
- ``snap.npz``: the snapping index (:func:`fevermap.routing.snap_arrays.edge_index_arrays`): ``bounds``,
  ``geom_off``, ``seg_edge``, ``seg_k``, ``seg_before_m``, ``edge_len_m``, ``twin``, ``indexed_seg``,
  ``out_order`` / ``out_bounds`` and ``in_order`` / ``in_bounds`` (edges by tail and head node), ``in_largest`` /
  ``big_edge`` / ``big_seg`` (big components), and the segment grids ``grid_*`` and ``big_grid_*`` (projected
  segment rows in metres, packed search rows, cell members and offsets, empty-ring reach, parameters).
- ``layout.npz``: the graph-only parts of a metric state (:class:`fevermap.routing.state.StateLayout`):
  ``seg_edge``, ``seg_start``, ``edge_last``, ``arc_edge``.
- ``base_state.npz``: the metric arrays of the base speeds and turn costs
  (:func:`fevermap.routing.state.metric_arrays`): ``seg_ms`` (s), ``excl`` / ``incl`` (s, ms from the edge's start
  to each segment's start / end), ``edge_total`` / ``edge_ms`` (m, ms), ``edge_weights_ms`` (m) and
  ``arc_weights_ms`` (turn-graph arcs, the engine's whole-ms weights), ``closed_before`` / ``closed_after`` (s) only
  if a base speed is 0.
- ``cch.npz``: the hierarchy (:class:`fevermap.routing.engine.Hierarchy`: the contraction of the turn graph along
  that order), its partition for parallel customisation (:data:`fevermap.routing.engine.PARTITION_ARRAYS`; a
  directory without it loads, and its first traffic update makes it) and ``base_packed``, the native customisation
  of ``base_state.npz``'s ``arc_weights_ms``, so that loading maps them instead of computing them.
- ``meta.json``: name, bbox, time zone, profile, restriction report, source file and its SHA-256, fevermap version,
  counts.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fevermap import __version__, paths
from fevermap.errors import RegionError
from fevermap.routing.engine import CCHEngine, Hierarchy, contract
from fevermap.routing.graph import RoadGraph
from fevermap.routing.profile import Profile, left_hand_traffic
from fevermap.routing.region_io import map_npy, map_npz, read_labels, save_labels, save_npy, save_npz
from fevermap.routing.snap_arrays import big_components, edge_index_arrays
from fevermap.routing.state import StateLayout, metric_arrays
from fevermap.routing.traffic import SegmentTable
from fevermap.routing.turns import TurnGraph, build_turns

FORMAT_VERSION = 7  # 7: the CCH and its first metric saved (cch.npz); 6: labels, snap, layout, base_state
DEMO_SOURCE = "osm/shanghai_center.osm"
DEMO_REGION_NAME = "shanghai_center"
_LABELS = {"edge_name": "name", "edge_highway": "highway", "edge_name_zh": "name_zh", "edge_name_en": "name_en",
           "edge_ref": "ref"}  # fmt: skip
_ARRAYS = [f.name for f in fields(RoadGraph) if f.name not in _LABELS]
_TURN_ARRAYS = [f.name for f in fields(TurnGraph)]


@dataclass(frozen=True)
class Region:
    """A loaded region: its road graph, CCH order and metadata.

    ``bbox`` is ``(lon_min, lat_min, lon_max, lat_max)`` in degrees; ``timezone`` an IANA name such as
    ``"Asia/Shanghai"``, used for opening hours and day-level records.
    """

    path: Path
    graph: RoadGraph
    cch_order: np.ndarray
    segments: SegmentTable
    meta: dict[str, Any]
    turns: TurnGraph
    component: np.ndarray
    #: :func:`~fevermap.routing.snap_arrays.edge_index_arrays` saved at build (``snap.npz``), None: compute them.
    snap_arrays: Mapping[str, np.ndarray] | None = None
    #: :meth:`~fevermap.routing.state.StateLayout.to_arrays` saved at build (``layout.npz``), None: compute them.
    layout_arrays: Mapping[str, np.ndarray] | None = None
    #: :func:`~fevermap.routing.state.metric_arrays` of the base speeds (``base_state.npz``), None: compute them.
    base_state_arrays: Mapping[str, np.ndarray] | None = None
    hierarchy: Hierarchy | None = None
    #: The saved customisation: (weights per turn-graph arc, the native metric of them), None: customise.
    base_metric: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def profile(self) -> Profile:
        return Profile.from_dict(self.meta["profile"])

    @property
    def name(self) -> str:
        return str(self.meta["name"])

    @property
    def timezone(self) -> str:
        return str(self.meta["timezone"])

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        b = self.meta["bbox"]
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    @property
    def node_lon(self) -> np.ndarray:
        return self.graph.node_lon

    @property
    def node_lat(self) -> np.ndarray:
        return self.graph.node_lat


def _blocks(path: Path) -> Iterator[bytes]:
    """The bytes of a file in 1 MiB blocks."""
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(1 << 20), b"")


def _sha256(path: Path) -> str:
    import hashlib  # building only: loading a region does not hash its source

    digest = hashlib.sha256()
    for block in _blocks(path):
        digest.update(block)
    return digest.hexdigest()


def _content_key(path: Path) -> str:
    """Size and CRC-32 of a file (hex): the demo cache's key, cheap enough to compute on every open."""
    crc = 0
    for block in _blocks(path):
        crc = zlib.crc32(block, crc)
    return f"{path.stat().st_size:x}{crc:08x}"


def region_name_of(osm_path: Path | str) -> str:
    """The default region name of an extract: its file name without ``.osm``/``.pbf``/``.gz``/``.bz2``."""
    name = Path(osm_path).name
    for suffix in (".gz", ".bz2", ".pbf", ".osm"):
        name = name.removesuffix(suffix)
    return name


def build_region(
    osm_path: Path | str,
    out_dir: Path | str,
    *,
    name: str | None = None,
    timezone: str | None = None,
    show_progress: bool = False,
) -> Region:
    """Build a region directory from an OSM extract and return it loaded.

    Parameters
    ----------
    osm_path : path
        ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` extract.
    out_dir : path
        Directory to write (created; replaced atomically if it exists).
    name : str, optional
        Region name; default from the file name.
    timezone : str, optional
        IANA time zone; default looked up at the centre of the extract.
    show_progress : bool
        Show a progress bar on stderr.
    """
    import tzfpy  # building needs osmium, tzfpy and tqdm; loading a region does not import them
    from tqdm import tqdm

    from fevermap.routing._osm import check_osm_path, read_extract
    from fevermap.routing.build import build_graph
    from fevermap.routing.restrictions import required_nodes, resolve

    osm_path, out_dir = Path(osm_path), Path(out_dir)
    check_osm_path(osm_path)
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / "meta.json").exists())):
        raise RegionError(f"{out_dir} exists and is not a fevermap region directory: choose another --out")
    started = time.perf_counter()
    stages = ["reading OSM", "collecting road segments", "simplifying", "pairing two-way edges",
              "resolving turn restrictions", "ordering the CCH", "writing"]  # fmt: skip
    bar = tqdm(total=len(stages), desc="build", unit="stage", disable=not show_progress, leave=False)

    def say(msg: str) -> None:
        bar.set_postfix_str(msg)
        bar.update(1)

    bar.set_postfix_str(stages[0])
    extract = read_extract(osm_path)
    lon_c = (min(min(w.lons) for w in extract.ways) + max(max(w.lons) for w in extract.ways)) / 2 if extract.ways else 0
    lat_c = (min(min(w.lats) for w in extract.ways) + max(max(w.lats) for w in extract.ways)) / 2 if extract.ways else 0
    timezone = timezone or tzfpy.get_tz(lon_c, lat_c) or "UTC"
    profile = Profile(left_hand_driving=left_hand_traffic(timezone))
    graph = build_graph(extract.ways, progress=say, obstacles=extract.obstacles,
                        keep_nodes=required_nodes(extract), profile=profile)  # fmt: skip
    say("resolving turn restrictions")
    resolved = resolve(extract, graph)
    u_turn_nodes = np.array([k for k, (kind, _) in extract.obstacles.items() if kind in {"turning", "gate"}], np.int64)
    turns = build_turns(graph, resolved, profile, u_turn_nodes)
    component = _components(turns)
    say("ordering the CCH")
    import routingkit_cch as rk  # building only: its nested-dissection order (inertial flow); loading never needs it

    mid = graph.seg_off[:-1] + np.arange(graph.edge_count) + np.diff(graph.seg_off) // 2  # a coordinate per edge
    where = graph.coords[mid[turns.node_edge]]
    order = np.asarray(
        rk.compute_order_inertial(
            turns.node_count, turns.arc_from.tolist(), turns.arc_to.tolist(),
            where[:, 1].tolist(), where[:, 0].tolist(),
        ),
        dtype=np.int64,
    )  # fmt: skip
    say("writing")
    bbox = [float(graph.coords[:, 0].min()), float(graph.coords[:, 1].min()),
            float(graph.coords[:, 0].max()), float(graph.coords[:, 1].max())]  # fmt: skip
    meta = {
        "format_version": FORMAT_VERSION,
        "name": name or region_name_of(osm_path),
        "bbox": bbox,
        "timezone": timezone,
        "profile": profile.to_dict(),
        "source": {"file": osm_path.name, "sha256": _sha256(osm_path)},
        "fevermap_version": __version__,
        "built_at": datetime.now(UTC).isoformat(),
        "build_seconds": round(time.perf_counter() - started, 3),
        "nodes": graph.node_count,
        "edges": graph.edge_count,
        "segments": int(graph.seg_length_m.shape[0]),
        "turns": turns.arc_count,
        "turn_graph_nodes": turns.node_count,
        "components": int(component.max()) + 1,
        "edges_outside_largest_component": int((component[: graph.edge_count] != 0).sum()),
        "restrictions": resolved.report,
        "obstacles": _obstacle_counts(extract.obstacles),
        "licence": "Road data (c) OpenStreetMap contributors, ODbL 1.0",
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=out_dir.parent))
    save_npz(tmp / "graph.npz", **{k: getattr(graph, k) for k in _ARRAYS})
    save_labels(tmp / "labels.npz", {key: getattr(graph, attr) for attr, key in _LABELS.items()})
    save_npz(tmp / "turns.npz", component=component, **{k: getattr(turns, k) for k in _TURN_ARRAYS})
    save_npy(tmp / "cch_order.npy", order)
    table = SegmentTable.build(graph.seg_u_osm, graph.seg_v_osm)
    save_npz(tmp / "traffic_index.npz", slots=table.slots, same_pair=table.same_pair)
    save_npz(tmp / "snap.npz", **edge_index_arrays(graph, big_components(component)[: graph.edge_count]))
    layout = StateLayout.of(graph, turns)
    save_npz(tmp / "layout.npz", **layout.to_arrays())
    base = metric_arrays(graph, turns, graph.seg_speed_kph, turns.arc_turn_ms, layout=layout)
    save_npz(tmp / "base_state.npz", **base)
    say("contracting and customising the CCH")
    hierarchy = contract(order, turns.arc_from, turns.arc_to)
    engine = CCHEngine(order, turns.arc_from, turns.arc_to, base["arc_weights_ms"], hierarchy=hierarchy)
    save_npz(tmp / "cch.npz", **hierarchy.arrays(), **engine.partition(), base_packed=engine.metric.packed())
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + f".old-{os.getpid()}")
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)
    bar.close()
    return load_region(out_dir)


def _components(turns: TurnGraph) -> np.ndarray:
    """Strongly connected component of each turn-graph node, numbered by size (0 = the largest)."""
    from scipy.sparse import coo_matrix  # only building needs scipy: loading a region stays fast
    from scipy.sparse.csgraph import connected_components

    n = turns.node_count
    matrix = coo_matrix((np.ones(turns.arc_count), (turns.arc_from, turns.arc_to)), shape=(n, n)).tocsr()
    _, labels = connected_components(matrix, directed=True, connection="strong")
    rank = np.empty_like(labels)
    rank[np.argsort(-np.bincount(labels), kind="stable")] = np.arange(labels.max() + 1)
    return np.asarray(rank[labels], dtype=np.int64)


def _obstacle_counts(obstacles: dict[int, tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in obstacles.values():
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def load_region(path: Path | str) -> Region:
    """Load a region directory written by :func:`build_region`.

    Raises
    ------
    RegionError
        If the directory is missing, incomplete or of another format version.
    """
    path = Path(path)
    meta_path = path / "meta.json"
    if not meta_path.exists():
        raise RegionError(f"not a fevermap region directory (no meta.json): {path}; build one with `fevermap build`")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        raise RegionError(f"region {path} has a corrupt meta.json ({exc}); rebuild it") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise RegionError(
            f"region {path} has format {meta.get('format_version')}, expected {FORMAT_VERSION}: rebuild it"
        )
    try:  # arrays are read-only views of the files, mapped once: workers share their pages through the page cache
        graph_npz = map_npz(path / "graph.npz")
        arrays: dict[str, Any] = {k: graph_npz[k] for k in _ARRAYS}
        turns_npz = map_npz(path / "turns.npz")
        turns = TurnGraph(**{k: turns_npz[k] for k in _TURN_ARRAYS})
        component = turns_npz["component"]
        labels = read_labels(path / "labels.npz")
        arrays.update({attr: labels[key] for attr, key in _LABELS.items()})
        order = map_npy(path / "cch_order.npy")
        cch = map_npz(path / "cch.npz")
        hierarchy = Hierarchy.from_arrays(cch)
        index = map_npz(path / "traffic_index.npz")
        segments = SegmentTable(index["slots"], index["same_pair"], arrays["seg_u_osm"], arrays["seg_v_osm"])
        snap_arrays, layout_arrays = map_npz(path / "snap.npz"), map_npz(path / "layout.npz")
        base_state_arrays = map_npz(path / "base_state.npz")
        base_metric = (base_state_arrays["arc_weights_ms"], cch["base_packed"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise RegionError(f"region directory {path} is incomplete ({exc}); rebuild it") from exc
    graph = RoadGraph(**arrays)
    return Region(path=path, graph=graph, cch_order=order, segments=segments, meta=meta, turns=turns,
                  component=component, snap_arrays=snap_arrays, layout_arrays=layout_arrays,
                  base_state_arrays=base_state_arrays, hierarchy=hierarchy, base_metric=base_metric)  # fmt: skip


def demo_region() -> Region:
    """The bundled demo region (central Shanghai), built on first use and cached.

    The cache lives under ``Settings.cache_dir`` (:func:`fevermap.paths.cache_dir`) and is keyed by the extract's
    size and CRC-32 and the format version, so a changed extract or fevermap format triggers a rebuild.
    """
    source = paths.data_dir() / DEMO_SOURCE
    if not source.exists():
        raise RegionError(f"bundled demo extract missing: {source}")
    key = f"{_content_key(source)}-v{FORMAT_VERSION}"
    out = paths.cache_dir() / "regions" / f"{DEMO_REGION_NAME}-{key}"
    if (out / "meta.json").exists():
        return load_region(out)
    return build_region(source, out, name=DEMO_REGION_NAME, timezone="Asia/Shanghai")


def open_region(path: Path | str | None) -> Region:
    """Load the region at ``path``, or the bundled demo region when ``path`` is None."""
    return demo_region() if path is None else load_region(path)
