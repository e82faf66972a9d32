"""Street-scale comfort: surface temperatures, mean radiant temperature (Tmrt) and UTCI.

Tmrt of a standing person, SOLWEIG-like and simplified (Lindberg, Holmer &
Thorsson 2008, Int. J. Biometeorol. 52): the body is a box with four sides
(angular factor 0.22 each) and a top and bottom (0.06 each); it absorbs
``ζ_k = 0.70`` of shortwave and ``ε_p = 0.95`` of longwave (UMEP's default),

    S_str = ζ_k·Σ F_i·K_i + ε_p·Σ F_i·L_i,   Tmrt = (S_str / (ε_p·σ))^(1/4) − 273.15.

Fluxes, with ``s`` the sunlit share, ``I`` / ``D`` the direct normal and diffuse
horizontal irradiance, ``e`` / ``a`` the sun's elevation / azimuth, ``ψ`` the sky
seen past buildings and the cell's own crown (``ψ = SVF·(1 − c·(1 − τ))``):

* walls receive ``K_w = I·cos e/π + D/2`` (the mean over wall orientations) and
  reflect ``α_w·K_w``;
* down (top face): ``K↓ = s·I·sin e + ψ·D + (1 − SVF)·α_w·K_w``;
* up (bottom face): ``K↑ = α_g·(s·I·sin e + ψ·D)``;
* sides: the beam ``s·I·cos e·max(cos(a − φ_i), 0)`` on each face ``φ_i``, and half
  of the down and up diffuse fluxes;
* longwave down ``L↓ = ψ·ε_sky·σT_a⁴ + (SVF − ψ)·σT_a⁴ + (1 − SVF)·(ε_w·σT_w⁴ + (1 − ε_w)·L_sky)``
  (leaves at air temperature), up ``L↑ = ε_g·σT_g⁴ + (1 − ε_g)·L↓``, sides half and half.

Sky emissivity: Brutsaert (1975), ``ε_sky = 1.24·(e_a/T_a)^(1/7)`` with the vapour
pressure in hPa and the air temperature in K.

Surface temperatures are estimated per land cover from the physical layers
(an assumption, in place of SOLWEIG's empirical ground-temperature wave): the
absorbed shortwave heats a surface by ``(1 − α)·K_abs / h`` (h = 36 W m⁻² K⁻¹),
reduced by evaporation by ``1 − 0.8·min(Kc, 1)``: sunlit asphalt at 15:00 in a
heatwave runs about 16 K above the air, sunlit grass about 4 K, shade 0.5–2 K.

UTCI: ``pythermalcomfort.models.utci`` (Bröde et al. 2012), never re-written
here. Inputs outside its validity (wind 0.5–17 m s⁻¹, Tmrt − Ta within −30..70 K,
vapour pressure ≤ 5 kPa) are clipped to the nearest valid value and flagged.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

SIGMA = 5.670374419e-8  # W m-2 K-4, Stefan-Boltzmann
KELVIN = 273.15
ABS_K = 0.70  # shortwave absorption of the body (SOLWEIG)
ABS_L = 0.95  # longwave absorption / emissivity of the body (UMEP default)
F_SIDE = 0.22  # angular factor of each of the four sides, standing person
F_UP_DOWN = 0.06  # angular factor of the top and of the bottom
UTCI_STRESS_C = (26.0, 32.0, 38.0, 46.0)  # moderate, strong, very strong, extreme heat stress above these
TROPICAL_NIGHT_C = 20.0  # a night whose lowest air temperature stays at or above this is tropical, °C
UTCI_CLASSES = (
    "no heat stress",
    "moderate heat stress",
    "strong heat stress",
    "very strong heat stress",
    "extreme heat stress",
)
# Bits of the UTCI flag: which input was outside pythermalcomfort's validity and clipped.
FLAG_WIND, FLAG_RADIANT, FLAG_AIR, FLAG_VAPOUR = 1, 2, 4, 8


def vapour_pressure_hpa(t_air_c: np.ndarray, rh_pct: np.ndarray) -> np.ndarray:
    """Vapour pressure, hPa, from air temperature (°C) and relative humidity (%) (Magnus, as in weather.py)."""
    t = np.asarray(t_air_c, dtype=float)
    return np.asarray(rh_pct, dtype=float) / 100.0 * 6.105 * np.exp(17.27 * t / (237.7 + t))


def sky_emissivity(t_air_c: np.ndarray, vapour_hpa: np.ndarray) -> np.ndarray:
    """Clear-sky emissivity of Brutsaert (1975), 1."""
    return 1.24 * (np.asarray(vapour_hpa, float) / (np.asarray(t_air_c, float) + KELVIN)) ** (1.0 / 7.0)


@dataclass(frozen=True)
class SurfaceModel:
    """How surfaces warm above the air in the sun (see the module docstring).

    Attributes
    ----------
    exchange_w_m2_k : float
        Heat lost per kelvin of surface excess, W m⁻² K⁻¹.
    evaporative_cooling : float
        Share of the heating removed at ``Kc = 1``.
    wall_albedo, wall_emissivity : float
        Of building walls, 1.
    """

    exchange_w_m2_k: float = 36.0
    evaporative_cooling: float = 0.8
    wall_albedo: float = 0.2
    wall_emissivity: float = 0.9


def ground_temperature(
    t_air_c: np.ndarray, absorbed_w_m2: np.ndarray, kc: np.ndarray, *, surface: SurfaceModel
) -> np.ndarray:
    """Ground surface temperature, °C: ``T_a + K_abs/h·(1 − β·min(Kc, 1))``, ``K_abs`` the absorbed shortwave, W m⁻²."""
    wet = 1.0 - surface.evaporative_cooling * np.clip(np.asarray(kc, float), 0.0, 1.0)
    return np.asarray(t_air_c, float) + np.asarray(absorbed_w_m2, float) / surface.exchange_w_m2_k * wet


def mean_radiant_temperature(
    *,
    t_air_c: np.ndarray,
    vapour_hpa: float | np.ndarray,
    sunlit: np.ndarray,
    svf: np.ndarray,
    own_canopy: np.ndarray,
    canopy_transmissivity: float,
    albedo: np.ndarray,
    emissivity: np.ndarray,
    kc: np.ndarray,
    dni_w_m2: float,
    dhi_w_m2: float,
    elevation_deg: float,
    azimuth_deg: float,
    surface: SurfaceModel | None = None,
) -> np.ndarray:
    """Tmrt of a standing person in each cell, °C.

    Parameters
    ----------
    t_air_c : numpy.ndarray
        Air temperature, °C.
    vapour_hpa : float or numpy.ndarray
        Vapour pressure, hPa.
    sunlit : numpy.ndarray
        Share of the direct beam reaching the person, 0..1 (own crown included).
    svf : numpy.ndarray
        Sky view factor of buildings and terrain, 0..1.
    own_canopy : numpy.ndarray
        Tree canopy over the cell, 0..1.
    canopy_transmissivity : float
        Share of radiation passing through leaves, 0..1.
    albedo, emissivity, kc : numpy.ndarray
        Of the ground, 1.
    dni_w_m2, dhi_w_m2 : float
        Direct normal and diffuse horizontal irradiance, W m⁻².
    elevation_deg, azimuth_deg : float
        Sun position, degrees (azimuth clockwise from north).
    surface : SurfaceModel, optional
        Surface-temperature assumptions.

    Returns
    -------
    numpy.ndarray
        Tmrt, °C, float64.
    """
    surface = surface or SurfaceModel()
    ta = np.asarray(t_air_c, float)
    svf = np.clip(np.asarray(svf, float), 0.0, 1.0)
    s = np.asarray(sunlit, float)
    psi = svf * (1.0 - np.asarray(own_canopy, float) * (1.0 - canopy_transmissivity))
    e = np.radians(max(elevation_deg, 0.0))
    a = np.radians(azimuth_deg)
    beam_h = dni_w_m2 * np.sin(e)  # on a horizontal surface
    beam_v = dni_w_m2 * np.cos(e)  # on a surface facing the sun
    k_wall = beam_v / np.pi + 0.5 * dhi_w_m2
    # shortwave
    k_ground_in = s * beam_h + psi * dhi_w_m2
    k_down = k_ground_in + (1.0 - svf) * surface.wall_albedo * k_wall
    k_up = np.asarray(albedo, float) * k_ground_in
    beam_sides = s * beam_v * (abs(np.cos(a)) + abs(np.sin(a)))  # Σ over the 4 faces of max(cos(a − φ_i), 0)
    k_sides = beam_sides + 4.0 * 0.5 * (k_down - s * beam_h + k_up)
    # longwave
    t_ground = ground_temperature(ta, (1.0 - np.asarray(albedo, float)) * k_ground_in, kc, surface=surface)
    t_wall = ta + (1.0 - surface.wall_albedo) * k_wall / surface.exchange_w_m2_k
    black_air = SIGMA * (ta + KELVIN) ** 4
    l_sky = sky_emissivity(ta, vapour_hpa) * black_air
    l_wall = surface.wall_emissivity * SIGMA * (t_wall + KELVIN) ** 4 + (1.0 - surface.wall_emissivity) * l_sky
    l_down = psi * l_sky + (svf - psi) * black_air + (1.0 - svf) * l_wall
    eps_g = np.asarray(emissivity, float)
    l_up = eps_g * SIGMA * (t_ground + KELVIN) ** 4 + (1.0 - eps_g) * l_down
    l_sides = 4.0 * 0.5 * (l_down + l_up)
    absorbed = ABS_K * (F_UP_DOWN * (k_down + k_up) + F_SIDE * k_sides) + ABS_L * (
        F_UP_DOWN * (l_down + l_up) + F_SIDE * l_sides
    )
    return (absorbed / (ABS_L * SIGMA)) ** 0.25 - KELVIN


@dataclass(frozen=True)
class Utci:
    """UTCI and where its inputs had to be clipped.

    Attributes
    ----------
    utci_c : numpy.ndarray
        Universal Thermal Climate Index, °C.
    flag : numpy.ndarray
        uint8 bits: 1 wind, 2 Tmrt − Ta, 4 air temperature, 8 vapour pressure
        outside the validity of the polynomial (clipped); 0 when valid.
    """

    utci_c: np.ndarray
    flag: np.ndarray


def utci(t_air_c, t_mrt_c, wind_m_s, rh_pct) -> Utci:
    """UTCI with pythermalcomfort's vectorised ``utci``; out-of-range inputs are clipped and flagged.

    Parameters
    ----------
    t_air_c, t_mrt_c : array_like
        Air and mean radiant temperature, °C.
    wind_m_s : array_like
        Wind speed at 10 m, m s⁻¹.
    rh_pct : array_like
        Relative humidity, % (0..100).

    Returns
    -------
    Utci
    """
    from pythermalcomfort.models import utci as _ptc_utci

    ta, tr, v, rh = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (t_air_c, t_mrt_c, wind_m_s, rh_pct)))
    flag = np.zeros(ta.shape, dtype=np.uint8)
    v_ok = np.clip(v, 0.5, 17.0)
    flag[v_ok != v] |= FLAG_WIND
    ta_ok = np.clip(ta, -50.0, 50.0)
    flag[ta_ok != ta] |= FLAG_AIR
    dt_ok = np.clip(tr - ta_ok, -30.0, 70.0)
    flag[dt_ok != tr - ta_ok] |= FLAG_RADIANT
    rh_ok = np.clip(rh, 0.0, 100.0)
    with warnings.catch_warnings():  # out-of-range values are flagged here, not warned about cell by cell
        warnings.simplefilter("ignore", UserWarning)
        value = np.asarray(_ptc_utci(tdb=ta_ok, tr=ta_ok + dt_ok, v=v_ok, rh=rh_ok, round_output=False).utci, float)
        # What is still NaN has a vapour pressure above 5 kPa: lower the humidity to just below it.
        for _ in range(8):
            bad = np.isnan(value)
            if not bad.any():
                break
            flag[bad] |= FLAG_VAPOUR
            rh_ok = np.where(bad, np.minimum(rh_ok, 100.0 * 49.0 / vapour_pressure_hpa(ta_ok, 100.0)) * 0.98, rh_ok)
            fix = _ptc_utci(tdb=ta_ok[bad], tr=ta_ok[bad] + dt_ok[bad], v=v_ok[bad], rh=rh_ok[bad], round_output=False)
            value[bad] = fix.utci
    return Utci(value, flag)


def utci_stress_class(utci_c: np.ndarray) -> np.ndarray:
    """Heat-stress class of each UTCI value: 0 none (≤ 26 °C), 1 moderate (26–32], 2 strong (32–38],
    3 very strong (38–46], 4 extreme (> 46), as uint8 (bins include their upper edge, as pythermalcomfort)."""
    return np.digitize(np.asarray(utci_c, float), UTCI_STRESS_C, right=True).astype(np.uint8)
