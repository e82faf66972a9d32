"""City-scale air temperature: the InVEST Urban Cooling Model (UCM) and a geometry-aware UHI.

The UCM (InVEST 3.x User's Guide, "Urban Cooling"; natcap/invest
``urban_cooling_model.py``), per cell ``i``:

1. evapotranspiration index ``ETI = Kc·ET0 / ET0_max``, ``ET0_max`` the largest ET0
   over the grid (:func:`read_reference_et0` brings an ET0 raster onto it);
2. cooling capacity by day ("factors") ``CC = w_s·shade + w_a·albedo + w_e·ETI``
   with the weights divided by their sum (0.6 / 0.2 / 0.2 by default), by night
   ("intensity") ``CC = 1 − building_intensity`` (InVEST: per land-cover class,
   :func:`building_intensity_from_classes`);
3. green area within ``d_cool``: ``GA = cell area × #green cells at distance ≤ d_cool``
   (InVEST scales the count near the grid's edges up to a full disc: ``edges="full_disc"``);
4. park cooling ``CC_park = Σ_j g_j·CC_j·k(d_ij) / Σ_j k(d_ij)``, the sums over
   the cells of the grid, ``k(d) = exp(−d/d_cool)`` for ``d ≤ 5·d_cool``;
5. heat mitigation ``HM = CC`` if ``CC ≥ CC_park`` or ``GA < 2 ha``, else ``CC_park``;
6. ``T_nomix = T_ref + (1 − HM)·UHI_max``;
7. air mixing ``T_air = Σ_j T_nomix,j·m(d_ij) / Σ_j m(d_ij)``.

In ``"invest"`` mode the kernels are InVEST's: distances rounded to whole
pixels, ``m(d) = exp(−d/r_mix)`` cut at ``5·r_mix``. The default mode follows
the User's Guide for the mixing, a Gaussian within ``r_mix`` (σ = r_mix/3), and
keeps distances exact. Every convolution is an FFT (``scipy.signal.fftconvolve``)
divided by the kernel mass that falls inside the grid (edge correction), which
is computed exactly from a summed-area table of the kernel.

Geometry-aware UHI (Theeuwes et al. 2017, Int. J. Climatol. 37):
``UHI_max = (2 − SVF − F_veg)·(S·DTR³/U)^(1/4)`` with ``S`` the daily mean global
irradiance over ρ·c_p (K m s⁻¹), ``DTR`` the rural diurnal range (K) and ``U``
the 10 m wind (m s⁻¹); SVF and F_veg are averaged over a neighbourhood.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from ..errors import DataSourceError, ModelInputError, message
from ..grid import Grid
from ..io import read_raster
from ..landcover import LandCoverTable

RHO_AIR = 1.2  # kg m-3, air near the ground in summer
CP_AIR = 1005.0  # J kg-1 K-1
GREEN_AREA_THRESHOLD_M2 = 20_000.0  # 2 ha (InVEST)
KERNEL_CUTOFF = 5.0  # exponential kernels stop at 5 decay distances (InVEST)
GREEN_EDGES = ("not_green", "full_disc")  # green_area_within: beyond the grid, nothing / InVEST's scaling


# ---------------------------------------------------------------- kernels and convolution


def _distances(radius_px: float) -> np.ndarray:
    r = math.floor(radius_px)
    ax = np.arange(-r, r + 1, dtype=float)
    return np.hypot(ax[:, None], ax[None, :])


def exponential_kernel(decay_px: float, *, cutoff: float = KERNEL_CUTOFF) -> np.ndarray:
    """``exp(−d/decay_px)`` for ``d ≤ cutoff·decay_px`` pixels, normalised to sum 1 (InVEST's decay kernel)."""
    if decay_px <= 0:
        return np.ones((1, 1))
    d = _distances(cutoff * decay_px)
    k = np.where(d <= cutoff * decay_px, np.exp(-d / decay_px), 0.0)
    return k / k.sum()


def gaussian_kernel(sigma_px: float, *, cutoff: float = 3.0) -> np.ndarray:
    """``exp(−d²/(2σ²))`` for ``d ≤ cutoff·σ`` pixels, normalised to sum 1."""
    if sigma_px <= 0:
        return np.ones((1, 1))
    d = _distances(cutoff * sigma_px)
    k = np.where(d <= cutoff * sigma_px, np.exp(-0.5 * (d / sigma_px) ** 2), 0.0)
    return k / k.sum()


def disk_kernel(radius_px: float) -> np.ndarray:
    """1 for ``d ≤ radius_px`` pixels, else 0 (not normalised: convolving counts cells)."""
    return (_distances(radius_px) <= radius_px).astype(float)


def _crop(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The part of a centred kernel that can reach from one grid cell to another."""
    ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
    cy, cx = min(ry, shape[0] - 1), min(rx, shape[1] - 1)
    return kernel[ry - cy : ry + cy + 1, rx - cx : rx + cx + 1]


def convolve(signal: np.ndarray, kernel: np.ndarray, *, double: bool = False) -> np.ndarray:
    """``Σ_j signal_j·kernel(i − j)`` over the grid (zero outside), by FFT; float64 of the shape of ``signal``.

    ``signal`` may stack several maps on a leading axis: they share one FFT of the kernel. The FFT runs in
    single precision (twice as fast; errors about 1e-7 of the signal's largest values) unless ``double``.
    """
    dtype = np.float64 if double else np.float32
    signal = np.asarray(signal, dtype=dtype)
    k = _crop(kernel, signal.shape[-2:]).astype(dtype)
    if signal.ndim == 3:
        k = k[None, :, :]
    return fftconvolve(signal, k, mode="same", axes=(-2, -1)).astype(np.float64)


def kernel_mass_inside(shape: tuple[int, int], kernel: np.ndarray) -> np.ndarray:
    """``Σ_j kernel(i − j)`` over the cells ``j`` of a grid of ``shape``: the edge correction, exact.

    Uses a summed-area table of the (centred, odd-sized) kernel, so it costs
    O(cells) whatever the kernel size.
    """
    k = _crop(kernel, shape)
    ry, rx = k.shape[0] // 2, k.shape[1] // 2
    sat = np.zeros((k.shape[0] + 1, k.shape[1] + 1))
    sat[1:, 1:] = k.cumsum(0).cumsum(1)
    ny, nx = shape
    i = np.arange(ny)
    j = np.arange(nx)
    # offsets o = i - m for m in [0, n-1] -> kernel rows r + o, i.e. [r + i - (n - 1), r + i], clipped
    y0 = np.clip(ry + i - (ny - 1), 0, k.shape[0])[:, None]
    y1 = np.clip(ry + i + 1, 0, k.shape[0])[:, None]
    x0 = np.clip(rx + j - (nx - 1), 0, k.shape[1])[None, :]
    x1 = np.clip(rx + j + 1, 0, k.shape[1])[None, :]
    return sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]


def kernel_mass(shape: tuple[int, int], kernel: np.ndarray, inside: np.ndarray | None = None) -> np.ndarray:
    """``Σ_j kernel(i − j)`` over the cells ``j`` of the grid, or of its ``inside`` cells (a territory's domain:
    cells outside it are treated as the grid's edge is). Never below the smallest positive weight's thousandth, so
    that a cell whose neighbourhood is all outside divides by something (its value is not used)."""
    if inside is None:
        return kernel_mass_inside(shape, kernel)
    return np.maximum(convolve(np.asarray(inside, dtype=float), kernel, double=True), 1e-3 * kernel[kernel > 0].min())


def weighted_mean(
    signal: np.ndarray, kernel: np.ndarray, *, mass: np.ndarray | None = None, inside: np.ndarray | None = None
) -> np.ndarray:
    """Kernel-weighted mean of ``signal`` around each cell, edge-corrected: over the cells of the grid, or of its
    ``inside`` cells only (divided by the kernel's mass on them, :func:`kernel_mass`)."""
    if mass is None:
        mass = kernel_mass(np.shape(signal)[-2:], kernel, inside)
    if inside is not None:
        signal = np.asarray(signal, dtype=float) * inside
    return convolve(signal, kernel) / mass


# ---------------------------------------------------------------- the UCM steps


def evapotranspiration_index(
    kc: np.ndarray, *, et0: float | np.ndarray = 1.0, et0_max: float | None = None
) -> np.ndarray:
    """Evapotranspiration index ``ETI = Kc·ET0/ET0_max``, 1 (InVEST UCM, equation 1).

    Parameters
    ----------
    kc : numpy.ndarray
        Crop coefficient Kc of each cell, 1.
    et0 : float or numpy.ndarray
        Reference evapotranspiration, mm (any period, the same for every cell); one value, or one per cell
        (:func:`read_reference_et0`). With a uniform ET0 the index is Kc.
    et0_max : float, optional
        The ET0 that gives ``ETI = Kc``, mm. By default InVEST's: the largest ET0 over the grid's valid
        (non-NaN) cells, rounded to 9 decimals (``GetStatistics`` of the aligned ET0 raster in
        ``urban_cooling_model.py``).

    Returns
    -------
    numpy.ndarray
        ETI, 1, of the broadcast shape of ``kc`` and ``et0``; NaN where ET0 is NaN. Not capped: Kc > 1 gives ETI > 1,
        as in InVEST.

    Raises
    ------
    ModelInputError
        ``et0_max`` (given or found) not a positive finite number.
    """
    et0 = np.asarray(et0, dtype=float)
    if et0_max is None:
        top = round(float(np.nanmax(et0)), 9) if np.isfinite(et0).any() else float("nan")
    else:
        top = float(et0_max)
    if not (math.isfinite(top) and top > 0.0):
        raise ModelInputError(message("evapotranspiration index", "ET0_max", "a positive number of mm", top))
    return np.asarray(kc, dtype=float) * et0 / top


def read_reference_et0(
    paths: Sequence[str | Path], grid: Grid, *, assume_crs: object = None, resampling: str = "bilinear"
) -> tuple[np.ndarray, list[str]]:
    """Read a reference evapotranspiration raster (InVEST's ``ref_eto_raster_path``) onto ``grid``.

    Tiles are mosaicked and resampled by :func:`twin.io.read_raster`. InVEST aligns ET0 with a cubic spline;
    a raster already on the grid is used as is, so both agree exactly there.

    Parameters
    ----------
    paths : sequence of path
        One or more raster tiles of ET0, mm (for the period the cooling capacity is for).
    grid : Grid
        The territory's grid.
    assume_crs : object, optional
        CRS for files that carry none (``"EPSG:2154"``).
    resampling : {"bilinear", "nearest"}
        How to resample a raster that is not on the grid.

    Returns
    -------
    et0 : numpy.ndarray
        float64 ET0 of ``grid.shape``, mm, ≥ 0 and finite on every cell.
    notes : list of str
        One line per step taken.

    Raises
    ------
    MissingFileError
        No such file.
    CRSError
        A file without a CRS (and no ``assume_crs``).
    DataSourceError
        A file GDAL cannot read, no overlap with the grid, cells of the grid left without a value (the
        raster does not cover the territory, or its nodata falls inside it), negative values, or ET0 = 0
        everywhere.
    """
    et0, notes = read_raster(paths, grid, resampling=resampling, assume_crs=assume_crs, dtype="float64")
    where = ", ".join(str(p) for p in paths)
    missing = ~np.isfinite(et0)
    if missing.any():
        raise DataSourceError(
            message(
                where,
                "reference evapotranspiration",
                "a value on every cell of the grid (the raster must cover the territory, without nodata in it)",
                f"{int(missing.sum())} of {et0.size} cells without a value",
            )
        )
    if et0.min() < 0.0:
        raise DataSourceError(message(where, "reference evapotranspiration", "≥ 0 mm", float(et0.min())))
    if et0.max() <= 0.0:
        raise DataSourceError(
            message(where, "reference evapotranspiration", "positive somewhere on the grid, mm", float(et0.max()))
        )
    return et0, notes


def cooling_capacity_factors(
    shade: np.ndarray, albedo: np.ndarray, eti: np.ndarray, *, weights: tuple[float, float, float] = (0.6, 0.2, 0.2)
) -> np.ndarray:
    """Daytime cooling capacity ``CC = (w_s·shade + w_a·albedo + w_e·ETI) / (w_s + w_a + w_e)``, 1."""
    ws, wa, we = weights
    total = ws + wa + we
    return (ws * np.asarray(shade, float) + wa * np.asarray(albedo, float) + we * np.asarray(eti, float)) / total


def cooling_capacity_intensity(building_intensity: np.ndarray) -> np.ndarray:
    """Night-time cooling capacity ``CC = 1 − building_intensity``, 1."""
    return 1.0 - np.asarray(building_intensity, dtype=float)


def building_intensity(
    building_height: np.ndarray,
    *,
    cell_size: float,
    storey_height_m: float,
    window_m: float,
    far_max: float,
    inside: np.ndarray | None = None,
) -> np.ndarray:
    """Building intensity, 0..1: the floor-area ratio around each cell over ``far_max``.

    ``FAR = Σ floors·footprint / land area`` within ``window_m`` (a disk), with
    ``floors = height / storey_height_m``, over the grid's cells or its ``inside`` ones (a domain); InVEST reads
    a building intensity per land-cover class instead, normalised the same way.
    """
    floors = np.asarray(building_height, dtype=float) / storey_height_m
    far = weighted_mean(floors, disk_kernel(window_m / cell_size), inside=inside)
    return np.clip(far / far_max, 0.0, 1.0)


def green_area_within(
    green: np.ndarray,
    *,
    cell_size: float,
    distance_px: float,
    edges: str = "not_green",
    inside: np.ndarray | None = None,
) -> np.ndarray:
    """Green area within ``distance_px`` pixels (cell centres at ``d ≤ distance_px``) of each cell, m².

    Parameters
    ----------
    green : numpy.ndarray
        1 on green-area cells, else 0, shape (ny, nx).
    cell_size : float
        Cell edge, m.
    distance_px : float
        The search radius ``d_cool``, pixels.
    edges : {"not_green", "full_disc"}
        ``"not_green"``: cells beyond the grid count as not green (the User's Guide's sum). ``"full_disc"``:
        InVEST's code, which counts the green cells inside the grid and scales the count up to a full disc,
        ``count × (cells of the disc) / (cells of the disc inside the grid)`` (pygeoprocessing's
        ``convolve_2d`` with ``ignore_nodata_and_edges=True`` on an unnormalised dichotomous kernel).
    inside : numpy.ndarray, optional
        The cells of the territory's domain (bool): those outside count as beyond the grid.

    Returns
    -------
    numpy.ndarray
        float64, shape of ``green``, m². With ``"not_green"`` a whole number of cells.

    Raises
    ------
    ModelInputError
        An unknown ``edges``.
    """
    if edges not in GREEN_EDGES:
        raise ModelInputError(message("green_area_within", "edges", f"one of {list(GREEN_EDGES)}", edges))
    disk = disk_kernel(distance_px)
    green = np.asarray(green, dtype=float) if inside is None else np.asarray(green, dtype=float) * inside
    count = np.rint(convolve(green, disk, double=True))
    if edges == "full_disc":
        count = count * (disk.sum() / kernel_mass(count.shape, disk, inside))
    return count * cell_size * cell_size


def building_intensity_from_classes(
    land_cover: np.ndarray, table: LandCoverTable, *, column: str = "building_intensity"
) -> np.ndarray:
    """InVEST's building intensity: the value of the land-cover table's ``building_intensity`` column per class.

    InVEST's night mode (``cc_method = "intensity"``) reads, for each land-cover class, "the ratio of building
    floor area to footprint area, with all values in this column normalized between 0 and 1", and takes
    ``CC = 1 − building_intensity`` (:func:`cooling_capacity_intensity`).

    Parameters
    ----------
    land_cover : numpy.ndarray
        Land-cover class codes of the grid (integers).
    table : LandCoverTable
        The land-cover table of those codes; its ``values`` must hold ``column``.
    column : str
        The table's column to read, 1.

    Returns
    -------
    numpy.ndarray
        float64 building intensity of each cell, 0..1.

    Raises
    ------
    DataSourceError
        The table has no such column, a value outside [0, 1] (naming the class), or a code of
        ``land_cover`` the table does not define.
    """
    if column not in table.values:
        raise DataSourceError(
            message(
                table.source,
                "columns",
                f"to include {column!r} (0..1 per class) for InVEST's night mode",
                sorted(table.values),
            )
        )
    values = np.asarray(table.values[column], dtype=float)
    bad = ~((values >= 0.0) & (values <= 1.0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        where = f"{table.source}, class {int(table.codes[k])} ({table.names[k]})"
        raise DataSourceError(message(where, column, "within [0, 1]", float(values[k])))
    unknown = table.unknown_codes(np.asarray(land_cover))
    if unknown:
        raise DataSourceError(message(table.source, "code", "defined for every land-cover class of the grid", unknown))
    lut = np.full(256, np.nan)
    lut[table.codes] = values
    return lut[np.asarray(land_cover).astype(np.int64)]


@dataclass(frozen=True)
class Cooling:
    """The UCM fields, each (ny, nx), float64.

    Attributes
    ----------
    cc, cc_park, hm : numpy.ndarray
        Cooling capacity, park cooling and heat mitigation index, 1.
    green_area_m2 : numpy.ndarray
        Green area within ``d_cool``, m².
    t_nomix, t_air : numpy.ndarray
        Air temperature before and after mixing, °C.
    """

    cc: np.ndarray
    cc_park: np.ndarray
    green_area_m2: np.ndarray
    hm: np.ndarray
    t_nomix: np.ndarray
    t_air: np.ndarray

    def run(self, k: int) -> Cooling:
        """The fields of run ``k`` when :func:`urban_cooling` ran several at once."""
        return Cooling(*(getattr(self, f)[k] for f in ("cc", "cc_park", "green_area_m2", "hm", "t_nomix", "t_air")))


@dataclass(frozen=True)
class CoolingKernels:
    """The kernels of one UCM set-up and their edge corrections, shared by the day and the night.

    ``green_edges`` is how :func:`green_area_within` treats the grid's edges (``"not_green"`` or InVEST's
    ``"full_disc"``).
    """

    green_px: float
    park: np.ndarray
    park_mass: np.ndarray
    mix: np.ndarray
    mix_mass: np.ndarray
    green_edges: str = "not_green"
    inside: np.ndarray | None = None  # the domain's cells: the neighbourhoods leave the others out


def cooling_kernels(
    shape: tuple[int, int],
    *,
    cell_size: float,
    d_cool_m: float,
    r_mix_m: float,
    mode: str,
    green_edges: str = "not_green",
    inside: np.ndarray | None = None,
) -> CoolingKernels:
    """Kernels for :func:`urban_cooling`: InVEST's (``mode="invest"``) or the default mode's.

    ``green_edges="full_disc"`` gives InVEST's green area near the grid's edges (see :func:`green_area_within`);
    the default counts cells beyond the grid as not green, whatever the mode. With ``inside`` (a territory's
    domain, bool), cells outside it are treated as the grid's edge is: in no green area, cooling or mixing.
    """
    if green_edges not in GREEN_EDGES:
        raise ModelInputError(message("cooling_kernels", "green_edges", f"one of {list(GREEN_EDGES)}", green_edges))
    if mode == "invest":
        d_px = float(round(d_cool_m / cell_size))
        park = exponential_kernel(d_px)
        mix = exponential_kernel(float(round(r_mix_m / cell_size)))
    else:
        d_px = d_cool_m / cell_size
        park = exponential_kernel(d_px)
        mix = gaussian_kernel(r_mix_m / cell_size / 3.0)
    masses = kernel_mass(shape, park, inside), kernel_mass(shape, mix, inside)
    return CoolingKernels(d_px, park, masses[0], mix, masses[1], green_edges, inside)


def urban_cooling(
    cc: np.ndarray,
    green: np.ndarray,
    *,
    t_ref_c: float | np.ndarray,
    uhi_max_k: float | np.ndarray,
    cell_size: float,
    kernels: CoolingKernels,
) -> Cooling:
    """Run UCM steps 3–7 from a cooling capacity.

    Parameters
    ----------
    cc : numpy.ndarray
        Cooling capacity, 1, shape (ny, nx), or (n, ny, nx) for ``n`` runs
        that share the kernels' FFTs (the day and the night).
    green : numpy.ndarray
        1 on green-area cells, else 0, shape (ny, nx).
    t_ref_c : float or numpy.ndarray
        Rural reference air temperature, °C (one per run).
    uhi_max_k : float or numpy.ndarray
        UHI magnitude, K (one value, or one per cell).
    cell_size : float
        Cell edge, m.
    kernels : CoolingKernels
        From :func:`cooling_kernels`.

    Returns
    -------
    Cooling
        Fields of the shape of ``cc``.
    """
    cc = np.asarray(cc, dtype=float)
    g = np.asarray(green, dtype=float)
    t_ref = np.asarray(t_ref_c, dtype=float).reshape((-1, 1, 1) if cc.ndim == 3 else ())
    inside = kernels.inside
    ga = green_area_within(
        g, cell_size=cell_size, distance_px=kernels.green_px, edges=kernels.green_edges, inside=inside
    )
    cc_park = weighted_mean(g * cc, kernels.park, mass=kernels.park_mass, inside=inside)
    use_cc = (cc >= cc_park) | (ga < GREEN_AREA_THRESHOLD_M2)
    hm = np.where(use_cc, cc, cc_park)
    excess = (1.0 - hm) * uhi_max_k  # mixed as an excess over T_ref: single precision costs < 1e-5 K
    t_nomix = t_ref + excess
    t_air = t_ref + weighted_mean(excess, kernels.mix, mass=kernels.mix_mass, inside=inside)
    return Cooling(cc, cc_park, np.broadcast_to(ga, cc.shape), hm, t_nomix, t_air)


# ---------------------------------------------------------------- Theeuwes et al. (2017)


def uhi_meteorology_k(*, mean_ghi_w_m2: float, dtr_k: float, wind_m_s: float) -> float:
    """The weather term ``(S·DTR³/U)^(1/4)`` of Theeuwes et al. (2017), K, with ``S = mean GHI/(ρ·c_p)``."""
    s = mean_ghi_w_m2 / (RHO_AIR * CP_AIR)
    return float((s * dtr_k**3 / wind_m_s) ** 0.25)


def vegetation_fraction(
    tree_canopy: np.ndarray, green_area: np.ndarray, imperviousness: np.ndarray, green_roof_fraction: np.ndarray
) -> np.ndarray:
    """Vegetated share of each cell, 0..1: trees, the unsealed part of green cells, or a green roof."""
    ground = np.asarray(green_area, float) * (1.0 - np.asarray(imperviousness, float))
    return np.clip(
        np.maximum.reduce([np.asarray(tree_canopy, float), ground, np.asarray(green_roof_fraction, float)]), 0.0, 1.0
    )


def geometric_uhi_max(
    svf: np.ndarray, f_veg: np.ndarray, *, meteorology_k: float, cell_size: float, window_m: float
) -> np.ndarray:
    """``UHI_max = (2 − SVF − F_veg)·meteorology`` with SVF and F_veg averaged within ``window_m``, K."""
    kernel = disk_kernel(window_m / cell_size)
    means = weighted_mean(np.stack([np.asarray(svf, float), np.asarray(f_veg, float)]), kernel)
    return np.clip(2.0 - means[0] - means[1], 0.0, 2.0) * meteorology_k
