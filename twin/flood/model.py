"""The flood engine: ``simulate(territory, event) -> xr.Dataset``.

Local-inertial shallow water (Bates et al. 2010; de Almeida et al. 2012) on the
territory grid, with rain, green-roof retention, Green-Ampt or SCS-CN
infiltration, sewer drainage, inflow hydrographs and closed, free or stage
edges. This module validates the inputs, converts units, runs the kernels of
:mod:`twin.flood._kernels` in a readable time loop and wraps the results with
coordinates, CRS and units. The mass balance is tracked as the run goes and
returned in the dataset's attributes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field
from scipy import ndimage

from ..errors import ModelInputError, SimulationError, message
from . import _kernels as k
from .boundaries import EDGE_MODES, EDGES, cell_of, inflow_cells, nearest_edge, river_ends
from .hazard import debris_land_use, hazard_rating, ppri_class

G = 9.80665  # standard gravity, m/s²
# Private switch: True lets the kernels skip the cells that cannot change (dry, with dry neighbours) while no
# rain falls; False sweeps the whole grid every step. The results are the same bit for bit (tests/test_flood.py).
_SKIP_DRY = True
INPUTS = (
    "elevation",
    "building_height",
    "building_index",
    "manning_n",
    "soil_ks",
    "soil_psi",
    "soil_delta_theta",
    "curve_number",
    "imperviousness",
    "retention_depth",
    "land_cover",
)


class FloodParams(BaseModel):
    """Numerical and physical options of the flood engine; every default is the documented one."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    theta: float = Field(0.7, ge=0.5, le=1.0, description="q-centring weight θ (de Almeida 2012: 0.7 is stable)")
    alpha: float = Field(0.7, gt=0.0, le=1.0, description="Courant factor α in Δt = α·Δx/max(sqrt(g·h) + |u|)")
    h_min_m: float = Field(0.001, gt=0.0, description="wet/dry threshold of a face's flow depth, m")
    dt_max_s: float = Field(10.0, gt=0.0, description="largest time step, s (dry grids)")
    dt_min_s: float = Field(1e-4, gt=0.0, description="a smaller step stops the run with an error, s")
    buildings: Literal["walls", "terrain"] = Field(
        "walls",
        description="buildings as blocked cells (roof rain goes down to the nearest open cell) or as raised terrain",
    )
    infiltration: Literal["green_ampt", "scs_cn", "none"] = Field("green_ampt", description="infiltration model")
    sewer_return_period_years: float | None = Field(
        10.0,
        gt=0.0,
        description="return period the sewers are designed for; their intake on sealed ground is "
        "the Montana intensity of that storm over sewer_duration_min (None: no drainage)",
    )
    sewer_duration_min: float = Field(30.0, gt=0.0, description="duration of the sewer design storm, min")
    drainage_mm_per_h: float | None = Field(
        None, ge=0.0, description="sewer intake on sealed ground, mm/h (overrides the design storm)"
    )
    edges: dict[Literal["west", "east", "north", "south"], Literal["closed", "free"]] = Field(
        default_factory=dict, description="edge conditions; unlisted edges are free (water leaves the grid)"
    )
    free_outflow_slope: float = Field(0.001, gt=0.0, description="water-surface slope driving a free edge, m/m")
    manning_multiplier: float = Field(1.0, gt=0.0, description="factor on every Manning's n (sensitivity runs)")
    duration_s: float | None = Field(None, gt=0.0, description="simulated time, s (default: from the event)")
    frame_interval_s: float = Field(300.0, gt=0.0, description="interval between stored depth frames, s")
    gauges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="named points [x, y] (m) where depth is recorded"
    )
    gauge_interval_s: float = Field(60.0, gt=0.0, description="interval between gauge readings, s")
    velocity_interval_s: float = Field(5.0, gt=0.0, description="interval between updates of the velocity maxima, s")
    wet_threshold_m: float = Field(0.01, gt=0.0, description="depth of arrival and of velocity reporting, m")
    deep_threshold_m: float = Field(0.10, gt=0.0, description="depth counted by the duration output, m")
    precision: Literal["float64", "float32"] = Field(
        "float64",
        description="floating type of the state (depths, discharges, terrain, per-cell parameters and maxima): "
        "float32 halves the memory traffic and doubles the SIMD lanes of the kernels; the mass balance is "
        "still accumulated in float64 (relative error below 1e-5 in float32, 1e-9 in float64)",
    )


