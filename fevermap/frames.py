"""GeoDataFrames of fevermap's answers for notebooks: clinics, routes and match records (the ``[notebook]`` extra).

Everything is WGS-84 (``EPSG:4326``) with shapely geometries built from fevermap's ``(lon, lat)`` order, so a
notebook never flips coordinates by hand: ``to_geodataframe(answer).explore()`` draws the clinics of a locator answer.

Examples
--------
>>> gdf = to_geodataframe({"type": "LineString", "coordinates": [[121.47, 31.23], [121.48, 31.24]]})
>>> gdf.geometry.iloc[0].coords[0], str(gdf.crs)
((121.47, 31.23), 'EPSG:4326')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from fevermap.errors import InputError, MissingExtraError

if TYPE_CHECKING:
    import geopandas as gpd

#: Column pairs read as point coordinates, in order of preference: match records locate at the case's visit.
_LONLAT = (("lon", "lat"), ("case_lon", "case_lat"))


def _geopandas() -> Any:
    try:
        import geopandas
    except ImportError:
        raise MissingExtraError("GeoDataFrames (fevermap.frames)", "notebook") from None
    return geopandas


def _frame(rows: pd.DataFrame, geometry: Sequence[Any]) -> gpd.GeoDataFrame:
    frame: gpd.GeoDataFrame = _geopandas().GeoDataFrame(rows, geometry=list(geometry), crs="EPSG:4326")
    return frame


def to_geodataframe(obj: Any) -> gpd.GeoDataFrame:
    """A GeoDataFrame (WGS-84) of one of fevermap's answers.

    Parameters
    ----------
    obj
        - a :class:`~fevermap.routing.router.Route`: one row, its LineString, ``duration_s`` and ``distance_m``;
        - a locator answer (:func:`fevermap.clinics.locator.answer_json`, or ``GET /clinics/nearest``): one Point
          per clinic at its ``location``, with the answer's fields (``route`` left out);
        - clinics (:class:`~fevermap.clinics.schemas.ClinicPublic` models or their dicts with ``lon``/``lat``);
        - match records or a summary of them (a DataFrame or records with ``lon``/``lat`` or ``case_lon``/``case_lat``):
          one Point per record, at the case's visit;
        - a GeoJSON geometry (``{"type": "LineString" | "Point", "coordinates": ...}``).

    Raises
    ------
    MissingExtraError
        Without geopandas (``pip install 'fevermap[notebook]'``).
    InputError
        For anything else.
    """
    import shapely

    if hasattr(obj, "coordinates") and hasattr(obj, "duration_s"):  # a Route
        rows = pd.DataFrame({"duration_s": [obj.duration_s], "distance_m": [obj.distance_m]})
        return _frame(rows, [shapely.LineString(obj.coordinates)])
    if isinstance(obj, Mapping) and obj.get("type") in ("LineString", "Point"):
        return _frame(pd.DataFrame(index=[0]), [shapely.geometry.shape(obj)])
    if isinstance(obj, Mapping) and "clinics" in obj:  # a locator answer
        rows = pd.DataFrame([{k: v for k, v in c.items() if k != "route"} for c in obj["clinics"]])
        points = [shapely.Point(*c["location"]) for c in obj["clinics"]]
        return _frame(rows, points)
    if isinstance(obj, pd.DataFrame):
        rows = obj
    elif isinstance(obj, Sequence) and not isinstance(obj, str):
        rows = pd.DataFrame([o.model_dump() if hasattr(o, "model_dump") else dict(o) for o in obj])
    else:
        raise InputError(f"no GeoDataFrame for a {type(obj).__name__}: give a route, an answer, clinics or matches")
    for lon, lat in _LONLAT:
        if lon in rows.columns and lat in rows.columns:
            return _frame(rows.reset_index(drop=True), shapely.points(rows[lon].to_numpy(), rows[lat].to_numpy()))
    if len(rows) == 0:
        return _frame(rows, [])
    raise InputError(f"records without lon/lat columns (have {', '.join(map(str, rows.columns))})")
