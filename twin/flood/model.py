"""The flood engine: ``simulate(territory, event) -> xr.Dataset``.

Local-inertial shallow water (Bates et al. 2010; de Almeida et al. 2012) on the
territory grid, with rain, green-roof retention, Green-Ampt or SCS-CN
infiltration, sewer drainage, inflow hydrographs and closed, free or stage
edges. This module validates the inputs, converts units, runs the kernels of
``twin.flood._kernels`` in a readable time loop and wraps the results with
coordinates, CRS and units. The mass balance is tracked as the run goes and
returned in the dataset's attributes.

Cells outside the territory's ``domain`` are inactive: blocked like the walls of buildings (no flow through their
faces, no water on them), they get no rain (none is counted in the balance) and send none down as roofs do.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field
from scipy import ndimage

from ..errors import ModelInputError, SimulationError, message
from ..specs import dataset
from . import _kernels as k
from .boundaries import EDGE_MODES, EDGES, cell_of, inflow_cells, nearest_edge, river_ends
from .forcing import Forcing, InflowForcing, forcing_of
from .frames import FrameFile
from .hazard import debris_land_use, hazard_rating, ppri_class
from .outputs import OUTPUTS
from .rainfall import montana_for, read_montana_table
from .start import initial_water, load_state, save_state

log = logging.getLogger(__name__)
G = 9.80665  # standard gravity, m/s²
# Private switch: True lets the kernels skip the cells that cannot change (dry, with dry neighbours) while no
# rain falls; False sweeps the whole grid every step. The results are the same bit for bit (tests/test_flood.py).
_SKIP_DRY = True
# Sewer intake on sealed ground without the territory's rainfall statistics nor drainage_mm_per_h, mm/h: the
# national average drainage rate of urban areas in the Environment Agency's Risk of Flooding from Surface Water
# map for England (EA 2013, "What is the Risk of Flooding from Surface Water map?").
DEFAULT_DRAINAGE_MM_PER_H = 12.0
VOLUMES = ("rain", "inflow", "edge_out", "edge_in")  # the volumes the loop sums as it goes, m³
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
    "domain",
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
        description="return period the sewers are designed for; their intake on sealed ground is the Montana "
        "intensity of that storm over sewer_duration_min from the territory's rainfall statistics (`rainfall` in "
        "its file), or 12 mm/h without them (the Environment Agency's national urban drainage rate); None: no "
        "drainage",
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
        "still accumulated in float64 (relative error below 1e-5 in float32, 1e-9 in float64), and a float32 "
        "depth keeps what rounding leaves out of it in a per-cell residual",
    )


@dataclass
class _Series:
    """Depth frames (streamed to a file, :mod:`twin.flood.frames`) and gauge readings (a few numbers each, kept in
    memory), with their times (s)."""

    frame_times: list[float]
    frames: FrameFile
    gauge_times: list[float]
    gauges: dict[str, list[float]]

    def frame(self, t: float, h: np.ndarray, before: np.ndarray | None = None, w: float = 0.0) -> None:
        """Take the frame of time ``t``: the depths ``h``, or ``before + w·(h − before)`` within a step."""
        self.frame_times.append(t)
        self.frames.add(h, before, w)

    def read_gauges(self, t: float, h: np.ndarray, cells: dict[str, tuple[int, int]]) -> None:
        self.add_gauges(t, self.gauge_values(h, cells))

    @staticmethod
    def gauge_values(h: np.ndarray, cells: dict[str, tuple[int, int]]) -> dict[str, float]:
        return {name: float(h[r, c]) for name, (r, c) in cells.items()}

    def add_gauges(self, t: float, values: dict[str, float]) -> None:
        self.gauge_times.append(t)
        for name, value in values.items():
            self.gauges[name].append(value)


@dataclass
class _Cells:
    """The state and the fields of the cells, in the state's precision: depth ``h`` (m, updated in place), bed
    ``z`` (m), Manning's n, blocked cells, rain factors, green-roof retention and store (m), and what rounding to
    float32 left out of ``h`` (m; empty in float64, see ``_kernels.continuity``)."""

    h: np.ndarray
    z: np.ndarray
    n: np.ndarray
    blocked: np.ndarray
    pattern: np.ndarray
    retention: np.ndarray
    store: np.ndarray
    uniform_rain: bool  # pattern is 1 everywhere: the kernels do not read it (it is empty)
    has_retention: bool  # some open cell holds rain (retention and store are empty when no cell does)
    roof_retention: bool  # some roof does
    residual: np.ndarray  # float32: the depth is h + residual; float64: empty
    outside: np.ndarray | None = None  # the cells outside the domain (no rain there); None: there are none


@dataclass
class _Soil:
    """Infiltration and sewer intake per cell: Green-Ampt Ks (m/s) on the unsealed share, ψ·Δθ (m), SCS S (m), the
    cumulative loss (m, updated in place) and the sewer intake (m/s)."""

    infil_mode: int
    ks: np.ndarray
    psi_dtheta: np.ndarray
    cn_s: np.ndarray
    loss: np.ndarray
    drain_rate: np.ndarray
    has_drainage: bool


@dataclass
class _Maxima:
    """What the kernels keep per cell over a run, updated in place: depth (m) and its time (s), arrival time
    (s, -1 until wet), time spent deep (s), speed (m/s) and depth x speed (m²/s)."""

    depth: np.ndarray
    time_of_depth: np.ndarray
    arrival: np.ndarray
    deep_time: np.ndarray
    speed: np.ndarray
    depth_speed: np.ndarray


@dataclass
class _Faces:
    """Unit discharges (m²/s) through the faces, old and new (swapped each step), the outflow limiter's factors
    and each row's largest face celerity and rationing flag."""

    qx: np.ndarray
    qy: np.ndarray
    qx_new: np.ndarray
    qy_new: np.ndarray
    factor: np.ndarray
    row_speed_x: np.ndarray
    row_speed_y: np.ndarray
    row_limited: np.ndarray

    def swap(self) -> None:
        self.qx, self.qx_new = self.qx_new, self.qx
        self.qy, self.qy_new = self.qy_new, self.qy


