"""The hourly weather of a heatwave day.

From daily extremes, air temperature follows a two-part cosine: a rise from
``Tmin`` at 06:00 (solar time) to ``Tmax`` at 15:00, then a fall back to
``Tmin`` at 06:00 the next day. Humidity keeps the day's vapour pressure
constant (the mean relative humidity at the mean temperature), so relative
humidity drops in the afternoon as it does in a heatwave. Saturation vapour
pressure uses the Magnus form ``6.105·exp(17.27·T/(237.7 + T))`` hPa.

An hourly CSV (``hour, air_temperature_c, relative_humidity_pct,
wind_speed_m_s``) or an EnergyPlus EPW file can replace the extremes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ScenarioError, message
from ..hazards import NO_CHANGE, Climate
from ..tables import read_columns

T_MIN_HOUR, T_MAX_HOUR = 6.0, 15.0


@dataclass(frozen=True)
class HourlyWeather:
    """24 hourly values (hour 0..23, local solar time).

    Parameters
    ----------
    hour : numpy.ndarray
        0, 1, ..., 23, h (local solar time).
    air_temperature_c : numpy.ndarray
        Air temperature, °C.
    relative_humidity_pct : numpy.ndarray
        Relative humidity, %.
    wind_speed_m_s : numpy.ndarray
        Wind speed at 10 m, m s-1.
    """

    hour: np.ndarray
    air_temperature_c: np.ndarray
    relative_humidity_pct: np.ndarray
    wind_speed_m_s: np.ndarray

    def warmer(self, delta_t_c: float) -> HourlyWeather:
        """The same day ``delta_t_c`` warmer, at constant vapour pressure (climate change).

        Parameters
        ----------
        delta_t_c : float
            Added to every air temperature, °C (K).

        Returns
        -------
        HourlyWeather
            The warmer day; relative humidity (%) lower, wind unchanged.
        """
        t = self.air_temperature_c + delta_t_c
        e = self.relative_humidity_pct / 100.0 * saturation_vapour_pressure_hpa(self.air_temperature_c)
        rh = np.clip(100.0 * e / saturation_vapour_pressure_hpa(t), 0.0, 100.0)
        return replace(self, air_temperature_c=t, relative_humidity_pct=rh)


def saturation_vapour_pressure_hpa(t_c: np.ndarray | float) -> np.ndarray:
    """Magnus formula over water, hPa, for air temperature in °C.

    Parameters
    ----------
    t_c : numpy.ndarray or float
        Air temperature, °C.

    Returns
    -------
    numpy.ndarray
        Saturation vapour pressure, hPa.
    """
    return 6.105 * np.exp(17.27 * np.asarray(t_c) / (237.7 + np.asarray(t_c)))


def diurnal_temperature(hour: np.ndarray, *, t_min_c: float, t_max_c: float) -> np.ndarray:
    """Two-part cosine between the minimum at 06:00 and the maximum at 15:00, °C.

    Parameters
    ----------
    hour : numpy.ndarray
        Hours of the day, h (local solar time).
    t_min_c, t_max_c : float
        The day's minimum and maximum air temperature, °C.

    Returns
    -------
    numpy.ndarray
        Air temperature at each hour, °C.
    """
    h = np.asarray(hour, dtype=float)
    rise = (h >= T_MIN_HOUR) & (h <= T_MAX_HOUR)
    phase = np.where(
        rise,
        (h - T_MIN_HOUR) / (T_MAX_HOUR - T_MIN_HOUR),
        1.0 + ((h - T_MAX_HOUR) % 24.0) / (24.0 - (T_MAX_HOUR - T_MIN_HOUR)),
    )
    return t_min_c + (t_max_c - t_min_c) * 0.5 * (1.0 - np.cos(np.pi * phase))


def hourly_weather(event, *, delta_t_c: float = 0.0) -> HourlyWeather:
    """The 24 hours of a ``heatwave`` event (paths already resolved), shifted by ``delta_t_c``.

    Parameters
    ----------
    event : Heatwave
        The event: its daily extremes, humidity and wind, or its weather file.
    delta_t_c : float
        Added to every air temperature, °C (see :meth:`~twin.heat.weather.HourlyWeather.warmer`).

    Returns
    -------
    HourlyWeather

    Raises
    ------
    twin.errors.ScenarioError
        A weather file that is missing, unreadable or out of range (:func:`read_weather_file`).
    """
    if event.weather_file is not None:
        weather = read_weather_file(event.weather_file, date=event.date)
    else:
        hour = np.arange(24.0)
        t = diurnal_temperature(hour, t_min_c=event.min_air_temperature_c, t_max_c=event.max_air_temperature_c)
        t_mean = 0.5 * (event.min_air_temperature_c + event.max_air_temperature_c)
        e = event.relative_humidity_pct / 100.0 * saturation_vapour_pressure_hpa(t_mean)
        rh = np.clip(100.0 * e / saturation_vapour_pressure_hpa(t), 0.0, 100.0)
        weather = HourlyWeather(hour, t, rh, np.full(24, float(event.wind_speed_m_s)))
    return weather.warmer(delta_t_c) if delta_t_c else weather


def read_weather_file(path: str | Path, *, date) -> HourlyWeather:
    """24 hours from an EPW file (the rows of ``date``'s month and day) or an hourly CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        An EnergyPlus ``.epw`` file, or a CSV with columns ``hour`` (0..23), ``air_temperature_c`` (°C),
        ``relative_humidity_pct`` (%) and ``wind_speed_m_s`` (m s-1).
    date : datetime.date
        The day to read from an EPW file (its month and day); a CSV holds one day.

    Returns
    -------
    HourlyWeather

    Raises
    ------
    twin.errors.ScenarioError
        A missing or unreadable file, not 24 hourly rows in order, or values out of range (air temperature
        −40..60 °C, humidity 0..100 %, wind 0..60 m s-1).
    """
    path = Path(path)
    if path.suffix.lower() == ".epw":
        try:
            return _read_epw(path, date)
        except ScenarioError:
            raise
        except FileNotFoundError:
            raise ScenarioError(f"{path}: weather file not found") from None
        except (OSError, ValueError, IndexError) as exc:
            raise ScenarioError(f"{path}: not a readable EPW file ({type(exc).__name__}: {exc})") from None
    cols = ("hour", "air_temperature_c", "relative_humidity_pct", "wind_speed_m_s")
    table = read_columns(path, cols, role="weather file")
    return _checked(HourlyWeather(*(table[c] for c in cols)), path)


def _read_epw(path: Path, date) -> HourlyWeather:
    # EPW: 8 header lines, then one row per hour: year, month, day, hour (1..24), minute, flags, dry bulb (°C),
    # dew point, relative humidity (%), pressure, ..., wind direction (field 20), wind speed (m/s, field 21).
    with path.open(encoding="utf-8", errors="replace") as f:
        rows = [line.split(",") for line in f.read().splitlines()[8:] if line.strip()]
    day = [r for r in rows if int(r[1]) == date.month and int(r[2]) == date.day]
    if len(day) != 24:
        raise ScenarioError(message(path, f"rows for {date:%m-%d}", "24 hourly rows", len(day)))
    return _checked(
        HourlyWeather(
            np.array([float(r[3]) - 1 for r in day]),
            np.array([float(r[6]) for r in day]),
            np.array([float(r[8]) for r in day]),
            np.array([float(r[21]) for r in day]),
        ),
        path,
    )


def _checked(w: HourlyWeather, path: Path) -> HourlyWeather:
    if w.hour.tolist() != list(range(24)):
        raise ScenarioError(message(path, "hour", "0, 1, ..., 23 in order", w.hour.tolist()[:6]))
    for name, (lo, hi) in {
        "air_temperature_c": (-40, 60),
        "relative_humidity_pct": (0, 100),
        "wind_speed_m_s": (0, 60),
    }.items():
        v = getattr(w, name)
        if not (np.isfinite(v).all() and v.min() >= lo and v.max() <= hi):
            raise ScenarioError(message(path, name, f"within [{lo}, {hi}]", [float(v.min()), float(v.max())]))
    return w


def summary(event, climate: Climate = NO_CHANGE) -> dict[str, Any]:
    """Key figures of a heatwave day's weather, with units in the keys (for ``twin show`` and reports).

    Parameters
    ----------
    event : Heatwave
        The event, paths resolved.
    climate : Climate
        The climate shift applied (its ``delta_t_c``, °C).

    Returns
    -------
    dict
        Name, kind, date, ``max_air_temperature_c``, ``min_air_temperature_c`` and ``air_temperature_15h_c``
        (°C), and the climate if it changes anything.

    Raises
    ------
    twin.errors.ScenarioError
        A weather file that cannot be used.
    """
    w = hourly_weather(event, delta_t_c=climate.delta_t_c)
    out: dict[str, Any] = {
        "name": event.name,
        "kind": event.kind,
        "date": event.date.isoformat(),
        "max_air_temperature_c": round(float(w.air_temperature_c.max()), 2),
        "min_air_temperature_c": round(float(w.air_temperature_c.min()), 2),
        "air_temperature_15h_c": round(float(w.air_temperature_c[15]), 2),
    }
    if climate != NO_CHANGE:
        out["climate"] = climate.model_dump()
    return out
