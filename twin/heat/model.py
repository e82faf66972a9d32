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
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ModelInputError, message, validation_problems
from ..specs import dataset
from . import comfort, cooling, geometry, sun
from .event import Heatwave
from .outputs import OUTPUTS
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
)

log = logging.getLogger(__name__)
MODEL_VERSION = "1"
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
    night_hour: Hour = Field(5, description="night hour of the night maps, local solar time")
    hourly: bool = Field(False, description="also give Tmrt and UTCI for the 24 hours")

    @model_validator(mode="after")
    def _consistent(self):
        if min(self.cc_weights) < 0 or sum(self.cc_weights) <= 0:
            raise ValueError(f"cc_weights must be >= 0 with a positive sum, got {self.cc_weights}")
        if self.trunk_height_m >= self.tree_height_m:
            raise ValueError("trunk_height_m must be below tree_height_m")
        return self


def simulate(territory, event, *, params: HeatParams | None = None, climate=None, progress=None) -> xr.Dataset:
    """Simulate the heat of a heatwave day over a territory.

    Parameters
    ----------
    territory : twin.territory.Territory
        Reads the layers of :data:`INPUTS`.
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
        The outputs of :data:`twin.heat.outputs.OUTPUTS` on the territory's grid (dims ``y``, ``x``, CRS
        written), each with ``units``: cooling capacity, heat mitigation, air temperature and UHI intensity by
        day and by night, UHI magnitude, sky view factor, walls, shade fraction, Tmrt, UTCI and its stress class
        at ``day_hour``.

    Raises
    ------
    ModelInputError
        Missing or non-finite layers, an event that is not a dated heatwave,
        humidity outside 0–100 % or wind ≤ 0.
    twin.errors.ScenarioError
        A weather file that is missing, unreadable or out of range.
    """
    report = progress or (lambda fraction: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    params = _checked_params(params)
    where = f"heatwave {getattr(event, 'name', '?')!r}"
    date = _checked_event(event, where)
    if climate is None:
        climate = getattr(event, "climate", None)
    weather = hourly_weather(event, delta_t_c=getattr(climate, "delta_t_c", 0.0) or 0.0)
    _check_weather(weather, where)
    layers = _checked_layers(territory)
    cell = float(territory.grid.cell_size)
    lon, lat = territory.grid.centre_lonlat()
    timings["validate"] = _lap(clock)

    clock = time.perf_counter()
    geo = _geometry(layers, cell, params)
    timings["sky_view_factor"] = _lap(clock)
    report(0.3)

    clock = time.perf_counter()
    day = sun.sun_day(date, latitude=lat, longitude=lon)
    shade = _shade(geo, layers["elevation"], day, cell, params)
    timings["shadows"] = _lap(clock)
    report(0.6)

    clock = time.perf_counter()
    city = _city_scale(geo, shade, layers, weather, day, cell, params)
    timings["urban_cooling"] = _lap(clock)
    report(0.7)

    clock = time.perf_counter()
    street = _street_scale(geo, shade, city, layers, weather, day, params)
    timings["comfort"] = _lap(clock)
    report(0.95)

    clock = time.perf_counter()
    ds = _wrap(territory, geo, shade, city, street, params)
    timings["wrap"] = _lap(clock)
    report(1.0)
    ds.attrs.update(
        {
            "model": "twin.heat",
            "model_version": MODEL_VERSION,
            "mode": params.mode,
            "event": str(getattr(event, "name", "")),
            "date": date.isoformat(),
            "hours": "local solar time",
            "latitude": lat,
            "longitude": lon,
            "t_ref_day_c": city.t_ref_day,
            "t_ref_night_c": city.t_ref_night,
            "uhi_meteorology_k": city.meteorology,
            "sun_elevation_deg": float(day.elevation[params.day_hour]),
            "sun_azimuth_deg": float(day.azimuth[params.day_hour]),
            "climate_delta_t_c": float(getattr(climate, "delta_t_c", 0.0) or 0.0),
            "params": params.model_dump_json(),
            "timings_s": json.dumps({k: round(v, 4) for k, v in timings.items()}),
        }
    )
    log.debug("%s: heat stages in %s s", ds.attrs["event"], ds.attrs["timings_s"])
    return ds


# ---------------------------------------------------------------- the stages


@dataclass(frozen=True)
class _Geometry:
    """The 3D surface and what it makes of the sky: buildings, tree canopy off roofs, SVF and walls."""

    building: np.ndarray  # bool, a building over the cell
    canopy: np.ndarray  # tree-canopy fraction on open ground (0 on buildings)
    surface: np.ndarray  # ground + buildings, m
    svf: np.ndarray
    wall_height: np.ndarray
    wall_aspect: np.ndarray


@dataclass(frozen=True)
class _Shade:
    """The sun's beam through the day: what reaches each cell hour by hour, and what the day's shade is."""

    sunlit: dict[int, np.ndarray]  # hour -> share of the beam reaching the cell (own crown included)
    shade: np.ndarray  # share of the day's beam blocked by buildings, terrain and trees
    tree_shade: np.ndarray  # share of the day's beam that trees, not buildings, keep off the cell


@dataclass(frozen=True)
class _City:
    """The city scale: the Urban Cooling Model by day and by night, and the UHI magnitude."""

    day: cooling.Cooling
    night: cooling.Cooling
    uhi_max: np.ndarray
    meteorology: float
    t_ref_day: float
    t_ref_night: float


@dataclass(frozen=True)
class _Street:
    """The street scale: Tmrt, UTCI and its flags, by hour."""

    tmrt: dict[int, np.ndarray]
    utci: dict[int, np.ndarray]
    flag: dict[int, np.ndarray]


def _geometry(layers: dict[str, np.ndarray], cell: float, params: HeatParams) -> _Geometry:
    building = layers["building_height"] > 0.0
    canopy = np.where(building, 0.0, np.clip(layers["tree_canopy"], 0.0, 1.0))
    surface = layers["elevation"] + layers["building_height"]
    svf = geometry.sky_view_factor(surface, cell_size=cell, n_azimuths=params.n_azimuths, radius_m=params.svf_radius_m)
    wall_height, wall_aspect = geometry.walls(surface, cell_size=cell, min_height_m=params.min_wall_height_m)
    return _Geometry(building, canopy, surface, svf, wall_height, wall_aspect)


def _shade(geo: _Geometry, elevation: np.ndarray, day, cell: float, params: HeatParams) -> _Shade:
    """Shadows of buildings, terrain and tree crowns at each hour the sun is up, and the day's shade."""
    top, base, trans = geometry.tree_surfaces(
        elevation,
        geo.canopy,
        tree_height_m=params.tree_height_m,
        trunk_height_m=params.trunk_height_m,
        transmissivity=params.canopy_transmissivity,
    )
    sunlit = {}
    beam_total = 0.0
    beam_received = np.zeros(geo.surface.shape)
    beam_on_leaves = np.zeros(geo.surface.shape)
    for h in range(24):
        if day.elevation[h] <= 0.0:
            continue
        lit, clear = sun.sunlit_fraction(
            geo.surface,
            cell_size=cell,
            elevation_deg=float(day.elevation[h]),
            azimuth_deg=float(day.azimuth[h]),
            tree_top=top,
            tree_base=base,
            tree_transmission=trans,
            with_clear=True,
        )
        sunlit[h] = trans * lit  # the cell's own crown too
        beam = float(day.dni[h] * np.sin(np.radians(day.elevation[h])))
        beam_total += beam
        beam_received += beam * sunlit[h]
        beam_on_leaves += beam * (clear - sunlit[h])  # the beam that trees, not buildings, keep off the cell
    shade = 1.0 - beam_received / beam_total if beam_total > 0 else np.ones(geo.surface.shape)
    tree_shade = beam_on_leaves / beam_total if beam_total > 0 else np.zeros(geo.surface.shape)
    return _Shade(sunlit, shade, tree_shade)


def _city_scale(geo: _Geometry, shade: _Shade, layers, weather, day, cell: float, params: HeatParams) -> _City:
    """The InVEST Urban Cooling Model by day (cooling capacity from shade, albedo and evapotranspiration) and by
    night (from building intensity), with the UHI magnitude of the mode."""
    invest = params.mode == "invest"
    eti = cooling.evapotranspiration_index(layers["crop_coefficient"])
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
    )
    cc_night = cooling.cooling_capacity_intensity(intensity)
    f_veg = cooling.vegetation_fraction(
        geo.canopy, layers["green_area"], layers["imperviousness"], layers["green_roof_fraction"]
    )
    t = weather.air_temperature_c
    meteorology = cooling.uhi_meteorology_k(
        mean_ghi_w_m2=float(day.ghi.mean()),
        dtr_k=float(t.max() - t.min()),
        wind_m_s=float(weather.wind_speed_m_s.mean()),
    )
    uhi_max, uhi_max_map = _uhi_magnitude(geo.svf, f_veg, meteorology, cell, params)
    kernels = cooling.cooling_kernels(
        geo.surface.shape, cell_size=cell, d_cool_m=params.d_cool_m, r_mix_m=params.r_mix_m, mode=params.mode
    )
    green = (layers["green_area"] > 0.5).astype(float)
    t_ref_day = float(t[params.day_hour])
    t_ref_night = float(t[params.night_hour])
    ucm = cooling.urban_cooling(
        np.stack([cc_day, cc_night]),
        green,
        t_ref_c=[t_ref_day, t_ref_night],
        uhi_max_k=uhi_max,
        cell_size=cell,
        kernels=kernels,
    )
    return _City(ucm.run(0), ucm.run(1), uhi_max_map, meteorology, t_ref_day, t_ref_night)


