"""Indicators of the territory itself (no event): tree canopy, sealed ground, access to cool islands.

These describe what a scenario's measures change on the ground; their records have ``event=None``. Cells outside
the territory's ``domain`` count nowhere.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from ..errors import ModelInputError, message
from .places import district_raster, number, summarise
from .records import Indicator

if TYPE_CHECKING:
    from ..territory import Territory


def land_indicators(territory: Territory, *, distance_m: float = 300.0, min_area_ha: float = 2.0) -> list[Indicator]:
    """Land indicators for the territory and each district (district of a cell: its centre's).

    Parameters
    ----------
    territory : Territory
        The territory (after the scenario's measures).
    distance_m : float
        Walking-distance proxy to a cool island, m: straight-line distance between cell centres.
    min_area_ha : float
        Smallest green patch that counts as a cool island, ha.

    Returns
    -------
    list of Indicator
        ``land.canopy_share``: mean ``tree_canopy`` over the cells (0-1); ``land.impervious_share``:
        mean ``imperviousness`` (0-1); ``land.cool_island_access_share``: share of the residents of
        the ``population`` layer living within ``distance_m`` of a cool island
        (:func:`cool_islands`), NaN where nobody lives. A layer the land-cover table does not give (NaN) gives
        NaN indicators.

    Raises
    ------
    ModelInputError
        A ``distance_m`` or ``min_area_ha`` that is not a number >= 0.
    """
    if not (math.isfinite(number(distance_m)) and number(distance_m) >= 0):
        raise ModelInputError(message("land indicators", "distance_m", "a number of metres >= 0", distance_m))
    inside = territory["domain"]
    cell_district = district_raster(territory)[inside]  # the domain's cells only, as flat arrays
    names = territory.vectors["districts"]["name"].astype(str).tolist()
    out: list[Indicator] = []
    for key, layer in (("land.canopy_share", "tree_canopy"), ("land.impervious_share", "imperviousness")):
        values = territory[layer].astype(np.float64)[inside]
        out += summarise(key, lambda m, v=values: _mean(v[m]), cell_district, names, event=None)
    people = territory["population"].astype(np.float64)[inside]
    if np.isnan(territory["green_area"]).any():  # a table without green_area (flood only): unknown, not "none"
        near = None
    else:
        near = near_cool_island(territory, distance_m=distance_m, min_area_ha=min_area_ha)[inside]
    out += summarise(
        "land.cool_island_access_share",
        lambda m: math.nan if near is None else _share(people[m & near].sum(), people[m].sum()),
        cell_district,
        names,
        event=None,
    )
    out += summarise("land.population", lambda m: float(people[m].sum()), cell_district, names, event=None)
    return out


def cool_islands(territory: Territory, *, min_area_ha: float = 2.0) -> np.ndarray:
    """Cells of the cool islands: boolean ``(y, x)``.

    A cool island is an 8-connected patch of green cells (``green_area == 1``: grass, gardens, trees,
    meadows in the shipped table) of at least ``min_area_ha`` (ha), or a cell of a land-cover class of
    role ``water`` (the table's ``role`` column) whatever its size. Gardens count as green, so contiguous
    private gardens can form a patch: the layer knows land cover, not access. Only cells of the territory's
    ``domain`` count.

    Parameters
    ----------
    territory : Territory
        The territory; its ``green_area`` and ``land_cover`` layers.
    min_area_ha : float
        Smallest green patch that counts, ha.

    Returns
    -------
    numpy.ndarray
        Boolean raster on the territory's grid.

    Raises
    ------
    ModelInputError
        A ``min_area_ha`` that is not a number >= 0.
    twin.errors.DataSourceError
        A land-cover table without a ``role`` column (it cannot say which classes are water).
    """
    if not (math.isfinite(number(min_area_ha)) and number(min_area_ha) >= 0):
        raise ModelInputError(message("cool islands", "min_area_ha", "a number of hectares >= 0", min_area_ha))
    green = (territory["green_area"] >= 0.5) & territory["domain"]  # no island outside the domain
    labels, _ = ndimage.label(green, structure=np.ones((3, 3), dtype=bool))
    area_m2 = np.bincount(labels.ravel()) * territory.grid.cell_area
    big = area_m2 >= min_area_ha * 1e4 - 1e-6
    big[0] = False  # label 0: not green
    cool = big[labels]
    water = territory.landcover.mask(territory["land_cover"], "water", where="cool islands")
    return cool | (water & territory["domain"])


def near_cool_island(territory: Territory, *, distance_m: float = 300.0, min_area_ha: float = 2.0) -> np.ndarray:
    """Cells whose centre is within ``distance_m`` (m, straight line) of a cool island's cell centre.

    Parameters
    ----------
    territory : Territory
        The territory.
    distance_m : float
        Largest distance to a cool island, m.
    min_area_ha : float
        Smallest green patch that counts as a cool island, ha (:func:`cool_islands`).

    Returns
    -------
    numpy.ndarray
        Boolean raster on the territory's grid.

    Raises
    ------
    ModelInputError
        A ``min_area_ha`` that is not a number >= 0.
    """
    cool = cool_islands(territory, min_area_ha=min_area_ha)
    if not cool.any():
        return np.zeros(cool.shape, dtype=bool)
    distance = ndimage.distance_transform_edt(~cool, sampling=territory.grid.cell_size)
    return distance <= distance_m + 1e-6


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else math.nan


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else math.nan
