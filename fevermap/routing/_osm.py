"""Read the drivable ways of an OSM extract (``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``) with pyosmium.

Private I/O module: :func:`read_drivable_ways` returns plain records; :mod:`fevermap.routing.build` makes the graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import osmium

from fevermap.errors import InputError
from fevermap.routing.speeds import HIGHWAY_DEFAULT_KPH, way_speed_kph

SUPPORTED_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
_NO = {"no", "private"}
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}


@dataclass(frozen=True, slots=True)
class WayRun:
    """A run of consecutive located nodes of one drivable way.

    ``forward`` / ``backward`` say whether the way may be driven along / against its node order; speeds are km/h.
    Coordinates are ``(lon, lat)`` degrees, WGS-84.
    """

    way_id: int
    node_ids: tuple[int, ...]
    lons: tuple[float, ...]
    lats: tuple[float, ...]
    forward: bool
    backward: bool
    speed_forward_kph: float
    speed_backward_kph: float
    highway: str
    name: str


def is_drivable(tags: osmium.osm.TagList) -> bool:
    """Whether a way with these tags belongs to the drive network (osmnx's ``network_type="drive"`` filter)."""
    highway = tags.get("highway")
    if highway not in HIGHWAY_DEFAULT_KPH:
        return False
    if tags.get("area") == "yes":
        return False
    if tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
        return False
    allowed = tags.get("motor_vehicle") in {"yes", "designated"} or tags.get("motorcar") in {
        "yes",
        "designated",
    }
    return not (tags.get("access") in _NO and not allowed)


def _directions(tags: osmium.osm.TagList) -> tuple[bool, bool]:
    oneway = (tags.get("oneway") or "").lower()
    if oneway in _ONEWAY_FORWARD:
        return True, False
    if oneway in _ONEWAY_BACKWARD:
        return False, True
    if oneway == "no":
        return True, True
    implied = tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") == "motorway"
    return (True, False) if implied else (True, True)


def check_osm_path(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is an existing OSM file of a supported format."""
    if not path.exists():
        raise InputError(f"OSM file not found: {path}")
    if not any(str(path).lower().endswith(s) for s in SUPPORTED_SUFFIXES):
        raise InputError(f"unsupported OSM file {path.name!r}: expected one of {', '.join(SUPPORTED_SUFFIXES)}")


def read_drivable_ways(path: Path) -> Iterator[WayRun]:
    """Yield the drivable ways of an OSM file as runs of located nodes.

    Clipped extracts reference nodes that are missing from the file: a way is split at such nodes and its located
    runs of two or more nodes are kept.

    Parameters
    ----------
    path : Path
        An ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file.
    """
    check_osm_path(path)
    name = path.name.lower()
    fmt = next(s.lstrip(".") for s in SUPPORTED_SUFFIXES if name.endswith(s))  # explicit: upper-case names work too
    processor = (
        osmium.FileProcessor(osmium.io.File(str(path), fmt))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    try:
        for way in processor:
            assert isinstance(way, osmium.osm.Way)
            tags = way.tags
            if not is_drivable(tags):
                continue
            forward, backward = _directions(tags)
            speed_f, speed_b = way_speed_kph({k: v for k, v in tags if k.startswith(("maxspeed", "highway"))})
            run_ids: list[int] = []
            run_lons: list[float] = []
            run_lats: list[float] = []
            for node in [*way.nodes, None]:
                if node is not None and node.location.valid():
                    run_ids.append(node.ref)
                    run_lons.append(node.location.lon)
                    run_lats.append(node.location.lat)
                    continue
                if len(run_ids) >= 2:
                    yield WayRun(
                        way.id,
                        tuple(run_ids),
                        tuple(run_lons),
                        tuple(run_lats),
                        forward,
                        backward,
                        speed_f,
                        speed_b,
                        tags.get("highway") or "",
                        tags.get("name") or tags.get("ref") or "",
                    )
                run_ids, run_lons, run_lats = [], [], []
    except RuntimeError as exc:  # libosmium parse errors
        raise InputError(f"cannot read OSM file {path}: {exc}") from exc