@dataclass
class _Run:
    """A flood run as it goes: the state the kernels update in place, the forcing, the boundaries and the
    bookkeeping of the loop (time, steps, volumes in float64, outputs)."""

    params: FloodParams
    forcing: Forcing
    where: str
    dx: float
    area: float
    cells: _Cells
    soil: _Soil
    faces: _Faces
    maxima: _Maxima
    modes: np.ndarray
    stages: np.ndarray
    stage_functions: dict[int, Callable[[float], float]]
    inflows: list[tuple[InflowForcing, np.ndarray, np.ndarray]]  # each inflow (in m³/s) and its cells' rows, columns
    roofs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # roof rows, columns, their targets'
    gauges: dict[str, tuple[int, int]]
    series: _Series
    initial: float  # the water at the start, m³
    pattern_sum: float
    rain_concentration: float  # the largest factor on the rain rate of one open cell (its pattern, roofs sent to it)
    lo: np.ndarray  # the active columns [lo[i], hi[i]) of each row (see _kernels)
    hi: np.ndarray
    full: bool
    rows: dict[str, np.ndarray] = field(default_factory=dict)  # per-row infiltration, drainage, clipping, max depth
    volumes: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VOLUMES, 0.0))
    inflow_volumes: dict[str, float] = field(default_factory=dict)  # m³ brought in by each inflow, by name
    t: float = 0.0
    steps: int = 0
    h_max: float = 0.0
    rain_total: float = 0.0
    next_velocity: float = 0.0  # when the velocity maxima are next updated, s


def _checked_inputs(territory, params: FloodParams) -> dict[str, np.ndarray]:
    """The inputs, checked inside the domain; outside it (inactive, closed) what is not finite is made 0."""
    arrays = {}
    inside = np.ascontiguousarray(territory["domain"], dtype=bool)
    whole = bool(inside.all())
    for name in INPUTS:
        values = np.ascontiguousarray(territory[name])
        if values.dtype.kind == "f" and not whole:
            values = np.where(inside | np.isfinite(values), values, values.dtype.type(0.0))
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            bad = int((~np.isfinite(values)).sum())
            raise ModelInputError(message(f"flood input {name!r}", "values", "finite", f"{bad} NaN/inf cells"))
        arrays[name] = values
    n = arrays["manning_n"]
    if (n[inside] <= 0).any() if not whole else (n <= 0).any():
        raise ModelInputError(message("flood input 'manning_n'", "values", "> 0 s m-1/3", round(float(n.min()), 6)))
    return arrays


def _drain_rate(params: FloodParams, imperviousness: np.ndarray, statistics) -> np.ndarray:
    """Sewer intake per cell, m/s: the design intensity on the sealed share of each cell.

    The intensity is ``drainage_mm_per_h`` when set; else that of the design storm of the territory's own rainfall
    statistics (its Montana table); else :data:`DEFAULT_DRAINAGE_MM_PER_H`.
    """
    if params.drainage_mm_per_h is not None:
        rate = params.drainage_mm_per_h
    elif params.sewer_return_period_years is None:
        rate = 0.0
    elif statistics is None:
        rate = DEFAULT_DRAINAGE_MM_PER_H
        log.info("no rainfall statistics in the territory: sewer intake %g mm/h on sealed ground", rate)
    else:
        a, b = montana_for(
            read_montana_table(statistics),
            where=f"flood params: sewer design storm ({statistics})",
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
    save_state_to: str | Path | None = None,
    save_state_at_s: float | None = None,
) -> xr.Dataset:
    """Run a flood event on a territory.

    The run goes in four stages: ``_prepare`` (inputs checked, the state and the boundaries set up),
    ``_advance`` (the time loop, one ``_step`` at a time), ``_balance`` (the volumes) and ``_wrap`` (the outputs
    the engine declares).

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
    save_state_to : path, optional
        Write the run's whole state there (:mod:`twin.flood.start`), for another run to continue from it (an
        event's ``restart_file``): at the end of the first step ending at or after ``save_state_at_s`` (s), or at
        the end of the run.

    Returns
    -------
    xarray.Dataset
        The outputs of :data:`twin.flood.outputs.OUTPUTS`: max depth (m), max velocity (m/s), max d·v (m²/s),
        arrival time, time of max and duration above ``deep_threshold_m`` (s), hazard rating, PPRI class, final
        depth, depth frames and gauge series; ``attrs["mass_balance"]`` holds the volumes (m³) and the relative
        error.

    Raises
    ------
    ModelInputError
        Non-finite inputs, Manning's n <= 0, a rain pattern or initial depth of the wrong shape, an edge stage on
        an unknown edge, or a river inflow off the grid or on buildings only.
    SimulationError
        The time step fell below ``dt_min_s``, or the depths stopped being finite.
    twin.errors.ScenarioError
        A rain series, hydrograph or Montana file that cannot be used, or no Montana coefficients for the storm.
    """
    params = params or FloodParams()
    if initial_depth is None:
        initial_depth = initial_water(territory, event, where=f"event {event.name!r}")
    run = _prepare(territory, event, params, climate, rain_pattern, initial_depth, edge_stage)
    started = time.perf_counter()
    warm_steps = 0
    try:
        if getattr(event, "warm_start", None) is not None:
            warm_steps = _warm_up(run, event.warm_start)
        if getattr(event, "restart_file", None) is not None:
            _restore(run, event.restart_file)
        save = (Path(save_state_to), save_state_at_s) if save_state_to is not None else None
        _advance(run, progress, save)
    except BaseException:
        run.series.frames.discard()  # the frames written so far
        raise
    wall = time.perf_counter() - started
    h = run.cells.h
    facts = {
        "max_abs_q_end_m2_s": float(max(np.abs(run.faces.qx).max(), np.abs(run.faces.qy).max())),
        "steps": run.steps,
        "wall_s": round(wall, 3),
        "cell_updates_per_s": run.steps * h.size / max(wall, 1e-9),
        "duration_s": run.t,
        "warm_start_steps": warm_steps,
    }
    balance = _balance(run)
    _let_go(run)
    log.debug("%s: %d steps in %.2f s, %.3g cell-updates/s, relative mass error %.1e", event.name, run.steps, wall,
              facts["cell_updates_per_s"], balance["relative_error"])  # fmt: skip
    return _wrap(territory, event, run, balance, facts)


