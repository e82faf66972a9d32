"""River inflow hydrographs: parametric or read from a CSV.

The parametric shape rises as a half cosine from the base discharge to the peak
at ``time_to_peak``, then recedes as a half cosine back to the base at
``time_base``: smooth, with a volume of ``Qb·Tb + (Qp − Qb)·Tb/2``.

With ``discharge_per_unit_width`` a CSV's discharges are in a ``discharge_m2_s`` column and an inline series's are
m²/s: the hydrograph is then per metre of the inflow segment, and the engine multiplies it by the segment's width
(:func:`twin.flood.boundaries.inflow_cells` finds the cells, :meth:`twin.flood.forcing.InflowForcing.over_width`
scales).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScenarioError, message
from ..tables import read_columns


@dataclass(frozen=True)
class InflowHydrograph:
    """Discharge over time, linearly interpolated between points.

    Attributes
    ----------
    time_s : numpy.ndarray
        Times, s from the start of the event, increasing.
    discharge_m3_s : numpy.ndarray
        Discharge at those times, m³/s.
    """

    time_s: np.ndarray
    discharge_m3_s: np.ndarray

    def at(self, t_s: float) -> float:
        """Discharge at time ``t_s``, m³/s (held at the ends)."""
        return float(np.interp(t_s, self.time_s, self.discharge_m3_s))

    @property
    def volume_m3(self) -> float:
        """Water volume brought in, m³ (trapezoidal)."""
        return float(np.trapezoid(self.discharge_m3_s, self.time_s))


def parametric_hydrograph(
    *, peak_m3_s: float, base_m3_s: float, time_to_peak_h: float, time_base_h: float, step_s: float = 60.0
) -> InflowHydrograph:
    """The half-cosine rise and recession described in the module docstring."""
    t = np.arange(0.0, time_base_h * 3600.0 + step_s / 2, step_s)
    tp, tb = time_to_peak_h * 3600.0, time_base_h * 3600.0
    shape = np.where(t <= tp, 0.5 * (1 - np.cos(np.pi * t / tp)), 0.5 * (1 + np.cos(np.pi * (t - tp) / (tb - tp))))
    return InflowHydrograph(t, base_m3_s + (peak_m3_s - base_m3_s) * shape)


def read_hydrograph(path: str | Path, *, column: str = "discharge_m3_s") -> InflowHydrograph:
    """Read a CSV with columns ``time_h`` and ``column`` (``discharge_m3_s``, or ``discharge_m2_s`` for a
    discharge per unit width)."""
    path = Path(path)
    role = "hydrograph" if column == "discharge_m3_s" else "hydrograph per unit width (discharge_per_unit_width)"
    table = read_columns(path, ("time_h", column), role=role)
    t, q = table["time_h"] * 3600.0, table[column]
    if t.size < 2 or np.any(np.diff(t) <= 0):
        raise ScenarioError(message(path, "time_h", "at least two increasing times", (t / 3600.0).tolist()[:5]))
    if (q < 0).any() or not np.isfinite(q).all():
        raise ScenarioError(message(path, column, "finite and non-negative", float(q.min())))
    return InflowHydrograph(t, q)


def river_inflow(event, *, multiplier: float = 1.0) -> InflowHydrograph | None:
    """The hydrograph of an inflow (:class:`twin.flood.events.Inflow`) or of a ``river_flood`` event's own inflow
    (paths already resolved), or ``None`` if it has none.

    ``multiplier`` scales every discharge: the climate block's rain multiplier,
    taking river flows to scale with rain (a first-order assumption, stated in the docs).
    With ``event.discharge_per_unit_width`` the "discharges" are m²/s per metre of the inflow segment (the
    attribute keeps its name; :meth:`twin.flood.forcing.InflowForcing.over_width` turns them into m³/s).
    """
    per_width = event.discharge_per_unit_width
    if event.hydrograph_file is not None:
        q = read_hydrograph(event.hydrograph_file, column="discharge_m2_s" if per_width else "discharge_m3_s")
    elif event.hydrograph_series is not None:
        s = event.hydrograph_series
        q = InflowHydrograph(np.asarray(s.time_h, dtype=np.float64) * 3600.0, np.asarray(s.discharge, np.float64))
    elif event.hydrograph is not None:
        h = event.hydrograph
        q = parametric_hydrograph(
            peak_m3_s=h.peak_discharge_m3_s,
            base_m3_s=h.base_discharge_m3_s,
            time_to_peak_h=h.time_to_peak_h,
            time_base_h=h.time_base_h,
        )
    else:
        return None
    return InflowHydrograph(q.time_s, q.discharge_m3_s * multiplier)
