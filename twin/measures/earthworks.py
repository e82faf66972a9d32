"""Measures on the ground itself: retention basins, dikes, terrain edits.

Volumes are reported in m³ from cell areas, so a basin asked for 5 000 m³
stores 5 000 m³ on the grid the flood model sees.
"""

from __future__ import annotations

import numpy as np
from rasterio.features import rasterize
from scipy import ndimage

from ..errors import ScenarioError, message
from .effect import MeasureEffect
from .selection import LINES, cells_in, read_shapes, require_cells, select

FOUR_NEIGHBOURS = ndimage.generate_binary_structure(2, 1)


def spill_level(elevation: np.ndarray, basin: np.ndarray) -> float:
    """Lowest ground on the ring of cells around a basin (4-neighbours), m: where it would overflow."""
    ring = ndimage.binary_dilation(basin, structure=FOUR_NEIGHBOURS) & ~basin
    if not ring.any():
        raise ScenarioError("retention basin: the basin must leave at least one cell of rim on the grid")
    return float(elevation[ring].min())


def storage_volume(elevation: np.ndarray, basin: np.ndarray, level: float, cell_area: float) -> float:
    """Water volume held in the basin cells below ``level``, m³."""
    return float(np.clip(level - elevation[basin].astype(np.float64), 0.0, None).sum() * cell_area)


def retention_basin(measure, territory, *, where: str):
    """Dig flat-bottomed basins: to ``depth_m`` below their spill level, or until they store ``volume_m3``.

    Each polygon is its own basin with its own spill level; a total volume is
    shared among them in proportion to their areas.
    """
    shapes = read_shapes(measure.area, territory, where=f"{where}.area")
    basins = [cells_in([polygon], territory) for polygon in shapes.geometry]
    if not all(b.any() for b in basins):
        raise ScenarioError(
            message(f"{where}.area", "each basin polygon", "covering at least one cell centre", measure.area)
        )
    if any((territory["building_index"][b] >= 0).any() for b in basins):
        raise ScenarioError(message(f"{where}.area", "basin polygons", "clear of buildings", measure.area))
    z = territory["elevation"].astype(np.float64)
    new, area = z.copy(), territory.grid.cell_area
    total_cells = sum(int(b.sum()) for b in basins)
    stored, levels, bottoms = 0.0, [], []
    for basin in basins:
        level = spill_level(z, basin)
        if measure.depth_m is not None:
            bottom = level - measure.depth_m
        else:
            share = measure.volume_m3 * basin.sum() / total_cells
            bottom = _bottom_for_volume(z, basin, level, area, share, where)
        new[basin] = np.minimum(z[basin], bottom)
        stored += storage_volume(new, basin, level, area)
        levels.append(round(level, 3))
        bottoms.append(round(float(bottom), 3))
    changed = territory.with_layers(elevation=new.astype(np.float32))
    return changed, MeasureEffect(
        measure.type,
        measure.label or "retention basin",
        f"area {measure.area}",
        total_cells,
        total_cells * area,
        volume_m3=stored,
        details={
            "basins": len(basins),
            "spill_level_m": levels,
            "bottom_m": bottoms,
            "excavated_m3": round(float((z - new).sum() * area), 1),
        },
    )


def _bottom_for_volume(z, basin, level, area, volume, where) -> float:
    """Bottom elevation whose storage below ``level`` is ``volume`` (bisection; storage falls as bottom rises)."""
    natural = storage_volume(z, basin, level, area)
    if volume < natural:
        raise ScenarioError(
            message(
                f"{where}.volume_m3", "volume", f"at least the {natural:.0f} m3 the ground already holds there", volume
            )
        )
    lo, hi = level - 2.0 * volume / (basin.sum() * area) - 1.0, level  # lo surely stores more than asked
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        stored = storage_volume(np.where(basin, np.minimum(z, mid), z), basin, level, area)
        lo, hi = (mid, hi) if stored > volume else (lo, mid)
    return 0.5 * (lo + hi)


def dike_cells(lines, territory, width_m: float) -> np.ndarray:
    """Cells under a dike of ``width_m`` along lines.

    The cells whose centre lies within ``width_m / 2`` of the line give the width; every cell the line
    itself touches is added, so the crest is 4-connected and no diagonal gap lets water through in a
    4-neighbour flow model, even where the dike is narrower than a cell.
    """
    grid = territory.grid
    body = rasterize(
        [(line.buffer(width_m / 2.0, cap_style="flat"), 1) for line in lines],
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    )
    axis = rasterize(
        [(line, 1) for line in lines],
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        all_touched=True,
        dtype="uint8",
    )
    cells = (body | axis).astype(bool)
    # where the axis crosses a cell corner exactly, all_touched may join two cells by that corner only: close it
    diagonal = cells[1:, 1:] & cells[:-1, :-1] & ~cells[1:, :-1] & ~cells[:-1, 1:]
    anti = cells[1:, :-1] & cells[:-1, 1:] & ~cells[1:, 1:] & ~cells[:-1, :-1]
    cells[1:, :-1] |= diagonal
    cells[1:, 1:] |= anti
    return cells


def dike(measure, territory, *, where: str):
    """Raise the ground along a line to a crest elevation, or by a height above the local ground."""
    shapes = read_shapes(measure.line, territory, where=f"{where}.line", kinds=LINES)
    lines = list(shapes.geometry)
    cells = dike_cells(lines, territory, measure.width_m)
    z = territory["elevation"]
    crest = (
        np.float32(measure.crest_elevation_m)
        if measure.crest_elevation_m is not None
        else z + np.float32(measure.height_m)
    )
    new = np.where(cells, np.maximum(z, crest), z).astype(np.float32)
    if not (new > z).any():  # a crest nowhere above the ground is no dike: a mistake, not a measure
        given = measure.crest_elevation_m if measure.crest_elevation_m is not None else measure.height_m
        field = "crest_elevation_m" if measure.crest_elevation_m is not None else "height_m"
        lowest = float(z[cells].min())
        raise ScenarioError(
            message(where, field, f"above the ground somewhere along the line (lowest ground {lowest:.2f} m)", given)
        )
    area = territory.grid.cell_area
    n = int(cells.sum())
    return territory.with_layers(elevation=new), MeasureEffect(
        measure.type,
        measure.label or "dike",
        f"line {measure.line}",
        n,
        n * area,
        volume_m3=float((new - z).astype(np.float64).sum() * area),
        details={
            "length_m": round(float(sum(g.length for g in lines)), 1),
            "crest_min_m": round(float(new[cells].min()), 3),
            "crest_max_m": round(float(new[cells].max()), 3),
        },
    )


def terrain_edit(measure, territory, *, where: str):
    """Raise or lower the ground in the area by ``value_m``, or set it to ``value_m``."""
    sel = select(measure, territory, where=where)
    require_cells(sel.cells, sel, where=where, what="a cell of the grid")
    z = territory["elevation"]
    v = np.float32(measure.value_m)
    edited = {"raise": z + v, "lower": z - v, "set": np.full_like(z, v)}[measure.operation]
    new = np.where(sel.cells, edited, z).astype(np.float32)
    diff = (new - z).astype(np.float64) * territory.grid.cell_area
    n = int(sel.cells.sum())
    return territory.with_layers(elevation=new), MeasureEffect(
        measure.type,
        measure.label or f"terrain {measure.operation}",
        sel.description,
        n,
        n * territory.grid.cell_area,
        volume_m3=float(np.abs(diff).sum()),
        details={"fill_m3": round(float(diff[diff > 0].sum()), 1), "cut_m3": round(float(-diff[diff < 0].sum()), 1)},
    )