# ---------------------------------------------------------------- prepare: inputs, state, boundaries


def _prepare(territory, event, params: FloodParams, climate, rain_pattern, initial_depth, edge_stage) -> _Run:
    """Check the inputs and build the run's state: fields in the state's precision, soil, boundaries, roofs."""
    arrays = _checked_inputs(territory, params)
    grid = territory.grid
    forcing = forcing_of(event, climate=climate, duration_s=params.duration_s, statistics=territory.rainfall_statistics,
                         grid=grid)  # fmt: skip
    shape, ny, nx = grid.shape, grid.shape[0], grid.shape[1]
    where = f"event {event.name!r}"
    ft = np.dtype(params.precision)  # the state's type; the volumes are float64 whatever it is

    walls = (arrays["building_index"] >= 0) if params.buildings == "walls" else np.zeros(shape, bool)
    inside = arrays["domain"]
    outside = None if inside.all() else ~inside
    blocked = walls if outside is None else walls | outside  # the domain's edge is a wall too
    open_ = ~blocked
    roofs = _roofs(blocked, open_, walls if outside is None else walls & inside)
    # The territory's own arrays where the state's type is theirs (the kernels never write them): no copies.
    z = arrays["elevation"]
    if params.buildings == "terrain":
        z = z.astype(np.float64) + arrays["building_height"]
    n = arrays["manning_n"]
    if params.manning_multiplier != 1.0:
        n = n.astype(np.float64) * params.manning_multiplier
    if forcing.rain_field is not None and (rain_pattern is not None or params.infiltration == "scs_cn"):
        raise ModelInputError(message(where, "rain", "zonal or gridded rain without a rain_pattern nor SCS-CN "
                                      "infiltration (which reads each cell's rain from one series)",
                                      f"infiltration {params.infiltration!r}, rain_pattern {rain_pattern is not None}"))
    if rain_pattern is not None:
        rain_pattern = np.ascontiguousarray(rain_pattern, dtype=np.float64)
        if rain_pattern.shape != shape or not np.isfinite(rain_pattern).all() or (rain_pattern < 0).any():
            raise ModelInputError(message(where, "rain_pattern", f"finite factors >= 0 of shape {shape}",
                                          rain_pattern.shape))  # fmt: skip
    uniform = forcing.rain_field is None and (rain_pattern is None or bool((rain_pattern == 1.0).all()))
    if uniform:  # the kernels do not read it; no rain is counted outside the domain
        pattern, pattern_sum = _unused(ny, ft), float(ny * nx if outside is None else inside.sum())
    else:  # a field writes its step's rain in it
        pattern = np.ones(shape, ft) if rain_pattern is None else np.ascontiguousarray(rain_pattern, dtype=ft)
        if outside is not None:
            pattern = np.where(outside, ft.type(0.0), pattern)
        pattern_sum = float(pattern.sum(dtype=np.float64))  # of the factors as the kernels read them
    retention = arrays["retention_depth"]
    held = bool((retention > 0.0).any())  # green roofs or ground that holds rain: else retention is never read
    h = _initial_water(initial_depth, blocked, ft, where, outside)
    initial = float(h.sum(dtype=np.float64) * grid.cell_area)  # the water as stored (rounded to float32 if it is)
    z, n = np.ascontiguousarray(z, dtype=ft), np.ascontiguousarray(n, dtype=ft)
    if held:
        retention, store = np.ascontiguousarray(retention, dtype=ft), np.zeros(shape, ft)
    else:
        retention = store = _unused(ny, ft)
    cells = _Cells(h, z, n, blocked, pattern, retention, store, uniform, held and bool((retention[open_] > 0.0).any()),
                   held and bool((retention[roofs[0], roofs[1]] > 0.0).any()),
                   np.zeros(shape, ft) if ft == np.float32 else _unused(ny, ft), outside)  # fmt: skip
    modes, stages, stage_functions, inflows = _boundaries(territory, forcing, params, edge_stage, open_, where)
    in_cells = [np.concatenate(c) for c in zip(*[(rows, cols) for _, rows, cols in inflows], strict=True)] or None
    lo, hi, full = _active_ranges(h, modes, *(in_cells or (None, None)))
    zeros = lambda: np.zeros(shape, ft)  # noqa: E731
    faces = _Faces(
        np.zeros((ny, nx + 1), ft), np.zeros((ny + 1, nx), ft), np.zeros((ny, nx + 1), ft), np.zeros((ny + 1, nx), ft),
        np.ones(shape, ft), np.zeros(ny), np.zeros(ny + 1), np.zeros(ny, dtype=np.int8),
    )  # fmt: skip
    return _Run(
        params=params, forcing=forcing, where=where, dx=grid.cell_size, area=grid.cell_area, cells=cells,
        soil=_soil(arrays, params, open_, ft, territory.rainfall_statistics), faces=faces,
        maxima=_Maxima(zeros(), zeros(), np.full(shape, -1.0, ft), zeros(), zeros(), zeros()),
        modes=modes, stages=stages, stage_functions=stage_functions, inflows=inflows, roofs=roofs,
        gauges={name: cell_of(grid, *xy, where=f"flood params: gauges.{name}") for name, xy in params.gauges.items()},
        series=_Series([], FrameFile(shape), [], {name: [] for name in params.gauges}), initial=initial,
        pattern_sum=pattern_sum, rain_concentration=_rain_concentration(pattern, blocked, roofs),
        lo=lo, hi=hi, full=full, rows={name: np.zeros(ny) for name in ("infil", "drain", "clip", "hmax")}
        | {"first": np.zeros(ny, np.int64), "last": np.zeros(ny, np.int64)},  # grow_active's scratch
        h_max=float(h.max()),  # the first step sees the initial water
        inflow_volumes={inflow.name: 0.0 for inflow, _, _ in inflows},
    )  # fmt: skip


