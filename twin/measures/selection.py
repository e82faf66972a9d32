"""Where a measure applies: a polygon file, a district name, or buildings filtered by attribute.

A :class:`Selection` gives both the cells (cell centres inside the area, or the
footprint cells of the chosen buildings) and the building rows concerned, so
each measure takes what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from rasterio.features import geometry_mask

from ..errors import ScenarioError, message
from ..io import read_vector


@dataclass(frozen=True)
class Selection:
    """Cells and buildings a measure applies to."""

    cells: np.ndarray  # bool (height, width)
    buildings: np.ndarray  # int rows of territory.vectors["buildings"]
    description: str


POLYGONS = ("Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")


def read_shapes(path: str, territory, *, where: str, kinds: tuple[str, ...] = POLYGONS) -> gpd.GeoDataFrame:
    """Read a measure's geometry file in the territory's CRS; other geometry kinds or no overlap are errors."""
    try:
        gdf, _ = read_vector(path, territory.grid, role="measure geometry")
    except Exception as exc:  # MissingFileError, CRSError, DataSourceError: re-raised with the field's name
        raise ScenarioError(f"{where}: {exc}") from None
    if len(gdf) == 0:
        raise ScenarioError(message(where, "geometry file", "non-empty", path))
    wrong = sorted(set(gdf.geom_type) - set(kinds))
    if wrong:
        raise ScenarioError(message(where, "geometries", f"{' or '.join(kinds)}", f"{wrong} in {path}"))
    return gdf


def cells_in(shapes: gpd.GeoSeries, territory) -> np.ndarray:
    """Cells whose centre lies inside the polygons."""
    return geometry_mask(list(shapes), out_shape=territory.grid.shape, transform=territory.grid.transform, invert=True)


def select(measure, territory, *, where: str) -> Selection:
    """The :class:`Selection` of a measure that has ``area``, ``district`` or ``buildings``."""
    buildings = territory.vectors["buildings"]
    if measure.area is not None:
        shapes = read_shapes(measure.area, territory, where=f"{where}.area").geometry
        return Selection(cells_in(shapes, territory), _buildings_within(buildings, shapes), f"area {measure.area}")
    if measure.district is not None:
        districts = territory.vectors["districts"]
        match = districts[districts["name"] == measure.district]
        if match.empty:
            raise ScenarioError(
                message(f"{where}.district", "district", f"one of {sorted(districts['name'])}", measure.district)
            )
        return Selection(
            cells_in(match.geometry, territory),
            _buildings_within(buildings, match.geometry),
            f"district {measure.district}",
        )
    rows = np.ones(len(buildings), dtype=bool)
    for column, value in measure.buildings.items():
        if column not in buildings.columns:
            raise ScenarioError(
                message(
                    f"{where}.buildings",
                    "attribute",
                    f"a building column {[c for c in buildings.columns if c != 'geometry']}",
                    column,
                )
            )
        rows &= (buildings[column] == value).to_numpy()
    chosen = np.flatnonzero(rows)
    if chosen.size == 0:
        hints = {
            c: sorted(map(str, buildings[c].unique()))[:8] for c in measure.buildings if buildings[c].nunique() < 50
        }
        raise ScenarioError(
            f"{where}.buildings: the filter must match at least one building (values: {hints}), "
            f"got {measure.buildings!r}"
        )
    cells = np.isin(territory["building_index"], chosen)
    text = ", ".join(f"{k} = {v!r}" for k, v in measure.buildings.items())
    return Selection(cells, chosen, f"buildings where {text}")


def require_cells(cells: np.ndarray, sel: Selection, *, where: str, what: str) -> np.ndarray:
    """The cells, or a ScenarioError when the selection leaves none: a measure that does nothing is a mistake."""
    if not cells.any():
        raise ScenarioError(f"{where}: the selection must contain {what}, got none in {sel.description}")
    return cells


def _buildings_within(buildings: gpd.GeoDataFrame, shapes: gpd.GeoSeries) -> np.ndarray:
    if len(buildings) == 0:
        return np.zeros(0, dtype=np.int64)
    points = buildings.geometry.representative_point()
    inside = np.zeros(len(buildings), dtype=bool)
    for shape in shapes:
        inside |= points.within(shape).to_numpy()
    return np.flatnonzero(inside)
