"""Road points of the demo region, where synthetic itineraries and case visits are placed.

The synthetic generator takes any ``(lon, lat)`` arrays; this module supplies the demo region's: the distinct
vertices of its drivable road polylines (the OSM nodes along the roads, not only the graph's intersections), from
:func:`fevermap.routing.region.demo_region` (built from the bundled central Shanghai extract on first use).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def road_points(coords: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Distinct ``(lon, lat)`` rows of a polyline vertex array of shape ``(n, 2)`` (degrees), in sorted order."""
    c = np.unique(np.asarray(coords, dtype=np.float64).reshape(-1, 2), axis=0)
    return np.ascontiguousarray(c[:, 0]), np.ascontiguousarray(c[:, 1])


def demo_road_nodes() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``(lon, lat)`` degrees of the demo region's road vertices (about 20,600 points in central Shanghai)."""
    from fevermap.routing.region import demo_region

    region = demo_region()
    return road_points(region.graph.coords)