def _initial_water(initial_depth, blocked: np.ndarray, ft, where: str, outside=None) -> np.ndarray:
    """The depths at the start in the state's type (dry by default); none on blocked cells nor outside the domain
    (whatever the depths say there, NaN included)."""
    if initial_depth is None:
        return np.zeros(blocked.shape, ft)
    h0 = np.asarray(initial_depth, dtype=np.float64)
    if outside is not None and h0.shape == blocked.shape:
        h0 = np.where(outside, 0.0, h0)
    if h0.shape != blocked.shape or not np.isfinite(h0).all() or (h0 < 0).any():
        raise ModelInputError(
            message(where, "initial_depth", f"finite depths >= 0 m of shape {blocked.shape}", h0.shape)
        )
    return np.where(blocked, 0.0, h0).astype(ft)


def _soil(arrays: dict[str, np.ndarray], params: FloodParams, open_: np.ndarray, ft, statistics) -> _Soil:
    """Infiltration (Green-Ampt on the unsealed share, or SCS-CN) and sewer intake, per cell; only the arrays the
    run's processes read are made (the others are empty)."""
    ny, infil = open_.shape[0], params.infiltration
    ks = psi_dtheta = cn_s = loss = drain = _unused(ny, ft)
    imperv = arrays["imperviousness"].astype(np.float64)
    if infil == "green_ampt":
        ks = np.where(open_, arrays["soil_ks"] * (1.0 - imperv), 0.0).astype(ft)
        psi_dtheta = (arrays["soil_psi"] * arrays["soil_delta_theta"]).astype(np.float64).astype(ft)
    elif infil == "scs_cn":
        cn = arrays["curve_number"].astype(np.float64)
        s = np.where(open_ & (cn < 100), (25.4 / np.maximum(cn, 1.0) - 0.254), 0.0)  # S = 25400/CN − 254 mm, in m
        cn_s = s.astype(ft)
    if infil != "none":
        loss = np.zeros(open_.shape, ft)
    rate = np.where(open_, _drain_rate(params, imperv, statistics), 0.0).astype(ft)
    has_drainage = bool((rate > 0.0).any())
    if has_drainage:
        drain = rate
    infil_mode = {"green_ampt": k.GA_GREEN_AMPT, "scs_cn": k.GA_SCS_CN, "none": k.GA_NONE}[infil]
    return _Soil(infil_mode, ks, psi_dtheta, cn_s, loss, drain, has_drainage)


def _unused(rows: int, ft) -> np.ndarray:
    """An empty stand-in, (rows, 0), for a per-cell array the run's flags say the kernels never read."""
    return np.zeros((rows, 0), ft)


def _boundaries(territory, forcing: Forcing, params: FloodParams, edge_stage, open_, where: str):
    """Edge modes and stages, stage functions by edge, and each inflow (in m³/s) with its cells (rows, columns)."""
    grid = territory.grid
    modes = np.array([EDGE_MODES[params.edges.get(e, "free")] for e in EDGES], dtype=np.int64)
    stages = np.zeros(4)
    inflows = []
    for inflow in forcing.inflows:
        rows, cols, edge = inflow_cells(
            territory, inflow.location, open_cells=open_, where=f"{where} inflow {inflow.name!r}",
            segment=inflow.segment_m, radius_m=inflow.radius_m, area_file=inflow.area_file,
        )  # fmt: skip
        inflows.append((inflow.over_width(rows.size * grid.cell_size), rows, cols))  # m²/s over the cells' width
        if edge:
            modes[EDGES.index(edge)] = k.EDGE_CLOSED  # what comes in must not leave by the same edge
    stage_functions = {}
    for edge, level in (edge_stage or {}).items():
        if edge not in EDGES:
            raise ModelInputError(message(where, "edge_stage", f"keyed by {list(EDGES)}", edge))
        modes[EDGES.index(edge)] = k.EDGE_STAGE
        stage_functions[EDGES.index(edge)] = level
    if forcing.downstream_level_m is not None or forcing.downstream_levels is not None:
        ends = river_ends(territory)
        edge = EDGES.index(nearest_edge(grid, *ends[1]) if ends else "east")
        modes[edge] = k.EDGE_STAGE
        if forcing.downstream_levels is not None:
            stage_functions[edge] = forcing.downstream_levels.at
            stages[edge] = forcing.downstream_levels.at(0.0)
        else:
            stages[edge] = forcing.downstream_level_m
    return modes, stages, stage_functions, inflows


