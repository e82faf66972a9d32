"""Flood damage to buildings: depth-damage curves, maximum damage by use, expected annual damage.

The curves and costs are data, not code: ``data/depth_damage.csv`` (the JRC global flood
depth-damage functions for Europe, Huizinga, de Moel & Szewczyk 2017, doi:10.2760/16510) and
``data/max_damage.csv`` (maximum damage per m² by building use, from the same report's
construction costs for France). ``data/README.md`` says where each number comes from; a city
can copy the files, edit them and read its own with :meth:`DamageModel.read`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from ..datasets import data_dir
from ..errors import DataSourceError, MissingFileError, ModelInputError, message
from ..paths import is_file

CURVE_COLUMNS = ("curve", "depth_m", "damage_fraction")
COST_COLUMNS = (
    "use",
    "curve",
    "construction_cost_eur_m2",
    "depreciation",
    "content_factor",
    "max_damage_eur_m2",
    "source",
)


def default_paths() -> tuple[Path, Path]:
    """The shipped ``data/depth_damage.csv`` and ``data/max_damage.csv``.

    Returns
    -------
    curves : pathlib.Path
        The depth-damage curves.
    max_damage : pathlib.Path
        The maximum damage by building use.
    """

    return data_dir() / "depth_damage.csv", data_dir() / "max_damage.csv"


@dataclass(frozen=True)
class DamageModel:
    """Depth-damage curves and the maximum damage of each building use.

    Parameters
    ----------
    curves : dict of str to (numpy.ndarray, numpy.ndarray)
        Curve name -> (depths in m, increasing from 0; damage fractions in [0, 1], non-decreasing).
    curve_of_use : dict of str to str
        Building use -> curve name.
    max_damage_eur_m2 : dict of str to float
        Building use -> maximum damage, EUR per m² of ground-floor footprint.
    sources : tuple of str
        The two files read (curves, maximum damage), for provenance.
    """

    curves: Mapping[str, tuple[np.ndarray, np.ndarray]]
    curve_of_use: Mapping[str, str]
    max_damage_eur_m2: Mapping[str, float]
    sources: tuple[str, str]

    @classmethod
    def read(cls, paths: Sequence[str | Path] | None = None) -> DamageModel:
        """Read and check the two tables.

        Parameters
        ----------
        paths : sequence of path, optional
            ``(curves_csv, max_damage_csv)``; the shipped files (:func:`default_paths`) by default.
            Lines starting with ``#`` are comments.

        Returns
        -------
        DamageModel

        Raises
        ------
        MissingFileError
            A file does not exist.
        DataSourceError
            A column is missing, a value is not a number or out of range, a curve is not increasing
            from 0 m, a use names an unknown curve, or a maximum damage disagrees with its factors.
        """
        curves_path, costs_path = (Path(p) for p in (paths if paths is not None else default_paths()))
        points: dict[str, list[tuple[float, float]]] = {}
        for line, row in _rows(curves_path, CURVE_COLUMNS, role="depth-damage curves"):
            depth = _number(row, "depth_m", curves_path, line, low=0.0)
            fraction = _number(row, "damage_fraction", curves_path, line, low=0.0, high=1.0)
            points.setdefault(row["curve"], []).append((depth, fraction))
        curves = {name: _curve(name, pts, curves_path) for name, pts in points.items()}
        curve_of_use, max_damage = {}, {}
        for line, row in _rows(costs_path, COST_COLUMNS, role="maximum damage table"):
            where = f"{costs_path}, line {line}"
            if row["curve"] not in curves:
                raise DataSourceError(message(where, "curve", f"one of {sorted(curves)} ({curves_path})", row["curve"]))
            cost = _number(row, "construction_cost_eur_m2", costs_path, line, low=0.0)
            depreciation = _number(row, "depreciation", costs_path, line, low=0.0, high=1.0)
            content = _number(row, "content_factor", costs_path, line, low=0.0)
            value = _number(row, "max_damage_eur_m2", costs_path, line, low=0.0)
            expected = cost * depreciation * (1.0 + content)
            if not math.isclose(value, expected, rel_tol=1e-3, abs_tol=0.01):
                raise DataSourceError(
                    message(
                        where,
                        "max_damage_eur_m2",
                        f"construction_cost_eur_m2 x depreciation x (1 + content_factor) = {expected:.2f}",
                        value,
                    )
                )
            curve_of_use[row["use"]] = row["curve"]
            max_damage[row["use"]] = value
        return cls(curves, curve_of_use, max_damage, (str(curves_path), str(costs_path)))

    def _use(self, use: str) -> str:
        if use not in self.curve_of_use:
            raise DataSourceError(message(self.sources[1], "building use", f"one of {sorted(self.curve_of_use)}", use))
        return use

    def damage_fraction(self, use: str, depth_m: float | np.ndarray) -> np.ndarray:
        """Damage as a fraction of the maximum (0-1) for a building of ``use`` under ``depth_m`` (m) of water.

        Linear between the curve's points; 0 at or below 0 m, 1 beyond the last point; NaN stays NaN.

        Parameters
        ----------
        use : str
            The building use (``"residential"``...).
        depth_m : float or numpy.ndarray
            Water depth at the building, m.

        Returns
        -------
        numpy.ndarray
            Damage fraction, 1 (0..1), of the shape of ``depth_m``.

        Raises
        ------
        DataSourceError
            A use the maximum damage table does not list; the message names the table.
        """
        depths, fractions = self.curves[self.curve_of_use[self._use(use)]]
        return np.interp(np.asarray(depth_m, dtype=np.float64), depths, fractions, left=0.0, right=1.0)

    def building_damage(self, buildings: gpd.GeoDataFrame, depth_m: np.ndarray) -> np.ndarray:
        """Damage to each building, EUR.

        ``damage = fraction(use, depth) x max_damage_eur_m2(use) x footprint area (m²)``. The floor
        area is the ground-floor footprint (``geometry.area``, in the projected CRS): it is the floor
        the water reaches; upper floors are not counted. A NaN depth (a building the grid cannot see)
        gives a NaN damage.

        Parameters
        ----------
        buildings : geopandas.GeoDataFrame
            Footprints with a ``use`` column, in a projected CRS in metres.
        depth_m : numpy.ndarray
            Water depth at each building, m, aligned with ``buildings``.

        Returns
        -------
        numpy.ndarray
            Damage to each building, EUR; NaN where the depth is NaN.

        Raises
        ------
        ModelInputError
            Not one depth per building.
        DataSourceError
            A use the maximum damage table does not list.
        """
        depth_m = np.asarray(depth_m, dtype=np.float64)
        if depth_m.shape != (len(buildings),):
            raise ModelInputError(
                message("building_damage", "depth_m", f"one depth per building ({len(buildings)})", depth_m.shape)
            )
        uses = buildings["use"].astype(str).to_numpy()
        area = buildings.geometry.area.to_numpy(dtype=np.float64)
        out = np.zeros(len(buildings))
        for use in np.unique(uses):
            rows = uses == use
            out[rows] = self.damage_fraction(use, depth_m[rows]) * self.max_damage_eur_m2[use] * area[rows]
        return out


def damage_by_return_period(events: Iterable[tuple[float, float]]) -> dict[float, float]:
    """Damage per return period from ``(return period, damage)`` pairs, in increasing return period.

    Where several storms share a return period (different durations or shapes), the largest damage counts: the
    critical duration, as design practice takes it. NaN damages (an event not simulated) are left out.

    Parameters
    ----------
    events : iterable of (float, float)
        ``(return period, years; damage, EUR)`` pairs.

    Returns
    -------
    dict of float to float
        Return period (years) -> damage (EUR), by increasing return period.
    """
    out: dict[float, float] = {}
    for period, damage in events:
        if not math.isnan(damage):
            out[float(period)] = max(out.get(float(period), 0.0), float(damage))
    return dict(sorted(out.items()))


def expected_annual_damage(damage_by_return_period: Mapping[float, float]) -> float:
    """Expected annual damage (EUR/year) from the damage of events of known return periods.

    The damage ``D`` is integrated over the annual exceedance probability ``p = 1/T``:

    * between two simulated events, ``D`` is linear in ``ln p`` (log-linear), integrated in closed form:
      on ``[p_i, p_j]`` with ``L = ln(p_j / p_i)``,
      ``∫ D dp = D_i (p_j - p_i) + (D_j - D_i) (p_j - (p_j - p_i) / L)``;
    * the rare tail ``p`` in ``[0, p_min]`` (events rarer than the rarest simulated) is taken at the
      rarest event's damage: ``D(T_max) · p_min``;
    * events more frequent than the most frequent one simulated are assumed to do no damage.

    The last two choices make the figure a lower bound on the frequent side; simulate a frequent
    event (T = 2 to 10 years) to close it.

    Parameters
    ----------
    damage_by_return_period : mapping of float to float
        Return period T (years, ≥ 1) -> damage of that event (EUR, ≥ 0); at least two.

    Returns
    -------
    float
        EUR per year.

    Raises
    ------
    ModelInputError
        Fewer than two return periods, a return period under 1 year or not finite, or a damage that is not a
        finite number ≥ 0.
    """
    where = "expected annual damage"
    items = dict(damage_by_return_period).items()
    if len(items) < 2:
        raise ModelInputError(message(where, "events", "at least 2 return periods", sorted(float(t) for t, _ in items)))
    for t, d in items:
        if not (math.isfinite(float(t)) and float(t) >= 1.0):
            raise ModelInputError(message(where, "return period", "a finite number of years >= 1", t))
        if not (math.isfinite(float(d)) and float(d) >= 0.0):
            raise ModelInputError(message(where, f"damage of the {t}-year event", "a finite number >= 0 EUR", d))
    pairs = sorted((1.0 / float(t), float(d)) for t, d in items)  # rarest first
    p = np.array([q for q, _ in pairs])
    d = np.array([v for _, v in pairs])
    dp = np.diff(p)
    log_ratio = np.log(p[1:] / p[:-1])
    between = d[:-1] * dp + (d[1:] - d[:-1]) * (p[1:] - dp / log_ratio)
    return float(d[0] * p[0] + between.sum())


def _rows(path: Path, columns: Sequence[str], *, role: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file whose ``#`` lines are comments; every column must be there."""
    if not is_file(path):
        raise MissingFileError(path, role=role)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            numbered = [(n, text) for n, text in enumerate(f, start=1) if not text.startswith("#") and text.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{path}: {role} cannot be read as UTF-8 text ({type(exc).__name__}: {exc})") from None
    if not numbered:
        raise DataSourceError(message(path, role, "a CSV table with a header line", "an empty file"))
    reader = csv.reader([text for _, text in numbered])
    header = [h.strip() for h in next(reader)]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataSourceError(message(path, "columns", f"complete ({', '.join(columns)})", f"missing {missing}"))
    rows = []
    for (line, _), values in zip(numbered[1:], reader, strict=False):
        rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=False)}))
    if not rows:
        raise DataSourceError(message(path, role, "at least one row", "a header only"))
    return rows


def _number(row: dict[str, str], column: str, path: Path, line: int, *, low: float, high: float = math.inf) -> float:
    text = row.get(column)
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not (low <= value <= high):
        bounds = f"a number >= {low:g}" if high == math.inf else f"a number within [{low:g}, {high:g}]"
        raise DataSourceError(message(f"{path}, line {line}", column, bounds, text))
    return value


def _curve(name: str, points: list[tuple[float, float]], path: Path) -> tuple[np.ndarray, np.ndarray]:
    depths = np.array([d for d, _ in points])
    fractions = np.array([f for _, f in points])
    where = f"{path}: curve '{name}'"
    if depths[0] != 0.0 or (np.diff(depths) <= 0).any():
        raise DataSourceError(message(where, "depth_m", "increasing from 0 m, in file order", depths.tolist()))
    if (np.diff(fractions) < 0).any():
        raise DataSourceError(message(where, "damage_fraction", "non-decreasing with depth", fractions.tolist()))
    return depths, fractions
