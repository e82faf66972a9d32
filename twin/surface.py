"""Surface models: building heights from a digital surface model, tree canopy and height from a canopy DSM.

A digital surface model (DSM) is the height above the datum of whatever the ground carries: roofs, crowns, the
ground itself where it is bare. Over a footprint, DSM − DEM (the terrain model of ``[elevation]``) is the building's
height above the ground, cell by cell. :func:`footprint_heights` takes a stated percentile of it over each
footprint's cells, on the DSM's own grid: a high percentile (the 90th by default) reads the roof, not the
eaves, the courtyards or the trees the footprint's edge cuts, while the maximum would read a chimney or a mast.
:func:`building_heights` fills a building layer's heights with it, floored at a minimum building height.

A canopy DSM (CDSM, as UMEP's SOLWEIG takes it) is the vegetation's height above the ground, 0 where there is none.
:func:`canopy` turns it into the share of each grid cell under tree canopy (the CDSM's cells at least
``threshold_m`` tall) and the mean height of that canopy, the crowns' top for the heat engine's shadows.

Every step adds a note to the territory's provenance notes (shown by ``twin info``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import rasterio.warp
from rasterio.enums import Resampling

from .errors import DataSourceError, TwinWarning, message
from .grid import Grid
from .io import feature, raster_grid, read_raster
from .territory import LAYERS

HEIGHT_MODES = ("missing", "all")  # which buildings take their height from the DSM (see building_heights)


def native_grid(paths: Sequence[str | Path], bounds, bounds_crs, *, assume_crs: object = None) -> Grid:
    """The grid of the first of ``paths`` (its CRS, cell size and cell edges) over ``bounds``, snapped outward.

    Reading the tiles onto it takes their own cells, unresampled, over the area of interest only.

    Parameters
    ----------
    paths : sequence of path
        Raster tiles; the first sets the grid.
    bounds : tuple of float
        ``(xmin, ymin, xmax, ymax)`` of the area, in ``bounds_crs``, m.
    bounds_crs : object
        The CRS of ``bounds``.
    assume_crs : object, optional
        CRS of tiles that carry none.

    Returns
    -------
    Grid
        In the first tile's CRS, its cells aligned with the tile's.
    """
    first = raster_grid(paths[0], assume_crs=assume_crs)
    xmin, ymin, xmax, ymax = rasterio.warp.transform_bounds(bounds_crs, first.crs, *bounds)
    c = first.cell_size
    left = first.x0 + math.floor(round((xmin - first.x0) / c, 6)) * c
    top = first.y0 - math.floor(round((first.y0 - ymax) / c, 6)) * c
    width = max(1, math.ceil(round((xmax - left) / c, 6)))
    height = max(1, math.ceil(round((top - ymin) / c, 6)))
    return Grid(first.crs, left, top, c, width, height)


def footprint_heights(
    footprints: gpd.GeoSeries,
    dsm: Sequence[str | Path],
    dem: Sequence[str | Path],
    *,
    percentile: float = 90.0,
    dsm_crs: object = None,
    dem_crs: object = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The ``percentile`` of DSM − DEM over each footprint's cells of the DSM's own grid.

    The footprints are burnt on the DSM's grid (a cell is the footprint's when its centre lies inside, as
    :func:`rasterio.mask.mask` takes it); the DEM is resampled bilinearly onto that grid. Where footprints overlap,
    the smaller one keeps the shared cells (a building inside another's outline keeps its own). Cells where the
    DSM or the DEM has no data are left out. The percentile interpolates linearly between cells, as
    :func:`numpy.percentile` does.

    Parameters
    ----------
    footprints : geopandas.GeoSeries
        Footprint polygons, with their CRS.
    dsm, dem : sequence of path
        The DSM's and the DEM's tiles (heights above the same datum, m).
    percentile : float
        The percentile taken, 0..100 (90 by default).
    dsm_crs, dem_crs : object, optional
        CRS of tiles that carry none.

    Returns
    -------
    heights : numpy.ndarray
        Height of each footprint, m (float64); NaN where it has no cell with data (smaller than a cell, off the DSM).
    cells : numpy.ndarray
        The number of cells each height is taken over (int64).
    notes : list of str
        How the DSM and the DEM were read.
    """
    n = len(footprints)
    heights, cells = np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    if n == 0:
        return heights, cells, []
    grid = native_grid(dsm, footprints.total_bounds, footprints.crs, assume_crs=dsm_crs)
    surface, steps = read_raster(dsm, grid, resampling="nearest", assume_crs=dsm_crs)
    notes = [f"DSM {s}" for s in steps[:-1]] + [f"DSM read on its own cells over the footprints: {grid.describe()}"]
    ground, steps = read_raster(dem, grid, resampling="bilinear", assume_crs=dem_crs)
    notes.append(f"DEM {steps[-1]}".replace("onto the grid", "onto the DSM's cells"))
    shapes = footprints.to_crs(grid.crs) if footprints.crs != grid.crs else footprints
    order = np.argsort(-shapes.area.to_numpy(), kind="stable")  # the smallest burnt last: it keeps shared cells
    owner = rasterio.features.rasterize(
        ((shapes.iloc[i], int(i)) for i in order if not shapes.iloc[i].is_empty),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=-1,
        dtype="int32",
    )
    above = surface - ground
    used = (owner >= 0) & np.isfinite(above)
    found, counts, values = _group_percentile(owner[used].astype(np.int64), above[used], percentile)
    heights[found], cells[found] = values, counts
    return heights, cells, notes