def _rain_concentration(pattern: np.ndarray, blocked: np.ndarray, roofs) -> float:
    """The largest rain factor of an open cell: its own pattern plus that of the roof cells sent down to it (with
    an empty pattern, uniform rain: 1 plus the number of roofs sent to it)."""
    rows, cols, to_rows, to_cols = roofs
    if pattern.size == 0:
        own = 1.0 if not blocked.all() else 0.0
        if not rows.size:
            return own
        targets, counts = np.unique(np.ravel_multi_index((to_rows, to_cols), blocked.shape), return_counts=True)
        return float(max(own, ((~blocked.ravel()[targets]) + counts).max()))
    factor = np.where(blocked, 0.0, pattern).astype(np.float64)
    if rows.size:
        np.add.at(factor, (to_rows, to_cols), pattern[rows, cols].astype(np.float64))
    return float(factor.max()) if factor.size else 0.0


def _roofs(blocked: np.ndarray, open_: np.ndarray, walls: np.ndarray):
    """Where the rain that falls on a building (``walls``: inside the domain) goes: the nearest open cell (rows,
    columns of roofs and targets)."""
    roof_rows, roof_cols = np.nonzero(walls)
    if roof_rows.size and open_.any():
        tr, tc = ndimage.distance_transform_edt(blocked, return_distances=False, return_indices=True)
        return roof_rows, roof_cols, tr[roof_rows, roof_cols], tc[roof_rows, roof_cols]
    return roof_rows, roof_cols, roof_rows, roof_cols


# ---------------------------------------------------------------- advance: the time loop


def _advance(run: _Run, progress, save: tuple[Path, float | None] | None = None) -> None:
    """Step until the end of the event, each step as long as the scheme and the sources allow.

    The outputs never shorten a step: a frame or a gauge reading whose time falls inside a step is the linear
    interpolation between the states before and after it, so the maxima and the water do not depend on the
    output intervals. ``save``: where and when to write the run's state (at the end when no time is given).
    """
    params, duration = run.params, run.forcing.duration_s
    h = run.cells.h
    run.series.frame(run.t, h)  # 0, or the time a restarted run continues from
    next_frame = (math.floor(run.t / params.frame_interval_s + 1e-9) + 1) * params.frame_interval_s
    if run.gauges:
        run.series.read_gauges(run.t, h, run.gauges)
    gauge_s = params.gauge_interval_s
    next_gauge = (math.floor(run.t / gauge_s + 1e-9) + 1) * gauge_s if run.gauges else math.inf
    next_report = 0.0
    save_at = save[1] if save is not None and save[1] is not None else math.inf
    while run.t < duration - 1e-9:
        t = run.t
        dt = min(_stable_step(run), _source_step(run), duration - t)
        end = min(t + dt, duration - 1e-9)  # the last frame and reading are taken exactly at the end, below
        before = h.copy() if next_frame <= end else None
        gauges_before = run.series.gauge_values(h, run.gauges) if next_gauge <= end else {}
        _step(run, dt)
        while next_frame <= end:
            w = (next_frame - t) / dt
            run.series.frame(next_frame, h, before, w)
            next_frame += params.frame_interval_s
        while next_gauge <= end:
            w = (next_gauge - t) / dt
            after = run.series.gauge_values(h, run.gauges)
            run.series.add_gauges(next_gauge, {g: v + w * (after[g] - v) for g, v in gauges_before.items()})
            next_gauge += gauge_s
        if run.t >= save_at - 1e-9:
            _save(run, save[0])
            save_at = math.inf
        if progress is not None and run.t >= next_report:
            progress(run.t, duration)
            next_report += duration / 50.0
    if run.series.frame_times[-1] < run.t:
        run.series.frame(run.t, h)
        if run.gauges:
            run.series.read_gauges(run.t, h, run.gauges)
    if save is not None and save[1] is None:
        _save(run, save[0])


