"""Where people live: districts' residents spread onto buildings and cells.

Census data come by district (IRIS in France). Impacts need people per building
and per cell, so each district's population is shared among its residential
buildings in proportion to their dwellings (or, without dwellings, their
residential floor area), then spread evenly over each building's cells. The
total is conserved exactly, up to float32 rounding.

Without buildings (or without a residential building in a district), a district's residents are spread over its
cells of residential land: the classes the land-cover table weights with its ``residential`` column, in proportion
to cell area times that weight. A district with neither keeps its residents off the grid, with a warning naming it.
A district the grid cuts keeps only its ``grid_share`` of residents (see :func:`area_shares`, and
:func:`twin.sources.load_territory`, which measures it on residential land where the land cover reaches).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from .errors import TwinWarning
from .grid import Grid
from .landcover import LandCoverTable
from .territory_file import DWELLING_AREA_M2  # noqa: F401  (re-exported: defined with its file format)

PERSONS_PER_DWELLING = 2.1  # INSEE: mean household size in France, 2.1-2.2 people in the 2020s


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


def residential_land(land_cover: np.ndarray, table: LandCoverTable) -> np.ndarray | None:
    """Weight of each cell as residential land (0..1, the table's ``residential`` value of its class).

    Classes are known by the table's column, never by their code. Cells without a class (code -1) or of a code the
    table lacks weigh 0. None when the table has no ``residential`` column: it says nothing about where people live.
    """
    if "residential" not in table.values:
        return None
    idx = np.clip(np.searchsorted(table.codes, land_cover), 0, table.codes.size - 1)
    known = table.codes[idx] == land_cover
    return np.where(known, table.values["residential"][idx], 0.0)


def area_shares(districts: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Share of each district's polygon area inside the grid (1 for a district within it).

    The fallback measure of the residents a district cut by the grid keeps, when the land cover says nothing about
    where its residents live outside. A share within 1e-9 of 1 is 1 (coordinates rounded at the grid's edge).
    """
    area = districts.geometry.area.to_numpy()
    inside = districts.geometry.intersection(box(*grid.bounds)).area.to_numpy()
    share = np.divide(inside, area, out=np.ones_like(area), where=area > 0)
    return np.where(share > 1 - 1e-9, 1.0, share)


def land_share(polygon, grid: Grid, weight: np.ndarray, on_grid: np.ndarray) -> float | None:
    """Share of a polygon's residential land that lies on the analysis grid.

    Parameters
    ----------
    polygon : shapely geometry
        The district, in ``grid``'s CRS.
    grid : Grid
        A grid covering the whole polygon (the analysis grid widened).
    weight : numpy.ndarray
        Residential weight of each cell of ``grid`` (:func:`residential_land`), NaN where the land cover is unknown.
    on_grid : numpy.ndarray
        Boolean, True for the cells of ``grid`` on the analysis grid.

    Returns
    -------
    float or None
        Residential area on the analysis grid over that in all of the polygon (cells by their centres); None where
        that cannot be told: the land cover misses some of the polygon's cells, or it has no residential land.
    """
    from rasterio.features import geometry_mask

    inside = geometry_mask([polygon], out_shape=grid.shape, transform=grid.transform, invert=True)
    w = weight[inside]
    if np.isnan(w).any() or not w.sum() > 0:
        return None
    return float(weight[inside & on_grid].sum() / w.sum())


def allocate_population(
    buildings: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | None,
    *,
    grid: Grid,
    building_index: np.ndarray,
    residential: np.ndarray | None = None,
) -> tuple[gpd.GeoDataFrame, np.ndarray, list[str]]:
    """Share district populations among buildings and cells.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Footprints with ``use``, ``dwellings``, ``floors`` (grid CRS).
    districts : geopandas.GeoDataFrame or None
        Polygons with ``population`` (residents) and, optionally, ``grid_share`` (the share of them living on the
        grid, 1 without it); ``None`` or empty gives zero population.
    grid : Grid
        The analysis grid.
    building_index : numpy.ndarray
        Raster of building rows (-1 where none), from
        :func:`twin.rasterize.rasterize_buildings`.
    residential : numpy.ndarray, optional
        Residential weight of each cell (:func:`residential_land`); None: no cell is known to be residential.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        The buildings, reindexed from 0, with a ``population`` column (residents).
    population : numpy.ndarray
        float32 raster of residents per cell. A district with residents but no residential building spreads
        them over its residential land (a warning), or leaves them off the grid when it has none (a warning).
    notes : list of str
        One line per district whose residents were spread over land cover or not placed (each also a
        :class:`~twin.errors.TwinWarning`).

    Warns
    -----
    TwinWarning
        For each note.
    """
    buildings = buildings.reset_index(drop=True)
    pop_b = np.zeros(len(buildings))
    population = np.zeros(grid.shape, dtype=np.float64)
    notes: list[str] = []
    if districts is not None and len(districts):
        weight = _residential_weight(buildings)
        districts = districts.reset_index(drop=True)
        home = district_of(districts, buildings) if len(buildings) else np.zeros(0, dtype=np.int64)
        for d, residents in enumerate(_residents_on_grid(districts)):
            members = (home == d) & (weight > 0)
            if residents > 0 and members.any():
                pop_b[members] = residents * weight[members] / weight[members].sum()
            elif residents > 0:
                where = (str(districts["name"].iloc[d]), districts.geometry.iloc[d])
                notes.append(_spread_over_land(population, where, grid, residents, residential))
    for note in notes:
        warnings.warn(note, TwinWarning, stacklevel=3)
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
    return buildings, population.astype(np.float32), notes


def _residents_on_grid(districts: gpd.GeoDataFrame) -> np.ndarray:
    """Residents of each district living on the grid: its population times its ``grid_share`` (1 if absent)."""
    share = districts["grid_share"].to_numpy(dtype=float) if "grid_share" in districts else 1.0
    return districts["population"].to_numpy(dtype=float) * share


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


def _spread_over_land(
    population: np.ndarray, where: tuple[str, object], grid: Grid, residents: float, residential: np.ndarray | None
) -> str:
    """Add a district's residents to its cells of residential land, in proportion to cell area × weight (the cells
    are equal, so to the weight); the note (a warning) says so, or that they were left off the grid."""
    from rasterio.features import geometry_mask

    name, polygon = where
    inside = geometry_mask([polygon], out_shape=grid.shape, transform=grid.transform, invert=True)
    weight = np.where(inside, residential, 0.0) if residential is not None else np.zeros(grid.shape)
    if weight.sum() > 0:
        population += residents * weight / weight.sum()
        area_ha = weight.sum() * grid.cell_size**2 / 1e4
        return (
            f"population: district {name!r} has no residential building on the grid; its {residents:.0f} residents "
            f"are spread over its {area_ha:.2f} ha of residential land cover ({int((weight > 0).sum())} cells)"
        )
    why = "the land-cover table has no 'residential' column" if residential is None else "none on the grid"
    return (
        f"population: district {name!r} has no residential building and no residential land cover ({why}); "
        f"its {residents:.0f} residents are not placed on the grid"
    )