def _group_percentile(groups: np.ndarray, values: np.ndarray, q: float):
    """The groups present, their sizes and the ``q``-th percentile of each one's values (numpy's linear rule)."""
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    found, start, counts = np.unique(g, return_index=True, return_counts=True)
    pos = q / 100.0 * (counts - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts - 1)
    low = v[start + lo]
    return found, counts, low + (pos - lo) * (v[start + hi] - low)


def building_heights(
    buildings: gpd.GeoDataFrame,
    path: Path | str,
    *,
    dsm: Sequence[str | Path],
    dem: Sequence[str | Path],
    notes: list[str],
    percentile: float = 90.0,
    min_height_m: float = 2.5,
    mode: str = "missing",
    missing_height_m: float | None = None,
    dsm_crs: object = None,
    dem_crs: object = None,
) -> gpd.GeoDataFrame:
    """The buildings with their ``height`` (m) taken from the DSM (:func:`footprint_heights`), floored.

    ``mode="missing"``: the file's values win, and the DSM gives the height of the buildings with neither a
    positive ``height`` nor ``floors``. ``mode="all"``: the DSM gives every building's height, the file's
    ``floors`` (if any) still count the dwellings. A DSM height below ``min_height_m`` is raised to it (a shed,
    or a footprint whose building is gone). A footprint with no DSM cell (smaller than a cell, off the DSM) keeps
    the file's height or floors, else takes ``missing_height_m`` with a warning; without either it is an error.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        The footprints, columns renamed to twin's (``height`` m, ``floors``), as the buildings' file gives them.
    path : pathlib.Path or str
        The buildings' file, for the messages.
    dsm, dem : sequence of path
        The DSM's and the DEM's tiles.
    notes : list of str
        The territory's notes; one is added for the heights, one per warning.
    percentile, min_height_m : float
        The percentile of DSM − DEM taken over each footprint (0..100), and the floor, m.
    mode : {"missing", "all"}
        Which buildings take their height from the DSM.
    missing_height_m : float, optional
        The buildings file's ``missing_height_m``: the height of footprints without a DSM cell, nor a height or
        floors in the file.
    dsm_crs, dem_crs : object, optional
        CRS of tiles that carry none.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy, with ``height`` set (NaN left where the buildings' own rules fill it: floors, ``missing_height_m``).

    Raises
    ------
    DataSourceError
        A footprint without a DSM cell, nor a height or floors, and no ``missing_height_m``: names the file, the
        feature and its id.
    """
    out = buildings.copy()
    file_height, floors = (_numeric(out, c) for c in ("height", "floors"))
    given = (file_height > 0) | (floors > 0)
    wanted = np.ones(len(out), dtype=bool) if mode == "all" else ~given
    measured, _, steps = footprint_heights(
        out.geometry[wanted], dsm, dem, percentile=percentile, dsm_crs=dsm_crs, dem_crs=dem_crs
    )
    notes += [f"surface: {s}" for s in steps]
    floored = measured < min_height_m
    height = file_height.copy()
    has = np.isfinite(measured)
    rows = np.flatnonzero(wanted)[has]
    replaced = int((file_height[rows] > 0).sum())
    height[rows] = np.maximum(measured[has], min_height_m)
    out["height"] = height
    kept = f"{replaced} heights of the file replaced" if mode == "all" else f"{int(given.sum())} with a height or "
    notes.append(
        f"surface: {int(has.sum())} building heights from the DSM ({_names(dsm)}), the {percentile:g}th percentile "
        f"of DSM − DEM over each footprint's cells; {int(floored.sum())} of them raised to the floor of "
        f"{min_height_m:g} m; " + (kept if mode == "all" else kept + "floors in the file keep them")
    )
    lost = np.flatnonzero(wanted)[~has]
    if lost.size:
        _without_cells(out, lost, given, path, notes, missing_height_m)
    return out


def _without_cells(gdf, rows: np.ndarray, given: np.ndarray, path, notes: list[str], missing_height_m) -> None:
    """Refuse footprints without a DSM cell and without a height of their own, or note and warn how they get one."""
    bare = rows[~given[rows]]
    if bare.size and missing_height_m is None:
        raise DataSourceError(
            message(
                feature(gdf, int(bare[0]), path),
                "buildings",
                "covering the centre of a DSM cell with data, or given a height or floors (or set missing_height_m)",
                f"{bare.size} footprints without",
            )
        )
    gdf.loc[bare, "height"] = missing_height_m  # here, so that the one warning says why
    how = f"{bare.size} set to missing_height_m {missing_height_m:g} m" if bare.size else ""
    kept = f"{rows.size - bare.size} keep the file's height or floors" if rows.size > bare.size else ""
    note = (
        f"surface: {rows.size} footprints cover no DSM cell with data (smaller than a cell, or off the DSM): "
        + "; ".join(x for x in (kept, how) if x)
    )
    notes.append(note)
    warnings.warn(note, TwinWarning, stacklevel=4)


