"""Vector layers burnt onto the analysis grid: building footprints (keeping their areas) and class polygons.

Kept apart from :mod:`twin.io` (files in and out) because the territory itself rasterizes the buildings each
time a measure changes them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import rasterio.features
from affine import Affine

from .grid import Grid

SUBCELLS = 4  # footprints are burnt on a grid 4 x finer to measure how much of each cell they cover


def rasterize_buildings(buildings: gpd.GeoDataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Burn footprints into ``building_height`` (m) and ``building_index`` (row, -1 if none), keeping areas.

    Each building gets ``round(area / cell area)`` cells: those it covers most, coverage being measured on
    a grid ``SUBCELLS`` times finer. So every footprint keeps its area within half a cell, where taking
    the cells whose centre falls inside can be off by a row of cells along a straight wall. A cell two
    buildings claim goes to the one covering more of it (the taller one on a tie). Footprints smaller
    than half a cell get no cell.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Footprints in the grid's CRS, with a ``height`` column, m.
    grid : Grid
        The analysis grid.

    Returns
    -------
    building_height : numpy.ndarray
        float32 raster of building heights, m; 0 where no building.
    building_index : numpy.ndarray
        int32 raster of the row of ``buildings`` over each cell, -1 where none.
    """
    height = np.zeros(grid.shape, dtype=np.float32)
    index = np.full(grid.shape, -1, dtype=np.int32)
    if len(buildings) == 0:
        return height, index
    heights = buildings["height"].to_numpy(dtype=np.float32)
    k = SUBCELLS
    fine_transform = grid.transform @ Affine.scale(1.0 / k)
    order = np.argsort(heights, kind="stable")  # burn the tallest last: it owns shared sub-cells
    fine = rasterio.features.rasterize(
        ((buildings.geometry.iloc[i], int(i)) for i in order),
        out_shape=(grid.height * k, grid.width * k),
        transform=fine_transform,
        fill=-1,
        dtype="int32",
    )
    rows, cols = np.nonzero(fine >= 0)
    owner = fine[rows, cols].astype(np.int64)
    cell = (rows // k) * grid.width + (cols // k)
    pair, cover = np.unique(owner * grid.height * grid.width + cell, return_counts=True)
    b, c = pair // (grid.height * grid.width), pair % (grid.height * grid.width)
    # each building's cells, most covered first; keep as many as its area is worth
    rank_order = np.lexsort((-heights[b], -cover, b))
    b, c, cover = b[rank_order], c[rank_order], cover[rank_order]
    start = np.searchsorted(b, b, side="left")
    rank = np.arange(b.size) - start
    wanted = np.rint(buildings.geometry.area.to_numpy() / grid.cell_area).astype(np.int64)
    keep = rank < wanted[b]
    b, c, cover = b[keep], c[keep], cover[keep]
    # a cell wanted by two buildings goes to the one covering more of it, then to the taller
    by_cell = np.lexsort((-heights[b], -cover, c))
    b, c = b[by_cell], c[by_cell]
    first = np.r_[True, c[1:] != c[:-1]] if c.size else np.zeros(0, bool)
    flat = index.reshape(-1)
    flat[c[first]] = b[first]
    covered = index >= 0
    height[covered] = heights[index[covered]]
    return height, index


def rasterize_classes(gdf: gpd.GeoDataFrame, column: str, grid: Grid) -> np.ndarray:
    """Burn polygons' integer ``column`` onto the grid (cell centres); -1 where no polygon.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Polygons in the grid's CRS.
    column : str
        The integer column to burn (a class code).
    grid : Grid
        The analysis grid.

    Returns
    -------
    numpy.ndarray
        int32 raster of the codes.
    """
    out = np.full(grid.shape, -1, dtype=np.int32)
    shapes = zip(gdf.geometry, gdf[column].astype(int), strict=True)
    return rasterio.features.rasterize(shapes, out=out, transform=grid.transform, fill=-1, dtype="int32")