def _warm_up(run: _Run, warm) -> int:
    """Run the base flow (each inflow held at its first discharge, the stages at their first level, no rain) until
    the stored water changes by less than ``warm.tolerance_per_h`` of itself per hour, then start the event from
    that state: its clock, volumes and maxima at zero, its initial water the warm state's. Returns the steps."""
    event_forcing, event_inflows, event_stages = run.forcing, run.inflows, run.stage_functions
    run.forcing = replace(event_forcing, rain_start_s=np.zeros(0), rain_rate_m_s=np.zeros(0), rain_field=None,
                          rain_holds=False, duration_s=math.inf)  # fmt: skip
    run.inflows = [(inflow.held(0.0), rows, cols) for inflow, rows, cols in event_inflows]
    first = {e: level(0.0) for e, level in event_stages.items()}
    run.stage_functions = {e: (lambda t, v=v: v) for e, v in first.items()}
    window = warm.window_min * 60.0
    before, change = _stored(run), math.inf
    while change >= warm.tolerance_per_h:
        if run.t >= warm.max_h * 3600.0 - 1e-9:
            raise SimulationError(message(
                run.where, "warm_start", f"a steady base flow within max_h = {warm.max_h:g} h (stored water changing "
                f"by less than {warm.tolerance_per_h:g} of itself per hour)", f"{change:.3g} per hour at the end",
            ))  # fmt: skip
        target = run.t + window
        while run.t < target - 1e-9:
            _step(run, min(_stable_step(run), _source_step(run), target - run.t))
        after = _stored(run)
        change = abs(after - before) / max(after, 1e-12) * 3600.0 / window
        before = after
    steps = run.steps
    run.forcing, run.inflows, run.stage_functions = event_forcing, event_inflows, event_stages
    m = run.maxima
    for array in (m.depth, m.time_of_depth, m.deep_time, m.speed, m.depth_speed):
        array[...] = 0.0
    m.arrival[...] = np.where(run.cells.h >= run.params.wet_threshold_m, 0.0, -1.0)  # wet from the start
    for name in ("infil", "drain", "clip"):
        run.rows[name][...] = 0.0
    run.volumes = dict.fromkeys(VOLUMES, 0.0)
    run.inflow_volumes = dict.fromkeys(run.inflow_volumes, 0.0)
    run.t, run.steps, run.rain_total, run.next_velocity, run.initial = 0.0, 0, 0.0, 0.0, _stored(run)
    log.info("%s: warm start steady after %.2f h (%d steps)", run.where, target / 3600.0, steps)
    return steps


def _stored(run: _Run) -> float:
    """The water on the grid (with the float32 depths' residual) and in the green roofs' stores, m³."""
    c = run.cells
    return float((c.h.sum(dtype=np.float64) + c.residual.sum(dtype=np.float64) + c.store.sum(dtype=np.float64))
                 * run.area)  # fmt: skip


_STATE_ARRAYS = {  # state file name -> (part of the run, attribute)
    "h": ("cells", "h"), "residual": ("cells", "residual"), "store": ("cells", "store"), "qx": ("faces", "qx"),
    "qy": ("faces", "qy"), "row_speed_x": ("faces", "row_speed_x"), "row_speed_y": ("faces", "row_speed_y"),
    "loss": ("soil", "loss"),
    **{f"max_{f}": ("maxima", f) for f in ("depth", "time_of_depth", "arrival", "deep_time", "speed", "depth_speed")},
}  # fmt: skip
_STATE_FIGURES = ("t", "steps", "h_max", "rain_total", "next_velocity", "full", "volumes", "inflow_volumes", "initial")


def _save(run: _Run, path: Path) -> None:
    """Write everything the time loop carries (:mod:`twin.flood.start`)."""
    arrays = {name: getattr(getattr(run, part), attr) for name, (part, attr) in _STATE_ARRAYS.items()}
    arrays |= {f"rows_{k}": v for k, v in run.rows.items()} | {"lo": run.lo, "hi": run.hi}
    figures = {name: getattr(run, name) for name in _STATE_FIGURES}
    save_state(path, arrays, figures | {"shape": list(run.cells.h.shape), "precision": run.params.precision})


def _restore(run: _Run, path) -> None:
    """Continue from a saved state: every array copied in place, every figure set."""
    arrays, figures = load_state(path, shape=run.cells.h.shape, precision=run.params.precision, where=run.where)
    for name, (part, attr) in _STATE_ARRAYS.items():
        np.copyto(getattr(getattr(run, part), attr), arrays[name])
    for key, target in run.rows.items():
        np.copyto(target, arrays[f"rows_{key}"])
    np.copyto(run.lo, arrays["lo"])
    np.copyto(run.hi, arrays["hi"])
    for name in _STATE_FIGURES:
        setattr(run, name, figures[name])


def _stable_step(run: _Run) -> float:
    """The largest step the scheme allows: α·Δx over the fastest wave (gravity or flow), at most ``dt_max_s``."""
    params, faces = run.params, run.faces
    speed = max(math.sqrt(G * run.h_max), float(faces.row_speed_x.max()), float(faces.row_speed_y.max()))
    dt = min(params.dt_max_s, params.alpha * run.dx / speed) if speed > 0.0 else params.dt_max_s
    if dt < params.dt_min_s:
        raise SimulationError(
            message(
                run.where,
                "time step",
                f">= {params.dt_min_s} s",
                f"{dt:.3g} s at t = {run.t:.1f} s (max depth {run.h_max:.2f} m)",
            )
        )
    return dt


def _source_step(run: _Run) -> float:
    """The largest step for the water the sources bring in: the depth ``d = r·Δt`` that rain (with the roofs'
    water sent down to one cell) and the inflows add to a cell in one step must itself meet the wave condition,
    ``Δt·sqrt(g·d) ≤ α·Δx``, so ``Δt ≤ (α·Δx / sqrt(g·r))^(2/3)``. A dry start then ramps up over several steps
    instead of dropping ``dt_max_s`` of inflow at once (a dam break)."""
    t, horizon = run.t, run.params.dt_max_s
    field = run.forcing.rain_field
    rain = run.forcing.rain_rate_max(t, t + horizon) if field is None else field.rate_max(t, t + horizon)
    rate = rain * run.rain_concentration  # m/s on the wettest cell
    rate += max((inflow.rate_max(t, t + horizon) / (run.area * rows.size) for inflow, rows, _ in run.inflows),
                default=0.0)  # fmt: skip
    if rate <= 0.0:
        return math.inf
    return (run.params.alpha * run.dx / math.sqrt(G * rate)) ** (2.0 / 3.0)