def _numeric(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column not in gdf.columns:
        return np.full(len(gdf), np.nan)
    return pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)


def _names(paths: Sequence[str | Path]) -> str:
    return ", ".join(Path(str(p)).name for p in paths)


def canopy(
    cdsm: Sequence[str | Path], grid: Grid, *, threshold_m: float = 1.0, assume_crs: object = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Tree-canopy share and canopy height of each cell of ``grid``, from a canopy DSM.

    On the CDSM's own grid, a cell is canopy where the vegetation is at least ``threshold_m`` tall. Each cell of
    ``grid`` gets the share of the CDSM's area under it that is canopy, and the mean height of that canopy (the
    area-weighted averages of GDAL's ``average`` resampling; the CDSM's own values where the grids coincide).

    Parameters
    ----------
    cdsm : sequence of path
        The canopy DSM's tiles: vegetation height above the ground, m, 0 where there is none.
    grid : Grid
        The analysis grid.
    threshold_m : float
        The lowest vegetation counted as tree canopy, m.
    assume_crs : object, optional
        CRS of tiles that carry none.

    Returns
    -------
    fraction : numpy.ndarray
        Share of each cell under canopy, 0..1, float32; NaN where the CDSM has no data under the cell.
    height : numpy.ndarray
        Mean canopy height over the cell's canopy, m, float32; NaN where there is no canopy (or no data).
    notes : list of str
        How the CDSM was read.

    Raises
    ------
    DataSourceError
        Canopy taller than the ``tree_height`` layer allows.
    """
    native = native_grid(cdsm, grid.bounds, grid.crs, assume_crs=assume_crs)
    values, steps = read_raster(cdsm, native, resampling="nearest", assume_crs=assume_crs)
    notes = [f"CDSM {s}" for s in steps[:-1]]
    top = LAYERS["tree_height"].valid_range[1]
    with np.errstate(invalid="ignore"):
        trees = values >= threshold_m
        if (values[trees] > top).any():
            where = f"canopy DSM {_names(cdsm)}"
            raise DataSourceError(message(where, "vegetation height", f"at most {top:g} m", float(values.max())))
    share = np.where(np.isnan(values), np.nan, trees.astype(np.float64))
    crowns = np.where(trees, values, 0.0)
    crowns[np.isnan(values)] = np.nan
    if native == grid:
        fraction, mean_top = share, crowns
        notes.append("CDSM already on the grid: its cells used as they are")
    else:
        fraction, mean_top = (_average(a, native, grid) for a in (share, crowns))
        notes.append(f"CDSM canopy averaged by area onto the grid from its own cells: {native.describe()}")
    with np.errstate(invalid="ignore", divide="ignore"):
        height = np.where(fraction > 0, mean_top / fraction, np.nan)
    notes.append(_canopy_note(fraction, height, cdsm, threshold_m))
    return fraction.astype(np.float32), height.astype(np.float32), notes


def _canopy_note(fraction: np.ndarray, height: np.ndarray, cdsm, threshold_m: float) -> str:
    covered = np.isfinite(fraction)
    trees = np.isfinite(height)
    heights = f", {np.min(height[trees]):.1f}..{np.max(height[trees]):.1f} m tall" if trees.any() else ""
    note = (
        f"surface: tree canopy and tree height from the CDSM ({_names(cdsm)}), vegetation at least {threshold_m:g} m "
        f"tall: {int(trees.sum())} cells with canopy{heights}; the land-cover table's canopy replaced on the "
        f"{int(covered.sum())} cells it covers"
    )
    if not covered.all():
        note += f", kept on {int((~covered).sum())} cells without CDSM data"
    return note


def with_canopy(territory, fraction: np.ndarray, height: np.ndarray):
    """The territory with the CDSM's canopy (:func:`canopy`): ``tree_canopy`` replaced where the CDSM has data,
    ``tree_height`` set (NaN where no canopy).

    Parameters
    ----------
    territory : twin.territory.Territory
        The territory, its canopy from the land-cover table.
    fraction, height : numpy.ndarray
        :func:`canopy`'s share of canopy (NaN where no data) and canopy height, m, on the territory's grid.

    Returns
    -------
    twin.territory.Territory
    """
    covered = np.isfinite(fraction)
    return territory.with_layers(tree_canopy=np.where(covered, fraction, territory["tree_canopy"]), tree_height=height)


def _average(values: np.ndarray, src: Grid, dst: Grid) -> np.ndarray:
    """``values`` on ``src`` averaged onto ``dst`` by area (GDAL's ``average``), NaN where ``src`` has none."""
    out = np.full(dst.shape, np.nan)
    rasterio.warp.reproject(
        values,
        out,
        src_transform=src.transform,
        src_crs=src.crs,
        src_nodata=np.nan,
        dst_transform=dst.transform,
        dst_crs=dst.crs,
        dst_nodata=np.nan,
        resampling=Resampling.average,
    )
    return out
