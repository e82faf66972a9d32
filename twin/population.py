"""Where people live: districts' residents spread onto buildings and cells.

Census data come by district (IRIS in France). Impacts need people per building
and per cell, so each district's population is shared among its residential
buildings in proportion to their dwellings (or, without dwellings, their
residential floor area), then spread evenly over each building's cells. The
total is conserved exactly, up to float32 rounding.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from .grid import Grid

PERSONS_PER_DWELLING = 2.1  # INSEE: mean household size in France, 2.1-2.2 people in the 2020s
DWELLING_AREA_M2 = 75.0  # gross floor area per dwelling when a source gives none


def district_of(districts: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the district holding each building's representative point, -1 where none does.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        District polygons, in the buildings' CRS.
    buildings : geopandas.GeoDataFrame
        Footprints (or any features).

    Returns
    -------
    numpy.ndarray
        int64, one district row per building; the first district if several hold the point.
    """
    points = gpd.GeoDataFrame(geometry=buildings.geometry.representative_point().to_numpy(), crs=buildings.crs)
    which = gpd.sjoin(points, districts.reset_index(drop=True)[["geometry"]], how="left", predicate="within")
    first = which.groupby(level=0)["index_right"].first().reindex(range(len(points)))
    return first.fillna(-1).to_numpy(dtype=np.int64)


def allocate_population(
    buildings: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | None,
    *,
    grid: Grid,
    building_index: np.ndarray,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Share district populations among buildings and cells.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Footprints with ``use``, ``dwellings``, ``floors`` (grid CRS).
    districts : geopandas.GeoDataFrame or None
        Polygons with ``population`` (residents); ``None`` or empty gives zero population.
    grid : Grid
        The analysis grid.
    building_index : numpy.ndarray
        Raster of building rows (-1 where none), from
        :func:`twin.rasterize.rasterize_buildings`.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        The buildings, reindexed from 0, with a ``population`` column (residents).
    population : numpy.ndarray
        float32 raster of residents per cell. A district with residents but no residential building spreads
        them evenly over its cells.
    """
    buildings = buildings.reset_index(drop=True)
    pop_b = np.zeros(len(buildings))
    population = np.zeros(grid.shape, dtype=np.float64)
    if districts is not None and len(districts) and len(buildings):
        weight = _residential_weight(buildings)
        districts = districts.reset_index(drop=True)
        home = district_of(districts, buildings)
        for d, residents in enumerate(districts["population"].to_numpy(dtype=float)):
            members = (home == d) & (weight > 0)
            if residents > 0 and members.any():
                pop_b[members] = residents * weight[members] / weight[members].sum()
            elif residents > 0:
                _spread_over_polygon(population, districts.geometry.iloc[d], grid, residents)
    buildings["population"] = pop_b
    if len(buildings):
        cells = np.bincount(building_index[building_index >= 0], minlength=len(buildings))
        covered = building_index >= 0
        population[covered] += (pop_b / np.maximum(cells, 1))[building_index[covered]]
        # footprints smaller than a cell capture no cell centre: put their residents on the centroid's cell
        for i in np.flatnonzero((cells == 0) & (pop_b > 0)):
            p = buildings.geometry.iloc[i].representative_point()
            row, col = _cell_of(grid, p.x, p.y)
            population[row, col] += pop_b[i]
    return buildings, population.astype(np.float32)


def _residential_weight(buildings: gpd.GeoDataFrame) -> np.ndarray:
    residential = (buildings["use"] == "residential").to_numpy()
    dwellings = buildings["dwellings"].to_numpy(dtype=float)
    if (dwellings[residential] > 0).any():
        return np.where(residential, dwellings, 0.0)
    floor_area = buildings.geometry.area.to_numpy() * np.maximum(buildings["floors"].to_numpy(dtype=float), 1)
    return np.where(residential, floor_area, 0.0)


def _cell_of(grid: Grid, x: float, y: float) -> tuple[int, int]:
    col = int(np.clip((x - grid.x0) // grid.cell_size, 0, grid.width - 1))
    row = int(np.clip((grid.y0 - y) // grid.cell_size, 0, grid.height - 1))
    return row, col


def _spread_over_polygon(population: np.ndarray, polygon, grid: Grid, residents: float) -> None:
    from rasterio.features import geometry_mask

    inside = geometry_mask([polygon], out_shape=grid.shape, transform=grid.transform, invert=True)
    if inside.any():
        population[inside] += residents / inside.sum()
    else:
        c = polygon.representative_point()
        population[_cell_of(grid, c.x, c.y)] += residents
