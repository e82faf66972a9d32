"""The sun over the territory: position, clear-sky irradiance, and the shadows it casts.

Position: the NOAA solar calculator (after Meeus, *Astronomical Algorithms*,
1991), good to about 0.01° between 1950 and 2050; the elevation is geometric
(no refraction). Tested against pvlib's NREL SPA within 0.1° over a year.

Hours are **local solar time**, as in :mod:`twin.heat.weather` (the air is
warmest at 15:00 solar time): :func:`solar_time_to_utc` turns them into UTC
with the longitude and the equation of time.

Clear-sky irradiance (a heatwave day is clear):

* direct normal ``I = S0·(1 + 0.033·cos(2π·doy/365))·0.7^(AM^0.678)``
  (Meinel & Meinel 1976), with the air mass ``AM`` of Kasten & Young (1989);
* diffuse horizontal ``D = 0.1·I`` (the usual clear-sky share);
* global horizontal ``G = I·sin(e) + D``.

Shadows: a ray from each cell towards the sun through the surface model
(buildings block it) and the tree crowns (which pass a share of it), see
:func:`twin.heat._kernels.shadow_sunlit`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from . import _kernels

SOLAR_CONSTANT_W_M2 = 1361.0  # Kopp & Lean (2011)
DIFFUSE_SHARE = 0.1  # clear-sky diffuse horizontal / direct normal
SHADOW_STEP_CELLS = 0.5  # ray-march step, cells


def julian_day(times_utc: np.ndarray) -> np.ndarray:
    """Julian day of UTC instants (``datetime64``), days."""
    t = np.asarray(times_utc, dtype="datetime64[ns]")
    return (t - np.datetime64("1970-01-01T00:00:00", "ns")) / np.timedelta64(86_400_000_000_000, "ns") + 2440587.5


def _noaa_terms(jd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solar declination (rad) and equation of time (min) at Julian days ``jd`` (NOAA spreadsheet)."""
    jc = (jd - 2451545.0) / 36525.0
    l0 = np.radians((280.46646 + jc * (36000.76983 + jc * 0.0003032)) % 360.0)
    m = np.radians(357.52911 + jc * (35999.05029 - 0.0001537 * jc))
    ecc = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc)
    centre = (
        np.sin(m) * (1.914602 - jc * (0.004817 + 0.000014 * jc))
        + np.sin(2 * m) * (0.019993 - 0.000101 * jc)
        + np.sin(3 * m) * 0.000289
    )
    omega = np.radians(125.04 - 1934.136 * jc)
    apparent_long = np.radians(np.degrees(l0) + centre - 0.00569 - 0.00478 * np.sin(omega))
    mean_obliquity = 23.0 + (26.0 + (21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))) / 60.0) / 60.0
    obliquity = np.radians(mean_obliquity + 0.00256 * np.cos(omega))
    declination = np.arcsin(np.sin(obliquity) * np.sin(apparent_long))
    y = np.tan(obliquity / 2.0) ** 2
    eq_time = 4.0 * np.degrees(
        y * np.sin(2 * l0)
        - 2 * ecc * np.sin(m)
        + 4 * ecc * y * np.sin(m) * np.cos(2 * l0)
        - 0.5 * y * y * np.sin(4 * l0)
        - 1.25 * ecc * ecc * np.sin(2 * m)
    )
    return declination, eq_time


