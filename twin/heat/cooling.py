"""City-scale air temperature: the InVEST Urban Cooling Model (UCM) and a geometry-aware UHI.

The UCM (InVEST 3.x User's Guide, "Urban Cooling"; natcap/invest
``urban_cooling_model.py``), per cell ``i``:

1. evapotranspiration index ``ETI = Kc·ET0 / ET0_max``;
2. cooling capacity by day ("factors") ``CC = w_s·shade + w_a·albedo + w_e·ETI``
   with the weights divided by their sum (0.6 / 0.2 / 0.2 by default), by night
   ("intensity") ``CC = 1 − building_intensity``;
3. green area within ``d_cool``: ``GA = cell area × #green cells at distance ≤ d_cool``;
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
from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

RHO_AIR = 1.2  # kg m-3, air near the ground in summer
CP_AIR = 1005.0  # J kg-1 K-1
GREEN_AREA_THRESHOLD_M2 = 20_000.0  # 2 ha (InVEST)
KERNEL_CUTOFF = 5.0  # exponential kernels stop at 5 decay distances (InVEST)


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


def weighted_mean(signal: np.ndarray, kernel: np.ndarray, *, mass: np.ndarray | None = None) -> np.ndarray:
    """Kernel-weighted mean of ``signal`` around each cell, edge-corrected (divided by the mass inside the grid)."""
    if mass is None:
        mass = kernel_mass_inside(np.shape(signal)[-2:], kernel)
    return convolve(signal, kernel) / mass


# ---------------------------------------------------------------- the UCM steps


def evapotranspiration_index(kc: np.ndarray, *, et0: float | np.ndarray = 1.0, et0_max: float | None = None):
    """``ETI = Kc·ET0/ET0_max`` (1); with a uniform ET0 it is Kc."""
    et0 = np.asarray(et0, dtype=float)
    top = float(et0.max()) if et0_max is None else et0_max
    return np.asarray(kc, dtype=float) * et0 / top


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
    building_height: np.ndarray, *, cell_size: float, storey_height_m: float, window_m: float, far_max: float
) -> np.ndarray:
    """Building intensity, 0..1: the floor-area ratio around each cell over ``far_max``.

    ``FAR = Σ floors·footprint / land area`` within ``window_m`` (a disk), with
    ``floors = height / storey_height_m``; InVEST reads a building intensity
    per land-cover class instead, normalised the same way.
    """
    floors = np.asarray(building_height, dtype=float) / storey_height_m
    far = weighted_mean(floors, disk_kernel(window_m / cell_size))
    return np.clip(far / far_max, 0.0, 1.0)


def green_area_within(green: np.ndarray, *, cell_size: float, distance_px: float) -> np.ndarray:
    """Green area within ``distance_px`` pixels of each cell (edges count as not green), m²."""
    count = np.rint(convolve(np.asarray(green, dtype=float), disk_kernel(distance_px), double=True))
    return count * cell_size * cell_size


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
    """The kernels of one UCM set-up and their edge corrections, shared by the day and the night."""

    green_px: float
    park: np.ndarray
    park_mass: np.ndarray
    mix: np.ndarray
    mix_mass: np.ndarray


def cooling_kernels(
    shape: tuple[int, int], *, cell_size: float, d_cool_m: float, r_mix_m: float, mode: str
) -> CoolingKernels:
    """Kernels for :func:`urban_cooling`: InVEST's (``mode="invest"``) or the default mode's."""
    if mode == "invest":
        d_px = float(round(d_cool_m / cell_size))
        park = exponential_kernel(d_px)
        mix = exponential_kernel(float(round(r_mix_m / cell_size)))
    else:
        d_px = d_cool_m / cell_size
        park = exponential_kernel(d_px)
        mix = gaussian_kernel(r_mix_m / cell_size / 3.0)
    return CoolingKernels(d_px, park, kernel_mass_inside(shape, park), mix, kernel_mass_inside(shape, mix))


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
    ga = green_area_within(g, cell_size=cell_size, distance_px=kernels.green_px)
    cc_park = weighted_mean(g * cc, kernels.park, mass=kernels.park_mass)
    use_cc = (cc >= cc_park) | (ga < GREEN_AREA_THRESHOLD_M2)
    hm = np.where(use_cc, cc, cc_park)
    excess = (1.0 - hm) * uhi_max_k  # mixed as an excess over T_ref: single precision costs < 1e-5 K
    t_nomix = t_ref + excess
    t_air = t_ref + weighted_mean(excess, kernels.mix, mass=kernels.mix_mass)
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