def _uhi_magnitude(svf, f_veg, meteorology: float, cell: float, params: HeatParams):
    """UHI_max as the UCM takes it (one number in 'invest' mode, a map otherwise) and as a map."""
    if params.mode == "invest":
        uhi_max = (
            params.uhi_max_k
            if params.uhi_max_k is not None
            else float(np.clip(2.0 - svf.mean() - f_veg.mean(), 0.0, 2.0) * meteorology)
        )
        return uhi_max, np.full(svf.shape, uhi_max)
    uhi_max_map = cooling.geometric_uhi_max(
        svf,
        f_veg,
        meteorology_k=meteorology if params.uhi_max_k is None else params.uhi_max_k,
        cell_size=cell,
        window_m=params.uhi_window_m,
    )
    return uhi_max_map, uhi_max_map


def _street_scale(geo: _Geometry, shade: _Shade, city: _City, layers, weather, day, params: HeatParams) -> _Street:
    """Mean radiant temperature and UTCI of a standing person at ``day_hour`` (or every hour, ``hourly``)."""
    surface_model = comfort.SurfaceModel(
        exchange_w_m2_k=params.surface_exchange_w_m2_k, evaporative_cooling=params.evaporative_cooling
    )
    t = weather.air_temperature_c
    hours = range(24) if params.hourly else [params.day_hour]
    tmrt_h, utci_h, flag_h = {}, {}, {}
    for h in hours:
        up = day.elevation[h] > 0.0
        ta = float(t[h]) + ((city.day.t_air - city.t_ref_day) if up else (city.night.t_air - city.t_ref_night))
        # vapour pressure of the rural air at hour h; the warmer city air has the same (lower relative humidity)
        e_h = float(weather.relative_humidity_pct[h]) / 100.0 * float(saturation_vapour_pressure_hpa(float(t[h])))
        tmrt_h[h] = comfort.mean_radiant_temperature(
            t_air_c=ta,
            vapour_hpa=e_h,
            sunlit=shade.sunlit.get(h, np.zeros(geo.surface.shape)),
            svf=geo.svf,
            own_canopy=geo.canopy,
            canopy_transmissivity=params.canopy_transmissivity,
            albedo=layers["albedo"],
            emissivity=layers["emissivity"],
            kc=layers["crop_coefficient"],
            dni_w_m2=float(day.dni[h]),
            dhi_w_m2=float(day.dhi[h]),
            elevation_deg=float(day.elevation[h]),
            azimuth_deg=float(day.azimuth[h]),
            surface=surface_model,
        )
        rh_local = np.clip(100.0 * e_h / saturation_vapour_pressure_hpa(ta), 0.0, 100.0)
        u = comfort.utci(ta, tmrt_h[h], float(weather.wind_speed_m_s[h]), rh_local)
        utci_h[h], flag_h[h] = u.utci_c, u.flag
    return _Street(tmrt_h, utci_h, flag_h)


