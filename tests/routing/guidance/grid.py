"""OSRM cucumber fixtures for guidance: an ASCII node map and ways turned into an OSM XML extract and a router.

As in OSRM's ``features/support``: every letter or digit of the map is a node, one grid unit per line down and per
two characters across (per character in table-style maps), the map's top-left corner at (1, 1); ways default to
``highway=primary`` and are named after their node string unless they say ``name``. Steps come from
:func:`fevermap.routing.osrm.route_response` with the road attributes read from the extract (so
``junction=roundabout`` is known even when the build does not keep it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from fevermap.routing import osrm
from fevermap.routing.directions import Guidance
from fevermap.routing.guidance import EdgeAttributes
from fevermap.routing.region import build_region
from fevermap.routing.router import Router

ORIGIN = (1.0, 1.0)


def locations(node_map: str, grid_m: float, cells: bool = False) -> dict[str, tuple[float, float]]:
    """``(lon, lat)`` of every node character of the map: one grid unit per line down and per two characters across
    (OSRM's text maps), or per character when ``cells`` (its table maps, one node per cell)."""
    deg_lat = grid_m / 111_320.0
    deg_lon = deg_lat / math.cos(math.radians(ORIGIN[1])) * (1.0 if cells else 0.5)
    lines = node_map.strip("\n").splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    out = {}
    for row, line in enumerate(lines):
        for col, ch in enumerate(line[indent:]):
            if ch.isalnum():
                out[ch] = (round(ORIGIN[0] + col * deg_lon, 7), round(ORIGIN[1] - row * deg_lat, 7))  # as in the XML
    return out


def osm_xml(node_map: str, ways: Sequence[Mapping[str, str]], grid_m: float, cells: bool = False) -> str:
    loc = locations(node_map, grid_m, cells)
    ids = {name: i + 1 for i, name in enumerate(sorted(loc))}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="fevermap guidance tests">']
    for name, (lon, lat) in sorted(loc.items()):
        lines.append(f'<node id="{ids[name]}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for i, way in enumerate(ways):
        tags = {"highway": "primary", "name": way["nodes"]} | {k: v for k, v in way.items() if k != "nodes"}
        tags = {k: v for k, v in tags.items() if v}
        refs = "".join(f'<nd ref="{ids[c]}"/>' for c in way["nodes"])
        body = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append(f'<way id="{100 + i}" version="1">{refs}{body}</way>')
    lines.append("</osm>")
    return "\n".join(lines)


def scenario_router(
    node_map: str, ways: Sequence[Mapping[str, str]], grid_m: float, tmp: Path, cells: bool = False
) -> Router:
    """Build the scenario's region and a router whose directions know the extract's road attributes."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "scenario.osm"
    path.write_text(osm_xml(node_map, ways, grid_m, cells))
    router = Router(build_region(path, tmp / "region", name="scenario", timezone="UTC"))
    Guidance.install(router, EdgeAttributes.from_osm(router.graph, path))
    return router


def turn_label(step: Mapping[str, Any]) -> str:
    """A step as OSRM's cucumber ``turns`` column writes it."""
    m = step["maneuver"]
    kind = m["type"]
    if kind in ("depart", "arrive"):
        return str(kind)
    if kind in ("roundabout", "rotary"):
        name = step.get("rotary_name") if kind == "rotary" else None
        return f"{name or kind}-exit-{m.get('exit', 'undefined')}"
    return f"{kind} {m['modifier']}"


def route_and_turns(router: Router, a: tuple[float, float], b: tuple[float, float]) -> tuple[str, str]:
    """The ``route`` (step names) and ``turns`` columns of a route from ``a`` to ``b``."""
    body = osrm.route_response(router, f"{a[0]},{a[1]};{b[0]},{b[1]}", {"steps": "true"}, max_coordinates=25,
                               max_snap_m=1000)  # fmt: skip
    steps = body["routes"][0]["legs"][0]["steps"]
    return ",".join(s["name"] for s in steps), ",".join(turn_label(s) for s in steps)
