"""Heat impacts of one event: residents, vulnerable people and sites in heat stress, heat islands.

Over the day, at each step of the engine's ``utci_hourly``: person-hours in strong, very strong and extreme heat
stress at the residents' doors (counts include the worse classes), sites' hours in strong stress within their
opening hours (:data:`OPENING_HOURS`, legal local time), residents whose night stays tropical and the UTCI
degree-hours above 32 °C per resident. At the afternoon hour (``utci``, 15:00): residents in each class.

UTCI at a building is the **mean** of the event's UTCI over the open cells of the
building's ring (:func:`~twin.impacts.places.at_buildings` with ``"open_ring"``): the street, yard or
garden at the door, not the roof. A building with no open cell around it (enclosed by others) takes
the mean over its footprint and ring instead. Stress thresholds are strict: "strong" means
``UTCI > strong_c``, and counts include the worse classes (a resident in very strong stress is also
counted in strong stress). Cells outside the territory's ``domain`` count nowhere (their maps are read as NaN).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import xarray as xr

from ..errors import ModelInputError, message
from ..heat import valuation
from ..heat.comfort import TROPICAL_NIGHT_C
from .places import (
    at_buildings,
    at_sites,
    building_layer,
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

STRESS_CLASSES = ("none", "strong", "very strong")
# When each kind of site is open, legal local time [from, to) in hours; a kind not listed is open all day (care
# homes, hospitals).
OPENING_HOURS: dict[str, tuple[float, float]] = {"school": (8.0, 18.0), "nursery": (8.0, 18.0)}
# Work productivity (InVEST's valuation, Kjellstrom et al. 2009): the workplaces (building uses) and the working
# day, legal local time [from, to).
WORKPLACE_USES = ("commercial", "public", "industrial")
WORK_HOURS = (8.0, 18.0)
GROUPS = {"people": "person_hours", "people_over_75": "person_hours_over_75", "people_under_5": "person_hours_under_5"}


def heat_impacts(
    territory: Territory,
    heat: xr.Dataset,
    *,
    event: str,
    strong_c: float = 32.0,
    very_strong_c: float = 38.0,
    extreme_c: float = 46.0,
) -> EventImpacts:
    """Impacts of one heatwave day on the territory.

    Parameters
    ----------
    territory : Territory
        The territory the heat model ran on (after the scenario's measures).
    heat : xarray.Dataset
        The heat engine's results (:func:`twin.heat.model.simulate`) on the territory's grid: ``utci`` (°C at
        15:00), ``utci_hourly`` and ``t_air_hourly`` (°C, each step), ``t_air_min_night`` (°C), ``uhi_day`` and
        ``uhi_night`` (K), and the steps' ``local_hour`` and ``relative_humidity`` (%).
    event : str
        The event's name, written on every indicator.
    strong_c, very_strong_c, extreme_c : float
        UTCI above which heat stress is strong, very strong and extreme, °C (Bröde et al. 2012: 32, 38, 46).
        "Very strong" at 15:00 includes extreme stress.

    Returns
    -------
    EventImpacts
        Indicators, for the territory and each district: ``heat.people_strong_stress`` and
        ``heat.people_very_strong_stress`` (residents of buildings whose door is above the
        threshold), the same for over-75s and under-5s (residents × the district's
        ``share_over_75`` / ``share_under_5``), and ``heat.uhi_{day,night}_{mean,p95}_k`` over the
        open cells (on no building); over the day ``heat.person_hours_{strong,very_strong,extreme}_stress`` (and
        ``_over_75``, ``_under_5``), ``heat.people_tropical_night`` and ``heat.utci_degree_hours_per_person``;
        ``heat.sites_strong_stress`` (sites in strong stress at an opening hour) and
        ``heat.site_hours_strong_stress`` for the territory only; ``heat.work_hours_lost_{light,heavy}`` (hours of
        the working day, 08:00–18:00, lost per workplace, InVEST's work productivity); with an ``energy_table``
        among the run's options, ``heat.energy_saved_kwh`` (and ``heat.energy_saved_eur`` when the table has
        prices: air-conditioning energy the heat island's mitigation saves on the buildings, InVEST's energy savings).
        Buildings: ``id, use, district, population, utci_c, stress, exposed, hours_strong_stress, geometry``;
        sites: ``name, kind, utci_c, strong, hours_strong_stress, geometry``.

    Raises
    ------
    ModelInputError
        Results without ``utci``, ``utci_hourly``, ``t_air_hourly``, ``t_air_min_night``, ``uhi_day`` and
        ``uhi_night`` on the territory's grid or the steps' ``relative_humidity``, or thresholds that are not
        finite or not increasing.
    twin.errors.MissingFileError, twin.errors.DataSourceError
        An ``energy_table`` option naming no file, a table that cannot be read, or a building ``use`` it lacks.
    """
    where = f"heat results of event {event!r}"
    _check(territory, heat, (strong_c, very_strong_c, extreme_c), where=where)
    utci = in_domain(territory, heat["utci"].values)
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

    day = _Day.of(territory, heat)
    thresholds = {"strong": strong_c, "very_strong": very_strong_c, "extreme": extreme_c}
    indicators += _person_hours(day, groups, home, names, thresholds, event)
    indicators += _nights(territory, heat, people, home, names, strong_c, day, event)
    indicators += _work_hours_lost(territory, heat, buildings, home, names, day, event)
    indicators += _energy_saved(territory, heat, buildings, home, names, event)

    sites = territory.vectors["sites"].reset_index(drop=True)
    site_utci = at_sites(territory, utci, how="mean", cells="open_ring")
    site_hours = _site_hours_in_stress(territory, sites, day, strong_c)
    site_strong = site_hours > 0
    indicators.append(Indicator("heat.sites_strong_stress", float(np.count_nonzero(site_strong)), event, None))
    indicators.append(Indicator("heat.site_hours_strong_stress", float(site_hours.sum()), event, None))

    indicators += _heat_islands(territory, heat, names, event)

    stress = stress_class(at_door, strong_c=strong_c, very_strong_c=very_strong_c)
    hours_strong = np.nansum(day.at_door > strong_c, axis=0) * day.step_h
    building_table = building_layer(
        buildings, names_of(home, names), people, utci_c=at_door, stress=stress, exposed=stress != "none",
        hours_strong_stress=hours_strong,
    )  # fmt: skip
    site_table = site_layer(sites, utci_c=site_utci, strong=site_strong, hours_strong_stress=site_hours)
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


def _check(territory: Territory, heat: xr.Dataset, thresholds: tuple[float, float, float], *, where: str) -> None:
    """The results the impacts read, and thresholds that are finite and increasing."""
    check_dataset(
        territory, heat, ("utci", "utci_hourly", "t_air_hourly", "t_air_min_night", "uhi_day", "uhi_night"), where=where
    )
    if "relative_humidity" not in heat.coords:
        raise ModelInputError(message(where, "coordinate 'relative_humidity'", "the steps' humidity, %", "missing"))
    for name, value in zip(("strong_c", "very_strong_c", "extreme_c"), thresholds, strict=True):
        if not math.isfinite(number(value)):
            raise ModelInputError(message(where, name, "a finite temperature in °C", value))
    strong_c, very_strong_c, extreme_c = thresholds
    if not extreme_c > very_strong_c > strong_c:
        raise ModelInputError(message(where, "thresholds", "strong_c < very_strong_c < extreme_c", list(thresholds)))


@dataclass(frozen=True)
class _Day:
    """The UTCI of the day's steps at each building's door, and the steps' legal local hours."""

    at_door: np.ndarray  # (steps, buildings), °C
    local_hour: np.ndarray  # (steps,), h
    step_h: float
    utci: np.ndarray  # (steps, y, x), °C

    @classmethod
    def of(cls, territory: Territory, heat: xr.Dataset) -> _Day:
        utci = in_domain(territory, heat["utci_hourly"].values)
        at_door = at_buildings(territory, utci, how="mean", cells="open_ring")
        around = at_buildings(territory, utci, how="mean", cells="footprint_and_ring")
        steps = utci.shape[0]  # without legal hours, the steps are taken as the hours of the day from 0
        hours = heat["local_hour"] if "local_hour" in heat.coords else np.arange(steps) * (24.0 / steps)
        local = np.asarray(hours, dtype=float)
        return cls(np.where(np.isnan(at_door), around, at_door), local, 24.0 / utci.shape[0], utci)


def _person_hours(day: _Day, groups: dict, home: np.ndarray, names: list[str], thresholds: dict, event: str):
    """Person-hours at or above each stress threshold at the residents' doors, for the territory and districts."""
    out: list[Indicator] = []
    for group, people in groups.items():
        for level, threshold in thresholds.items():
            hours = (day.at_door > threshold).sum(axis=0) * day.step_h  # per building, h
            out += summarise(
                f"heat.{GROUPS[group]}_{level}_stress", lambda m, p=people, h=hours: (p * h)[m].sum(), home, names,
                event=event,
            )  # fmt: skip
    return out


def _nights(territory, heat, people, home, names, strong_c: float, day: _Day, event: str) -> list[Indicator]:
    """Residents whose night stays tropical at their door, and UTCI degree-hours above ``strong_c`` per resident."""
    t_min = in_domain(territory, heat["t_air_min_night"].values)
    at_door = at_buildings(territory, t_min, how="mean", cells="open_ring")
    at_door = np.where(np.isnan(at_door), at_buildings(territory, t_min, how="mean"), at_door)
    tropical = at_door >= TROPICAL_NIGHT_C
    degree_hours = np.nansum(np.clip(day.at_door - strong_c, 0.0, None), axis=0) * day.step_h  # per building, K h
    out = summarise("heat.people_tropical_night", lambda m: people[m & tropical].sum(), home, names, event=event)
    out += summarise(
        "heat.utci_degree_hours_per_person",
        lambda m: float((people * degree_hours)[m].sum() / people[m].sum()) if people[m].sum() > 0 else math.nan,
        home, names, event=event,
    )  # fmt: skip
    return out


def _work_hours_lost(territory, heat, buildings, home, names, day: _Day, event: str) -> list[Indicator]:
    """Hours of the working day lost to heat per workplace, light and heavy work (InVEST's work productivity:
    WBGT from the air temperature over the footprint and the step's relative humidity), mean over workplaces."""
    t_air = heat["t_air_hourly"].values.astype(np.float64)
    humidity = np.asarray(heat["relative_humidity"].values, dtype=float)
    working = (day.local_hour >= WORK_HOURS[0]) & (day.local_hour < WORK_HOURS[1])
    lost = {"light": np.zeros(len(buildings)), "heavy": np.zeros(len(buildings))}
    for k in np.flatnonzero(working):
        work = valuation.work_productivity(
            t_air[k], relative_humidity_pct=humidity[k], building_index=territory["building_index"],
            n_buildings=len(buildings),
        )  # fmt: skip
        lost["light"] += work.light_loss_building * day.step_h
        lost["heavy"] += work.heavy_loss_building * day.step_h
    workplace = buildings["use"].astype(str).isin(WORKPLACE_USES).to_numpy()
    out: list[Indicator] = []
    for work, hours in lost.items():
        out += summarise(
            f"heat.work_hours_lost_{work}", lambda m, h=hours: _mean(h[m & workplace]), home, names, event=event
        )
    return out


def _energy_saved(territory, heat, buildings, home, names, event: str) -> list[Indicator]:
    """Air-conditioning energy the heat island's mitigation saves, and its value where the table has prices
    (InVEST's energy savings, :func:`~twin.heat.valuation.energy_savings`), summed over the buildings; none
    without an ``energy_table`` among the options of the run (the dataset's ``params``).

    InVEST's one ``T_air`` is the day run's, at ``day_hour``: ``T_air,MAX = T_ref + UHI_max`` with ``T_ref`` that
    hour's rural air and ``UHI_max`` the run's magnitude before mitigation (``uhi_magnitude_day``, per cell in
    'default' mode: its mean over the footprint), against the footprint's mean ``t_air_day``. A building with no
    cell of its own (a footprint under half a cell) has no mean and is left out of the sums."""
    options = json.loads(heat.attrs.get("params", "{}"))
    table = valuation.energy_table_option(options.get("energy_table"))
    if table is None:
        return []
    check_dataset(territory, heat, ("t_air_day", "uhi_magnitude_day"), where=f"heat results of event {event!r}")
    index, n = territory["building_index"], len(buildings)
    saved = valuation.energy_savings(
        buildings,
        valuation.footprint_mean(heat["t_air_day"].values, index, n),
        t_ref_c=float(heat.attrs["t_ref_day_c"]),
        uhi_max_k=valuation.footprint_mean(heat["uhi_magnitude_day"].values, index, n),
        table=table,
        area=options.get("energy_area", "footprint"),
    )
    out = summarise("heat.energy_saved_kwh", lambda m: np.nansum(saved.kwh[m]), home, names, event=event)
    if saved.value is not None:
        out += summarise("heat.energy_saved_eur", lambda m: np.nansum(saved.value[m]), home, names, event=event)
    return out


def _site_hours_in_stress(territory: Territory, sites: gpd.GeoDataFrame, day: _Day, strong_c: float) -> np.ndarray:
    """Hours each site spends in strong heat stress or worse while it is open (:data:`OPENING_HOURS`), h."""
    if len(sites) == 0:
        return np.zeros(0)
    utci = at_sites(territory, day.utci, how="mean", cells="open_ring")  # (steps, sites)
    hours = np.zeros(len(sites))
    for i, kind in enumerate(sites["kind"].astype(str)):
        start, end = OPENING_HOURS.get(kind, (0.0, 24.0))
        is_open = (day.local_hour >= start) & (day.local_hour < end)
        hours[i] = np.count_nonzero(is_open & (utci[:, i] > strong_c)) * day.step_h
    return hours


def _heat_islands(territory: Territory, heat: xr.Dataset, names: list[str], event: str) -> list[Indicator]:
    """Mean and 95th percentile of the heat island by day and by night over the open cells, and by district."""
    indicators: list[Indicator] = []
    open_cells = (territory["building_index"] < 0) & territory["domain"]
    cell_district = np.where(open_cells, district_raster(territory), -2)  # -2: on a building, left out
    for name in ("uhi_day", "uhi_night"):
        values = heat[name].values.astype(np.float64)
        indicators += summarise(
            f"heat.{name}_mean_k", lambda m, v=values: _mean(v[m & open_cells]), cell_district, names, event=event
        )
        indicators += summarise(
            f"heat.{name}_p95_k", lambda m, v=values: _p95(v[m & open_cells]), cell_district, names, event=event
        )
    return indicators


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
