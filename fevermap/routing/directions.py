"""Directions for a route: its OSRM steps (maneuvers, intersections, per-step sums) and their text in zh or en.

A :class:`Guidance` holds what directions need per graph (road attributes, the roads at each node) and is cached per
router; :meth:`Guidance.leg` turns one routed leg into pieces and steps, :func:`step_object` into OSRM's step JSON,
and :func:`text_steps` into fevermap's own readable steps.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fevermap.errors import InputError
from fevermap.geo import polyline
from fevermap.routing.annotations import LegPieces, concat_pieces, leg_pieces
from fevermap.routing.guidance import EdgeAttributes, GuidedStep, Junctions, guide
from fevermap.routing.guidance.steps import Turn
from fevermap.routing.instructions import compile_step, format_distance, in_distance, language_code
from fevermap.routing.router import Route, Router
from fevermap.routing.step_polyline import SlicedPolyline

_LOCK = threading.Lock()
_CACHE: dict[int, tuple[object, Guidance]] = {}


@dataclass
class Leg:
    """One routed leg (one route, or consecutive parts through a via point) with its pieces and steps."""

    parts: list[Route]
    pieces: LegPieces | None
    steps: list[GuidedStep]
    _sliced: dict[int, SlicedPolyline] = field(default_factory=dict)
    _cum: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)

    def sums(self, start: int, end: int) -> tuple[float, float]:
        """Duration (s) and distance (m) of pieces ``start..end-1``."""
        if "cum" not in self._cum:
            assert self.pieces is not None
            self._cum["cum"] = (np.concatenate([[0.0], np.cumsum(self.pieces.duration_s)]).tolist(),
                                np.concatenate([[0.0], np.cumsum(self.pieces.distance_m)]).tolist())  # fmt: skip
        dur, dist = self._cum["cum"]
        return dur[end] - dur[start], dist[end] - dist[start]

    def sliced(self, precision: int) -> SlicedPolyline:
        """The leg's line, encoded once for polyline slices of its steps."""
        if precision not in self._sliced:
            self._sliced[precision] = SlicedPolyline(self.coordinates, precision)
        return self._sliced[precision]

    @property
    def coordinates(self) -> np.ndarray:
        if self.pieces is not None:
            return self.pieces.coordinates
        return np.concatenate([self.parts[0].coordinates] + [r.coordinates[1:] for r in self.parts[1:]])

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.parts)

    @property
    def distance_m(self) -> float:
        return sum(r.distance_m for r in self.parts)


class Guidance:
    """Directions context for one graph: attributes and junctions (built once, shared by requests)."""

    def __init__(self, router: Router, attrs: EdgeAttributes | None = None) -> None:
        self.router = router
        self.attrs = attrs or EdgeAttributes.from_graph(router.graph)
        self.junctions = Junctions(router.graph)
        #: Maneuver per turn (e_in, e_out), filled as routes use them (at most one entry per turn of the graph).
        self.decisions: dict[tuple[int, int], Turn] = {}

    @classmethod
    def of(cls, router: Router) -> Guidance:
        """The cached guidance of a router's graph."""
        with _LOCK:
            hit = _CACHE.get(id(router.graph))
            if hit is None or hit[0] is not router.graph:
                hit = (router.graph, cls(router))
                _CACHE[id(router.graph)] = hit
            return hit[1]

    @classmethod
    def install(cls, router: Router, attrs: EdgeAttributes) -> Guidance:
        """Use these attributes for the router's graph from now on (e.g. read from the OSM extract with
        :meth:`EdgeAttributes.from_osm` when the region's build does not carry roundabout flags)."""
        with _LOCK:
            guidance = cls(router, attrs)
            _CACHE[id(router.graph)] = (router.graph, guidance)
            return guidance

    def leg(
        self, route: Route | list[Route], router: Router | None = None, *, steps: bool = True, pieces: bool = True
    ) -> Leg:
        """One routed leg (or consecutive parts of one leg) with its pieces (unless ``pieces=False``) and steps
        (unless ``steps=False``; steps need pieces). ``router`` is the one that routed it (its live speeds give the
        durations); the graph's guidance is shared by every router on that graph."""
        parts = route if isinstance(route, list) else [route]
        if not (pieces or steps):
            return Leg(parts, None, [])
        lp = concat_pieces([leg_pieces(router or self.router, r) for r in parts])
        return Leg(parts, lp, guide(lp, self.attrs, self.junctions, self.decisions) if steps else [])

    def summary(self, leg: Leg) -> str:
        """OSRM's leg summary: the names of the (up to) two roads driven longest, in driving order."""
        if leg.pieces is None:
            return ""
        p = leg.pieces
        per_edge = np.bincount(np.searchsorted(np.unique(p.edge), p.edge), weights=p.distance_m)
        length: dict[str, float] = defaultdict(float)
        first: dict[str, int] = {}
        order = {int(e): i for i, e in reversed(list(enumerate(p.edge.tolist())))}
        for e, d in zip(np.unique(p.edge).tolist(), per_edge.tolist(), strict=True):
            name = self.attrs.display_name(e)
            if name:
                length[name] += d
                first[name] = min(first.get(name, order[e]), order[e])
        top = sorted(length, key=lambda k: -length[k])[:2]
        return ", ".join(sorted(top, key=lambda k: first[k]))


