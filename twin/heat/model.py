"""The heat engine: ``simulate(territory, event)`` for a heatwave day.

validate → stages → wrap (docs/architecture.md), one function per stage:

1. validate: the territory's :data:`INPUTS` (finite, present), the event (a heatwave with a calendar date) and
   its weather (humidity 0–100 %, wind > 0);
2. ``_geometry``: the surface model (ground + buildings), its sky view factor and walls;
3. ``_shade``: the sun hour by hour and the shadows of buildings, terrain and trees, giving the daily shade;
4. ``_city_scale``: the InVEST Urban Cooling Model by day (cooling capacity from shade, albedo and
   evapotranspiration) and by night (from building intensity), with a geometry-aware UHI magnitude
   (Theeuwes et al. 2017);
5. ``_street_scale``: mean radiant temperature and UTCI at ``day_hour`` (or every hour);
6. ``_wrap``: the outputs the engine declares (:mod:`twin.heat.outputs`) on the territory's grid, with units
   and the CRS.

Hours are local solar time (see :mod:`twin.heat.weather`). The model and its assumptions are described in
``docs/heat.md``.

Cells outside the territory's ``domain`` are ignored: computed as flat open ground at the domain's lowest
elevation with no building nor tree (so they cast no shadow and close no sky), left out of every neighbourhood
(green areas, cooling, air mixing, building intensity, the night's openness: as beyond the grid's edge), and NaN
in every float output (no class, 255, in ``utci_class``; 0 in the other flags).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import numba
import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ModelInputError, message, validation_problems
from ..specs import dataset
from . import comfort, cooling, diurnal, geometry, sun, valuation
from .event import Heatwave
from .outputs import NO_CLASS, OUTPUTS
from .weather import hourly_weather, saturation_vapour_pressure_hpa

#: Territory layers the engine reads (validated before anything runs).
INPUTS = (
    "elevation",
    "building_height",
    "tree_canopy",
    "albedo",
    "emissivity",
    "crop_coefficient",
    "green_area",
    "imperviousness",
    "green_roof_fraction",
    "domain",
)

#: Layers the engine reads where they are set; NaN is a value there (``tree_height``: the crowns' top, m, NaN
#: where not measured, where ``HeatParams.tree_height_m`` applies).
OPTIONAL_INPUTS = ("tree_height",)

log = logging.getLogger(__name__)
MODEL_VERSION = "2"
Hour = Annotated[int, Field(ge=0, le=23)]


class HeatParams(BaseModel):
    """Parameters of the heat engine, with their defaults and units.

    ``mode="invest"`` reproduces the InVEST Urban Cooling Model: shade is the
    tree-canopy cover, one UHI magnitude for the whole territory, InVEST's
    kernels. ``mode="default"`` improves on it (see ``docs/heat.md``): shade is
    the beam the trees' shadows keep off the cell over the day, the UHI magnitude
    comes per cell from the local geometry (Theeuwes et al. 2017), the air mixes
    with the User's Guide's Gaussian, and the evapotranspiration index is capped
    at 1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    mode: Literal["default", "invest"] = Field("default", description="'invest' reproduces InVEST's UCM")
    d_cool_m: float = Field(450.0, gt=0, description="distance over which large green areas cool, m (InVEST)")
    r_mix_m: float = Field(600.0, gt=0, description="air-mixing distance, m (InVEST guide: 500-600 m)")
    cc_weights: tuple[float, float, float] = Field(
        (0.6, 0.2, 0.2), description="weights of shade, albedo and evapotranspiration in the cooling capacity"
    )
    uhi_max_k: float | None = Field(
        None,
        ge=0,
        le=20,
        description="UHI magnitude, K: InVEST's UHI_max in 'invest' mode, the weather term of Theeuwes et al. in "
        "'default' mode; None computes it from the day's weather (Theeuwes et al. 2017)",
    )
    uhi_window_m: float = Field(
        100.0, gt=0, description="radius over which SVF and vegetation set UHI_max in 'default' mode, m"
    )
    n_azimuths: int = Field(32, ge=4, le=360, description="azimuths of the sky-view-factor horizon search")
    svf_radius_m: float = Field(100.0, gt=0, description="search radius of the horizon, m")
    tree_height_m: float = Field(10.0, gt=0, le=60, description="height of tree crowns' tops above the ground, m")
    trunk_height_m: float = Field(3.0, ge=0, le=60, description="height of crowns' bases above the ground, m")
    canopy_transmissivity: float = Field(0.03, ge=0, le=1, description="share of radiation through leaves (SOLWEIG)")
    storey_height_m: float = Field(3.0, gt=0, description="storey height for the building intensity, m")
    intensity_window_m: float = Field(50.0, gt=0, description="radius of the floor-area ratio (night), m")
    far_max: float = Field(3.0, gt=0, description="floor-area ratio of building intensity 1")
    min_wall_height_m: float = Field(2.0, gt=0, description="smallest step counted as a wall, m")
    surface_exchange_w_m2_k: float = Field(36.0, gt=0, description="surface heat loss per K above the air, W m-2 K-1")
    evaporative_cooling: float = Field(0.8, ge=0, le=1, description="share of surface heating removed at Kc = 1")
    day_hour: Hour = Field(15, description="afternoon hour of the day maps, local solar time")
    night_hour: Hour = Field(23, description="night hour of the night maps, local solar time")
    steps_per_day: int = Field(24, ge=4, le=96, description="time steps over the day (24: hourly)")
    uhi_day_ratio: float = Field(
        0.25, ge=0, le=1, description="daytime heat island over the night maximum before mitigation, 1 ('default')"
    )
    uhi_dawn_retention_open: float = Field(
        0.6, ge=0, le=1, description="share of the night maximum left at sunrise in open quarters, 1 ('default')"
    )
    uhi_rise_before_sunset_h: float = Field(1.0, ge=0, le=6, description="the heat island starts growing, h")
    uhi_peak_after_sunset_h: float = Field(4.0, gt=0, le=12, description="the heat island peaks, h (Oke: 3-5 h)")
    uhi_fall_after_sunrise_h: float = Field(3.0, gt=0, le=8, description="the heat island fades to its day level, h")
    energy_table: str | None = Field(
        None,
        description="energy consumption table of InVEST's energy savings (CSV: type, consumption in kWh per °C "
        "per m², optional cost per kWh and source), relative to the file that names it; none: no energy indicator",
        json_schema_extra={"path": True},
    )
    energy_area: Literal[valuation.AREAS] = Field(
        "footprint",
        description="area the table's consumption is per: 'footprint' (InVEST, storeys in the figure) or 'floor' "
        "(footprint × floors)",
    )

    @model_validator(mode="after")
    def _consistent(self):
        if min(self.cc_weights) < 0 or sum(self.cc_weights) <= 0:
            raise ValueError(f"cc_weights must be >= 0 with a positive sum, got {self.cc_weights}")
        if self.trunk_height_m >= self.tree_height_m:
            raise ValueError("trunk_height_m must be below tree_height_m")
        steps = set(self.step_hours.tolist())
        for name in ("day_hour", "night_hour"):
            if float(getattr(self, name)) not in steps:
                raise ValueError(f"{name} must be one of the steps' hours ({self.steps_per_day} steps a day)")
        return self

    @property
    def step_hours(self) -> np.ndarray:
        """The local solar hours of the steps, from 0."""
        return np.arange(self.steps_per_day) * (24.0 / self.steps_per_day)

    @property
    def snapshot_steps(self) -> tuple[int, int]:
        """The steps of ``day_hour`` and ``night_hour`` (their snapshot maps)."""
        hours = self.step_hours.tolist()
        return hours.index(float(self.day_hour)), hours.index(float(self.night_hour))

    @property
    def step_h(self) -> float:
        """The length of a step, h."""
        return 24.0 / self.steps_per_day

    @property
    def shape(self) -> diurnal.Shape:
        """The timing of the heat island's day."""
        return diurnal.Shape(self.uhi_rise_before_sunset_h, self.uhi_peak_after_sunset_h, self.uhi_fall_after_sunrise_h)