@dataclass(frozen=True)
class Forcing:
    """What drives a run: rain (m/s per step), inflow (m³/s), a downstream level (m)."""

    rain_start_s: np.ndarray
    rain_rate_m_s: np.ndarray
    rain_step_s: float
    inflow_time_s: np.ndarray | None
    inflow_m3_s: np.ndarray | None
    inflow_location: object
    downstream_level_m: float | None
    duration_s: float

    def rain_depth(self, t0: float, t1: float) -> float:
        """Rain fallen between ``t0`` and ``t1`` (s), m: the exact integral of the step hyetograph."""
        return self._rain_until(t1) - self._rain_until(t0)

    def _rain_until(self, t: float) -> float:
        if self.rain_rate_m_s.size == 0 or t <= 0.0:
            return 0.0
        i = min(int(t // self.rain_step_s), self.rain_rate_m_s.size)
        done = float(self.rain_rate_m_s[:i].sum()) * self.rain_step_s
        return done + (
            float(self.rain_rate_m_s[i]) * (t - i * self.rain_step_s) if i < self.rain_rate_m_s.size else 0.0
        )

    def inflow_volume(self, t0: float, t1: float) -> float:
        """Water brought in between ``t0`` and ``t1`` (s), m³: the exact integral of the piecewise-linear
        hydrograph (zero after its end)."""
        if self.inflow_time_s is None:
            return 0.0
        return self._inflow_until(t1) - self._inflow_until(t0)

    def _inflow_until(self, t: float) -> float:
        ts, qs = self.inflow_time_s, self.inflow_m3_s
        t = min(max(t, ts[0]), ts[-1])
        i = int(np.searchsorted(ts, t, side="right")) - 1
        i = min(i, ts.size - 2)
        full = float(np.sum(0.5 * (qs[1 : i + 1] + qs[:i]) * np.diff(ts[: i + 1])))
        q_t = float(np.interp(t, ts, qs))
        return full + 0.5 * (qs[i] + q_t) * (t - ts[i])


@dataclass(frozen=True)
class _Maxima:
    """What the kernels keep per cell over a run, updated in place: depth (m) and its time (s), arrival time
    (s, -1 until wet), time spent deep (s), speed (m/s) and depth x speed (m²/s)."""

    depth: np.ndarray
    time_of_depth: np.ndarray
    arrival: np.ndarray
    deep_time: np.ndarray
    speed: np.ndarray
    depth_speed: np.ndarray

    @classmethod
    def empty(cls, shape: tuple[int, int], dtype=np.float64) -> _Maxima:
        zeros = lambda: np.zeros(shape, dtype)  # noqa: E731
        return cls(zeros(), zeros(), np.full(shape, -1.0, dtype), zeros(), zeros(), zeros())


@dataclass
class _Series:
    """Depth frames and gauge readings, with their times (s)."""

    frame_times: list[float]
    frames: list[np.ndarray]
    gauge_times: list[float]
    gauges: dict[str, list[float]]

    def frame(self, t: float, h: np.ndarray) -> None:
        self.frame_times.append(t)
        self.frames.append(h.astype(np.float32))

    def read_gauges(self, t: float, h: np.ndarray, cells: dict[str, tuple[int, int]]) -> None:
        self.gauge_times.append(t)
        for name, (r, c) in cells.items():
            self.gauges[name].append(float(h[r, c]))


def forcing_of(event, *, climate=None, duration_s: float | None = None) -> Forcing:
    """The forcing of a design storm, rain series or river flood, with the climate multiplier applied."""
    mult = climate.rain_multiplier if climate is not None else 1.0
    empty = np.zeros(0)
    if event.kind in ("design_storm", "rain_series"):
        from .rainfall import storm_hyetograph

        h = storm_hyetograph(event, rain_multiplier=mult)
        length = h.duration_s + event.after_min * 60.0
        return Forcing(h.start_s, h.intensity_mm_per_h / 3.6e6, h.step_s, None, None, None, None, duration_s or length)
    if event.kind == "river_flood":
        from .inflow import river_inflow

        q = river_inflow(event, multiplier=mult)
        length = event.duration_h * 3600.0 if event.duration_h else (float(q.time_s[-1]) if q else 3600.0)
        return Forcing(
            empty,
            empty,
            1.0,
            q.time_s if q else None,
            q.discharge_m3_s if q else None,
            event.inflow_location,
            event.downstream_level_m,
            duration_s or length,
        )
    raise ModelInputError(
        message(f"event {event.name!r}", "kind", "a design_storm, rain_series or river_flood", event.kind)
    )


def _checked_inputs(territory, params: FloodParams) -> dict[str, np.ndarray]:
    arrays = {}
    for name in INPUTS:
        values = np.ascontiguousarray(territory[name])
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            bad = int((~np.isfinite(values)).sum())
            raise ModelInputError(message(f"flood input {name!r}", "values", "finite", f"{bad} NaN/inf cells"))
        arrays[name] = values
    n = arrays["manning_n"]
    if (n <= 0).any():
        raise ModelInputError(message("flood input 'manning_n'", "values", "> 0 s m-1/3", round(float(n.min()), 6)))
    return arrays


def _drain_rate(params: FloodParams, imperviousness: np.ndarray) -> np.ndarray:
    """Sewer intake per cell, m/s: the design intensity on the sealed share of each cell."""
    if params.drainage_mm_per_h is not None:
        rate = params.drainage_mm_per_h
    elif params.sewer_return_period_years is None:
        rate = 0.0
    else:
        from .rainfall import default_montana_table, montana_for, read_montana_table

        a, b = montana_for(
            read_montana_table(default_montana_table()),
            where="flood params: sewer design storm",
            return_period_years=params.sewer_return_period_years,
            duration_min=params.sewer_duration_min,
        )
        rate = a * params.sewer_duration_min ** (-b) * 60.0  # mm/min -> mm/h
    return (rate / 3.6e6 * imperviousness).astype(np.float64)


def simulate(
    territory,
    event,
    *,
    params: FloodParams | None = None,
    climate=None,
    rain_pattern: np.ndarray | None = None,
    initial_depth: np.ndarray | None = None,
    edge_stage: dict[str, Callable[[float], float]] | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> xr.Dataset:
    """Run a flood event on a territory.

    Parameters
    ----------
    territory : Territory
        Reads :data:`INPUTS` (elevation m, Manning's n s m-1/3, Green-Ampt Ks m/s, ψ m, Δθ, curve numbers,
        imperviousness, green-roof retention m, buildings).
    event : DesignStorm | RainSeries | RiverFlood
        The hazard; paths already resolved (see :func:`twin.scenario.load_scenario`).
    params : FloodParams, optional
        Numerical and physical options.
    climate : Climate, optional
        Multiplies rain (and river discharge) by ``rain_multiplier``.
    rain_pattern : numpy.ndarray, optional
        Gridded rain: a factor per cell on the event's intensity (1 everywhere by default).
    initial_depth : numpy.ndarray, optional
        Water already there at the start, m (a river at its base level, a lake); dry by default.
    edge_stage : dict of str to callable, optional
        Water levels (m above datum) held on edges as functions of time (s): ``{"west": f}``. For analytical
        tests and tides; a scenario's ``downstream_level_m`` is a constant stage.
    progress : callable, optional
        Called as ``progress(t_s, duration_s)`` about every 2 % of the run.

    Returns
    -------
    xarray.Dataset
        Max depth (m), max velocity (m/s), max d·v (m²/s), arrival time, time of max and duration above
        ``deep_threshold_m`` (s), hazard rating and its class, PPRI class, final depth, depth frames and gauge
        series; ``attrs["mass_balance"]`` holds the volumes (m³) and the relative error.
    """
    params = params or FloodParams()
    arrays = _checked_inputs(territory, params)
    forcing = forcing_of(event, climate=climate, duration_s=params.duration_s)
    grid = territory.grid
    shape, dx, area = grid.shape, grid.cell_size, grid.cell_area
    where = f"event {event.name!r}"

    blocked = (arrays["building_index"] >= 0) if params.buildings == "walls" else np.zeros(shape, bool)
    z = arrays["elevation"].astype(np.float64)
    if params.buildings == "terrain":
        z = z + arrays["building_height"]
    n = arrays["manning_n"].astype(np.float64) * params.manning_multiplier
    pattern = np.ones(shape) if rain_pattern is None else np.ascontiguousarray(rain_pattern, dtype=np.float64)
    if pattern.shape != shape or not np.isfinite(pattern).all() or (pattern < 0).any():
        raise ModelInputError(message(where, "rain_pattern", f"finite factors >= 0 of shape {shape}", pattern.shape))
    open_ = ~blocked
    imperv = arrays["imperviousness"].astype(np.float64)
    ks = np.where(open_, arrays["soil_ks"] * (1.0 - imperv), 0.0)
    psi_dtheta = (arrays["soil_psi"] * arrays["soil_delta_theta"]).astype(np.float64)
    cn = arrays["curve_number"].astype(np.float64)
    cn_s = np.where(open_ & (cn < 100), (25.4 / np.maximum(cn, 1.0) - 0.254), 0.0)  # S = 25400/CN − 254 mm, in m
    drain_rate = np.where(open_, _drain_rate(params, imperv), 0.0)
    retention = arrays["retention_depth"].astype(np.float64)
    infil_mode = {"green_ampt": k.GA_GREEN_AMPT, "scs_cn": k.GA_SCS_CN, "none": k.GA_NONE}[params.infiltration]

    modes = np.array([EDGE_MODES[params.edges.get(e, "free")] for e in EDGES], dtype=np.int64)
    stages = np.zeros(4)
    in_rows = in_cols = None
    if forcing.inflow_m3_s is not None:
        in_rows, in_cols, edge = inflow_cells(territory, forcing.inflow_location, open_cells=open_, where=where)
        if edge:
            modes[EDGES.index(edge)] = k.EDGE_CLOSED  # what comes in must not leave by the same edge
    stage_functions = {}
    for edge, level in (edge_stage or {}).items():
        if edge not in EDGES:
            raise ModelInputError(message(where, "edge_stage", f"keyed by {list(EDGES)}", edge))
        modes[EDGES.index(edge)] = k.EDGE_STAGE
        stage_functions[EDGES.index(edge)] = level
    if forcing.downstream_level_m is not None:
        ends = river_ends(territory)
        edge = nearest_edge(grid, *ends[1]) if ends else "east"
        modes[EDGES.index(edge)] = k.EDGE_STAGE
        stages[EDGES.index(edge)] = forcing.downstream_level_m

    # roofs: where the rain that falls on a building goes (the nearest open cell)
    roof_rows, roof_cols = np.nonzero(blocked)
    if roof_rows.size and open_.any():
        _, (tr, tc) = ndimage.distance_transform_edt(blocked, return_indices=True)
        target_rows, target_cols = tr[roof_rows, roof_cols], tc[roof_rows, roof_cols]
    else:
        target_rows = target_cols = roof_rows

    ft = np.dtype(params.precision)  # the state's type; the volumes below are float64 whatever it is
    h = np.zeros(shape, ft)
    if initial_depth is not None:
        h0 = np.asarray(initial_depth, dtype=np.float64)
        if h0.shape != shape or not np.isfinite(h0).all() or (h0 < 0).any():
            raise ModelInputError(message(where, "initial_depth", f"finite depths >= 0 m of shape {shape}", h0.shape))
        h = np.where(blocked, 0.0, h0).astype(ft)
    initial = float(h.sum(dtype=np.float64) * area)  # the water as stored (rounded to float32 if it is)
    z, n, pattern, ks, psi_dtheta, cn_s, drain_rate, retention = (
        np.ascontiguousarray(a, dtype=ft) for a in (z, n, pattern, ks, psi_dtheta, cn_s, drain_rate, retention)
    )
    store = np.zeros(shape, ft)
    loss = np.zeros(shape, ft)
    qx, qx_new = np.zeros((shape[0], shape[1] + 1), ft), np.zeros((shape[0], shape[1] + 1), ft)
    qy, qy_new = np.zeros((shape[0] + 1, shape[1]), ft), np.zeros((shape[0] + 1, shape[1]), ft)
    factor = np.ones(shape, ft)
    m = _Maxima.empty(shape, ft)
    row_infil, row_drain, row_clip, row_hmax = (np.zeros(shape[0]) for _ in range(4))
    row_speed_x, row_speed_y = np.zeros(shape[0]), np.zeros(shape[0] + 1)
    row_limited = np.zeros(shape[0], dtype=np.int8)
    lo, hi, full = _active_ranges(h, modes, in_rows, in_cols)
    first, last = np.zeros(shape[0], np.int64), np.zeros(shape[0], np.int64)

    gauges = {name: cell_of(grid, *xy, where=f"flood params: gauges.{name}") for name, xy in params.gauges.items()}
    series = _Series([], [], [], {name: [] for name in gauges})
    volumes = dict.fromkeys(("rain", "inflow", "edge_out", "edge_in"), 0.0)
    pattern_sum = float(pattern.sum(dtype=np.float64))  # of the factors as the kernels read them
    # what continuity can skip in this run (each flag is exact: the skipped terms are zero)
    uniform_rain = bool((pattern == 1.0).all())
    has_retention = bool((retention[open_] > 0.0).any())
    has_drainage = bool((drain_rate > 0.0).any())
    t, steps, h_max, rain_total = 0.0, 0, float(h.max()), 0.0  # the first step sees the initial water
    next_frame, next_report, next_velocity = 0.0, 0.0, 0.0
    next_gauge = 0.0 if gauges else math.inf
    started = time.perf_counter()
    while t < forcing.duration_s - 1e-9:
        if t >= next_frame - 1e-9:
            series.frame(t, h)
            next_frame += params.frame_interval_s
        if t >= next_gauge - 1e-9:
            series.read_gauges(t, h, gauges)
            next_gauge += params.gauge_interval_s
        speed = max(math.sqrt(G * h_max), float(row_speed_x.max()), float(row_speed_y.max()))
        dt = min(params.dt_max_s, params.alpha * dx / speed) if speed > 0.0 else params.dt_max_s
        if dt < params.dt_min_s:
            raise SimulationError(
                message(
                    where,
                    "time step",
                    f">= {params.dt_min_s} s",
                    f"{dt:.3g} s at t = {t:.1f} s (max depth {h_max:.2f} m)",
                )
            )
        dt = min(dt, forcing.duration_s - t, next_frame - t, next_gauge - t)  # land exactly on output times
        for e, level in stage_functions.items():
            stages[e] = level(t + dt)
        rain_depth = forcing.rain_depth(t, t + dt)
        if rain_depth > 0.0 and not full:  # rain can wet any cell: sweep the whole grid from now on
            lo[:], hi[:], full = 0, shape[1], True
        if rain_depth > 0.0 and roof_rows.size:
            k.route_roofs(roof_rows, roof_cols, target_rows, target_cols, rain_depth, pattern, retention, store, h)
        if in_rows is not None:
            v_in = forcing.inflow_volume(t, t + dt)
            k.add_depth(in_rows, in_cols, v_in / (area * in_rows.size), h)
            volumes["inflow"] += v_in
        volumes["rain"] += rain_depth * pattern_sum * area
        k.update_qx(h, z, n, blocked, qx, qy, qx_new, row_speed_x, lo, hi, dt, dx, G, params.theta, params.h_min_m)
        k.update_qy(h, z, n, blocked, qy, qx, qy_new, row_speed_y, lo, hi, dt, dx, G, params.theta, params.h_min_m)
        k.update_edges(
            h,
            z,
            n,
            blocked,
            qx,
            qy,
            qx_new,
            qy_new,
            modes,
            stages,
            params.free_outflow_slope,
            dt,
            dx,
            G,
            params.h_min_m,
        )
        k.outflow_factor(h, qx_new, qy_new, factor, row_limited, lo, hi, dt, dx)
        if row_limited.any():
            k.limit_faces(qx_new, qy_new, factor, row_limited, lo, hi)
        out, inn = k.edge_volumes(qx_new, qy_new, dt, dx)
        volumes["edge_out"] += out
        volumes["edge_in"] += inn
        k.continuity(
            h,
            qx_new,
            qy_new,
            blocked,
            rain_depth,
            pattern,
            retention,
            store,
            ks,
            psi_dtheta,
            cn_s,
            loss,
            rain_total,
            drain_rate,
            infil_mode,
            t,
            dt,
            dx,
            params.wet_threshold_m,
            params.deep_threshold_m,
            m.depth,
            m.time_of_depth,
            m.arrival,
            m.deep_time,
            row_infil,
            row_drain,
            row_clip,
            row_hmax,
            lo,
            hi,
            uniform_rain,
            has_retention,
            has_drainage,
        )
        if t + dt >= next_velocity - 1e-9:
            k.velocity_maxima(
                h, z, qx_new, qy_new, blocked, lo, hi, params.wet_threshold_m, params.h_min_m, m.speed, m.depth_speed
            )
            next_velocity += params.velocity_interval_s
        if not full:
            full = k.grow_active(h, lo, hi, first, last)
        rain_total += rain_depth
        qx, qx_new = qx_new, qx
        qy, qy_new = qy_new, qy
        h_max = float(row_hmax.max())
        if not math.isfinite(h_max):
            raise SimulationError(message(where, "depths", "finite", f"NaN at t = {t:.1f} s"))
        t += dt
        steps += 1
        if progress is not None and t >= next_report:
            progress(t, forcing.duration_s)
            next_report += forcing.duration_s / 50.0
    series.frame(t, h)
    if gauges and series.gauge_times[-1] < t - 1e-9:
        series.read_gauges(t, h, gauges)

    wall = time.perf_counter() - started
    stored = float(h.sum(dtype=np.float64) * area + store.sum(dtype=np.float64) * area)
    balance = {
        "initial_m3": initial,
        "rain_m3": volumes["rain"],
        "inflow_m3": volumes["inflow"],
        "edge_inflow_m3": volumes["edge_in"],
        "infiltration_m3": float(row_infil.sum() * area),
        "drainage_m3": float(row_drain.sum() * area),
        "outflow_m3": volumes["edge_out"],
        "clipped_m3": float(row_clip.sum() * area),
        "stored_m3": stored,
    }
    gained = (
        balance["initial_m3"]
        + balance["rain_m3"]
        + balance["inflow_m3"]
        + balance["edge_inflow_m3"]
        + balance["clipped_m3"]
    )
    lost = balance["infiltration_m3"] + balance["drainage_m3"] + balance["outflow_m3"]
    balance["error_m3"] = stored - (gained - lost)
    balance["relative_error"] = abs(balance["error_m3"]) / max(gained, 1e-12)
    run = {
        "max_abs_q_end_m2_s": float(max(np.abs(qx).max(), np.abs(qy).max())),
        "steps": steps,
        "wall_s": round(wall, 3),
        "cell_updates_per_s": steps * h.size / max(wall, 1e-9),
        "duration_s": t,
    }
    return _wrap(territory, params, event, h, m, series, balance, run, blocked)


def _active_ranges(h, modes, in_rows, in_cols) -> tuple[np.ndarray, np.ndarray, bool]:
    """The columns ``[lo, hi)`` of each row that the first step can change, and whether they are all full.

    The cells that hold water, receive an inflow or lie on a stage edge (a held level can flood a dry edge
    cell), with their four neighbours; ``grow_active`` widens the ranges as the water spreads. With
    ``_SKIP_DRY`` off every range is the whole row.
    """
    ny, nx = h.shape
    if not _SKIP_DRY:
        return np.zeros(ny, np.int64), np.full(ny, nx, np.int64), True
    live = h > 0
    if in_rows is not None:
        live[in_rows, in_cols] = True
    sides = {
        "west": (slice(None), 0),
        "east": (slice(None), nx - 1),
        "north": (0, slice(None)),
        "south": (-1, slice(None)),
    }
    for e, edge in enumerate(EDGES):
        if modes[e] == k.EDGE_STAGE:
            live[sides[edge]] = True
    live = ndimage.binary_dilation(live)  # the cross of the four neighbours
    rows = live.any(axis=1)
    lo = np.where(rows, live.argmax(axis=1), nx).astype(np.int64)
    hi = np.where(rows, nx - live[:, ::-1].argmax(axis=1), 0).astype(np.int64)
    return lo, hi, bool(live.all())


def _wrap(territory, params, event, h, m: _Maxima, series: _Series, balance, run, blocked) -> xr.Dataset:
    """The results as a dataset on the territory's grid, with units and the territory's CRS."""
    grid = territory.grid
    land_use = debris_land_use(territory["land_cover"], territory.landcover)
    hr = hazard_rating(m.depth, m.speed, land_use)
    never = m.arrival < 0
    layers = {
        "max_depth": (m.depth, "m", "maximum water depth"),
        "max_velocity": (m.speed, "m s-1", f"maximum speed where deeper than {params.wet_threshold_m} m"),
        "max_depth_velocity": (m.depth_speed, "m2 s-1", "maximum depth x speed"),
        "arrival_time": (np.where(never, np.nan, m.arrival), "s", f"first time deeper than {params.wet_threshold_m} m"),
        "time_of_max_depth": (np.where(m.depth > 0, m.time_of_depth, np.nan), "s", "time of the maximum depth"),
        "duration_deep": (m.deep_time, "s", f"time spent deeper than {params.deep_threshold_m} m"),
        "hazard_rating": (hr, "1", "UK FD2320 hazard rating d(v + 0.5) + DF, from the maxima"),
        "ppri_class": (
            ppri_class(m.depth, m.speed, wet_m=params.wet_threshold_m),
            "1",
            "French PPRI class: 0 none, 1 low, 2 medium, 3 high",
        ),
        "final_depth": (h, "m", "water depth at the end of the run"),
        "blocked": (blocked.astype(np.uint8), "1", "1 where buildings block the flow"),
    }
    ds = xr.Dataset(coords={"y": ("y", grid.y, {"units": "m"}), "x": ("x", grid.x, {"units": "m"})})
    for name, (values, units, doc) in layers.items():
        values = np.asarray(values)
        ds[name] = (
            ("y", "x"),
            values.astype(np.float32) if values.dtype.kind == "f" else values,
            {"units": units, "long_name": doc},
        )
    ds["depth"] = (("time", "y", "x"), np.stack(series.frames), {"units": "m", "long_name": "water depth (frames)"})
    ds = ds.assign_coords(
        time=("time", np.asarray(series.frame_times), {"units": "s", "long_name": "time since start"})
    )
    if series.gauges:
        ds = ds.assign_coords(gauge_time=("gauge_time", np.asarray(series.gauge_times), {"units": "s"}))
        for name, values in series.gauges.items():
            ds[f"gauge_{name}"] = ("gauge_time", np.asarray(values), {"units": "m", "long_name": f"depth at {name}"})
    ds = ds.rio.write_crs(grid.crs).rio.write_transform(grid.transform)
    ds.attrs.update(
        {
            "event": event.name,
            "engine": "twin.flood local-inertial",
            "mass_balance": json.dumps(balance),
            "run": json.dumps(run),
            "params": json.dumps(params.model_dump(mode="json")),
        }
    )
    return ds


def mass_balance(ds: xr.Dataset) -> dict[str, float]:
    """The volumes (m³) and relative error of a flood result (stored as JSON so NetCDF keeps them)."""
    return json.loads(ds.attrs["mass_balance"])
