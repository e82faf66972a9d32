"""What drives a flood run: rain, inflow hydrographs and a downstream level, from the event and its climate.

:func:`forcing_of` turns an event into :class:`Forcing` (exact integrals of the hyetograph and of the hydrograph
over any interval, so that the water added in a step never depends on the step); :func:`summary` gives the key
figures of an event's forcing for people (``twin show``, the report, ``indicators.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelInputError, ScenarioError, message
from ..hazards import NO_CHANGE, Climate
from .events import RAIN_EVENTS, RiverFlood
from .inflow import river_inflow
from .rainfall import read_rain_series, storm_hyetograph
from .rainfields import RainField, read_gridded_rain, read_zonal_rain


@dataclass(frozen=True)
class InflowForcing:
    """One inflow's hydrograph and where it enters (see :class:`twin.flood.events.Inflow`).

    While ``per_unit_width`` is true, ``discharge`` holds m²/s per metre of the segment: the engine calls
    :meth:`over_width` with the segment's width once it has found its cells; otherwise m³/s.
    """

    name: str
    time_s: np.ndarray
    discharge: np.ndarray
    location: object
    segment_m: tuple[float, float] | None = None
    radius_m: float | None = None
    per_unit_width: bool = False
    area_file: str | None = None

    def over_width(self, width_m: float) -> InflowForcing:
        """This inflow with a discharge per unit width (m²/s) turned into a discharge (m³/s) over ``width_m``."""
        if not self.per_unit_width:
            return self
        return replace(self, discharge=self.discharge * width_m, per_unit_width=False)

    def held(self, t: float) -> InflowForcing:
        """This inflow held at its discharge at ``t`` for ever (a warm start's base flow)."""
        q = float(np.interp(t, self.time_s, self.discharge))
        return replace(self, time_s=np.array([0.0, 1e15]), discharge=np.array([q, q]))

    def volume(self, t0: float, t1: float) -> float:
        """Water brought in between ``t0`` and ``t1`` (s), m³: the exact integral of the piecewise-linear
        hydrograph (zero after its end)."""
        return self._until(t1) - self._until(t0)

    def rate_max(self, t0: float, t1: float) -> float:
        """The highest discharge between ``t0`` and ``t1`` (s), m³/s: at the ends or at a point between."""
        ts, qs = self.time_s, self.discharge
        if t0 >= ts[-1]:
            return 0.0  # the hydrograph has ended
        inside = qs[(ts > t0) & (ts < t1)]
        ends = np.interp([t0, min(t1, ts[-1])], ts, qs)
        return float(max(ends.max(), inside.max() if inside.size else 0.0))

    def _until(self, t: float) -> float:
        ts, qs = self.time_s, self.discharge
        t = min(max(t, ts[0]), ts[-1])
        i = int(np.searchsorted(ts, t, side="right")) - 1
        i = min(i, ts.size - 2)
        full = float(np.sum(0.5 * (qs[1 : i + 1] + qs[:i]) * np.diff(ts[: i + 1])))
        q_t = float(np.interp(t, ts, qs))
        return full + 0.5 * (qs[i] + q_t) * (t - ts[i])


@dataclass(frozen=True)
class Forcing:
    """What drives a run: rain (m/s per step), inflow hydrographs, a downstream level (m)."""

    rain_start_s: np.ndarray
    rain_rate_m_s: np.ndarray
    rain_step_s: float
    inflows: tuple[InflowForcing, ...]
    downstream_level_m: float | None
    duration_s: float
    rain_holds: bool = False  # a one-row rain series: its rate until the end of the run
    rain_field: RainField | None = None  # rain by zone or gridded, instead of the uniform series above
    downstream_levels: object | None = None  # a LevelSeries: the downstream level over time (.at(t_s), m)

    def rain_depth(self, t0: float, t1: float) -> float:
        """Rain fallen between ``t0`` and ``t1`` (s), m: the exact integral of the step hyetograph."""
        return self._rain_until(t1) - self._rain_until(t0)

    def rain_rate_max(self, t0: float, t1: float) -> float:
        """The highest rain rate between ``t0`` and ``t1`` (s), m/s."""
        rates = self.rain_rate_m_s
        if rates.size == 0:
            return 0.0
        t0, t1 = t0 - float(self.rain_start_s[0]), t1 - float(self.rain_start_s[0])
        if t1 <= 0.0:
            return 0.0
        if self.rain_holds:
            return float(rates[0])
        first = max(int(t0 // self.rain_step_s), 0)
        last = min(int(t1 // self.rain_step_s), rates.size - 1)
        return float(rates[first : last + 1].max()) if first <= last else 0.0

    def _rain_until(self, t: float) -> float:
        if self.rain_rate_m_s.size == 0:
            return 0.0
        t = t - float(self.rain_start_s[0])  # a series may start after the event does
        if t <= 0.0:
            return 0.0
        if self.rain_holds:
            return float(self.rain_rate_m_s[0]) * t
        i = min(int(t // self.rain_step_s), self.rain_rate_m_s.size)
        done = float(self.rain_rate_m_s[:i].sum()) * self.rain_step_s
        return done + (
            float(self.rain_rate_m_s[i]) * (t - i * self.rain_step_s) if i < self.rain_rate_m_s.size else 0.0
        )


def forcing_of(event, *, climate=None, duration_s: float | None = None, statistics=None, grid=None) -> Forcing:
    """The forcing of a design storm, rain series or river flood, with the climate multiplier applied
    (``statistics``: the territory's Montana table, for a design storm without coefficients of its own; ``grid``:
    the territory's, for a river flood's zonal or gridded rain)."""
    mult = climate.rain_multiplier if climate is not None else 1.0
    if isinstance(event, RAIN_EVENTS):
        h = storm_hyetograph(event, rain_multiplier=mult, statistics=statistics)
        one_row = event.kind == "rain_series" and h.start_s.size == 1  # it rains until the end of the run
        length = duration_s or h.duration_s + (0.0 if one_row else event.after_min * 60.0)
        if not length > 0.0:
            raise ScenarioError(
                message(f"rain_series {event.name!r} ({event.series_file})", "after_min",
                        "> 0 min with a one-row series (it rains from its time until the end of the run), or the "
                        "flood option duration_s", event.after_min)
            )  # fmt: skip
        return Forcing(h.start_s, h.intensity_mm_per_h / 3.6e6, h.step_s, (), None, length, rain_holds=one_row)
    if isinstance(event, RiverFlood):
        inflows = tuple(_inflow(inflow, mult) for inflow in event.all_inflows())
        rain = _river_rain(event, grid, mult)
        if event.duration_h:
            length = event.duration_h * 3600.0
        else:
            ends = [float(i.time_s[-1]) for i in inflows] + ([rain[-1]] if event.rain is not None else [])
            length = max(ends, default=3600.0)
        start, rates, step, field = rain[:4]
        holds = field is None and start.size == 1  # a one-row series rains until the end of the run
        return Forcing(start, rates, step, inflows, event.downstream_level_m, duration_s or length, rain_holds=holds,
                       rain_field=field, downstream_levels=event.downstream_level_series)  # fmt: skip
    kinds = ", ".join(e.kind_name() for e in (*RAIN_EVENTS, RiverFlood))
    raise ModelInputError(message(f"event {event.name!r}", "kind", f"one of {kinds}", getattr(event, "kind", event)))


def _river_rain(event, grid, multiplier: float):
    """A river flood's rain: (start, rates m/s, step s) of a uniform series, or a rain field; and its end, s."""
    rain, empty = event.rain, np.zeros(0)
    where = f"event {event.name!r}: rain"
    if rain is None:
        return empty, empty, 1.0, None, 0.0
    if rain.series_file is not None:
        h = read_rain_series(rain.series_file).scaled(multiplier)
        return h.start_s, h.intensity_mm_per_h / 3.6e6, h.step_s, None, h.duration_s
    if grid is None:
        raise ModelInputError(message(where, "grid", "the territory's grid, for zonal or gridded rain", None))
    if rain.grid_file is not None:
        field = read_gridded_rain(rain.grid_file, grid, variable=rain.grid_variable, where=where)
    else:
        field = read_zonal_rain(rain.zones_file, rain.zone_series_file, grid, where=where)
    field = field.scaled(multiplier)
    return empty, empty, 1.0, field, field.end_s


def _inflow(inflow, multiplier: float) -> InflowForcing:
    q = river_inflow(inflow, multiplier=multiplier)
    segment = tuple(inflow.segment_m) if inflow.segment_m is not None else None
    return InflowForcing(
        inflow.name, q.time_s, q.discharge_m3_s, inflow.location, segment, inflow.radius_m,
        inflow.discharge_per_unit_width, inflow.area_file,
    )  # fmt: skip


def summary(event, climate: Climate = NO_CHANGE) -> dict[str, Any]:
    """Key figures of a storm's or a river flood's forcing, with units in the keys."""
    out: dict[str, Any] = {"name": event.name, "kind": event.kind}
    if isinstance(event, RAIN_EVENTS):
        h = storm_hyetograph(event, rain_multiplier=climate.rain_multiplier)
        out |= {
            "depth_mm": round(h.depth_mm, 2),
            "peak_intensity_mm_per_h": round(float(h.intensity_mm_per_h.max()), 1),
            "rain_duration_min": round(h.duration_s / 60.0, 1),
        }
    else:
        figures = [_inflow_summary(inflow, climate) for inflow in event.all_inflows()]
        if len(figures) == 1:
            out |= figures[0]
        elif figures:
            out["inflows"] = [{"name": i.name} | f for i, f in zip(event.all_inflows(), figures, strict=True)]
        if event.rain is not None:
            out["rain"] = _rain_summary(event.rain, climate)
        if event.downstream_level_m is not None:
            out["downstream_level_m"] = event.downstream_level_m
        if event.downstream_level_series is not None:
            levels = event.downstream_level_series.level_m
            out["downstream_level_range_m"] = [min(levels), max(levels)]
    if climate != NO_CHANGE:
        out["climate"] = climate.model_dump()
    return out


def _inflow_summary(inflow, climate: Climate) -> dict[str, Any]:
    """Peak, volume and length of one inflow's hydrograph (per metre of its segment when per unit width)."""
    q = river_inflow(inflow, multiplier=climate.rain_multiplier)
    if inflow.discharge_per_unit_width:  # per metre: the width comes with the grid
        return {
            "peak_discharge_m2_s": round(float(q.discharge_m3_s.max()), 3),
            "inflow_volume_m3_per_m": round(q.volume_m3, 1),
            "inflow_segment_m": list(inflow.segment_m),
            "inflow_duration_h": round(float(q.time_s[-1]) / 3600, 2),
        }
    return {
        "peak_discharge_m3_s": round(float(q.discharge_m3_s.max()), 1),
        "inflow_volume_m3": round(q.volume_m3),
        "inflow_duration_h": round(float(q.time_s[-1]) / 3600, 2),
    }


def _rain_summary(rain, climate: Climate) -> dict[str, Any]:
    """A river flood's rain: its depth for a uniform series, else its form and files (read with the grid)."""
    if rain.series_file is not None:
        h = read_rain_series(rain.series_file).scaled(climate.rain_multiplier)
        peak = float(h.intensity_mm_per_h.max())
        return {"depth_mm": round(h.depth_mm, 2), "peak_intensity_mm_per_h": round(peak, 1)}
    if rain.grid_file is not None:
        return {"grid_file": Path(rain.grid_file).name}
    return {"zones_file": Path(rain.zones_file).name, "zone_series_file": Path(rain.zone_series_file).name}
