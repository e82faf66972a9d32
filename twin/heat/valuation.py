"""What heat mitigation is worth: the two valuations of the InVEST Urban Cooling Model.

Both follow the InVEST 3.x User's Guide ("Urban Cooling", *Value of Heat Reduction Service*) and natcap/invest's
``urban_cooling_model.py`` (3.20); our own code is written from the equations.

Energy savings (Santamouris et al. 2015), per building ``b``::

    kWh(b) = consumption(b) · A(b) · (T_air,MAX − mean T_air over b),   T_air,MAX = T_ref + UHI_max
    value(b) = kWh(b) · cost(b)

with ``consumption`` in kWh °C⁻¹ m⁻² of **footprint** (the guide: "per unit of footprint area, not floor area. This
value must be adjusted for the average number of stories"), ``A`` the footprint area in m² and ``cost`` the price
of a kWh for the building's type. The savings are those against a town where no cell cools (CC = 0 everywhere).

Work productivity (Kjellstrom et al. 2009, Table 2), per cell::

    e = RH/100 · 6.105 · exp(17.27·T_air / (237.7 + T_air))          vapour pressure, hPa
    WBGT = 0.567·T_air + 0.393·e + 3.94                               °C (American College of Sports Medicine 1984)
    loss = 0, 25, 50 or 75 % of work time as WBGT passes three thresholds of the work's intensity:
           light work (about 200 W): 31.5, 32.0, 32.5 °C;  heavy work (about 400 W): 27.5, 29.5, 31.5 °C

References
----------
- InVEST User's Guide, "Urban Cooling"; natcap/invest ``urban_cooling_model.py`` (``calculate_energy_savings``,
  ``calculate_wbgt``, ``map_work_loss``).
- Santamouris, M., Cartalis, C., Synnefa, A., Kolokotsa, D. (2015). On the impact of urban heat island and global
  warming on the power demand and electricity consumption of buildings - A review. *Energy Build.* 98, 119-124.
- Kjellstrom, T., Kovats, R. S., Lloyd, S. J., Holt, T., Tol, R. S. J. (2009). The direct impact of climate change on
  regional labor productivity. *Arch. Environ. Occup. Health* 64, 217-227.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from ..errors import CRSError, DataSourceError, MissingFileError, ModelInputError, message
from ..io import feature
from ..paths import is_file
from .weather import saturation_vapour_pressure_hpa

ENERGY_COLUMNS = ("type", "consumption")  # required; "cost" (currency kWh-1) and "source" (text) are optional
AREAS = ("footprint", "floor")
# WBGT thresholds of 25, 50 and 75 % work-time loss, °C (InVEST's map_work_loss, from Kjellstrom et al. 2009)
WORK_LOSS_THRESHOLDS_C: Mapping[str, tuple[float, float, float]] = {
    "light": (31.5, 32.0, 32.5),
    "heavy": (27.5, 29.5, 31.5),
}
WORK_LOSS_STEPS = (0.0, 0.25, 0.5, 0.75)  # share of work time lost below, between and above the thresholds


# ---------------------------------------------------------------- the energy consumption table


@dataclass(frozen=True)
class EnergyTable:
    """InVEST's energy consumption table: one row per building type.

    The CSV has the columns ``type`` (text, matched against the buildings' type column, ``use`` by default),
    ``consumption`` (kWh °C⁻¹ m⁻², see :func:`energy_savings` for which area), and optionally ``cost`` (currency
    per kWh) and ``source`` (text, where the numbers come from; not read). Lines starting with ``#`` are comments.

    Attributes
    ----------
    types : tuple of str
        The building types, in file order.
    consumption : numpy.ndarray
        Extra energy per °C and per m², kWh °C⁻¹ m⁻², aligned with ``types``.
    cost : numpy.ndarray or None
        Price of a kWh, currency kWh⁻¹, aligned with ``types``; None without a ``cost`` column.
    source : str
        Where the table was read from.
    """

    types: tuple[str, ...]
    consumption: np.ndarray
    cost: np.ndarray | None
    source: str

    @classmethod
    def read(cls, path: str | Path) -> EnergyTable:
        """Read and check an energy consumption CSV.

        Raises
        ------
        MissingFileError
            No such file.
        DataSourceError
            Not UTF-8, no row, a missing column, an empty or repeated type, or a consumption or cost that is not a
            finite number ≥ 0 (the message names the file, the line, the column and the value).
        """
        path = Path(path)
        if not is_file(path):
            raise MissingFileError(path, role="energy consumption table")
        try:
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
        except UnicodeDecodeError as exc:
            raise DataSourceError(message(path, "encoding", "UTF-8", f"byte at position {exc.start}")) from None
        if not rows:
            raise DataSourceError(message(path, "energy consumption table", "at least one row", "no row"))
        missing = [c for c in ENERGY_COLUMNS if c not in rows[0]]
        if missing:
            raise DataSourceError(message(path, "columns", f"to include {missing}", sorted(rows[0])))
        with_cost = "cost" in rows[0]
        types, consumption, cost = [], [], []
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            where = f"{path} line {line}"
            kind = (row["type"] or "").strip()
            if not kind or kind in types:
                raise DataSourceError(message(where, "type", "a building type not empty and not repeated", kind))
            types.append(kind)
            consumption.append(_non_negative(row["consumption"], where, "consumption", "kWh °C⁻¹ m⁻²"))
            if with_cost:
                cost.append(_non_negative(row["cost"], where, "cost", "currency per kWh"))
        return cls(
            types=tuple(types),
            consumption=np.asarray(consumption, dtype=float),
            cost=np.asarray(cost, dtype=float) if with_cost else None,
            source=str(path),
        )

    def rows_of(self, buildings: gpd.GeoDataFrame, *, column: str) -> np.ndarray:
        """The row of the table for each building's type (its ``column``); raises naming the first building whose
        type is missing: its row in the buildings' file and its id (:func:`twin.io.feature`)."""
        types = buildings[column].to_numpy()
        index = {t: k for k, t in enumerate(self.types)}
        rows = np.array([index.get(str(t), -1) for t in types], dtype=np.int64)
        if (rows < 0).any():
            k = int(np.flatnonzero(rows < 0)[0])
            where = feature(buildings, k, "buildings")
            raise DataSourceError(message(where, column, f"a type of {self.source} {list(self.types)}", types[k]))
        return rows


def energy_table_option(path: str | Path | None, *, option: str = "heat option energy_table") -> EnergyTable | None:
    """The table an engine option names (:attr:`twin.heat.model.HeatParams.energy_table`), or None when it names none.

    Raises
    ------
    MissingFileError
        No such file; the message names the file and the option.
    DataSourceError
        A table :meth:`EnergyTable.read` refuses; the message starts with the option, then names the file, line,
        column and value.
    """
    if path is None:
        return None
    try:
        return EnergyTable.read(path)
    except MissingFileError:
        raise MissingFileError(path, role=f"energy consumption table ({option})") from None
    except DataSourceError as exc:
        raise DataSourceError(f"{option}: {exc}") from None


def _non_negative(text: str | None, where: str, column: str, units: str) -> float:
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataSourceError(message(where, column, f"a number of {units}", text)) from None
    if not (math.isfinite(value) and value >= 0.0):
        raise DataSourceError(message(where, column, f"a finite number ≥ 0 {units}", value))
    return value


# ---------------------------------------------------------------- per building


def footprint_mean(values: np.ndarray, building_index: np.ndarray, n_buildings: int) -> np.ndarray:
    """Mean of a map over each building's own cells (InVEST's zonal mean over the footprint).

    Parameters
    ----------
    values : numpy.ndarray
        A map of the grid, shape (ny, nx), in its own units; NaN cells are left out.
    building_index : numpy.ndarray
        The territory's ``building_index`` layer: the row of the building over each cell, -1 where none.
    n_buildings : int
        Number of buildings (rows of the buildings' table).

    Returns
    -------
    numpy.ndarray
        float64, one mean per building, in the units of ``values``; NaN for a building with no cell (a footprint
        under half a cell) or only NaN cells.
    """
    values = np.asarray(values, dtype=float)
    index = np.asarray(building_index)
    if values.shape != index.shape:
        raise ModelInputError(message("footprint_mean", "values", f"of shape {index.shape}", values.shape))
    take = (index >= 0) & np.isfinite(values)
    rows = index[take].astype(np.int64)
    total = np.bincount(rows, weights=values[take], minlength=n_buildings)[:n_buildings]
    count = np.bincount(rows, minlength=n_buildings)[:n_buildings]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@dataclass(frozen=True)
class EnergySavings:
    """InVEST's energy savings per building, aligned with the rows of the buildings' table.

    Attributes
    ----------
    t_air_max_c : numpy.ndarray
        ``T_air,MAX = T_ref + UHI_max``, °C.
    area_m2 : numpy.ndarray
        Footprint (or floor) area the consumption applies to, m².
    kwh : numpy.ndarray
        Energy saved against a town with CC = 0 everywhere, kWh (for the period of the consumption figure);
        NaN where the building's mean T_air is NaN.
    value : numpy.ndarray or None
        ``kwh`` × price per kWh, currency; None when no price was given.
    """

    t_air_max_c: np.ndarray
    area_m2: np.ndarray
    kwh: np.ndarray
    value: np.ndarray | None


def energy_savings(
    buildings: gpd.GeoDataFrame,
    t_air_mean_c: np.ndarray,
    *,
    t_ref_c: float | np.ndarray,
    uhi_max_k: float | np.ndarray,
    table: EnergyTable,
    type_column: str = "use",
    area: str = "footprint",
    price_per_kwh: float | None = None,
) -> EnergySavings:
    """InVEST's avoided air-conditioning energy of each building (User's Guide equations of *Energy savings*).

    ``kwh = consumption(type) · area · (T_ref + UHI_max − mean T_air)``, and ``value = kwh · cost(type)`` with the
    table's ``cost`` column, or ``kwh · price_per_kwh``.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Footprints in a projected CRS in metres, with ``type_column`` (and ``floors`` for ``area="floor"``).
    t_air_mean_c : numpy.ndarray
        Mean air temperature over each footprint, °C, one per row (:func:`footprint_mean` of the UCM's T_air).
    t_ref_c : float or numpy.ndarray
        Rural reference air temperature, °C.
    uhi_max_k : float or numpy.ndarray
        UHI magnitude, K: InVEST's single value; with a map of UHI_max pass its mean over each footprint.
    table : EnergyTable
        Consumption (and cost) per building type.
    type_column : str
        The buildings' column holding the type.
    area : {"footprint", "floor"}
        ``"footprint"`` (InVEST): ``consumption`` is per m² of footprint, the storeys being in the figure.
        ``"floor"``: ``consumption`` is per m² of floor, and the area is footprint × ``floors``.
    price_per_kwh : float, optional
        Price of a kWh, currency, for every type; only for a table without a ``cost`` column.

    Returns
    -------
    EnergySavings

    Raises
    ------
    CRSError
        Buildings without a projected CRS (areas would not be m²).
    DataSourceError
        A missing column, or a building type the table does not have (naming the row, column and value).
    ModelInputError
        ``t_air_mean_c`` not one per building, an unknown ``area``, a negative price, or a price both in the
        table and in ``price_per_kwh``.
    """
    t_air = np.asarray(t_air_mean_c, dtype=float)
    if t_air.shape != (len(buildings),):
        raise ModelInputError(
            message("energy_savings", "t_air_mean_c", f"one value per building ({len(buildings)})", t_air.shape)
        )
    if area not in AREAS:
        raise ModelInputError(message("energy_savings", "area", f"one of {list(AREAS)}", area))
    if price_per_kwh is not None and (table.cost is not None or not price_per_kwh >= 0.0):
        expected = "None, since the table has a cost column" if table.cost is not None else "≥ 0"
        raise ModelInputError(message(f"energy_savings ({table.source})", "price_per_kwh", expected, price_per_kwh))
    crs = buildings.crs
    if crs is None or not crs.is_projected or crs.axis_info[0].unit_conversion_factor != 1.0:
        raise CRSError(message("buildings", "crs", "a projected CRS in metres (areas in m²)", buildings.crs))
    needed = [type_column] + (["floors"] if area == "floor" else [])
    missing = [c for c in needed if c not in buildings.columns]
    if missing:
        raise DataSourceError(message("buildings", "columns", f"to include {missing}", list(buildings.columns)))
    rows = table.rows_of(buildings, column=type_column)
    area_m2 = buildings.geometry.area.to_numpy(dtype=float)
    if area == "floor":
        area_m2 = area_m2 * buildings["floors"].to_numpy(dtype=float)
    t_max = np.broadcast_to(np.asarray(t_ref_c, dtype=float) + np.asarray(uhi_max_k, dtype=float), t_air.shape)
    kwh = table.consumption[rows] * area_m2 * (t_max - t_air)
    price = table.cost[rows] if table.cost is not None else price_per_kwh
    return EnergySavings(np.array(t_max), area_m2, kwh, None if price is None else kwh * price)


# ---------------------------------------------------------------- work productivity


def vapour_pressure_hpa(t_air_c: float | np.ndarray, *, relative_humidity_pct: float | np.ndarray) -> np.ndarray:
    """Water vapour pressure ``e = RH/100 · 6.105 · exp(17.27·T/(237.7 + T))``, hPa (InVEST's equation).

    Parameters
    ----------
    t_air_c : float or numpy.ndarray
        Air temperature, °C.
    relative_humidity_pct : float or numpy.ndarray
        Relative humidity, %, 0..100 (InVEST: one mean value).

    Returns
    -------
    numpy.ndarray
        Vapour pressure, hPa.

    Raises
    ------
    ModelInputError
        A relative humidity outside [0, 100] %.
    """
    rh = np.asarray(relative_humidity_pct, dtype=float)
    if not ((rh >= 0.0) & (rh <= 100.0)).all():
        raise ModelInputError(message("work productivity", "relative_humidity_pct", "within [0, 100] %", rh.tolist()))
    return rh / 100.0 * saturation_vapour_pressure_hpa(np.asarray(t_air_c, dtype=float))


def wet_bulb_globe_temperature(t_air_c: float | np.ndarray, *, relative_humidity_pct: float | np.ndarray) -> np.ndarray:
    """InVEST's WBGT estimate ``0.567·T_air + 0.393·e + 3.94``, °C (American College of Sports Medicine 1984).

    Parameters
    ----------
    t_air_c : float or numpy.ndarray
        Air temperature, °C.
    relative_humidity_pct : float or numpy.ndarray
        Relative humidity, %.

    Returns
    -------
    numpy.ndarray
        WBGT, °C.
    """
    e = vapour_pressure_hpa(t_air_c, relative_humidity_pct=relative_humidity_pct)
    return 0.567 * np.asarray(t_air_c, dtype=float) + 0.393 * e + 3.94


def work_loss_fraction(
    wbgt_c: float | np.ndarray, *, work: str = "light", thresholds_c: tuple[float, float, float] | None = None
) -> np.ndarray:
    """Share of work time lost to heat: 0, 0.25, 0.5 or 0.75 (InVEST, after Kjellstrom et al. 2009, Table 2).

    ``0`` below the first threshold, ``0.25`` from the first to the second (the lower one included), ``0.5`` from
    the second to the third, ``0.75`` from the third up.

    Parameters
    ----------
    wbgt_c : float or numpy.ndarray
        Wet-bulb globe temperature, °C.
    work : {"light", "heavy"}
        Work intensity: light (about 200 W, office and service work) or heavy (about 400 W, building and farm
        work), with InVEST's thresholds (:data:`WORK_LOSS_THRESHOLDS_C`).
    thresholds_c : tuple of 3 floats, optional
        Other thresholds, °C, increasing (a moderate work class, local rules); they replace ``work``'s.

    Returns
    -------
    numpy.ndarray
        Share of work time lost, 1 (InVEST writes it in %); NaN where WBGT is NaN.

    Raises
    ------
    ModelInputError
        An unknown ``work``, or thresholds that are not three increasing finite numbers.
    """
    if thresholds_c is None:
        if work not in WORK_LOSS_THRESHOLDS_C:
            raise ModelInputError(message("work_loss_fraction", "work", f"one of {list(WORK_LOSS_THRESHOLDS_C)}", work))
        thresholds_c = WORK_LOSS_THRESHOLDS_C[work]
    edges = np.asarray(thresholds_c, dtype=float)
    if edges.shape != (3,) or not np.isfinite(edges).all() or not (np.diff(edges) > 0).all():
        raise ModelInputError(
            message("work_loss_fraction", "thresholds_c", "three increasing temperatures, °C", thresholds_c)
        )
    wbgt = np.asarray(wbgt_c, dtype=float)
    steps = np.asarray(WORK_LOSS_STEPS)[np.searchsorted(edges, wbgt, side="right")]
    return np.where(np.isnan(wbgt), np.nan, steps)


@dataclass(frozen=True)
class WorkProductivity:
    """InVEST's work productivity valuation, per cell and per building.

    Attributes
    ----------
    wbgt_c : numpy.ndarray
        WBGT of each cell, °C.
    light_loss, heavy_loss : numpy.ndarray
        Share of work time lost per cell for light and heavy work, 1.
    light_loss_building, heavy_loss_building : numpy.ndarray
        Their means over each building's footprint, 1 (NaN for a building with no cell); empty without buildings.
    """

    wbgt_c: np.ndarray
    light_loss: np.ndarray
    heavy_loss: np.ndarray
    light_loss_building: np.ndarray
    heavy_loss_building: np.ndarray


def work_productivity(
    t_air_c: np.ndarray,
    *,
    relative_humidity_pct: float | np.ndarray,
    building_index: np.ndarray | None = None,
    n_buildings: int = 0,
) -> WorkProductivity:
    """WBGT and the light- and heavy-work losses of InVEST, per cell and per building footprint.

    Parameters
    ----------
    t_air_c : numpy.ndarray
        Air temperature of each cell, °C (the UCM's T_air).
    relative_humidity_pct : float or numpy.ndarray
        Relative humidity, % (InVEST: the period's mean, one value).
    building_index : numpy.ndarray, optional
        The territory's ``building_index`` layer; with it, the losses are also averaged per building.
    n_buildings : int
        Number of buildings.

    Returns
    -------
    WorkProductivity
    """
    wbgt = wet_bulb_globe_temperature(t_air_c, relative_humidity_pct=relative_humidity_pct)
    light = work_loss_fraction(wbgt, work="light")
    heavy = work_loss_fraction(wbgt, work="heavy")
    if building_index is None:
        per_building = (np.empty(0), np.empty(0))
    else:
        per_building = tuple(footprint_mean(m, building_index, n_buildings) for m in (light, heavy))
    return WorkProductivity(wbgt, light, heavy, *per_building)
