"""Design rain: Montana IDF coefficients and the hyetographs built from them.

Montana's law (Météo-France): the depth fallen in the most intense window of
duration ``t`` is ``H(t) = a·t^(1−b)`` (mm, t in min), so the mean intensity is
``i(t) = a·t^(−b)`` (mm/min).

Two design shapes are offered:

* **Chicago** (Keifer & Chu 1957): with the peak at ``r·T``, the intensity at
  ``τ`` minutes before the peak is ``a(1−b)(τ/r)^(−b)`` and after it
  ``a(1−b)(τ/(1−r))^(−b)``; every window centred on the peak in those
  proportions holds the IDF depth. Step depths are taken from the exact
  cumulative curve, so the storm's volume is exactly ``H(T)``.
* **Double triangle** (Desbordes): an intense period of ``t1`` centred on the
  peak, inside a storm of ``T``. The hyetograph is piecewise linear through
  ``(0, 0)``, ``(tp − t1/2, i_a)``, ``(tp, i_max)``, ``(tp + t1/2, i_a)``,
  ``(T, 0)``; the intense period holds ``H(t1)`` and the whole storm ``H(T)``:
  ``i_a = 2(H(T) − H(t1))/(T − t1)`` and ``i_max = 2H(t1)/t1 − i_a``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScenarioError, message
from ..tables import read_columns, read_table


@dataclass(frozen=True)
class Hyetograph:
    """Rain intensity by time step (spatially uniform).

    Attributes
    ----------
    start_s : numpy.ndarray
        Start of each step, s from the beginning of the event.
    intensity_mm_per_h : numpy.ndarray
        Mean intensity over each step, mm/h.
    step_s : float
        Step length, s.
    """

    start_s: np.ndarray
    intensity_mm_per_h: np.ndarray
    step_s: float

    @property
    def depth_mm(self) -> float:
        """Total rain depth, mm."""
        return float(self.intensity_mm_per_h.sum() * self.step_s / 3600.0)

    @property
    def duration_s(self) -> float:
        """Time until the last step ends, s."""
        return float(self.start_s[-1] + self.step_s) if self.start_s.size else 0.0

    def scaled(self, factor: float) -> Hyetograph:
        """The same storm with every intensity multiplied by ``factor`` (climate change)."""
        return Hyetograph(self.start_s, self.intensity_mm_per_h * factor, self.step_s)


def montana_depth_mm(a: float, b: float, duration_min: float) -> float:
    """IDF depth ``H(t) = a·t^(1−b)``, mm, for ``t`` in minutes."""
    return a * duration_min ** (1.0 - b)


def chicago(
    *, a: float, b: float, duration_min: float, peak_position: float = 0.4, step_min: float = 1.0
) -> Hyetograph:
    """Chicago (Keifer & Chu) hyetograph for Montana ``a`` (mm/min^(1−b)) and ``b``; volume ``a·T^(1−b)`` mm."""
    edges = np.arange(0.0, duration_min + 1e-9, step_min)
    if edges[-1] < duration_min:
        edges = np.append(edges, duration_min)
    tp, r = peak_position * duration_min, peak_position

    def cumulative(t: np.ndarray) -> np.ndarray:
        # depth fallen from the storm's start to t, mm: a·r^b·τ^(1−b) on each side of the peak
        before = a * r**b * np.clip(tp - t, 0.0, None) ** (1 - b) if r > 0 else 0.0 * t
        after = a * (1 - r) ** b * np.clip(t - tp, 0.0, None) ** (1 - b) if r < 1 else 0.0 * t
        return (a * r * duration_min ** (1 - b) - before) + after

    depth = np.diff(cumulative(edges))
    return _from_depths(edges, depth)


def double_triangle(
    *, a: float, b: float, duration_min: float, intense_min: float, peak_position: float = 0.5, step_min: float = 1.0
) -> Hyetograph:
    """Desbordes double-triangle hyetograph; intense period ``intense_min`` holds H(t1), the storm H(T)."""
    if not 0 < intense_min < duration_min:
        raise ScenarioError(
            message(
                "design_storm", "intense_duration_min", f"between 0 and the duration {duration_min:g} min", intense_min
            )
        )
    h_t, h_1 = montana_depth_mm(a, b, duration_min), montana_depth_mm(a, b, intense_min)
    i_a = 2 * (h_t - h_1) / (duration_min - intense_min)
    i_max = 2 * h_1 / intense_min - i_a
    tp = np.clip(peak_position * duration_min, intense_min / 2, duration_min - intense_min / 2)
    knots_t = np.array([0.0, tp - intense_min / 2, tp, tp + intense_min / 2, duration_min])
    knots_i = np.array([0.0, i_a, i_max, i_a, 0.0])  # mm/min
    edges = np.unique(np.concatenate([np.arange(0.0, duration_min, step_min), [duration_min]]))
    # exact integral of the piecewise-linear curve between edges
    fine = np.unique(np.concatenate([edges, knots_t]))
    cum = np.concatenate(
        [
            [0.0],
            np.cumsum(
                np.diff(fine) * (np.interp(fine[:-1], knots_t, knots_i) + np.interp(fine[1:], knots_t, knots_i)) / 2
            ),
        ]
    )
    depth = np.diff(np.interp(edges, fine, cum))
    return _from_depths(edges, depth)


def _from_depths(edges_min: np.ndarray, depth_mm: np.ndarray) -> Hyetograph:
    """Steps of equal length from the edges (the last may be shorter: its depth is kept, spread over a step)."""
    step = float(edges_min[1] - edges_min[0]) * 60.0
    return Hyetograph(edges_min[:-1] * 60.0, depth_mm / step * 3600.0, step)


@dataclass(frozen=True)
class MontanaRow:
    """One line of a Montana table: coefficients for a return period and a duration band."""

    return_period_years: float
    min_duration_min: float
    max_duration_min: float
    a: float
    b: float


def read_montana_table(path: str | Path) -> list[MontanaRow]:
    """Read a CSV with columns return_period_years, min_duration_min, max_duration_min, a, b.

    Each row is checked as an inline ``montana`` is (``a > 0``, ``0 < b < 1``), with a positive return period and
    a duration band ``0 ≤ min ≤ max``; two bands of one return period may meet at an end but not overlap (which
    would pick one silently). Errors name the file's line, the column and the value.
    """
    cols = ("return_period_years", "min_duration_min", "max_duration_min", "a", "b")
    table = read_table(path, cols, role="Montana table")
    rows = [MontanaRow(*(float(table.columns[c][k]) for c in cols)) for k in range(table.lines.size)]
    for row, line in zip(rows, table.lines, strict=True):
        where = f"{path} line {line}: Montana table"
        checks = (
            ("return_period_years", row.return_period_years > 0, "a positive number of years"),
            ("min_duration_min", row.min_duration_min >= 0, "a duration ≥ 0, min"),
            ("max_duration_min", row.max_duration_min >= row.min_duration_min,
             f"at least min_duration_min ({row.min_duration_min:g})"),
            ("a", row.a > 0, "positive (mm/min^(1-b))"),
            ("b", 0 < row.b < 1, "between 0 and 1, both excluded"),
        )  # fmt: skip
        for column, ok, expected in checks:
            if not ok:
                raise ScenarioError(message(where, column, expected, getattr(row, column)))
    for i, j in itertools.combinations(range(len(rows)), 2):
        r, q = rows[i], rows[j]
        if r.return_period_years == q.return_period_years and (
            r.min_duration_min < q.max_duration_min and q.min_duration_min < r.max_duration_min
        ):
            raise ScenarioError(
                message(
                    f"{path} line {table.lines[j]}: Montana table",
                    "duration band",
                    f"apart from line {table.lines[i]}'s for the same return period "
                    f"({r.min_duration_min:g}-{r.max_duration_min:g} min, {r.return_period_years:g} years)",
                    f"{q.min_duration_min:g}-{q.max_duration_min:g} min",
                )
            )
    return rows


def montana_for(
    rows: list[MontanaRow], *, return_period_years: float, duration_min: float, where: str
) -> tuple[float, float]:
    """The (a, b) of the row matching the return period and containing the duration."""
    for row in rows:
        if (
            row.return_period_years == return_period_years
            and row.min_duration_min <= duration_min <= row.max_duration_min
        ):
            return row.a, row.b
    known = sorted({(r.return_period_years, r.min_duration_min, r.max_duration_min) for r in rows})
    raise ScenarioError(
        message(
            where,
            "return period and duration",
            f"covered by the Montana table {known}",
            (return_period_years, duration_min),
        )
    )


def storm_hyetograph(event, *, rain_multiplier: float = 1.0, statistics: str | Path | None = None) -> Hyetograph:
    """The hyetograph of a ``design_storm`` or ``rain_series`` event (paths already resolved); a design storm
    without coefficients of its own reads ``statistics``, the territory's Montana table."""
    if event.kind == "rain_series":
        h = read_rain_series(event.series_file)
        if h.start_s.size == 1:  # one row: it rains at that intensity through after_min (the engine: the whole run)
            h = Hyetograph(h.start_s, h.intensity_mm_per_h, event.after_min * 60.0)
        return h.scaled(rain_multiplier)
    where = f"design_storm {event.name!r}"
    if event.montana is not None:
        a, b = event.montana.a, event.montana.b
    else:
        table_file = event.montana_file or statistics
        if table_file is None:
            raise ScenarioError(
                message(where, "montana_file", "Montana coefficients: the event's montana or montana_file, or the "
                        "territory's rainfall statistics (rainfall in its territory file)", None)
            )  # fmt: skip
        table = read_montana_table(table_file)
        a, b = montana_for(
            table, return_period_years=event.return_period_years, duration_min=event.duration_min, where=where
        )
    if event.hyetograph == "chicago":
        h = chicago(
            a=a, b=b, duration_min=event.duration_min, peak_position=event.peak_position, step_min=event.time_step_min
        )
    else:
        intense = event.intense_duration_min or event.duration_min / 4.0
        h = double_triangle(
            a=a,
            b=b,
            duration_min=event.duration_min,
            intense_min=intense,
            peak_position=event.peak_position,
            step_min=event.time_step_min,
        )
    return h.scaled(rain_multiplier)


def read_rain_series(path: str | Path) -> Hyetograph:
    """Read a CSV of ``time_min`` (start of each step, evenly spaced) and ``intensity_mm_per_h``."""
    path = Path(path)
    table = read_columns(path, ("time_min", "intensity_mm_per_h"), role="rain series")
    t, i = table["time_min"], table["intensity_mm_per_h"]
    steps = np.diff(t)
    if t.size < 1 or (steps.size and (not np.allclose(steps, steps[0]) or steps[0] <= 0)):
        raise ScenarioError(message(path, "time_min", "evenly spaced and increasing", t[:5].tolist()))
    if (i < 0).any() or not np.isfinite(i).all():
        raise ScenarioError(message(path, "intensity_mm_per_h", "finite and non-negative", float(i.min())))
    step = float(steps[0]) * 60.0 if steps.size else 60.0
    return Hyetograph(t * 60.0, i, step)
