"""OSRM cucumber-style fixtures: an ASCII node map, ways and relations turned into an OSM XML extract.

As in OSRM's ``features/support``: every non-blank character of the map that is not a drawing character
(``- | / \\``) is a node one grid unit (default 100 m) per character from its neighbours; ways default to
``highway=primary`` and are named after their node string; a relation's way is found by its node string or its reverse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from fevermap.errors import NoRouteError
from fevermap.routing.region import build_region
from fevermap.routing.route import Route
from fevermap.routing.router import Router

ORIGIN = (1.0, 1.0)  # lon, lat of the map's top-left corner, as OSRM's tests use
_DRAWING = set("-|/\\")


@dataclass
class Scenario:
    """A node map with ways (``{"nodes": "ab", tag: value, ...}``), restriction relations (``{"from": "ab", "to":
    "bc", "via": "b" (a node) or ["bc", ...] (ways), tag: value}``) and node tags (``{"j": {"highway": ...}}``)."""

    node_map: str
    ways: Sequence[Mapping[str, str]]
    relations: Sequence[Mapping[str, object]] = ()
    nodes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    grid_m: float = 100.0

    def locations(self) -> dict[str, tuple[float, float]]:
        deg_lat = self.grid_m / 111_320.0
        deg_lon = deg_lat / math.cos(math.radians(ORIGIN[1]))
        out: dict[str, tuple[float, float]] = {}
        for row, line in enumerate(self.node_map.strip("\n").splitlines()):
            for col, ch in enumerate(line):
                if not ch.isspace() and ch not in _DRAWING:
                    out[ch] = (ORIGIN[0] + col * deg_lon, ORIGIN[1] - row * deg_lat)
        return out

    def xml(self) -> str:
        loc = self.locations()
        ids = {name: i + 1 for i, name in enumerate(sorted(loc))}
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="fevermap tests">']
        for name, (lon, lat) in sorted(loc.items()):
            tags = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in self.nodes.get(name, {}).items())
            lines.append(f'<node id="{ids[name]}" version="1" lat="{lat:.9f}" lon="{lon:.9f}">{tags}</node>')
        way_ids: dict[str, int] = {}
        for i, way in enumerate(self.ways):
            wid = 100 + i
            way_ids[way["nodes"]] = wid
            tags = {"highway": "primary", "name": way["nodes"]} | {k: v for k, v in way.items() if k != "nodes" and v}
            refs = "".join(f'<nd ref="{ids[c]}"/>' for c in way["nodes"])
            body = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            lines.append(f'<way id="{wid}" version="1">{refs}{body}</way>')

        def way(name: str) -> int | None:
            return way_ids.get(name, way_ids.get(name[::-1]))

        for i, rel in enumerate(self.relations):
            members = []
            for role in ("from", "to"):
                w = way(str(rel[role]))
                if w is not None:  # a relation naming a missing way keeps only its other members, as OSRM's would
                    members.append(f'<member type="way" ref="{w}" role="{role}"/>')
            via = rel["via"]
            if isinstance(via, str):
                members.append(f'<member type="node" ref="{ids[via]}" role="via"/>')
            else:
                members.extend(f'<member type="way" ref="{way(str(v))}" role="via"/>' for v in via)  # type: ignore[attr-defined]
            tags = {"type": "restriction"} | {k: str(v) for k, v in rel.items() if k not in {"from", "to", "via"}}
            body = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            lines.append(f'<relation id="{1000 + i}" version="1">{"".join(members)}{body}</relation>')
        lines.append("</osm>")
        return "\n".join(lines)

    def router(self, tmp: Path) -> Router:
        tmp.mkdir(parents=True, exist_ok=True)
        path = tmp / "scenario.osm"
        path.write_text(self.xml())
        return Router(build_region(path, tmp / "region", name="scenario", timezone="UTC"), max_snap_m=5000)


def names(router: Router, route: Route) -> list[str]:
    """The way names a route drives on, consecutive repeats merged (OSRM's ``route`` column without repeats)."""
    edges = list(route.edges)
    if len(edges) > 1 and route.first is not None and route.first.length_after_m < 1e-6:
        edges = edges[1:]  # started at the very end of an edge: not driven on
    if len(edges) > 1 and route.last is not None and route.last.length_before_m < 1e-6:
        edges = edges[:-1]
    out: list[str] = []
    for e in edges:
        name = router.graph.edge_name[e]
        if not out or out[-1] != name:
            out.append(name)
    return out


def route_names(router: Router, loc: Mapping[str, tuple[float, float]], a: str, b: str) -> list[str] | None:
    """Way names of the route from node ``a`` to node ``b``, or None when there is no route."""
    try:
        return names(router, router.route(loc[a], loc[b]))
    except NoRouteError:
        return None


def osrm_route(text: str) -> list[str] | None:
    """OSRM's expected ``route`` column (``"cj,aj,aj"``; empty = no route) as merged names."""
    if not text:
        return None
    out: list[str] = []
    for name in text.split(","):
        if not out or out[-1] != name:
            out.append(name)
    return out