def _step(run: _Run, dt: float) -> None:
    """One step: sources in, momentum at every face, edges, the outflow limiter, continuity, the maxima."""
    t, c = run.t, run.cells
    for e, level in run.stage_functions.items():
        run.stages[e] = level(t + dt)
    rain_depth = run.forcing.rain_depth(t, t + dt) if run.forcing.rain_field is None else _field_rain(run, t, dt)
    if rain_depth > 0.0 and not run.full:  # rain can wet any cell: sweep the whole grid from now on
        run.lo[:], run.hi[:], run.full = 0, c.h.shape[1], True
    if rain_depth > 0.0 and run.roofs[0].size:
        rows, cols, to_rows, to_cols = run.roofs
        k.route_roofs(roof_rows=rows, roof_cols=cols, target_rows=to_rows, target_cols=to_cols, rain_depth=rain_depth,
                      pattern=c.pattern, retention=c.retention, store=c.store, h=c.h, uniform_rain=c.uniform_rain,
                      has_retention=c.roof_retention, residual=c.residual)  # fmt: skip
    for inflow, rows, cols in run.inflows:
        v_in = inflow.volume(t, t + dt)
        k.add_depth(rows=rows, cols=cols, depth=v_in / (run.area * rows.size), h=c.h, residual=c.residual)
        run.volumes["inflow"] += v_in
        run.inflow_volumes[inflow.name] += v_in
    run.volumes["rain"] += rain_depth * run.pattern_sum * run.area
    _momentum(run, dt)
    _continuity(run, dt, rain_depth)
    if t + dt >= run.next_velocity - 1e-9:
        m, f = run.maxima, run.faces
        k.velocity_maxima(h=c.h, z=c.z, qx=f.qx_new, qy=f.qy_new, blocked=c.blocked, lo=run.lo, hi=run.hi,
                          wet=run.params.wet_threshold_m, h_min=run.params.h_min_m, max_v=m.speed,
                          max_dv=m.depth_speed)  # fmt: skip
        run.next_velocity += run.params.velocity_interval_s
    if not run.full:
        run.full = k.grow_active(h=c.h, lo=run.lo, hi=run.hi, first=run.rows["first"], last=run.rows["last"])
    run.rain_total += rain_depth
    run.faces.swap()
    run.h_max = float(run.rows["hmax"].max())
    if not math.isfinite(run.h_max):
        raise SimulationError(message(run.where, "depths", "finite", f"NaN at t = {t:.1f} s"))
    run.t = t + dt
    run.steps += 1


def _field_rain(run: _Run, t: float, dt: float) -> float:
    """Zonal or gridded rain: the step's depth on each cell goes into the pattern, read with a depth of 1 m (0 when
    no cell gets rain); the volume follows the pattern."""
    depth = run.forcing.rain_field.depth(t, t + dt)
    np.copyto(run.cells.pattern, depth, casting="same_kind")
    if run.cells.outside is not None:  # no rain outside the domain
        run.cells.pattern[run.cells.outside] = 0.0
    run.pattern_sum = float(run.cells.pattern.sum(dtype=np.float64))  # of the depths as the kernels read them
    return 1.0 if run.pattern_sum > 0.0 else 0.0


def _momentum(run: _Run, dt: float) -> None:
    """The new discharges of every face: interior faces, the edges, then the outflow limiter (a cell never gives
    more than it holds); the volumes through the edges are added up."""
    c, f, p, dx = run.cells, run.faces, run.params, run.dx
    cells = {"h": c.h, "z": c.z, "n": c.n, "blocked": c.blocked}
    scheme = {"dt": dt, "dx": dx, "g": G, "h_min": p.h_min_m}
    k.update_qx(**cells, qx=f.qx, qy=f.qy, out=f.qx_new, row_speed=f.row_speed_x, lo=run.lo, hi=run.hi,
                theta=p.theta, **scheme)  # fmt: skip
    k.update_qy(**cells, qy=f.qy, qx=f.qx, out=f.qy_new, row_speed=f.row_speed_y, lo=run.lo, hi=run.hi,
                theta=p.theta, **scheme)  # fmt: skip
    k.update_edges(**cells, qx=f.qx, qy=f.qy, qx_new=f.qx_new, qy_new=f.qy_new, modes=run.modes,
                   stages=run.stages, slope=p.free_outflow_slope, **scheme)  # fmt: skip
    k.outflow_factor(h=c.h, qx=f.qx_new, qy=f.qy_new, factor=f.factor, row_limited=f.row_limited, lo=run.lo,
                     hi=run.hi, dt=dt, dx=dx)  # fmt: skip
    if f.row_limited.any():
        k.limit_faces(qx=f.qx_new, qy=f.qy_new, factor=f.factor, row_limited=f.row_limited, lo=run.lo, hi=run.hi)
    out, inn = k.edge_volumes(qx=f.qx_new, qy=f.qy_new, dt=dt, dx=dx)
    run.volumes["edge_out"] += out
    run.volumes["edge_in"] += inn


def _continuity(run: _Run, dt: float, rain_depth: float) -> None:
    """Depths from the new discharges, the rain, infiltration and drainage; the running maxima."""
    c, s, m, rows, p = run.cells, run.soil, run.maxima, run.rows, run.params
    k.continuity(
        h=c.h, qx=run.faces.qx_new, qy=run.faces.qy_new, blocked=c.blocked, rain_depth=rain_depth,
        pattern=c.pattern, retention=c.retention, store=c.store, ks=s.ks, psi_dtheta=s.psi_dtheta, cn_s=s.cn_s,
        loss=s.loss, rain_total=run.rain_total, drain_rate=s.drain_rate, infil_mode=s.infil_mode, t=run.t, dt=dt,
        dx=run.dx, wet_arrival=p.wet_threshold_m, deep_depth=p.deep_threshold_m, max_h=m.depth,
        t_max_h=m.time_of_depth, arrival=m.arrival, deep_time=m.deep_time, row_infil=rows["infil"],
        row_drain=rows["drain"], row_clip=rows["clip"], row_hmax=rows["hmax"], lo=run.lo, hi=run.hi,
        uniform_rain=c.uniform_rain, has_retention=c.has_retention, has_drainage=s.has_drainage,
        residual=c.residual,
    )  # fmt: skip


