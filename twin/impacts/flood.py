"""Flood impacts of one event: buildings, people, sites, roads, hazard areas and damage.

Depth at a building is the **maximum** of the event's ``max_depth`` over the building's footprint
cells and the ring of cells around it (:func:`~twin.impacts.places.at_buildings` with
``"footprint_and_ring"``): with buildings as walls the footprint stays dry, and the water that
matters is the water against the walls. Permanent water (land-cover class ``water``) counts as dry
everywhere: a river in its bed is not a flood. Cells outside the territory's ``domain`` count nowhere. A depth
"over" a threshold means ``depth >= threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import shapely
import xarray as xr

from ..errors import ModelInputError, message
from .damage import DamageModel, damage_by_return_period, expected_annual_damage
from .places import (
    at_buildings,
    at_sites,
    building_layer,
    cells_of_points,
    check_dataset,
    district_index,
    district_raster,
    in_domain,
    names_of,
    number,
    site_layer,
    summarise,
)
from .records import EventImpacts, Indicator

if TYPE_CHECKING:
    from ..territory import Territory

BUILDING_THRESHOLDS_M = {
    "flood.buildings_over_0.1m": 0.1,
    "flood.buildings_over_0.5m": 0.5,
    "flood.buildings_over_1m": 1.0,
}
ROAD_THRESHOLDS_M = {  # impassable to pedestrians, cars, trucks, rescue vehicles
    "flood.road_km_cut_0.05m": 0.05,
    "flood.road_km_cut_0.10m": 0.10,
    "flood.road_km_cut_0.25m": 0.25,
    "flood.road_km_cut_0.40m": 0.40,
}
PPRI_KEYS = {1: "flood.area_ppri_low_ha", 2: "flood.area_ppri_medium_ha", 3: "flood.area_ppri_high_ha"}
DEPTH_CLASSES = ("none", "0.1-0.5 m", "0.5-1 m", "> 1 m")  # bounds 0.1, 0.5, 1 m; a bound belongs to the class above


def flood_impacts(
    territory: Territory,
    flood: xr.Dataset,
    *,
    event: str,
    damage: DamageModel | None = None,
    exposure_depth_m: float = 0.1,
) -> EventImpacts:
    """Impacts of one flood event on the territory.

    Parameters
    ----------
    territory : Territory
        The territory the flood was simulated on (after the scenario's measures).
    flood : xarray.Dataset
        The flood engine's results (:func:`twin.flood.model.simulate`): ``max_depth`` (m) and
        ``ppri_class`` (0 none, 1 low, 2 medium, 3 high), dims ``(y, x)`` on the territory's grid.
    event : str
        The event's name, written on every indicator.
    damage : DamageModel, optional
        Depth-damage curves and costs; the shipped JRC tables (:meth:`DamageModel.read`) by default.
    exposure_depth_m : float
        Depth from which a home's residents are exposed and a site is flooded, m (``>=``).

    Returns
    -------
    EventImpacts
        Indicators: ``flood.buildings_over_{0.1m,0.5m,1m}`` (count with depth ``>=`` the bound),
        ``flood.damage_eur`` (EUR), ``flood.people_exposed`` (residents), ``flood.road_km_cut_*``
        (km of road, rail excluded, whose cells have ``max_depth >=`` the bound) and
        ``flood.area_ppri_{low,medium,high}_ha`` (ha), for the territory and each district;
        ``flood.sites_flooded`` for the territory only. Buildings: ``id, use, district,
        population, depth_m, damage_eur, depth_class, geometry``; sites: ``name, kind, depth_m,
        flooded, geometry``. A building too small to hold a grid cell has a NaN depth and damage
        and counts nowhere.

    Raises
    ------
    ModelInputError
        Results without ``max_depth`` and ``ppri_class`` on the territory's grid, or an ``exposure_depth_m``
        that is not a positive number.
    twin.errors.MissingFileError, twin.errors.DataSourceError
        The shipped damage tables missing or broken, or a building use they do not list.
    """
    where = f"flood results of event {event!r}"
    check_dataset(territory, flood, ("max_depth", "ppri_class"), where=where)
    if not (math.isfinite(number(exposure_depth_m)) and number(exposure_depth_m) > 0):
        raise ModelInputError(message(where, "exposure_depth_m", "a positive number of metres", exposure_depth_m))
    damage = damage if damage is not None else DamageModel.read()
    # permanent water (rivers, ponds, fountains) is not flooding: a full river channel must not count as a cut
    # bridge, a high-hazard area or water against the quay-side houses
    water = _permanent_water(territory)
    depth_map = in_domain(territory, np.where(water, 0.0, flood["max_depth"].values.astype(np.float64)))
    districts = territory.vectors["districts"]
    names = districts["name"].astype(str).tolist()

    buildings = territory.vectors["buildings"].reset_index(drop=True)
    depth = at_buildings(territory, depth_map, how="max", cells="footprint_and_ring")
    euros = damage.building_damage(buildings, depth)
    people = buildings["population"].to_numpy(dtype=np.float64)
    home = district_index(territory, buildings)
    indicators: list[Indicator] = []
    for key, bound in BUILDING_THRESHOLDS_M.items():
        indicators += summarise(key, lambda m, b=bound: np.count_nonzero(depth[m] >= b), home, names, event=event)
    indicators += summarise("flood.damage_eur", lambda m: np.nansum(euros[m]), home, names, event=event)
    exposed = depth >= exposure_depth_m
    indicators += summarise("flood.people_exposed", lambda m: people[m & exposed].sum(), home, names, event=event)

    sites = territory.vectors["sites"].reset_index(drop=True)
    site_depth = at_sites(territory, depth_map, how="max", cells="footprint_and_ring")
    flooded = site_depth >= exposure_depth_m
    indicators.append(Indicator("flood.sites_flooded", float(np.count_nonzero(flooded)), event, None))

    cell_district = district_raster(territory)
    length, row, col = _road_segments(territory)
    seg_depth, seg_district = depth_map[row, col], cell_district[row, col]
    for key, bound in ROAD_THRESHOLDS_M.items():
        cut = seg_depth >= bound
        indicators += summarise(key, lambda m, c=cut: length[m & c].sum() / 1e3, seg_district, names, event=event)

    ppri = np.where(water | ~territory["domain"], 0, flood["ppri_class"].values)
    ha = territory.grid.cell_area / 1e4
    for code, key in PPRI_KEYS.items():
        in_class = ppri == code
        indicators += summarise(
            key, lambda m, c=in_class: np.count_nonzero(m & c) * ha, cell_district, names, event=event
        )

    building_table = building_layer(
        buildings,
        names_of(home, names),
        people,
        depth_m=depth,
        damage_eur=euros,
        depth_class=depth_class(depth),
        exposed=exposed,
    )
    site_table = site_layer(sites, depth_m=site_depth, flooded=flooded)
    return EventImpacts(indicators, building_table, site_table)


def _permanent_water(territory: Territory) -> np.ndarray:
    """Cells of the land-cover classes of role ``water`` (the table's ``role`` column; none if no class has it)."""
    return territory.landcover.mask(territory["land_cover"], "water", where="flood impacts (permanent water)")


def depth_class(depth_m: np.ndarray) -> np.ndarray:
    """Depth class of each depth (m): ``"none"`` below 0.1 m (or NaN), ``"0.1-0.5 m"``, ``"0.5-1 m"``, ``"> 1 m"``.

    A bound belongs to the class above it (0.5 m is ``"0.5-1 m"``).

    Parameters
    ----------
    depth_m : numpy.ndarray
        Water depths, m.

    Returns
    -------
    numpy.ndarray
        Object array of class names, of the shape of ``depth_m``.
    """
    depth_m = np.nan_to_num(np.asarray(depth_m, dtype=np.float64), nan=-1.0)
    return np.array(DEPTH_CLASSES, dtype=object)[np.searchsorted([0.1, 0.5, 1.0], depth_m, side="right")]


def _road_segments(territory: Territory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roads (rail excluded) cut into pieces of at most a quarter cell: length (m), row and column of each midpoint.

    Pieces whose midpoint is off the grid are dropped.
    """
    roads = territory.vectors["roads"]
    lines = roads.geometry[roads["kind"].astype(str) != "rail"].explode(index_parts=False).to_numpy()
    lines = np.array([g for g in lines if g is not None and not g.is_empty], dtype=object)
    if lines.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0), empty, empty
    dense = shapely.segmentize(lines, territory.grid.cell_size / 4.0)
    coords, part = shapely.get_coordinates(dense, return_index=True)
    same = part[1:] == part[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    length = np.hypot(end[:, 0] - start[:, 0], end[:, 1] - start[:, 1])
    mid = (start + end) / 2.0
    row, col, on_grid = cells_of_points(territory, mid[:, 0], mid[:, 1])
    return length[on_grid], row[on_grid], col[on_grid]


def expected_annual_damage_indicators(events: Iterable[tuple[object, EventImpacts]]) -> list[Indicator]:
    """The expected annual damage of a run's events that have a return period (design storms), when there are at
    least two return periods: the largest damage per period (:func:`damage_by_return_period`), EUR/year."""
    damages = damage_by_return_period(
        (getattr(event, type(event).return_period_field), _territory_total(impacts.indicators, "flood.damage_eur"))
        for event, impacts in events
        if getattr(type(event), "return_period_field", None)
    )
    if len(damages) < 2:
        return []
    return [Indicator("flood.expected_annual_damage_eur", expected_annual_damage(damages))]


def _territory_total(indicators: list[Indicator], key: str) -> float:
    return next(i.value for i in indicators if i.key == key and i.district is None)