def _wrap(territory, geo: _Geometry, shade: _Shade, city: _City, street: _Street, params: HeatParams) -> xr.Dataset:
    """The outputs as the engine declares them (:data:`twin.heat.outputs.OUTPUTS`), with the territory's CRS."""
    h15 = params.day_hour
    values = {
        "cooling_capacity_day": city.day.cc,
        "cooling_capacity_night": city.night.cc,
        "park_cooling_day": city.day.cc_park,
        "green_area_nearby": city.day.green_area_m2,
        "heat_mitigation_day": city.day.hm,
        "heat_mitigation_night": city.night.hm,
        "t_air_day": city.day.t_air,
        "t_air_night": city.night.t_air,
        "uhi_day": city.day.t_air - city.t_ref_day,
        "uhi_night": city.night.t_air - city.t_ref_night,
        "uhi_max": city.uhi_max,
        "svf": geo.svf,
        "wall_height": geo.wall_height,
        "wall_aspect": geo.wall_aspect,
        "shade_fraction": shade.shade,
        "tmrt": street.tmrt[h15],
        "utci": street.utci[h15],
        "utci_class": comfort.utci_stress_class(street.utci[h15]),
        "utci_flag": street.flag[h15],
    }
    coords = {"y": territory.layers["y"], "x": territory.layers["x"]}
    if params.hourly:
        values["tmrt_hourly"] = np.stack([street.tmrt[h] for h in range(24)])
        values["utci_hourly"] = np.stack([street.utci[h] for h in range(24)])
        coords["hour"] = ("hour", np.arange(24), {"units": "h", "long_name": "local solar hour"})
    ds = dataset(OUTPUTS, values, coords=coords, params=params.model_dump(), where="twin.heat")
    return ds.rio.write_crs(territory.layers.rio.crs).rio.write_transform(territory.grid.transform)


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


def _checked_layers(territory) -> dict[str, np.ndarray]:
    where = f"territory {getattr(territory, 'name', '?')!r}"
    missing = [name for name in INPUTS if name not in territory.layers]
    if missing:
        raise ModelInputError(message(where, "layers", f"complete: {list(INPUTS)}", f"missing {missing}"))
    out = {}
    for name in INPUTS:
        values = np.asarray(territory.layers[name].values, dtype=np.float64)
        bad = int((~np.isfinite(values)).sum())
        if bad:
            raise ModelInputError(message(where, f"layer {name!r}", "finite everywhere", f"{bad} NaN/inf cells"))
        out[name] = values
    return out
