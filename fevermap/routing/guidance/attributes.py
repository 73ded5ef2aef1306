"""Per-edge road attributes that directions read: names by language, ref, road class, roundabout, ferry, toll.

The graph always has ``edge_name`` and ``edge_highway``; the other attributes are optional: they are taken from the
graph when its build provides them (``edge_name_zh``, ``edge_name_en``, ``edge_ref``, ``edge_roundabout``,
``edge_toll``, ``edge_ferry``), or read from the OSM extract by way id with :meth:`EdgeAttributes.from_osm`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: ``roundabout`` values: 0 none, 1 ``junction=roundabout``, 2 ``junction=circular`` (announced as a rotary).
ROUNDABOUT, ROTARY = 1, 2
_MOTORWAY = {"motorway", "trunk"}


def _strings(graph: Any, name: str, m: int) -> list[str] | None:
    value = getattr(graph, name, None)
    if value is None:
        return None
    out = [str(v) if v is not None else "" for v in list(value)]
    return out if len(out) == m else None


def _flags(graph: Any, name: str, m: int) -> npt.NDArray[np.int8]:
    value = getattr(graph, name, None)
    arr = np.zeros(m, dtype=np.int8) if value is None else np.asarray(value).astype(np.int8)
    return arr if arr.shape == (m,) else np.zeros(m, dtype=np.int8)


@dataclass(frozen=True)
class EdgeAttributes:
    """Road attributes of every directed edge; empty strings and zeros where the data has nothing."""

    name: Sequence[str]
    highway: Sequence[str]
    ref: Sequence[str]
    name_zh: Sequence[str]
    name_en: Sequence[str]
    roundabout: npt.NDArray[np.int8]
    ferry: npt.NDArray[np.int8]
    toll: npt.NDArray[np.int8]

    @classmethod
    def from_graph(cls, graph: Any) -> EdgeAttributes:
        """The attributes the graph's build provides (``edge_*`` fields), defaults for the rest."""
        m = int(graph.edge_tail.shape[0])
        blank = [""] * m
        return cls(
            name=list(graph.edge_name),
            highway=list(graph.edge_highway),
            ref=_strings(graph, "edge_ref", m) or blank,
            name_zh=_strings(graph, "edge_name_zh", m) or blank,
            name_en=_strings(graph, "edge_name_en", m) or blank,
            roundabout=_flags(graph, "edge_roundabout", m),
            ferry=_flags(graph, "edge_ferry", m),
            toll=_flags(graph, "edge_toll", m),
        )

    @classmethod
    def from_osm(cls, graph: Any, osm_path: Path | str) -> EdgeAttributes:
        """Attributes read from the extract the graph was built from, by the OSM way of each edge's first segment.

        The name keeps the build's rule (``name``, else ``ref``) so names agree with ``edge_name``.
        """
        import osmium  # only this path reads OSM

        wanted = {int(w) for w in np.unique(graph.seg_way[graph.seg_off[:-1]]).tolist()}
        tags: dict[int, tuple[str, str, str, str, int, int, int]] = {}
        for way in osmium.FileProcessor(str(osm_path)).with_filter(osmium.filter.EntityFilter(osmium.osm.WAY)):
            if way.id not in wanted:
                continue
            t = way.tags
            junction = t.get("junction") or ""
            rb = ROTARY if junction == "circular" else ROUNDABOUT if junction == "roundabout" else 0
            tags[way.id] = (t.get("name") or t.get("ref") or "", t.get("ref") or "", t.get("name:zh") or "",
                            t.get("name:en") or "", rb, int(t.get("route") == "ferry"),
                            int(t.get("toll") == "yes"))  # fmt: skip
        first_way = graph.seg_way[graph.seg_off[:-1]].tolist()
        rows = [tags.get(int(w), ("", "", "", "", 0, 0, 0)) for w in first_way]
        return cls(
            name=list(graph.edge_name),
            highway=list(graph.edge_highway),
            ref=[r[1] for r in rows],
            name_zh=[r[2] for r in rows],
            name_en=[r[3] for r in rows],
            roundabout=np.array([r[4] for r in rows], dtype=np.int8),
            ferry=np.array([r[5] for r in rows], dtype=np.int8),
            toll=np.array([r[6] for r in rows], dtype=np.int8),
        )

    @cached_property
    def codes(self) -> npt.NDArray[np.int64]:
        """Per edge, one integer per distinct (name, ref, highway, roundabout, ferry): equal codes, same road."""
        keys: dict[tuple[str, str, str, int, int], int] = {}
        rows = zip(self.name, self.ref, self.highway, self.roundabout.tolist(), self.ferry.tolist(), strict=True)
        return np.fromiter((keys.setdefault(k, len(keys)) for k in rows), dtype=np.int64, count=len(self.name))

    @cached_property
    def plain_names(self) -> list[str]:
        """:meth:`display_name` of every edge in no particular language."""
        return [("" if n and n == r else n) for n, r in zip(self.name, self.ref, strict=True)]

    def display_name(self, edge: int, lang: str | None = None) -> str:
        """The road's name in ``lang`` (``zh``/``zh-Hans`` uses ``name:zh``, ``en`` ``name:en``) else its name.

        A name equal to the ref (the build falls back to the ref when a road has no name) is no name.
        """
        if lang is not None and lang.lower().startswith("zh") and self.name_zh[edge]:
            return self.name_zh[edge]
        if lang is not None and lang.lower().startswith("en") and self.name_en[edge]:
            return self.name_en[edge]
        name = self.name[edge]
        return "" if name and name == self.ref[edge] else name

    def is_motorway(self, edge: int) -> bool:
        return self.highway[edge] in _MOTORWAY
