"""Read an OSM extract with pyosmium: drivable ways, turn restrictions and the nodes that cost time.

Formats: ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``; nodes that cost time are signals, stop and give-way
signs, gates.

Private I/O module: :func:`read_extract` returns plain records; :mod:`fevermap.routing.build` makes the graph and
:mod:`fevermap.routing.restrictions` resolves the relations onto it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import osmium

from fevermap.errors import InputError
from fevermap.routing.profile import FERRY_KPH, OBSTACLE_TAGS
from fevermap.routing.speeds import HIGHWAY_DEFAULT_KPH, SPEED_TAG_PREFIXES, way_speed_kph

SUPPORTED_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
_NO = {"no", "private"}
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}


@dataclass(frozen=True, slots=True)
class WayRun:
    """A run of consecutive located nodes of one drivable way.

    ``forward`` / ``backward`` say whether the way may be driven along / against its node order; speeds are km/h.
    Coordinates are ``(lon, lat)`` degrees, WGS-84. ``name`` is the way's ``name`` (or its ``ref`` when unnamed).
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
    name_zh: str = ""
    name_en: str = ""
    ref: str = ""
    roundabout: bool = False
    toll: bool = False
    ferry: bool = False


@dataclass(frozen=True, slots=True)
class RestrictionRelation:
    """One ``type=restriction`` relation as tagged: ``value`` such as ``"no_left_turn"``; members by role (OSM ids).

    ``via_nodes`` / ``via_ways`` hold the via member(s); a relation with both, or with members of the wrong type, is
    kept here and reported as malformed by :mod:`fevermap.routing.restrictions`.
    """

    relation_id: int
    value: str
    from_ways: tuple[int, ...]
    via_nodes: tuple[int, ...]
    via_ways: tuple[int, ...]
    to_ways: tuple[int, ...]
    bad_members: int = 0


@dataclass
class Extract:
    """Everything the build needs from one OSM file.

    ``obstacles`` maps an OSM node id to ``(kind, direction)``: ``kind`` one of
    :data:`fevermap.routing.profile.OBSTACLE_TAGS`' values, ``direction`` ``"forward"``, ``"backward"`` or ``""``
    (both), relative to the node order of the way driven through it. ``skipped`` counts restriction relations left
    out on purpose, by reason (e.g. ``"conditional"``, ``"except motorcar"``).
    """

    ways: list[WayRun] = field(default_factory=list)
    restrictions: list[RestrictionRelation] = field(default_factory=list)
    obstacles: dict[int, tuple[str, str]] = field(default_factory=dict)
    way_nodes: dict[int, tuple[int, ...]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def is_drivable(tags: osmium.osm.TagList) -> bool:
    """Whether a way with these tags belongs to the drive network (osmnx's ``network_type="drive"`` filter), or is a
    car ferry (``route=ferry`` not closed to cars, as OSRM's car profile routes them)."""
    highway = tags.get("highway")
    if highway not in HIGHWAY_DEFAULT_KPH and not (tags.get("route") == "ferry" and highway is None):
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
    """Forward / backward drivability: the most specific of ``oneway:motorcar``, ``oneway:motor_vehicle``,
    ``oneway:vehicle``, ``oneway`` decides (OSRM's car profile); ``reversible`` is not routed, as OSRM does."""
    oneway = next(
        (
            v.lower()
            for k in ("oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle", "oneway")
            if (v := tags.get(k))
        ),
        "",
    )
    if oneway == "reversible":
        return False, False
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


def _runs(way: osmium.osm.Way) -> Iterator[WayRun]:
    tags = way.tags
    ferry = tags.get("route") == "ferry" and tags.get("highway") is None
    forward, backward = (True, True) if ferry else _directions(tags)
    if not (forward or backward):
        return
    if ferry:
        speed_f = speed_b = FERRY_KPH
    else:
        speed_f, speed_b = way_speed_kph({k: v for k, v in tags if k.startswith(SPEED_TAG_PREFIXES)})
    label = {
        "highway": tags.get("highway") or ("ferry" if ferry else ""),
        "name": tags.get("name") or tags.get("ref") or "",
        "name_zh": tags.get("name:zh") or "",
        "name_en": tags.get("name:en") or "",
        "ref": tags.get("ref") or "",
        "roundabout": tags.get("junction") in {"roundabout", "circular"},
        "toll": (tags.get("toll") or "no") not in {"no", "false"},
        "ferry": ferry,
    }
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
            yield WayRun(way.id, tuple(run_ids), tuple(run_lons), tuple(run_lats), forward, backward,
                         speed_f, speed_b, **label)  # type: ignore[arg-type]  # fmt: skip
        run_ids, run_lons, run_lats = [], [], []


def _restriction(rel: osmium.osm.Relation, skipped: dict[str, int]) -> RestrictionRelation | None:
    tags = rel.tags
    value = tags.get("restriction:motorcar") or tags.get("restriction")
    if value is None:
        if any(k.startswith("restriction:") for k, _ in tags):
            reason = "conditional" if "restriction:conditional" in tags else "other vehicles only"
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            skipped["no restriction tag"] = skipped.get("no restriction tag", 0) + 1
        return None
    exempt = {v.strip() for v in (tags.get("except") or "").split(";")}
    if exempt & {"motorcar", "motor_vehicle", "vehicle"}:
        skipped["except motorcar"] = skipped.get("except motorcar", 0) + 1
        return None
    from_w: list[int] = []
    to_w: list[int] = []
    via_n: list[int] = []
    via_w: list[int] = []
    bad = 0
    for m in rel.members:
        if m.role == "from" and m.type == "w":
            from_w.append(m.ref)
        elif m.role == "to" and m.type == "w":
            to_w.append(m.ref)
        elif m.role == "via" and m.type == "n":
            via_n.append(m.ref)
        elif m.role == "via" and m.type == "w":
            via_w.append(m.ref)
        elif m.role in {"from", "to", "via"}:
            bad += 1
    return RestrictionRelation(rel.id, value.strip(), tuple(from_w), tuple(via_n), tuple(via_w), tuple(to_w), bad)


def read_extract(path: Path) -> Extract:
    """Read the drivable ways, restriction relations and obstacle nodes of an OSM file.

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
        .with_filter(osmium.filter.KeyFilter("highway", "barrier", "type", "route"))
    )
    out = Extract()
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                tags = obj.tags
                kind = OBSTACLE_TAGS.get(("highway", tags.get("highway") or "")) or OBSTACLE_TAGS.get(
                    ("barrier", tags.get("barrier") or "")
                )
                if kind is not None:
                    direction = tags.get("traffic_signals:direction") or tags.get("direction") or ""
                    out.obstacles[obj.id] = (kind, direction if direction in {"forward", "backward"} else "")
            elif isinstance(obj, osmium.osm.Way):
                if is_drivable(obj.tags):
                    runs = list(_runs(obj))
                    out.ways.extend(runs)
                    if runs:
                        out.way_nodes[obj.id] = tuple(n.ref for n in obj.nodes)
            elif isinstance(obj, osmium.osm.Relation) and obj.tags.get("type") == "restriction":
                rel = _restriction(obj, out.skipped)
                if rel is not None:
                    out.restrictions.append(rel)
    except RuntimeError as exc:  # libosmium parse errors
        raise InputError(f"cannot read OSM file {path}: {exc}") from exc
    return out