# ---------------------------------------------------------------- balance and wrap


def _balance(run: _Run) -> dict[str, float]:
    """The run's volumes, m³: what came in, what left, what is stored, and the relative error of the balance."""
    h, area, rows, v = run.cells.h, run.area, run.rows, run.volumes
    water = h.sum(dtype=np.float64) + run.cells.residual.sum(dtype=np.float64)  # float32: h + its residual
    stored = float(water * area + run.cells.store.sum(dtype=np.float64) * area)
    balance = {
        "initial_m3": run.initial,
        "rain_m3": v["rain"],
        "inflow_m3": v["inflow"],
        "edge_inflow_m3": v["edge_in"],
        "infiltration_m3": float(rows["infil"].sum() * area),
        "drainage_m3": float(rows["drain"].sum() * area),
        "outflow_m3": v["edge_out"],
        "clipped_m3": float(rows["clip"].sum() * area),
        "stored_m3": stored,
        "inflows_m3": dict(run.inflow_volumes),  # by inflow; their sum is inflow_m3
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
    return balance


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


def _let_go(run: _Run) -> None:
    """The time loop is over: free what the outputs do not need (discharges, soil, per-cell parameters), so that
    they are built in the memory those held."""
    ny = run.cells.h.shape[0]
    none = _unused(ny, run.cells.h.dtype)
    run.faces = _Faces(*(none,) * 5, *(np.zeros(0),) * 3)
    run.soil = replace(run.soil, ks=none, psi_dtheta=none, cn_s=none, loss=none, drain_rate=none)
    run.cells = replace(run.cells, z=none, n=none, pattern=none, retention=none, store=none)


def _by_rows(func, dtype, *arrays, rows: int = 256) -> np.ndarray:
    """``func(*arrays)`` computed a block of rows at a time into an array of ``dtype``: the same values, with the
    temporaries of a block instead of a grid."""
    out = np.empty(arrays[0].shape, dtype)
    for i in range(0, out.shape[0], rows):
        out[i : i + rows] = func(*(a[i : i + rows] for a in arrays))
    return out


def _wrap(territory, event, run: _Run, balance: dict[str, float], facts: dict[str, float]) -> xr.Dataset:
    """The outputs as the engine declares them (:data:`twin.flood.outputs.OUTPUTS`), with the territory's CRS.

    The maps are the run's own arrays where their type is the output's (no copies), with NaN written in place
    where a cell was never wet."""
    grid, params, m = territory.grid, run.params, run.maxima
    table = territory.landcover
    land_use = _by_rows(lambda codes: debris_land_use(codes, table), np.int8, territory["land_cover"])
    m.arrival[m.arrival < 0] = np.nan
    m.time_of_depth[~(m.depth > 0)] = np.nan
    values = {
        "max_depth": m.depth,
        "max_velocity": m.speed,
        "max_depth_velocity": m.depth_speed,
        "arrival_time": m.arrival,
        "time_of_max_depth": m.time_of_depth,
        "duration_deep": m.deep_time,
        "hazard_rating": _by_rows(hazard_rating, np.float32, m.depth, m.speed, land_use),
        "ppri_class": _by_rows(partial(ppri_class, wet_m=params.wet_threshold_m), np.int8, m.depth, m.speed),
        "final_depth": run.cells.h,
        "blocked": run.cells.blocked,
        "depth": run.series.frames.frames(),
    }
    coords = {
        "y": ("y", grid.y, {"units": "m"}),
        "x": ("x", grid.x, {"units": "m"}),
        "time": ("time", np.asarray(run.series.frame_times), {"units": "s", "long_name": "time since start"}),
    }
    if run.series.gauges:
        values["gauge_depth"] = np.array([run.series.gauges[name] for name in run.series.gauges])
        coords["gauge"] = ("gauge", list(run.series.gauges), {"long_name": "gauge name (FloodParams.gauges)"})
        coords["gauge_time"] = ("gauge_time", np.asarray(run.series.gauge_times), {"units": "s"})
    ds = dataset(OUTPUTS, values, coords=coords, params=params.model_dump(), where="twin.flood")
    ds.rio.write_crs(grid.crs, inplace=True).rio.write_transform(grid.transform, inplace=True)  # no copies
    ds.attrs.update(
        {
            "event": event.name,
            "engine": "twin.flood local-inertial",
            "mass_balance": json.dumps(balance),
            "run": json.dumps(facts),
            "params": json.dumps(params.model_dump(mode="json")),
        }
    )
    return ds


def mass_balance(ds: xr.Dataset) -> dict[str, float]:
    """The volumes (m³) and relative error of a flood result (stored as JSON so NetCDF keeps them).

    Parameters
    ----------
    ds : xarray.Dataset
        A flood result, from :func:`simulate` or read back from ``hazard.nc``.

    Returns
    -------
    dict of str to float
        The volumes, m³, and ``relative_error``, 1.
    """
    return json.loads(ds.attrs["mass_balance"])
