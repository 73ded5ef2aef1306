"""Region directories: a built road graph, its CCH order and metadata, ready to load in well under a second.

A region directory holds ``graph.npz`` (the arrays of :class:`fevermap.routing.build.RoadGraph`), ``cch_order.npy``
(the nested-dissection order of the Customizable Contraction Hierarchy), ``traffic_index.npz`` (OSM node pair to
segment look-up for traffic feeds) and ``meta.json`` (name, bbox, time zone,
source file and its SHA-256, fevermap version, counts).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import routingkit_cch as rk

from fevermap import __version__, paths
from fevermap.errors import RegionError
from fevermap.routing.build import RoadGraph, build_graph
from fevermap.routing.traffic import SegmentTable

FORMAT_VERSION = 3
DEMO_SOURCE = "osm/shanghai_center.osm"
DEMO_REGION_NAME = "shanghai_center"
_ARRAYS = [f.name for f in fields(RoadGraph) if f.name not in {"edge_name", "edge_highway"}]


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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

    from fevermap.routing._osm import check_osm_path, read_drivable_ways

    osm_path, out_dir = Path(osm_path), Path(out_dir)
    check_osm_path(osm_path)
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / "meta.json").exists())):
        raise RegionError(f"{out_dir} exists and is not a fevermap region directory: choose another --out")
    started = time.perf_counter()
    stages = ["reading OSM", "collecting road segments", "keeping the largest strongly connected component",
              "simplifying", "pairing two-way edges", "ordering the CCH", "writing"]  # fmt: skip
    bar = tqdm(total=len(stages), desc="build", unit="stage", disable=not show_progress, leave=False)

    def say(msg: str) -> None:
        bar.set_postfix_str(msg)
        bar.update(1)

    bar.set_postfix_str(stages[0])
    graph = build_graph(read_drivable_ways(osm_path), progress=say)
    say("ordering the CCH")
    order = np.asarray(
        rk.compute_order_inertial(
            graph.node_count,
            graph.edge_tail.tolist(),
            graph.edge_head.tolist(),
            graph.node_lat.tolist(),
            graph.node_lon.tolist(),
        ),
        dtype=np.int64,
    )
    say("writing")
    bbox = [float(graph.coords[:, 0].min()), float(graph.coords[:, 1].min()),
            float(graph.coords[:, 0].max()), float(graph.coords[:, 1].max())]  # fmt: skip
    centre = ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    meta = {
        "format_version": FORMAT_VERSION,
        "name": name or region_name_of(osm_path),
        "bbox": bbox,
        "timezone": timezone or tzfpy.get_tz(*centre) or "UTC",
        "source": {"file": osm_path.name, "sha256": _sha256(osm_path)},
        "fevermap_version": __version__,
        "built_at": datetime.now(UTC).isoformat(),
        "build_seconds": round(time.perf_counter() - started, 3),
        "nodes": graph.node_count,
        "edges": graph.edge_count,
        "segments": int(graph.seg_length_m.shape[0]),
        "licence": "Road data (c) OpenStreetMap contributors, ODbL 1.0",
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=out_dir.parent))
    np.savez(tmp / "graph.npz", **{k: getattr(graph, k) for k in _ARRAYS})
    (tmp / "labels.json").write_text(json.dumps({"name": graph.edge_name, "highway": graph.edge_highway}))
    np.save(tmp / "cch_order.npy", order)
    table = SegmentTable.build(graph.seg_u_osm, graph.seg_v_osm)
    np.savez(tmp / "traffic_index.npz", ids=table.ids, keys=table.keys, order=table.order)
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
    try:
        with np.load(path / "graph.npz") as npz:
            arrays = {k: npz[k] for k in _ARRAYS}
        labels = json.loads((path / "labels.json").read_text())
        order = np.load(path / "cch_order.npy")
        with np.load(path / "traffic_index.npz") as npz:
            segments = SegmentTable(npz["ids"], npz["keys"], npz["order"])
    except (OSError, KeyError, ValueError) as exc:
        raise RegionError(f"region directory {path} is incomplete ({exc}); rebuild it") from exc
    graph = RoadGraph(**arrays, edge_name=labels["name"], edge_highway=labels["highway"])
    return Region(path=path, graph=graph, cch_order=order, segments=segments, meta=meta)


def demo_region() -> Region:
    """The bundled demo region (central Shanghai), built on first use and cached.

    The cache lives under ``Settings.cache_dir`` (:func:`fevermap.paths.cache_dir`) and is keyed by the extract's
    hash and the format version, so a changed extract or fevermap format triggers a rebuild.
    """
    source = paths.data_dir() / DEMO_SOURCE
    if not source.exists():
        raise RegionError(f"bundled demo extract missing: {source}")
    key = f"{_sha256(source)[:12]}-v{FORMAT_VERSION}"
    out = paths.cache_dir() / "regions" / f"{DEMO_REGION_NAME}-{key}"
    if (out / "meta.json").exists():
        return load_region(out)
    return build_region(source, out, name=DEMO_REGION_NAME, timezone="Asia/Shanghai")


def open_region(path: Path | str | None) -> Region:
    """Load the region at ``path``, or the bundled demo region when ``path`` is None."""
    return demo_region() if path is None else load_region(path)