def sun_position(times_utc: np.ndarray, *, latitude: float, longitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Geometric solar elevation and azimuth (NOAA / Meeus).

    Parameters
    ----------
    times_utc : array of numpy.datetime64
        Instants, UTC.
    latitude, longitude : float
        Degrees north and east (WGS 84).

    Returns
    -------
    elevation : numpy.ndarray
        Angle of the sun's centre above the horizon, degrees (no refraction).
    azimuth : numpy.ndarray
        Degrees clockwise from north, 0..360.
    """
    jd = julian_day(times_utc)
    declination, eq_time = _noaa_terms(jd)
    minutes_utc = (jd - 0.5) % 1.0 * 1440.0
    true_solar_min = (minutes_utc + eq_time + 4.0 * longitude) % 1440.0
    hour_angle = np.radians(true_solar_min / 4.0 - 180.0)
    lat = math.radians(latitude)
    sin_e = math.sin(lat) * np.sin(declination) + math.cos(lat) * np.cos(declination) * np.cos(hour_angle)
    elevation = np.degrees(np.arcsin(np.clip(sin_e, -1.0, 1.0)))
    east = -np.cos(declination) * np.sin(hour_angle)
    north = np.sin(declination) * math.cos(lat) - np.cos(declination) * math.sin(lat) * np.cos(hour_angle)
    azimuth = np.degrees(np.arctan2(east, north)) % 360.0
    return elevation, azimuth


def equation_of_time_min(date: dt.date) -> float:
    """The equation of time on ``date`` (apparent − mean solar time), minutes, at 12:00 UTC (NOAA / Meeus).

    It is evaluated at the instant :func:`solar_time_to_utc` uses, so that times converted with it agree with the
    sun's position; it changes by less than 30 s in a day.

    Parameters
    ----------
    date : datetime.date
        The day.

    Returns
    -------
    float
        Equation of time, min (about −14 in February to +16 in November).
    """
    noon = np.datetime64(date.isoformat() + "T12:00:00", "s")
    return float(_noaa_terms(julian_day(np.array([noon])))[1][0])


def solar_time_to_utc(date: dt.date, hours: np.ndarray, *, longitude: float) -> np.ndarray:
    """UTC instants (``datetime64[s]``) of local solar ``hours`` (0..24) on ``date`` at ``longitude`` (° east).

    Solar time = UTC + 4 min per degree of longitude + the equation of time,
    which is evaluated at the day's solar noon (it changes by < 30 s in a day).
    """
    noon = np.datetime64(date.isoformat() + "T12:00:00", "s")
    _, eq_time = _noaa_terms(julian_day(np.array([noon])))
    offset_min = 4.0 * longitude + float(eq_time[0])
    midnight = np.datetime64(date.isoformat(), "s")
    seconds = np.round((np.asarray(hours, dtype=float) * 60.0 - offset_min) * 60.0).astype("int64")
    return midnight + seconds.astype("timedelta64[s]")


def clear_sky_irradiance(elevation_deg: np.ndarray, *, day_of_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Direct normal and diffuse horizontal irradiance of a clear sky, W m⁻².

    Parameters
    ----------
    elevation_deg : array_like
        Solar elevation, degrees; both are 0 when the sun is below the horizon.
    day_of_year : int
        1..366, for the Earth-Sun distance.

    Returns
    -------
    dni, dhi : numpy.ndarray
        Direct normal and diffuse horizontal irradiance, W m⁻².
    """
    e = np.asarray(elevation_deg, dtype=float)
    up = e > 0.0
    es = np.where(up, e, 90.0)
    air_mass = 1.0 / (np.sin(np.radians(es)) + 0.50572 * (es + 6.07995) ** -1.6364)
    s0 = SOLAR_CONSTANT_W_M2 * (1.0 + 0.033 * math.cos(2.0 * math.pi * day_of_year / 365.0))
    dni = np.where(up, s0 * 0.7 ** (air_mass**0.678), 0.0)
    return dni, DIFFUSE_SHARE * dni


@dataclass(frozen=True)
class SunDay:
    """The sun over one day, hour by hour (local solar time).

    Attributes
    ----------
    hours : numpy.ndarray
        Local solar hours, h.
    elevation, azimuth : numpy.ndarray
        Degrees (elevation geometric, azimuth clockwise from north).
    dni, dhi : numpy.ndarray
        Clear-sky direct normal and diffuse horizontal irradiance, W m⁻².
    """

    hours: np.ndarray
    elevation: np.ndarray
    azimuth: np.ndarray
    dni: np.ndarray
    dhi: np.ndarray

    @property
    def ghi(self) -> np.ndarray:
        """Global horizontal irradiance, W m⁻²."""
        return self.dni * np.sin(np.radians(np.maximum(self.elevation, 0.0))) + self.dhi


def sun_day(date: dt.date, *, latitude: float, longitude: float, hours: np.ndarray | None = None) -> SunDay:
    """Sun position and clear-sky irradiance at local solar ``hours`` (0, 1, ..., 23 by default) of ``date``."""
    h = np.arange(24.0) if hours is None else np.asarray(hours, dtype=float)
    elevation, azimuth = sun_position(
        solar_time_to_utc(date, h, longitude=longitude), latitude=latitude, longitude=longitude
    )
    dni, dhi = clear_sky_irradiance(elevation, day_of_year=date.timetuple().tm_yday)
    return SunDay(h, elevation, azimuth, dni, dhi)


def sunlit_fraction(
    surface: np.ndarray,
    *,
    cell_size: float,
    elevation_deg: float,
    azimuth_deg: float,
    tree_top: np.ndarray | None = None,
    tree_base: np.ndarray | None = None,
    tree_transmission: np.ndarray | None = None,
    with_clear: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Share of the direct beam reaching each cell, 0..1 (0 where a building or the terrain shades it).

    Parameters
    ----------
    surface : numpy.ndarray
        Surface model (ground + buildings), m.
    cell_size : float
        Cell edge, m.
    elevation_deg, azimuth_deg : float
        Sun position, degrees; a sun at or below the horizon lights nothing.
    tree_top, tree_base, tree_transmission : numpy.ndarray, optional
        Tree crowns from :func:`twin.heat.geometry.tree_surfaces`; the cell's
        own crown is not applied here (see the model).
    with_clear : bool, optional
        Also return where no building or terrain blocks the beam (1, else 0):
        the crowns then intercept ``clear − sunlit`` of it.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        Sunlit share, float64 (and ``clear`` with ``with_clear``).
    """
    z = np.ascontiguousarray(surface, dtype=np.float64)
    out = np.zeros(z.shape, dtype=np.float64)
    clear = np.zeros(z.shape, dtype=np.float64)
    if elevation_deg > 0.0:
        if tree_top is None:
            tree_top = np.full(z.shape, -1e9)
            tree_base = tree_top
            tree_transmission = np.ones(z.shape)
        top = np.ascontiguousarray(tree_top, dtype=np.float64)
        base = np.ascontiguousarray(tree_base, dtype=np.float64)
        trans = np.ascontiguousarray(tree_transmission, dtype=np.float64)
        az = math.radians(azimuth_deg)
        rise = math.tan(math.radians(elevation_deg)) * cell_size  # m per cell of horizontal distance
        z_max = float(max(z.max(), top.max()))
        _kernels.shadow_sunlit(
            surface=z, veg_top=top, veg_base=base, veg_trans=trans, d_row=-math.cos(az), d_col=math.sin(az),
            step=SHADOW_STEP_CELLS, rise=rise, z_max=z_max, sunlit=out, clear=clear,
        )  # fmt: skip
    return (out, clear) if with_clear else out
