"""Rain that varies over the territory: a series per rain zone, or a gridded series.

A river flood's ``rain`` (:class:`twin.flood.events.Rain`) may give, beside one series for every cell, either

* **zones**: a raster of zone numbers or polygons with a ``zone`` column, and a CSV with ``time_min`` and one
  column of intensity (mm/h) per zone, headed by the zone's number (radar or gauge areas, as Carlisle's 16 rain
  zones); or
* **a grid**: a NetCDF variable of intensity (mm/h) over CF ``time``, ``y`` and ``x``, with its CRS (radar
  composites, reanalyses), or a GeoTIFF of one band per time with GDAL's netCDF time metadata, resampled
  bilinearly onto the territory's grid.

Each intensity holds until the next time, as in a rain series. :meth:`RainField.depth` gives the rain of a time
interval on every cell, the exact integral of those steps, so that the water added never depends on the step.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScenarioError, message
from ..io import read_raster, read_vector
from ..rasterize import rasterize_classes
from ..sources import VECTOR_SUFFIXES
from ..tables import read_columns

RATE_UNITS = {"mm/h", "mm h-1", "mm hr-1", "mm/hr"}  # what a gridded file's variable may say its units are
M_S_PER_MM_H = 1.0 / 3.6e6


@dataclass(frozen=True)
class RainField:
    """Rain intensity over the grid, step by step: ``rates[k]`` (m/s) holds from ``start_s + k·step_s`` for
    ``step_s``; each is a map (gridded rain) or one value per zone with ``zone_of_cell`` (the zone's row of
    ``rates`` under each cell).

    Attributes
    ----------
    start_s, step_s : float
        Start of the first step and length of each, s from the start of the event.
    rates : numpy.ndarray
        ``(steps, ny, nx)`` or ``(steps, zones)``, m/s.
    zone_of_cell : numpy.ndarray or None
        ``(ny, nx)`` int, for zonal rain.
    source : str
        The files it was read from, for messages.
    """

    start_s: float
    step_s: float
    rates: np.ndarray
    zone_of_cell: np.ndarray | None
    source: str

    @property
    def end_s(self) -> float:
        """When the last step ends, s."""
        return self.start_s + self.step_s * self.rates.shape[0]

    def scaled(self, factor: float) -> RainField:
        """The same rain times ``factor`` (a climate's rain multiplier)."""
        return RainField(self.start_s, self.step_s, self.rates * factor, self.zone_of_cell, self.source)

    def depth(self, t0: float, t1: float) -> np.ndarray:
        """Rain fallen on each cell between ``t0`` and ``t1`` (s), m, float64 ``(ny, nx)``."""
        first, weights = self._overlaps(t0, t1)
        if weights.size == 0:
            shape = self.zone_of_cell.shape if self.zone_of_cell is not None else self.rates.shape[1:]
            return np.zeros(shape)
        mixed = np.tensordot(weights, self.rates[first : first + weights.size], axes=1)  # m per zone or cell
        return mixed[self.zone_of_cell] if self.zone_of_cell is not None else mixed

    def rate_max(self, t0: float, t1: float) -> float:
        """The highest intensity of any cell between ``t0`` and ``t1`` (s), m/s."""
        first, weights = self._overlaps(t0, t1)
        return float(self.rates[first : first + weights.size].max()) if weights.size else 0.0

    def _overlaps(self, t0: float, t1: float) -> tuple[int, np.ndarray]:
        """The first step overlapping ``[t0, t1]`` and the seconds of overlap of it and the next ones."""
        n = self.rates.shape[0]
        a = max(t0, self.start_s)
        b = min(t1, self.end_s)
        if b <= a:
            return 0, np.zeros(0)
        first = min(int((a - self.start_s) // self.step_s), n - 1)
        last = min(int(np.ceil((b - self.start_s) / self.step_s)) - 1, n - 1)
        starts = self.start_s + self.step_s * np.arange(first, last + 1)
        weights = np.clip(np.minimum(b, starts + self.step_s) - np.maximum(a, starts), 0.0, None)
        return first, weights


def read_zonal_rain(zones_file: str | Path, series_file: str | Path, grid, *, where: str) -> RainField:
    """Rain zones (raster of zone numbers, or polygons with an integer ``zone`` column) and their series (CSV:
    ``time_min``, then one intensity column in mm/h per zone, headed by its number), on ``grid``.

    Raises
    ------
    ScenarioError
        A series file without ``time_min``, with uneven or decreasing times, a negative or non-finite intensity,
        or no column for a zone the zones file holds; a zones file that leaves cells of the grid without a zone.
    """
    zones_file, series_file = Path(zones_file), Path(series_file)
    codes = _zones_on_grid(zones_file, grid, where=where)
    header = _header(series_file)
    if not header or header[0] != "time_min":
        raise ScenarioError(message(series_file, "columns", "time_min, then one per zone number", header[:5]))
    names = header[1:]
    table = read_columns(series_file, header, role="zone rain series")
    start_s, step_s = _steps(table["time_min"], series_file)
    column_of = {}
    for name in names:
        try:
            column_of[int(float(name))] = name
        except ValueError:
            raise ScenarioError(message(series_file, "column", "a zone number", name)) from None
    present = np.unique(codes)
    missing = sorted(int(z) for z in present if int(z) not in column_of)
    if missing:
        expected = f"one for each zone of {zones_file.name}"
        raise ScenarioError(message(series_file, "columns", expected, f"none for zones {missing}"))
    order = sorted(column_of)
    rates = np.stack([table[column_of[z]] for z in order], axis=1)  # (steps, zones), mm/h
    _check_rates(rates, series_file)
    index = np.searchsorted(order, codes)
    return RainField(start_s, step_s, rates * M_S_PER_MM_H, index.astype(np.int64), f"{zones_file}, {series_file}")


def read_gridded_rain(path: str | Path, grid, *, variable: str | None = None, where: str) -> RainField:
    """A gridded series of rain intensity (mm/h) with CF times and its CRS, resampled bilinearly onto ``grid``;
    its times evenly spaced, the first one the start of the event.

    The file is a NetCDF variable over ``time``, ``y``, ``x``, or a GeoTIFF of one band per time, its bands' times
    in GDAL's netCDF metadata (``NETCDF_DIM_time`` per band, ``time#units`` for the file), as ``gdal_translate``
    writes them from a CF NetCDF.

    Raises
    ------
    ScenarioError
        A file that cannot be read, no such variable (or several candidates and none named), a GeoTIFF without
        band times, units other than mm/h, times not evenly spaced, no CRS, or cells of the grid the file does not
        cover.
    """
    import rioxarray  # noqa: F401  (the .rio accessor)
    from rasterio.enums import Resampling

    path = Path(path)
    da, name, close = _open_grid(path, variable)
    try:
        units = da.attrs.get("units", "")
        units = sorted(set(units))[0] if isinstance(units, tuple) and len(set(units)) == 1 else str(units)
        if units not in RATE_UNITS:
            raise ScenarioError(message(f"{path} variable {name!r}", "units", f"one of {sorted(RATE_UNITS)}", units))
        if da.rio.crs is None:
            raise ScenarioError(message(f"{path} variable {name!r}", "crs", "a CRS (grid_mapping)", None))
        start_s, step_s = _steps(_minutes_since_first(da["time"].values), path)
        on_grid = da.transpose("time", ...).rio.reproject(
            grid.crs, shape=grid.shape, transform=grid.transform, resampling=Resampling.bilinear, nodata=np.nan
        )
        rates = np.asarray(on_grid.values, dtype=np.float64)
    finally:
        close()
    if not np.isfinite(rates).all():
        bad = int((~np.isfinite(rates).all(axis=0)).sum())
        raise ScenarioError(message(f"{path} variable {name!r}", "extent", "covering every cell of the grid",
                                    f"{bad} cells without rain data"))  # fmt: skip
    _check_rates(rates, path)
    return RainField(start_s, step_s, rates * M_S_PER_MM_H, None, str(path))


def _open_grid(path: Path, variable: str | None):
    """The rain variable of a NetCDF file or a GeoTIFF (see :func:`read_gridded_rain`), its name, and a callable
    that closes the file."""
    import rioxarray
    import xarray as xr

    if path.suffix.lower() in (".tif", ".tiff"):
        try:
            da = rioxarray.open_rasterio(path, mask_and_scale=True)
        except (OSError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            raise ScenarioError(message(path, "file", "a GeoTIFF rasterio reads", problem)) from None
        if "time" not in da.dims:
            da.close()
            raise ScenarioError(message(path, "bands", "one per time, each with its time in GDAL's netCDF metadata "
                                        "(NETCDF_DIM_time, and time#units for the file), as gdal_translate writes "
                                        "them from a CF NetCDF", f"dims {list(da.dims)}"))  # fmt: skip
        return da, path.stem, da.close
    try:
        ds = xr.open_dataset(path, decode_coords="all")  # the grid mapping as a coordinate: its CRS
    except (OSError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise ScenarioError(message(path, "file", "a NetCDF file xarray reads", problem)) from None
    candidates = [v for v in ds.data_vars if "time" in ds[v].dims]
    name = variable or (candidates[0] if len(candidates) == 1 else None)
    if name is None or name not in ds.data_vars:
        ds.close()
        raise ScenarioError(message(path, "grid_variable", f"one of {candidates}", variable))
    return ds[name], name, ds.close


def _minutes_since_first(times: np.ndarray) -> np.ndarray:
    """Minutes from the first of CF times decoded as numpy datetimes or as cftime/datetime objects."""
    if np.issubdtype(times.dtype, np.datetime64):
        return (times - times[0]) / np.timedelta64(1, "m")
    return np.array([(t - times[0]).total_seconds() / 60.0 for t in times])


def _zones_on_grid(path: Path, grid, *, where: str) -> np.ndarray:
    """The zone number of each cell of the grid."""
    if path.suffix.lower() in VECTOR_SUFFIXES:
        gdf, _ = read_vector(path, grid, role="rain zones")
        if "zone" not in gdf.columns:
            raise ScenarioError(message(path, "columns", "to include zone (the zone number)", list(gdf.columns)))
        codes = rasterize_classes(gdf, "zone", grid)
    else:
        codes, _ = read_raster([path], grid, resampling="nearest", dtype="int32")
    if (codes < 0).any():
        raise ScenarioError(message(f"{where}: {path}", "zones", "a zone (≥ 0) on every cell of the grid",
                                    f"{int((codes < 0).sum())} cells without one"))  # fmt: skip
    return codes


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(line for line in f if not line.startswith("#")):
                return [c.strip() for c in row]
    except FileNotFoundError:
        raise ScenarioError(f"{path}: zone rain series not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: zone rain series cannot be read as UTF-8 text ({exc})") from None
    return []


def _steps(times_min: np.ndarray, path: Path) -> tuple[float, float]:
    """Start and step (s) of evenly spaced, increasing times (min); one time makes a one-minute step."""
    steps = np.diff(times_min)
    if times_min.size < 1 or (steps.size and (not np.allclose(steps, steps[0]) or steps[0] <= 0)):
        raise ScenarioError(message(path, "time", "evenly spaced and increasing", times_min[:5].tolist()))
    return float(times_min[0]) * 60.0, (float(steps[0]) * 60.0 if steps.size else 60.0)


def _check_rates(rates: np.ndarray, path: Path) -> None:
    if not np.isfinite(rates).all() or (rates < 0).any():
        raise ScenarioError(message(path, "intensity", "finite and non-negative, mm/h", float(np.nanmin(rates))))
