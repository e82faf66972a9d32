"""What drives a flood run: rain, inflow hydrographs and a downstream level, from the event and its climate.

:func:`forcing_of` turns an event into :class:`Forcing` (exact integrals of the hyetograph and of the hydrograph
over any interval, so that the water added in a step never depends on the step); :func:`summary` gives the key
figures of an event's forcing for people (``twin show``, the report, ``indicators.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import ModelInputError, message
from ..hazards import NO_CHANGE, Climate
from .events import RAIN_EVENTS, RiverFlood
from .inflow import river_inflow
from .rainfall import storm_hyetograph


@dataclass(frozen=True)
class Forcing:
    """What drives a run: rain (m/s per step), inflow (m³/s), a downstream level (m).

    ``inflow_segment_m`` is the stretch of the inflow edge the inflow enters by (m along the edge), or ``None``.
    While ``inflow_per_unit_width`` is true, ``inflow_m3_s`` holds m²/s per metre of that segment: the engine
    calls :meth:`over_width` with the segment's width once it has found its cells.
    """

    rain_start_s: np.ndarray
    rain_rate_m_s: np.ndarray
    rain_step_s: float
    inflow_time_s: np.ndarray | None
    inflow_m3_s: np.ndarray | None
    inflow_location: object
    downstream_level_m: float | None
    duration_s: float
    inflow_segment_m: tuple[float, float] | None = None
    inflow_per_unit_width: bool = False

    def over_width(self, width_m: float) -> Forcing:
        """This forcing with a discharge per unit width (m²/s) turned into a discharge (m³/s) over ``width_m``."""
        if not self.inflow_per_unit_width:
            return self
        return replace(self, inflow_m3_s=self.inflow_m3_s * width_m, inflow_per_unit_width=False)

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


def forcing_of(event, *, climate=None, duration_s: float | None = None) -> Forcing:
    """The forcing of a design storm, rain series or river flood, with the climate multiplier applied."""
    mult = climate.rain_multiplier if climate is not None else 1.0
    empty = np.zeros(0)
    if isinstance(event, RAIN_EVENTS):
        h = storm_hyetograph(event, rain_multiplier=mult)
        length = h.duration_s + event.after_min * 60.0
        return Forcing(h.start_s, h.intensity_mm_per_h / 3.6e6, h.step_s, None, None, None, None, duration_s or length)
    if isinstance(event, RiverFlood):
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
            tuple(event.inflow_segment_m) if event.inflow_segment_m is not None else None,
            event.discharge_per_unit_width and q is not None,
        )
    kinds = ", ".join(e.kind_name() for e in (*RAIN_EVENTS, RiverFlood))
    raise ModelInputError(message(f"event {event.name!r}", "kind", f"one of {kinds}", getattr(event, "kind", event)))


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
        q = river_inflow(event, multiplier=climate.rain_multiplier)
        if q is not None and event.discharge_per_unit_width:  # per metre: the width comes with the grid
            out |= {
                "peak_discharge_m2_s": round(float(q.discharge_m3_s.max()), 3),
                "inflow_volume_m3_per_m": round(q.volume_m3, 1),
                "inflow_segment_m": list(event.inflow_segment_m),
                "inflow_duration_h": round(float(q.time_s[-1]) / 3600, 2),
            }
        elif q is not None:
            out |= {
                "peak_discharge_m3_s": round(float(q.discharge_m3_s.max()), 1),
                "inflow_volume_m3": round(q.volume_m3),
                "inflow_duration_h": round(float(q.time_s[-1]) / 3600, 2),
            }
        if event.downstream_level_m is not None:
            out["downstream_level_m"] = event.downstream_level_m
    if climate != NO_CHANGE:
        out["climate"] = climate.model_dump()
    return out