def simulate(territory, event, *, params: HeatParams | None = None, climate=None, progress=None) -> xr.Dataset:
    """Simulate the heat of a heatwave day over a territory, step by step (hourly by default).

    Parameters
    ----------
    territory : twin.territory.Territory
        Reads the layers of :data:`INPUTS`, and those of :data:`OPTIONAL_INPUTS` it has.
    event : twin.heat.event.Heatwave
        The day (its date sets the sun) and its weather.
    params : HeatParams, optional
        Engine parameters (defaults documented on :class:`HeatParams`).
    climate : twin.hazards.Climate, optional
        Climate shift; by default the event's own, else none.
    progress : callable, optional
        Called as ``progress(fraction)`` as each stage ends (the fraction of the run done, roughly by its time).

    Returns
    -------
    xarray.Dataset
        The outputs of :data:`twin.heat.outputs.OUTPUTS` on the territory's grid (dims ``y``, ``x``, and
        ``time`` for the stacks, CF time in UTC with the solar hour and the legal local time as coordinates), CRS
        written, each with ``units``: cooling capacity, heat mitigation, air temperature and heat island by day
        and by night, sky view factor, walls, shade, Tmrt and UTCI at every step, their daily maximum, hours in
        each stress class, the night minimum and tropical nights. Pedestrian outputs are NaN on footprints.

    Raises
    ------
    ModelInputError
        Missing or non-finite layers, an event that is not a dated heatwave, humidity outside 0–100 % or wind ≤ 0.
    twin.errors.ScenarioError
        A weather file that is missing, unreadable, out of range or without the event's date.
    twin.errors.MissingFileError, twin.errors.DataSourceError
        An ``energy_table`` option naming no file or a table ``twin.heat.valuation.EnergyTable`` refuses
        (read here so that the error comes before the day is simulated; the impacts read it again).
    """
    report = progress or (lambda fraction: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    params = _checked_params(params)
    where = f"heatwave {getattr(event, 'name', '?')!r}"
    date = _checked_event(event, where)
    if climate is None:
        climate = getattr(event, "climate", None)
    layers = _checked_layers(territory) | _optional_layers(territory, event)
    check_options(params, territory)  # before the day is simulated
    cell = float(territory.grid.cell_size)
    lon, lat = territory.grid.centre_lonlat()
    weather = hourly_weather(event, latitude=lat, longitude=lon, delta_t_c=getattr(climate, "delta_t_c", 0.0) or 0.0)
    _check_weather(weather, where)
    hours = params.step_hours
    day = sun.sun_day(date, latitude=lat, longitude=lon, hours=hours)
    night = diurnal.night_of(date, latitude=lat)
    timings["validate"] = _lap(clock)

    clock = time.perf_counter()
    geo = _geometry(layers, cell, params)
    timings["sky_view_factor"] = _lap(clock)
    report(0.25)

    clock = time.perf_counter()
    shade = _shade(geo, layers["elevation"], day, cell, params)
    timings["shadows"] = _lap(clock)
    report(0.45)

    clock = time.perf_counter()
    city = _city_scale(geo, shade, layers, _at(weather, hours), night, date, (lat, lon), cell, params)
    timings["urban_cooling"] = _lap(clock)
    report(0.55)

    clock = time.perf_counter()
    street = _street_scale(geo, shade, city, layers, _at(weather, hours), day, params)
    timings["comfort"] = _lap(clock)
    report(0.95)

    clock = time.perf_counter()
    clock_labels = _clock(date, hours, lon, event, weather)
    ds = _wrap(territory, geo, shade, city, street, night, clock_labels, _at(weather, hours), params)
    _mask_outside(ds, layers["domain"] > 0.5)
    timings["wrap"] = _lap(clock)
    report(1.0)
    ds.attrs.update(_attrs(event, date, params, city, day, night, clock_labels, climate, (lat, lon), timings))
    log.debug("%s: heat stages in %s s", ds.attrs["event"], ds.attrs["timings_s"])
    return ds


def check_options(params: HeatParams, territory) -> None:
    """Refuse options this territory cannot run with, before any work: an ``energy_table`` that is missing, bad, or
    lacks a building use of the territory (the first such building named by its file row and id).

    Raises
    ------
    twin.errors.MissingFileError, twin.errors.DataSourceError
        The table, or the first building whose use it lacks (its file row and id).
    """
    table = valuation.energy_table_option(params.energy_table)
    if table is not None:
        table.rows_of(territory.vectors["buildings"], column="use")


# ---------------------------------------------------------------- the stages


@dataclass(frozen=True)
class _Geometry:
    """The 3D surface and what it makes of the sky: buildings, tree canopy off roofs, SVF and walls."""

    building: np.ndarray  # bool, a building over the cell (not pedestrian space)
    canopy: np.ndarray  # tree-canopy fraction on open ground (0 on buildings)
    surface: np.ndarray  # ground + buildings, m
    svf: np.ndarray
    wall_height: np.ndarray
    wall_aspect: np.ndarray
    tree_height: np.ndarray | float  # crowns' top above the ground, m: the layer, HeatParams' where it has none


@dataclass(frozen=True)
class _Shade:
    """The sun's beam through the day: what reaches each cell step by step, and what the day's shade is."""

    sunlit: dict[int, np.ndarray]  # step -> share of the beam reaching the cell (own crown included)
    shade: np.ndarray  # share of the day's beam blocked by buildings, terrain and trees
    tree_shade: np.ndarray  # share of the day's beam that trees, not buildings, keep off the cell


@dataclass(frozen=True)
class _Meteorology:
    """The weather term of Theeuwes et al. (2017) and what it is made of."""

    value_k: float
    mean_ghi_w_m2: float
    dtr_k: float
    wind_m_s: float


@dataclass(frozen=True)
class _City:
    """The city scale: InVEST's cooling by day and by night, and the heat island at each step."""

    day: cooling.Cooling  # InVEST by day (its T_air with T_ref at day_hour)
    night: cooling.Cooling  # InVEST by night (its T_air with T_ref at night_hour)
    hm_night: np.ndarray  # heat mitigation by night of the mode, 1
    uhi: np.ndarray  # (steps, ny, nx), K
    uhi_max: np.ndarray  # the day's largest heat island, K
    day_magnitude: np.ndarray  # UHI_max of the day's UCM run: its air with no cooling is T_ref + it, K
    meteorology: _Meteorology
    t_ref: np.ndarray  # (steps,), rural air temperature, °C


@dataclass(frozen=True)
class _Street:
    """The street scale at each step: Tmrt, UTCI (NaN on footprints) and its flags."""

    tmrt: np.ndarray  # (steps, ny, nx), °C
    utci: np.ndarray  # (steps, ny, nx), °C
    flag: np.ndarray  # (steps, ny, nx), uint8


@dataclass(frozen=True)
class _Clock:
    """The steps as people read them: UTC instants and legal local times."""

    utc: np.ndarray  # datetime64[ns]
    local: np.ndarray  # "HH:MM" strings
    local_hour: np.ndarray  # legal local hour, float
    zone: str


def _geometry(layers: dict[str, np.ndarray], cell: float, params: HeatParams) -> _Geometry:
    building = layers["building_height"] > 0.0
    canopy = np.where(building, 0.0, np.clip(layers["tree_canopy"], 0.0, 1.0))
    surface = layers["elevation"] + layers["building_height"]
    svf = geometry.sky_view_factor(surface, cell_size=cell, n_azimuths=params.n_azimuths, radius_m=params.svf_radius_m)
    wall_height, wall_aspect = geometry.walls(surface, cell_size=cell, min_height_m=params.min_wall_height_m)
    return _Geometry(building, canopy, surface, svf, wall_height, wall_aspect, _tree_height(layers, params))


def _tree_height(layers: dict[str, np.ndarray], params: HeatParams) -> np.ndarray | float:
    """The crowns' top of each cell, m: the ``tree_height`` layer (a canopy DSM's) where it is set, else
    ``params.tree_height_m`` (the one number for a territory without the layer, so its results stay the same)."""
    measured = layers.get("tree_height")
    if measured is None or np.isnan(measured).all():
        return params.tree_height_m
    return np.where(np.isnan(measured), params.tree_height_m, measured)


def _shade(geo: _Geometry, elevation: np.ndarray, day, cell: float, params: HeatParams) -> _Shade:
    """Shadows of buildings, terrain and tree crowns at each step the sun is up, and the day's shade."""
    top, base, trans = geometry.tree_surfaces(
        elevation,
        geo.canopy,
        tree_height_m=geo.tree_height,
        trunk_height_m=params.trunk_height_m,
        transmissivity=params.canopy_transmissivity,
    )
    sunlit = {}
    beam_total = 0.0
    beam_received = np.zeros(geo.surface.shape)
    beam_on_leaves = np.zeros(geo.surface.shape)
    for k in range(len(day.hours)):
        if day.elevation[k] <= 0.0:
            continue
        lit, clear = sun.sunlit_fraction(
            geo.surface,
            cell_size=cell,
            elevation_deg=float(day.elevation[k]),
            azimuth_deg=float(day.azimuth[k]),
            tree_top=top,
            tree_base=base,
            tree_transmission=trans,
            with_clear=True,
        )
        sunlit[k] = trans * lit  # the cell's own crown too
        beam = float(day.dni[k] * np.sin(np.radians(day.elevation[k])))
        beam_total += beam
        beam_received += beam * sunlit[k]
        beam_on_leaves += beam * (clear - sunlit[k])  # the beam that trees, not buildings, keep off the cell
    shade = 1.0 - beam_received / beam_total if beam_total > 0 else np.ones(geo.surface.shape)
    tree_shade = beam_on_leaves / beam_total if beam_total > 0 else np.zeros(geo.surface.shape)
    return _Shade(sunlit, shade, tree_shade)


def _city_scale(geo: _Geometry, shade: _Shade, layers, weather, night, date, place, cell: float, params: HeatParams):
    """InVEST's cooling by day (shade, albedo, evapotranspiration) and by night (building intensity), and the heat
    island at each step: InVEST's day and night maps in 'invest' mode, the diurnal cycle of
    :mod:`twin.heat.diurnal` otherwise."""
    invest = params.mode == "invest"
    domain = layers["domain"] > 0.5
    inside = None if domain.all() else domain  # neighbourhoods leave the cells outside the domain out
    et0 = layers.get("reference_et0")  # InVEST's optional ET0 raster, mm; uniform without it (ETI = Kc)
    eti = cooling.evapotranspiration_index(layers["crop_coefficient"], **({} if et0 is None else {"et0": et0}))
    if not invest:
        eti = np.clip(eti, 0.0, 1.0)
    cc_day = cooling.cooling_capacity_factors(
        geo.canopy if invest else shade.tree_shade, layers["albedo"], eti, weights=params.cc_weights
    )
    if not invest:
        cc_day = np.clip(cc_day, 0.0, 1.0)
    intensity = cooling.building_intensity(
        layers["building_height"],
        cell_size=cell,
        storey_height_m=params.storey_height_m,
        window_m=params.intensity_window_m,
        far_max=params.far_max,
        inside=inside,
    )
    if invest and "class_building_intensity" in layers:  # InVEST's night mode reads it per land-cover class
        intensity = layers["class_building_intensity"]
    f_veg = cooling.vegetation_fraction(
        geo.canopy, layers["green_area"], layers["imperviousness"], layers["green_roof_fraction"]
    )
    meteorology = _meteorology(date, place, weather.air_temperature_c, weather.wind_speed_m_s)
    t_ref = weather.air_temperature_c
    hours = params.step_hours
    k_day, k_night = params.snapshot_steps
    kernels = cooling.cooling_kernels(
        geo.surface.shape, cell_size=cell, d_cool_m=params.d_cool_m, r_mix_m=params.r_mix_m, mode=params.mode,
        green_edges="full_disc" if invest else "not_green",  # InVEST scales the green disc cut by the edge up
        inside=inside,
    )  # fmt: skip
    green = (layers["green_area"] > 0.5).astype(float)
    night_openness = _night_openness(geo.svf, f_veg, cell, params, inside)
    if invest:
        m = meteorology.value_k
        openness = float(geo.svf.mean() + f_veg.mean())  # one magnitude for the territory, as InVEST takes it
        uhi_max = params.uhi_max_k if params.uhi_max_k is not None else float(np.clip(2.0 - openness, 0.0, 2.0) * m)
    else:
        m = meteorology.value_k if params.uhi_max_k is None else params.uhi_max_k
        uhi_max = (1.0 - night_openness) * 2.0 * m  # Theeuwes et al. (2017): (2 - SVF - F_veg)·meteorology
    day_magnitude = uhi_max if invest else params.uhi_day_ratio * uhi_max
    ucm = cooling.urban_cooling(
        np.stack([cc_day, 1.0 - intensity]),
        green,
        t_ref_c=[float(t_ref[k_day]), float(t_ref[k_night])],
        uhi_max_k=np.stack([np.broadcast_to(day_magnitude, cc_day.shape), np.broadcast_to(uhi_max, cc_day.shape)]),
        cell_size=cell,
        kernels=kernels,
    )
    by_day, by_night = ucm.run(0), ucm.run(1)
    day_k = by_day.t_air - float(t_ref[k_day])
    if invest:
        uhi = diurnal.day_night_steps(hours, night, day_k=day_k, night_k=by_night.t_air - float(t_ref[k_night]))
        hm_night = by_night.hm
    else:
        retention = params.uhi_dawn_retention_open + (1.0 - params.uhi_dawn_retention_open) * intensity
        uhi = diurnal.heat_island(
            hours, night, day_k=day_k, night_max_k=uhi_max, retention=retention, shape=params.shape
        )
        hm_night = night_openness
    day_magnitude = np.broadcast_to(day_magnitude, cc_day.shape)
    return _City(by_day, by_night, hm_night, uhi, uhi.max(axis=0), day_magnitude, meteorology, np.asarray(t_ref, float))


def _meteorology(date, place, t_air, wind) -> _Meteorology:
    """Theeuwes' weather term from the day's mean global irradiance (24 hours of clear sky), its range of air
    temperature and its mean wind."""
    lat, lon = place
    sun_hours = sun.sun_day(date, latitude=lat, longitude=lon)
    ghi = float(sun_hours.ghi.mean())
    dtr = float(np.max(t_air) - np.min(t_air))
    u = float(np.mean(wind))
    return _Meteorology(cooling.uhi_meteorology_k(mean_ghi_w_m2=ghi, dtr_k=dtr, wind_m_s=u), ghi, dtr, u)


def _night_openness(svf, f_veg, cell: float, params: HeatParams, inside=None) -> np.ndarray:
    """``(SVF + F_veg)/2`` averaged within ``uhi_window_m`` (over the domain's cells), 0..1: the night's heat
    mitigation, as ``UHI_max = (1 − it)·2·meteorology`` is Theeuwes' ``(2 − SVF − F_veg)·meteorology``."""
    kernel = cooling.disk_kernel(params.uhi_window_m / cell)
    means = cooling.weighted_mean(np.stack([np.asarray(svf, float), np.asarray(f_veg, float)]), kernel, inside=inside)
    return np.clip(0.5 * (means[0] + means[1]), 0.0, 1.0)


def _street_scale(geo: _Geometry, shade: _Shade, city: _City, layers, weather, day, params: HeatParams) -> _Street:
    """Mean radiant temperature and UTCI of a standing person at each step, on pedestrian cells (not footprints).

    The steps are independent: they run on as many threads as numba may use (numpy and pythermalcomfort's UTCI
    release the GIL), which halves the engine's costliest stage on 2 cores."""
    surface_model = comfort.SurfaceModel(
        exchange_w_m2_k=params.surface_exchange_w_m2_k, evaporative_cooling=params.evaporative_cooling
    )
    walk = ~geo.building
    # only pedestrian cells, taken out once
    cells = {
        "svf": geo.svf[walk], "own_canopy": geo.canopy[walk], "albedo": layers["albedo"][walk],
        "emissivity": layers["emissivity"][walk], "kc": layers["crop_coefficient"][walk],
    }  # fmt: skip
    shaded = np.zeros(cells["svf"].shape)

    def step(k: int):
        t_ref = float(city.t_ref[k])
        ta = t_ref + city.uhi[k][walk]
        # vapour pressure of the rural air at the step; the warmer city air has the same (lower relative humidity)
        e_k = float(weather.relative_humidity_pct[k]) / 100.0 * float(saturation_vapour_pressure_hpa(t_ref))
        radiant = comfort.mean_radiant_temperature(
            t_air_c=ta, vapour_hpa=e_k, sunlit=shade.sunlit[k][walk] if k in shade.sunlit else shaded,
            canopy_transmissivity=params.canopy_transmissivity, dni_w_m2=float(day.dni[k]),
            dhi_w_m2=float(day.dhi[k]), elevation_deg=float(day.elevation[k]), azimuth_deg=float(day.azimuth[k]),
            surface=surface_model, **cells,
        )  # fmt: skip
        rh_local = np.clip(100.0 * e_k / saturation_vapour_pressure_hpa(ta), 0.0, 100.0)
        return radiant, comfort.utci(ta, radiant, float(weather.wind_speed_m_s[k]), rh_local)

    steps = (params.steps_per_day, *geo.surface.shape)
    tmrt, utci = np.full(steps, np.nan), np.full(steps, np.nan)
    flag = np.zeros(steps, dtype=np.uint8)
    with ThreadPoolExecutor(max_workers=max(1, numba.get_num_threads())) as pool:
        for k, (radiant, u) in enumerate(pool.map(step, range(params.steps_per_day))):
            tmrt[k][walk], utci[k][walk], flag[k][walk] = radiant, u.utci_c, u.flag
    return _Street(tmrt, utci, flag)


def _clock(date: dt.date, hours: np.ndarray, longitude: float, event, weather) -> _Clock:
    """UTC instants of the solar steps and their legal local time: in the event's ``time_zone``, else the weather
    file's standard time, else UTC."""
    utc = np.asarray(sun.solar_time_to_utc(date, hours, longitude=longitude), dtype="datetime64[ns]")
    zone_name = getattr(event, "time_zone", None)
    offset_h = float(getattr(weather, "utc_offset_h", None) or 0.0)
    if zone_name:
        zone, label = ZoneInfo(zone_name), zone_name
    else:
        zone, label = dt.timezone(dt.timedelta(hours=offset_h)), (f"UTC{offset_h:+g}" if offset_h else "UTC")
    seconds = utc.astype("datetime64[s]").astype(np.int64)
    local = [dt.datetime.fromtimestamp(int(t), tz=dt.UTC).astimezone(zone) for t in seconds]
    return _Clock(
        utc,
        np.array([t.strftime("%H:%M") for t in local]),
        np.array([t.hour + t.minute / 60.0 for t in local]),
        label,
    )


def _daily(street: _Street, city: _City, t_air, night, clock: _Clock, params: HeatParams, walk) -> dict:
    """The day's maps made of the steps: the highest UTCI and its hour, hours per stress class, the night's
    lowest air temperature (``t_air``, each step) and tropical nights."""
    utci = np.nan_to_num(street.utci, nan=-np.inf)  # footprints never peak nor fall in a class
    peak = np.where(walk, utci.max(axis=0), np.nan)
    k_peak = np.argmax(utci, axis=0)
    classes = comfort.utci_stress_class(utci)
    hours = {
        f"hours_{name}_stress": np.where(walk, (classes == c).sum(axis=0) * params.step_h, np.nan)
        for c, name in enumerate(("none", "moderate", "strong", "very_strong", "extreme"))
        if c > 0
    }
    hours["hours_strong_stress_or_worse"] = np.where(walk, (classes >= 2).sum(axis=0) * params.step_h, np.nan)
    dark = night.is_dark(params.step_hours)
    t_min = t_air[dark].min(axis=0)
    return {
        "utci_max": peak,
        "utci_max_hour": np.where(walk, clock.local_hour[k_peak], np.nan),
        **hours,
        "t_air_min_night": t_min,
        "tropical_night": (t_min >= comfort.TROPICAL_NIGHT_C).astype(np.uint8),
        "uhi_max_hour": params.step_hours[np.argmax(city.uhi, axis=0)],
    }


def _wrap(territory, geo: _Geometry, shade: _Shade, city: _City, street: _Street, night, clock: _Clock, weather,
          params: HeatParams) -> xr.Dataset:  # fmt: skip
    """The outputs as the engine declares them (:data:`twin.heat.outputs.OUTPUTS`), with the territory's CRS."""
    hours = params.step_hours
    k_day, k_night = params.snapshot_steps
    walk = ~geo.building
    t_air = city.t_ref[:, None, None] + city.uhi
    utci_class = np.where(walk, comfort.utci_stress_class(np.nan_to_num(street.utci[k_day])), NO_CLASS)
    values = {
        "cooling_capacity_day": city.day.cc,
        "cooling_capacity_night": city.night.cc,
        "park_cooling_day": city.day.cc_park,
        "green_area_nearby": city.day.green_area_m2,
        "heat_mitigation_day": city.day.hm,
        "heat_mitigation_night": city.hm_night,
        "t_air_day": t_air[k_day],
        "t_air_night": t_air[k_night],
        "uhi_day": city.uhi[k_day],
        "uhi_night": city.uhi[k_night],
        "uhi_max": city.uhi_max,
        "uhi_magnitude_day": city.day_magnitude,
        "svf": geo.svf,
        "wall_height": geo.wall_height,
        "wall_aspect": geo.wall_aspect,
        "shade_fraction": shade.shade,
        "tmrt": street.tmrt[k_day],
        "utci": street.utci[k_day],
        "utci_class": utci_class,
        "utci_flag": street.flag[k_day],
        **_daily(street, city, t_air, night, clock, params, walk),
        "t_air_hourly": t_air,
        "tmrt_hourly": street.tmrt,
        "utci_hourly": street.utci,
    }
    coords = {
        "y": territory.layers["y"],
        "x": territory.layers["x"],
        "time": ("time", clock.utc, {"long_name": "instant of the step", "standard_name": "time"}),
        "solar_hour": ("time", hours, {"units": "h", "long_name": "local solar hour"}),
        "t_ref": ("time", city.t_ref, {"units": "degC", "long_name": "rural (reference) air temperature"}),
        "relative_humidity": (
            "time",
            weather.relative_humidity_pct,
            {"units": "%", "long_name": "rural relative humidity"},
        ),
        "local_time": ("time", clock.local, {"long_name": f"legal local time ({clock.zone})"}),
        "local_hour": ("time", clock.local_hour, {"units": "h", "long_name": f"legal local hour ({clock.zone})"}),
    }
    ds = dataset(OUTPUTS, values, coords=coords, params=params.model_dump(), where="twin.heat")
    ds.rio.write_crs(territory.layers.rio.crs, inplace=True).rio.write_transform(territory.grid.transform, inplace=True)
    return ds  # written in place: no copies of the arrays


def _mask_outside(ds: xr.Dataset, inside: np.ndarray) -> None:
    """NaN in every float output outside the domain, no class (255) in ``utci_class`` and 0 in the other flags
    (``utci_flag``, ``tropical_night``), in place; nothing without a domain."""
    if inside.all():
        return
    for name, var in ds.data_vars.items():
        if var.dims[-2:] != ("y", "x"):
            continue
        if var.dtype.kind == "f":
            var.values[..., ~inside] = np.nan
        else:
            var.values[..., ~inside] = NO_CLASS if name == "utci_class" else 0


def _attrs(event, date, params: HeatParams, city, day, night, clock, climate, place, timings) -> dict:
    """The dataset's attributes: the model, the event, the sun and the weather terms, the parameters, timings."""
    k_day, k_night = params.snapshot_steps
    return {
        "model": "twin.heat",
        "model_version": MODEL_VERSION,
        "mode": params.mode,
        "event": str(getattr(event, "name", "")),
        "date": date.isoformat(),
        "hours": "local solar time",
        "time_zone": clock.zone,
        "latitude": place[0],
        "longitude": place[1],
        "sunrise_solar_h": night.sunrise_h,
        "sunset_solar_h": night.sunset_h,
        "t_ref_day_c": float(city.t_ref[k_day]),
        "t_ref_night_c": float(city.t_ref[k_night]),
        "uhi_meteorology_k": city.meteorology.value_k,
        "mean_ghi_w_m2": city.meteorology.mean_ghi_w_m2,
        "dtr_k": city.meteorology.dtr_k,
        "wind_m_s": city.meteorology.wind_m_s,
        "sun_elevation_deg": float(day.elevation[k_day]),
        "sun_azimuth_deg": float(day.azimuth[k_day]),
        "climate_delta_t_c": float(getattr(climate, "delta_t_c", 0.0) or 0.0),
        "params": params.model_dump_json(),
        "timings_s": json.dumps({k: round(v, 4) for k, v in timings.items()}),
    }


# ---------------------------------------------------------------- validation helpers


def _lap(start: float) -> float:
    return time.perf_counter() - start


def _checked_params(params) -> HeatParams:
    if params is None:
        return HeatParams()
    if isinstance(params, HeatParams):
        return params
    try:
        return HeatParams.model_validate(params)
    except ValidationError as exc:
        raise ModelInputError("\n".join(validation_problems(exc.errors(), where="heat params"))) from None


def _checked_event(event, where: str) -> dt.date:
    if getattr(event, "kind", None) != Heatwave.kind_name():
        kind = Heatwave.kind_name()
        raise ModelInputError(message("heat.simulate", "event kind", repr(kind), getattr(event, "kind", event)))
    date = getattr(event, "date", None)
    if isinstance(date, dt.datetime):
        date = date.date()
    if not isinstance(date, dt.date) or not 1900 <= date.year <= 2100:
        raise ModelInputError(message(where, "date", "a calendar date (YYYY-MM-DD) between 1900 and 2100", date))
    if getattr(event, "weather_file", None) is None:  # the extremes and means of the event itself
        rh = getattr(event, "relative_humidity_pct", None)
        if not isinstance(rh, int | float) or not 0.0 <= rh <= 100.0:
            raise ModelInputError(message(where, "relative_humidity_pct", "within [0, 100] %", rh))
        wind = getattr(event, "wind_speed_m_s", None)
        if not isinstance(wind, int | float) or not wind > 0.0:
            raise ModelInputError(message(where, "wind_speed_m_s", "> 0 m/s (UTCI and the UHI need wind)", wind))
    return date


def _check_weather(weather, where: str) -> None:
    t, rh, u = weather.air_temperature_c, weather.relative_humidity_pct, weather.wind_speed_m_s
    if not np.isfinite(t).all() or t.min() < -60 or t.max() > 60:
        raise ModelInputError(message(where, "air temperature", "finite, within [-60, 60] °C", [t.min(), t.max()]))
    if not np.isfinite(rh).all() or rh.min() < 0 or rh.max() > 100:
        raise ModelInputError(
            message(where, "relative humidity", "within [0, 100] %", [float(rh.min()), float(rh.max())])
        )
    if not np.isfinite(u).all() or u.min() <= 0:
        raise ModelInputError(message(where, "wind speed", "> 0 m/s at every hour", float(np.min(u))))


def _at(weather, hours: np.ndarray):
    """The weather at the steps' solar hours (the 24 hours themselves when hourly)."""
    if len(hours) == len(weather.hour) and np.allclose(hours, weather.hour):
        return weather
    return weather.at(hours)


def _optional_layers(territory, event) -> dict[str, np.ndarray]:
    """What the engine may also take: the trees' measured height (:data:`OPTIONAL_INPUTS`), and for InVEST the
    event's ET0 raster on the grid and the table's building intensity by class."""
    out = {
        name: np.asarray(territory.layers[name].values, dtype=np.float64)
        for name in OPTIONAL_INPUTS
        if name in territory.layers
    }
    path = getattr(event, "reference_evapotranspiration_file", None)
    if path is not None:
        out["reference_et0"], notes = cooling.read_reference_et0([path], territory.grid)
        for note in notes:
            log.info("%s", note)
    if "building_intensity" in territory.landcover.values:
        out["class_building_intensity"] = cooling.building_intensity_from_classes(
            territory["land_cover"], territory.landcover
        )
    return out


def _checked_layers(territory) -> dict[str, np.ndarray]:
    where = f"territory {getattr(territory, 'name', '?')!r}"
    missing = [name for name in INPUTS if name not in territory.layers]
    if missing:
        raise ModelInputError(message(where, "layers", f"complete: {list(INPUTS)}", f"missing {missing}"))
    out = {}
    inside = np.asarray(territory.layers["domain"].values, dtype=bool)
    whole = bool(inside.all())
    for name in INPUTS:
        values = np.asarray(territory.layers[name].values, dtype=np.float64)
        bad = int((~np.isfinite(values[inside])).sum())
        if bad:
            expected = "finite everywhere" + ("" if whole else " inside the domain")
            raise ModelInputError(message(where, f"layer {name!r}", expected, f"{bad} NaN/inf cells"))
        out[name] = values
    if not whole:  # outside: flat open ground at the domain's lowest elevation, no building nor tree, nothing unknown
        low = float(out["elevation"][inside].min())
        out["elevation"] = np.where(inside, out["elevation"], low)
        out["building_height"] = np.where(inside, out["building_height"], 0.0)
        out["tree_canopy"] = np.where(inside, out["tree_canopy"], 0.0)
        for name in INPUTS:
            out[name] = np.where(inside | np.isfinite(out[name]), out[name], 0.0)
    return out
