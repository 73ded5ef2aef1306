"""The drivable road graph as flat arrays: what a region file holds and every routing module reads.

Kept apart from :mod:`fevermap.routing.build` (which reads OSM with osmium and measures with pyproj) so that opening a
region imports neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RoadGraph:
    """A simplified drivable graph as flat arrays.

    Nodes ``0..n-1`` carry ``node_osm`` ids and ``(node_lon, node_lat)`` degrees. Directed edge ``i`` runs from
    ``edge_tail[i]`` to ``edge_head[i]`` over the OSM segments ``seg_off[i]:seg_off[i+1]`` (in driving order) and
    the polyline ``coords[seg_off[i] + i : seg_off[i+1] + i + 1]`` (``(lon, lat)`` rows). ``edge_twin[i]`` is the
    edge over the same OSM nodes in the opposite direction (a two-way road), or -1. Per segment ``s``: OSM node ids
    ``seg_u_osm[s] -> seg_v_osm[s]``, OSM way ``seg_way[s]``, ``seg_forward[s]`` (driven along the way's node order),
    ``seg_penalty_ms[s]`` (the obstacle cost at its end node: signals, stop, give-way, gates). Per edge: the attributes
    of its way (an edge never spans an attribute change): ``edge_way`` (OSM way id), ``edge_name`` (``name``, else
    ``ref``), ``edge_name_zh``, ``edge_name_en``, ``edge_ref``, ``edge_highway`` (``"ferry"`` for ``route=ferry``),
    ``edge_roundabout`` (``junction=roundabout|circular``), ``edge_toll``, ``edge_ferry``. The full list with units
    is in :mod:`fevermap.routing.region`.
    """

    node_osm: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    edge_tail: IntArray
    edge_head: IntArray
    seg_off: IntArray
    seg_u_osm: IntArray
    seg_v_osm: IntArray
    seg_length_m: FloatArray
    seg_speed_kph: FloatArray
    seg_way: IntArray
    coords: FloatArray
    edge_twin: IntArray
    edge_name: Sequence[str]
    edge_highway: Sequence[str]
    seg_forward: npt.NDArray[np.bool_]
    seg_penalty_ms: FloatArray
    edge_way: IntArray
    edge_roundabout: npt.NDArray[np.bool_]
    edge_toll: npt.NDArray[np.bool_]
    edge_ferry: npt.NDArray[np.bool_]
    edge_name_zh: Sequence[str]
    edge_name_en: Sequence[str]
    edge_ref: Sequence[str]

    @property
    def node_count(self) -> int:
        return int(self.node_osm.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_tail.shape[0])
