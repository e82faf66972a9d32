"""Heat impacts of one event: residents, vulnerable people and sites in heat stress, heat islands.

UTCI at a building is the **mean** of the event's ``utci`` (15:00) over the open cells of the
building's ring (:func:`~twin.impacts.places.at_buildings` with ``"open_ring"``): the street, yard or
garden at the door, not the roof. A building with no open cell around it (enclosed by others) takes
the mean over its footprint and ring instead. Stress thresholds are strict: "strong" means
``UTCI > strong_c``, and counts include the worse classes (a resident in very strong stress is also
counted in strong stress).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import xarray as xr

from ..errors import ModelInputError, message
from .places import (
    at_buildings,
    at_sites,
    building_layer,
    check_dataset,
    district_index,
    district_raster,
    names_of,
    number,
    site_layer,
    summarise,
)
from .records import EventImpacts, Indicator

if TYPE_CHECKING:
    from ..territory import Territory

STRESS_CLASSES = ("none", "strong", "very strong")


def heat_impacts(
    territory: Territory,
    heat: xr.Dataset,
    *,
    event: str,
    strong_c: float = 32.0,
    very_strong_c: float = 38.0,
) -> EventImpacts:
    """Impacts of one heatwave day on the territory.

    Parameters
    ----------
    territory : Territory
        The territory the heat model ran on (after the scenario's measures).
    heat : xarray.Dataset
        The heat engine's results (:func:`twin.heat.model.simulate`): ``utci`` (°C at 15:00),
        ``uhi_day`` and ``uhi_night`` (K), dims ``(y, x)`` on the territory's grid.
    event : str
        The event's name, written on every indicator.
    strong_c, very_strong_c : float
        UTCI above which heat stress is strong and very strong, °C (Bröde et al. 2012: 32 and 38).
        "Very strong" here includes extreme stress (above 46 °C).

    Returns
    -------
    EventImpacts
        Indicators, for the territory and each district: ``heat.people_strong_stress`` and
        ``heat.people_very_strong_stress`` (residents of buildings whose door is above the
        threshold), the same for over-75s and under-5s (residents × the district's
        ``share_over_75`` / ``share_under_5``), and ``heat.uhi_{day,night}_{mean,p95}_k`` over the
        open cells (on no building); ``heat.sites_strong_stress`` for the territory only.
        Buildings: ``id, use, district, population, utci_c, stress, geometry``; sites: ``name,
        kind, utci_c, strong, geometry``.

    Raises
    ------
    ModelInputError
        Results without ``utci``, ``uhi_day`` and ``uhi_night`` on the territory's grid, or thresholds that are
        not finite or not increasing.
    """
    where = f"heat results of event {event!r}"
    check_dataset(territory, heat, ("utci", "uhi_day", "uhi_night"), where=where)
    for name, value in (("strong_c", strong_c), ("very_strong_c", very_strong_c)):
        if not math.isfinite(number(value)):
            raise ModelInputError(message(where, name, "a finite temperature in °C", value))
    if not very_strong_c > strong_c:
        raise ModelInputError(message(where, "very_strong_c", f"above strong_c = {strong_c} °C", very_strong_c))
    utci = heat["utci"].values.astype(np.float64)
    districts = territory.vectors["districts"]
    names = districts["name"].astype(str).tolist()

    buildings = territory.vectors["buildings"].reset_index(drop=True)
    at_door = at_buildings(territory, utci, how="mean", cells="open_ring")
    around = at_buildings(territory, utci, how="mean", cells="footprint_and_ring")
    at_door = np.where(np.isnan(at_door), around, at_door)
    home = district_index(territory, buildings)
    people = buildings["population"].to_numpy(dtype=np.float64)
    groups = {
        "people": people,
        "people_over_75": people * _district_share(districts, home, "share_over_75"),
        "people_under_5": people * _district_share(districts, home, "share_under_5"),
    }
    indicators: list[Indicator] = []
    levels = {"strong": at_door > strong_c, "very_strong": at_door > very_strong_c}
    for group, count in groups.items():
        for level, hot in levels.items():
            indicators += summarise(
                f"heat.{group}_{level}_stress", lambda m, c=count, h=hot: c[m & h].sum(), home, names, event=event
            )

    sites = territory.vectors["sites"].reset_index(drop=True)
    site_utci = at_sites(territory, utci, how="mean", cells="open_ring")
    site_strong = site_utci > strong_c
    indicators.append(Indicator("heat.sites_strong_stress", float(np.count_nonzero(site_strong)), event, None))

    open_cells = territory["building_index"] < 0
    cell_district = np.where(open_cells, district_raster(territory), -2)  # -2: on a building, left out
    for name in ("uhi_day", "uhi_night"):
        values = heat[name].values.astype(np.float64)
        indicators += summarise(
            f"heat.{name}_mean_k", lambda m, v=values: _mean(v[m & open_cells]), cell_district, names, event=event
        )
        indicators += summarise(
            f"heat.{name}_p95_k", lambda m, v=values: _p95(v[m & open_cells]), cell_district, names, event=event
        )

    stress = stress_class(at_door, strong_c=strong_c, very_strong_c=very_strong_c)
    building_table = building_layer(
        buildings, names_of(home, names), people, utci_c=at_door, stress=stress, exposed=stress != "none"
    )
    site_table = site_layer(sites, utci_c=site_utci, strong=site_strong)
    return EventImpacts(indicators, building_table, site_table)


def stress_class(utci_c: np.ndarray, *, strong_c: float = 32.0, very_strong_c: float = 38.0) -> np.ndarray:
    """``"none"``, ``"strong"`` (UTCI > strong_c) or ``"very strong"`` (UTCI > very_strong_c) for each UTCI (°C).

    NaN gives ``"none"``.

    Parameters
    ----------
    utci_c : numpy.ndarray
        UTCI, °C.
    strong_c, very_strong_c : float
        Thresholds of strong and very strong heat stress, °C.

    Returns
    -------
    numpy.ndarray
        Object array of class names, of the shape of ``utci_c``.
    """
    utci_c = np.nan_to_num(np.asarray(utci_c, dtype=np.float64), nan=-np.inf)
    return np.array(STRESS_CLASSES, dtype=object)[(utci_c > strong_c).astype(int) + (utci_c > very_strong_c)]


def _district_share(districts: gpd.GeoDataFrame, rows: np.ndarray, column: str) -> np.ndarray:
    """The district's share for each row, 0 where a building is in no district."""
    shares = districts[column].to_numpy(dtype=np.float64)
    out = np.zeros(len(rows))
    out[rows >= 0] = shares[rows[rows >= 0]]
    return out


def _mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else math.nan


def _p95(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(np.percentile(values, 95)) if values.size else math.nan