def encode(coords: np.ndarray, geometries: str) -> Any:
    """A geometry in OSRM's ``geometries`` format (GeoJSON LineString or polyline/polyline6 string)."""
    pts = np.asarray(coords, dtype=float).tolist()
    if geometries == "geojson":
        return {"type": "LineString", "coordinates": pts}
    return polyline.encode([(p[0], p[1]) for p in pts], precision=6 if geometries == "polyline6" else 5)


def step_geometry(leg: Leg, step: GuidedStep) -> np.ndarray:
    """The coordinates a step covers (an arrive step: its location twice)."""
    assert leg.pieces is not None
    c = leg.pieces.coordinates
    if step.type == "arrive":
        return np.repeat(c[-1:], 2, axis=0)
    return c[step.start : step.end + 1] if step.end > step.start else np.repeat(c[step.start : step.start + 1], 2, 0)


def _step_encoded(leg: Leg, step: GuidedStep, geometries: str) -> Any:
    if geometries == "geojson" or step.type == "arrive" or step.end <= step.start:
        return encode(step_geometry(leg, step), geometries)
    return leg.sliced(6 if geometries == "polyline6" else 5).slice(step.start, step.end)


def step_object(g: Guidance, leg: Leg, step: GuidedStep, geometries: str, lang: str | None = None) -> dict[str, Any]:
    """OSRM's step JSON for one step."""
    p = leg.pieces
    assert p is not None
    maneuver: dict[str, Any] = {
        "bearing_after": round(step.bearing_after) % 360,
        "bearing_before": round(step.bearing_before) % 360,
        "location": list(step.location),
        "type": step.type,
    }
    if step.modifier:
        maneuver["modifier"] = step.modifier
    if step.exit is not None:
        maneuver["exit"] = step.exit
    duration, distance = leg.sums(step.start, step.end)
    out: dict[str, Any] = {
        "geometry": _step_encoded(leg, step, geometries),
        "maneuver": maneuver,
        "mode": "ferry" if g.attrs.ferry[step.edge] else "driving",
        "driving_side": "right",
        "name": g.attrs.display_name(step.edge, lang),
        "intersections": [_intersection(i) for i in step.intersections],
        "weight": round(duration, 1),
        "duration": round(duration, 1),
        "distance": round(distance, 1),
    }
    ref = g.attrs.ref[step.edge]
    if ref:
        out["ref"] = ref
    if step.rotary:
        ring = g.attrs.display_name(int(p.edge[min(step.start, len(p) - 1)]), lang)
        if ring:
            out["rotary_name"] = ring
    return out


def _intersection(i: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"location": list(i.location), "bearings": i.bearings, "entry": i.entry}
    if i.in_ is not None:
        out["in"] = i.in_
    if i.out is not None:
        out["out"] = i.out
    return out


def text_steps(g: Guidance, legs: list[Leg], lang: str) -> list[dict[str, Any]]:
    """fevermap's readable steps of a route in ``lang`` (``en`` or ``zh``): instruction, distance, duration."""
    code = language_code(lang)
    out: list[dict[str, Any]] = []
    for k, leg in enumerate(legs):
        for step in leg.steps:
            if step.type == "arrive" and k < len(legs) - 1:
                continue
            obj = step_object(g, leg, step, "geojson", code)
            last = step.type == "arrive"  # "You have arrived at <road>": the library's phrase for a named waypoint
            where = g.attrs.display_name(leg.parts[-1].destination.positions[0].edge, code) if last else None
            text = compile_step(code, obj, leg_index=k, leg_count=len(legs), waypoint_name=where or None)
            item: dict[str, Any] = {
                "instruction": text,
                "type": step.type,
                "modifier": step.modifier,
                "name": obj["name"],
                "distance_m": obj["distance"],
                "duration_s": obj["duration"],
                "location": obj["maneuver"]["location"],
            }
            if out and out[-1]["distance_m"] > 0:  # "In 300 m, turn left onto ...": the distance to get here
                item["announcement"] = in_distance(code, text, format_distance(code, out[-1]["distance_m"]))
            out.append(item)
    return out


def route_with_steps(router: Router, route: Route, lang: str = "en") -> dict[str, Any]:
    """fevermap's route JSON (:meth:`Route.to_dict`) with ``steps``: readable instructions in ``lang`` (zh or en).

    Raises
    ------
    InputError
        For a language other than ``zh`` / ``zh-Hans`` / ``en``.
    """
    try:
        code = language_code(lang)
    except KeyError:
        raise InputError(f"language {lang!r} is not available: use zh or en") from None
    g = Guidance.of(router)
    return route.to_dict() | {"steps": text_steps(g, [g.leg(route, router)], code)}
