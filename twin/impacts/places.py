"""Where people meet a hazard: hazard maps sampled at buildings, sites and districts.

Flood and heat impacts share these helpers. A hazard map is a ``(y, x)`` array on
the territory's grid; buildings are found on it through the ``building_index``
layer (the row of ``territory.vectors["buildings"]`` over each cell, -1 if none),
so no geometry is rasterized again.

The *ring* of a building is the set of cells that touch one of its footprint
cells (8 neighbours) and are not its own. With buildings as walls in the flood
model, a footprint stays dry and the water stands in the ring against the walls;
for heat, the open cells of the ring are the street or the garden at the door.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import xarray as xr

from ..errors import ModelInputError, message
from ..population import district_of
from .records import Indicator

if TYPE_CHECKING:
    from ..territory import Territory

How = Literal["max", "mean"]
Cells = Literal["footprint_and_ring", "open_ring"]
_HOWS = ("max", "mean")
_CELLS = ("footprint_and_ring", "open_ring")
_NEIGHBOURS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def at_buildings(
    territory: Territory, values: np.ndarray, *, how: How = "max", cells: Cells = "footprint_and_ring"
) -> np.ndarray:
    """One value per building: ``values`` reduced over the cells around it.

    Parameters
    ----------
    territory : Territory
        The territory; its ``building_index`` layer says which cells are which building's.
    values : numpy.ndarray
        A hazard map on the territory's grid, shape ``(y, x)``, in its own units (a depth in m,
        a UTCI in °C...), or a stack of them ``(time, y, x)``. NaN cells are left out.
    how : {"max", "mean"}
        ``"max"`` or ``"mean"`` of the selected cells.
    cells : {"footprint_and_ring", "open_ring"}
        ``"footprint_and_ring"``: the building's own cells and its ring (the cells that touch
        them, 8 neighbours, and are not the building's), whatever they hold. The flood choice:
        with buildings as walls the footprint is dry and the water is against the walls.
        ``"open_ring"``: the cells of the ring that are on no building at all (the street, the
        yard). The heat choice: what a resident meets at the door.

    Returns
    -------
    numpy.ndarray
        float64, one value per row of ``territory.vectors["buildings"]`` (per step and row for a stack),
        in the units of ``values``; NaN for a building with no selected cell (a footprint too small to hold a
        cell, or a building enclosed by others for ``"open_ring"``).

    Raises
    ------
    ModelInputError
        An unknown ``how`` or ``cells``, or ``values`` not of the grid's shape.
    """
    if how not in _HOWS:
        raise ModelInputError(message("at_buildings", "how", f"one of {list(_HOWS)}", how))
    if cells not in _CELLS:
        raise ModelInputError(message("at_buildings", "cells", f"one of {list(_CELLS)}", cells))
    index = territory["building_index"]
    values = _on_grid(territory, values, where="at_buildings")
    n = len(territory.vectors["buildings"])
    cell, owner = _building_cells(index, cells)
    if values.ndim == 3:  # a stack of maps (time, y, x): the cells are found once
        flat = values.reshape(values.shape[0], -1)
        return np.stack([_reduce_valid(owner, row[cell], n, how) for row in flat])
    return _reduce_valid(owner, values.ravel()[cell], n, how)


def _reduce_valid(owner: np.ndarray, v: np.ndarray, n: int, how: How) -> np.ndarray:
    keep = ~np.isnan(v)
    return _reduce(owner[keep], v[keep], n, how)


def at_sites(
    territory: Territory, values: np.ndarray, *, how: How = "max", cells: Cells = "footprint_and_ring"
) -> np.ndarray:
    """One value per sensitive site of ``territory.vectors["sites"]``.

    A site whose point lies inside a building footprint takes that building's value
    (:func:`at_buildings` with the same ``how`` and ``cells``): a school is flooded when the water
    is against its walls. Any other site, or one whose building has no value, takes the value of
    the cell under its point (no neighbourhood). A point off the grid gets NaN.

    Parameters
    ----------
    territory : Territory
        The territory; its ``sites`` and ``buildings``.
    values : numpy.ndarray
        A hazard map on the territory's grid, shape ``(y, x)``, in its own units (m, °C...), or a stack of
        them ``(time, y, x)``.
    how : {"max", "mean"}
        As :func:`at_buildings` takes it, for sites inside a building.
    cells : {"footprint_and_ring", "open_ring"}
        As :func:`at_buildings` takes it, for sites inside a building.

    Returns
    -------
    numpy.ndarray
        float64, one value per site (per step and site for a stack), in the units of ``values``.

    Raises
    ------
    ModelInputError
        An unknown ``how`` or ``cells``, or ``values`` not of the grid's shape.
    """
    values = _on_grid(territory, values, where="at_sites")
    sites = territory.vectors["sites"]
    if len(sites) == 0:
        return np.zeros((*values.shape[:-2], 0))
    building = _building_of_points(sites, territory.vectors["buildings"])
    per_building = at_buildings(territory, values, how=how, cells=cells)
    row, col, on_grid = cells_of_points(territory, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    lead = values.shape[:-2]  # () for a map, (time,) for a stack
    out = np.full((*lead, len(sites)), np.nan)
    out[..., on_grid] = values[..., row[on_grid], col[on_grid]]
    inside = building >= 0
    from_building = np.full((*lead, len(sites)), np.nan)
    from_building[..., inside] = per_building[..., building[inside]]
    return np.where(inside & ~np.isnan(from_building), from_building, out)


def in_domain(territory: Territory, values: np.ndarray) -> np.ndarray:
    """``values`` (a map on the territory's grid or a stack of them) as float64, NaN outside the territory's
    ``domain``: inactive cells count in no indicator (the helpers here leave NaN cells out).

    Parameters
    ----------
    territory : Territory
        The territory; its ``domain`` layer.
    values : numpy.ndarray
        A map ``(y, x)`` or a stack ``(time, y, x)``, in its own units.

    Returns
    -------
    numpy.ndarray
        float64, of the shape of ``values``, in its units.
    """
    values = np.asarray(values, dtype=np.float64)
    inside = territory["domain"]
    return values if inside.all() else np.where(inside, values, np.nan)


def cells_of_points(territory: Territory, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column of the cell under each point (x, y in m), and whether it is on the grid."""
    grid = territory.grid
    col = np.floor((np.asarray(x, float) - grid.x0) / grid.cell_size).astype(np.int64)
    row = np.floor((grid.y0 - np.asarray(y, float)) / grid.cell_size).astype(np.int64)
    on_grid = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    return np.where(on_grid, row, 0), np.where(on_grid, col, 0), on_grid


def district_index(territory: Territory, gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Row of ``territory.vectors["districts"]`` holding each feature's representative point, -1 if none.

    Parameters
    ----------
    territory : Territory
        The territory; its ``districts``.
    gdf : geopandas.GeoDataFrame
        Features in the territory's CRS (buildings, sites).

    Returns
    -------
    numpy.ndarray
        int64, one district row per feature.
    """

    districts = territory.vectors["districts"]
    if len(gdf) == 0 or len(districts) == 0:
        return np.full(len(gdf), -1, dtype=np.int64)
    return district_of(districts, gdf.reset_index(drop=True))


def district_names(territory: Territory, gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Name of the district of each feature (object array), ``None`` where no district holds it.

    Parameters
    ----------
    territory : Territory
        The territory; its ``districts``.
    gdf : geopandas.GeoDataFrame
        Features in the territory's CRS (buildings, sites).

    Returns
    -------
    numpy.ndarray
        Object array of district names (str or ``None``), one per feature.
    """
    return names_of(district_index(territory, gdf), territory.vectors["districts"]["name"].astype(str).tolist())


def names_of(rows: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``names[row]`` for each row (object array), ``None`` where the row is -1."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.full(rows.shape, None, dtype=object)
    out[rows >= 0] = np.array(list(names), dtype=object)[rows[rows >= 0]]
    return out


def building_layer(buildings: gpd.GeoDataFrame, district: np.ndarray, people: np.ndarray, **values) -> gpd.GeoDataFrame:
    """The per-building impact layer of an event: id, use, district and residents, then the event's ``values``
    (among them ``exposed``: whether the building counts as exposed to the hazard, as the indicators count it)."""
    columns = {"id": buildings["id"].to_numpy(), "use": buildings["use"].to_numpy(), "district": district}
    return gpd.GeoDataFrame(
        columns | {"population": people} | values, geometry=buildings.geometry.to_numpy(), crs=buildings.crs
    )


def site_layer(sites: gpd.GeoDataFrame, **values) -> gpd.GeoDataFrame:
    """The per-site impact layer of an event: name and kind, then the event's ``values``."""
    columns = {"name": sites["name"].to_numpy(), "kind": sites["kind"].to_numpy()}
    return gpd.GeoDataFrame(columns | values, geometry=sites.geometry.to_numpy(), crs=sites.crs)


def district_raster(territory: Territory) -> np.ndarray:
    """Row of the district over each cell (the cell's centre inside its polygon), -1 if none; int32 ``(y, x)``.

    Parameters
    ----------
    territory : Territory
        The territory; its grid and ``districts``.

    Returns
    -------
    numpy.ndarray
        int32 raster of district rows on the territory's grid.
    """
    from rasterio.features import rasterize

    grid = territory.grid
    districts = territory.vectors["districts"]
    if len(districts) == 0:
        return np.full(grid.shape, -1, dtype=np.int32)
    shapes = [(geom, i) for i, geom in enumerate(districts.geometry) if geom is not None and not geom.is_empty]
    return rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=-1, dtype="int32")


def summarise(
    key: str,
    reduce: Callable[[np.ndarray], float],
    district: np.ndarray,
    names: Sequence[str],
    *,
    event: str | None,
    by_district: bool = True,
) -> list[Indicator]:
    """The territory's figure, then one per district (every district, in table order).

    Parameters
    ----------
    key
        Catalogue key.
    reduce
        Called with a boolean mask over the items (buildings, sites, cells...) and returning the
        figure of the selected items; an empty selection must give the figure of nothing (0 for
        a count, NaN for a mean).
    district
        District row of each item, -1 if none (items in no district count for the territory only).
    names
        District names, by row.
    event, by_district
        The event's name (``None`` for the territory itself); whether to add the district rows.
    """
    out = [Indicator(key, float(reduce(np.ones(district.shape, dtype=bool))), event, None)]
    if by_district:
        out += [Indicator(key, float(reduce(district == d)), event, str(name)) for d, name in enumerate(names)]
    return out


def check_dataset(territory: Territory, ds: xr.Dataset, variables: Sequence[str], *, where: str) -> None:
    """Raise :class:`~twin.errors.ModelInputError` unless ``ds`` holds ``variables`` on the territory's grid."""
    if not isinstance(ds, xr.Dataset):
        raise ModelInputError(message(where, "results", "an xarray.Dataset", type(ds).__name__))
    missing = [v for v in variables if v not in ds.data_vars]
    if missing:
        raise ModelInputError(message(where, "variables", f"complete ({', '.join(variables)})", f"missing {missing}"))
    grid = territory.grid
    for name in variables:
        var = ds[name]
        if var.dims[-2:] != ("y", "x") or var.ndim > 3 or var.shape[-2:] != grid.shape:
            raise ModelInputError(
                message(
                    where,
                    f"variable '{name}'",
                    f"on the territory's grid, dims (..., 'y', 'x') and shape (..., {grid.shape[0]}, {grid.shape[1]})",
                    f"dims {var.dims}, shape {var.shape}",
                )
            )
    for axis, centres in (("x", grid.x), ("y", grid.y)):
        if axis in ds.coords and not np.allclose(ds[axis].values, centres, rtol=0.0, atol=1e-3 * grid.cell_size):
            got = ds[axis].values
            raise ModelInputError(
                message(
                    where,
                    f"{axis} coordinates",
                    f"the territory's cell centres ({centres[0]:.2f} to {centres[-1]:.2f} m)",
                    f"{got[0]:.2f} to {got[-1]:.2f} m",
                )
            )


def number(value: object) -> float:
    """``value`` as a float, NaN if it is not a number (for range checks that then report the raw value)."""
    if isinstance(value, bool):
        return float("nan")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _on_grid(territory: Territory, values: np.ndarray, *, where: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.shape[-2:] != territory.grid.shape or values.ndim not in (2, 3):
        raise ModelInputError(
            message(where, "values", f"a map of shape {territory.grid.shape} (or a stack of them)", values.shape)
        )
    return values


def _building_cells(index: np.ndarray, cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """(flat cell, building) pairs, each pair once: footprints and rings as ``cells`` says."""
    ny, nx = index.shape
    flat = np.arange(index.size, dtype=np.int64).reshape(index.shape)
    found_cells, owners = [], []
    if cells == "footprint_and_ring":
        on = index >= 0
        found_cells.append(flat[on])
        owners.append(index[on].astype(np.int64))
    padded = np.pad(index, 1, constant_values=-1)
    for dy, dx in _NEIGHBOURS:
        neighbour = padded[1 + dy : 1 + dy + ny, 1 + dx : 1 + dx + nx]  # the building at (row + dy, col + dx)
        ring = (neighbour >= 0) & (neighbour != index)
        if cells == "open_ring":
            ring &= index < 0
        found_cells.append(flat[ring])
        owners.append(neighbour[ring].astype(np.int64))
    key = np.unique(np.concatenate(owners) * index.size + np.concatenate(found_cells))  # a cell once per building
    return key % index.size, key // index.size


def _reduce(owner: np.ndarray, v: np.ndarray, n: int, how: How) -> np.ndarray:
    count = np.bincount(owner, minlength=n)
    if how == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, owner, v)
    else:
        out = np.bincount(owner, weights=v, minlength=n) / np.maximum(count, 1)
    return np.where(count > 0, out, np.nan)


def _building_of_points(points: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the building whose footprint holds each point, -1 if none (the first one if several)."""
    if len(buildings) == 0:
        return np.full(len(points), -1, dtype=np.int64)
    pts = gpd.GeoDataFrame(geometry=points.geometry.to_numpy(), crs=points.crs)
    which = gpd.sjoin(pts, buildings.reset_index(drop=True)[["geometry"]], how="left", predicate="within")
    first = which.groupby(level=0)["index_right"].first().reindex(range(len(pts)))
    return first.fillna(-1).to_numpy(dtype=np.int64)
