"""The hourly weather of a heatwave day, at the 24 hours 0..23 of **local solar time**.

A heatwave event gives its weather in one of three ways.

**Daily extremes** (``min_air_temperature_c``, ``max_air_temperature_c``). Air temperature follows the model of
Cesaraccio, Spano, Duce & Snyder (2001, *An improved model for determining degree-day values from daily
temperature data*, Int. J. Biometeorol. 45: 161–169), with times in solar hours, ``Hn`` the sunrise, ``Ho`` the
sunset, ``Hx = Ho − 4`` the time of the maximum and ``Hp = Hn + 24`` the next sunrise::

    T = Tn + α·sin(π/2 · (t − Hn)/(Hx − Hn))        Hn < t ≤ Hx   (α = Tx − Tn)
    T = To + R·sin(π/2 + π/2 · (t − Hx)/4)          Hx < t ≤ Ho   (R = Tx − To)
    T = To + b·√(t − Ho)                            Ho < t ≤ Hp   (b = (Tp − To)/√(Hp − Ho))
    To = Tx − c·(Tx − Tp),  c = 0.39                the temperature at sunset

``Tn`` and ``Tx`` are the day's minimum (at sunrise) and maximum (at ``Hx``), ``Tp`` the next day's minimum: the
heatwave day repeats, so ``Tp = Tn`` and the hours before sunrise are the end of the night before, which makes the
day continuous and periodic. The extremes are kept exactly: ``T(Hn) = Tn`` and ``T(Hx) = Tx``, and the curve lies
between them. Sunrise and sunset are where the centre of the sun crosses the horizon (geometric, as in
``twin.heat.sun``): ``cos ω0 = −tan φ·tan δ``, at ``12 ∓ ω0/15`` h solar time, with the NOAA declination at
noon; the day is held between 6 and 20 h long, so that the model keeps a rise and a night of at least 4 h beyond
the polar circles. Humidity keeps the day's vapour pressure constant (the event's relative humidity at the mean
of the extremes), so relative humidity drops in the afternoon as it does in a heatwave; wind is the event's.
Saturation vapour pressure uses the Magnus form ``6.105·exp(17.27·T/(237.7 + T))`` hPa.

**An EnergyPlus EPW file.** Its first line is the LOCATION line (city, state, country, source, WMO, latitude,
longitude east positive, time zone in hours from UTC in *standard* time, elevation); each of its rows, after 8
header lines, is ``year, month, day, hour`` with hour 1..24 the hour *ending* at h:00 local standard time, and its
dry bulb (field 7), relative humidity (field 9) and wind speed (field 22) are the values at h:00. Standard time
becomes solar time with the territory's longitude and the file's time zone::

    t_solar = t_standard + (4·(λ − 15·tz) + E)/60   h

``λ`` in degrees east, ``E`` the equation of time in minutes (``twin.heat.sun.equation_of_time_min``, on
the event's date). The values are interpolated linearly to the solar hours 0..23 of the date, with the rows of
the day before and after (hour 24 of the day before is 00:00 of the date). The event's date, year included, must
be in the file, unless the event says ``typical_year = true`` (a TMY, as from climate.onebuilding.org): its rows
are then matched by month and day whatever their year, and 31 December is followed by 1 January. Where the day
before or after is not in the file, the date's own rows are taken as repeating.

**An hourly CSV** with columns ``air_temperature_c`` (°C), ``relative_humidity_pct`` (%) and ``wind_speed_m_s``
(m s⁻¹), and either ``time``, ISO 8601 instants with their UTC offset (``2019-07-25T14:00+02:00``), hourly and
covering the solar day of the event's date (converted as above, from UTC: ``t_solar = t_UTC + (4·λ + E)/60``;
a file of exactly the 24 hours of the date, in its own times, is taken as repeating), or ``hour``, 0..23 in order,
taken as local solar time.

Errors name the file, the row (the file's own line number, as a spreadsheet numbers it), the field and the value.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..errors import ModelInputError, ScenarioError, message
from ..hazards import NO_CHANGE, Climate
from .sun import _noaa_terms, equation_of_time_min, julian_day

log = logging.getLogger(__name__)

SUNSET_SHARE = 0.39  # c of Cesaraccio et al. (2001): To = Tx − c·(Tx − Tp)
MAX_BEFORE_SUNSET_H = 4.0  # the maximum comes 4 h before sunset (Cesaraccio et al. 2001)
DAY_LENGTH_H = (6.0, 20.0)  # the day length is held within these bounds, h
FAR_DEG = 1.0  # a weather file's station farther than this from the territory (degrees) is logged
RANGES = {  # the values a weather file may hold, with their units
    "air_temperature_c": (-40.0, 60.0, "°C"),
    "relative_humidity_pct": (0.0, 100.0, "%"),
    "wind_speed_m_s": (0.0, 60.0, "m/s"),
}
COLUMNS = tuple(RANGES)
EPW_FIELDS = {"air_temperature_c": 6, "relative_humidity_pct": 8, "wind_speed_m_s": 21}  # 0-based columns
EPW_HEADER_LINES = 8


@dataclass(frozen=True)
class WeatherSource:
    """Where an hourly weather came from, and how its times were turned into solar time.

    Attributes
    ----------
    path : str
        The weather file.
    format : str
        ``"epw"``, ``"csv time"`` (ISO 8601 instants) or ``"csv hour"`` (solar hours).
    place : str
        The EPW file's city, state and country ("" for a CSV).
    latitude, longitude : float or None
        The EPW file's own station, degrees north and east.
    utc_offset_h : float or None
        The file's clock: the EPW time zone (standard time), or the CSV rows' common UTC offset, h.
    elevation_m : float or None
        The EPW station's elevation, m.
    solar_shift_min : float
        Solar time minus the file's clock time (``utc_offset_h``, else UTC) on the date, min.
    typical_year : bool
        Rows matched by month and day, whatever their year.
    repeated_day : bool
        The date's own rows stood for a missing day before or after (the day taken as repeating).
    """

    path: str
    format: str
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    utc_offset_h: float | None = None
    elevation_m: float | None = None
    solar_shift_min: float = 0.0
    typical_year: bool = False
    repeated_day: bool = False


@dataclass(frozen=True)
class HourlyWeather:
    """The weather at solar hours (0, 1, ..., 23 from :func:`hourly_weather`).

    Parameters
    ----------
    hour : numpy.ndarray
        Local solar hours, h.
    air_temperature_c : numpy.ndarray
        Air temperature, °C.
    relative_humidity_pct : numpy.ndarray
        Relative humidity, %.
    wind_speed_m_s : numpy.ndarray
        Wind speed at 10 m, m s-1.
    source : WeatherSource or None
        The weather file and its time conversion; ``None`` for daily extremes.
    """

    hour: np.ndarray
    air_temperature_c: np.ndarray
    relative_humidity_pct: np.ndarray
    wind_speed_m_s: np.ndarray
    source: WeatherSource | None = None

    @property
    def utc_offset_h(self) -> float | None:
        """The weather file's clock, hours from UTC (EPW: standard time), or ``None``."""
        return None if self.source is None else self.source.utc_offset_h

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

    def at(self, solar_hours: np.ndarray) -> HourlyWeather:
        """The weather at other solar hours, interpolated linearly and periodically over the day.

        Parameters
        ----------
        solar_hours : numpy.ndarray
            Local solar hours, h (taken modulo 24: 23.5 lies between 23:00 and 00:00 of the same day).

        Returns
        -------
        HourlyWeather
            Its ``hour`` is ``solar_hours``; the source is kept.
        """
        h = np.asarray(solar_hours, dtype=float)

        def interp(values: np.ndarray) -> np.ndarray:
            return np.interp(h % 24.0, self.hour, values, period=24.0)

        return HourlyWeather(
            h, interp(self.air_temperature_c), interp(self.relative_humidity_pct), interp(self.wind_speed_m_s),
            self.source,
        )  # fmt: skip


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


def sunrise_sunset(date: dt.date, *, latitude: float) -> tuple[float, float]:
    """Sunrise and sunset in local solar time: the sun's centre on the horizon (geometric, no refraction).

    ``cos ω0 = −tan φ·tan δ`` with ``δ`` the NOAA declination at 12:00 UTC of ``date``; the day is held between
    6 and 20 h (``DAY_LENGTH_H``), so that polar days and nights keep a diurnal cycle.

    Parameters
    ----------
    date : datetime.date
        The day.
    latitude : float
        Degrees north.

    Returns
    -------
    sunrise_h, sunset_h : float
        Local solar hours, h (symmetric about 12).
    """
    noon = np.datetime64(date.isoformat() + "T12:00:00", "s")
    declination = float(_noaa_terms(julian_day(np.array([noon])))[0][0])
    cos_w0 = -math.tan(math.radians(latitude)) * math.tan(declination)
    half_day_h = math.degrees(math.acos(min(1.0, max(-1.0, cos_w0)))) / 15.0
    half_day_h = min(max(half_day_h, DAY_LENGTH_H[0] / 2.0), DAY_LENGTH_H[1] / 2.0)
    return 12.0 - half_day_h, 12.0 + half_day_h


def diurnal_temperature(
    hour: np.ndarray, *, t_min_c: float, t_max_c: float, sunrise_h: float, sunset_h: float
) -> np.ndarray:
    """Air temperature through a repeating day from its extremes (Cesaraccio et al. 2001), °C.

    Minimum at sunrise, maximum 4 h before sunset (sine rise), sine fall to the sunset temperature
    ``To = Tx − 0.39·(Tx − Tn)``, then square-root fall through the night to the next sunrise's minimum; the
    next day's minimum is this day's (see the module's docstring for the equations).

    Parameters
    ----------
    hour : numpy.ndarray
        Local solar hours, h (taken modulo 24).
    t_min_c, t_max_c : float
        The day's minimum and maximum air temperature, °C.
    sunrise_h, sunset_h : float
        Sunrise and sunset, local solar hours (:func:`sunrise_sunset`), with ``sunrise_h < sunset_h − 4``.

    Returns
    -------
    numpy.ndarray
        Air temperature at each hour, °C: ``t_min_c`` at sunrise, ``t_max_c`` at ``sunset_h − 4``.

    Raises
    ------
    twin.errors.ModelInputError
        Sunrise not at least 4 h before sunset, or a minimum above the maximum.
    """
    hn, ho = float(sunrise_h), float(sunset_h)
    hx, hp = ho - MAX_BEFORE_SUNSET_H, hn + 24.0
    if not 0.0 <= hn < hx < ho < 24.0:
        raise ModelInputError(message("diurnal temperature", "sunrise, sunset", "0 ≤ sunrise < sunset − 4 < 24 h",
                                      (sunrise_h, sunset_h)))  # fmt: skip
    if t_min_c > t_max_c:
        raise ModelInputError(message("diurnal temperature", "t_min_c", f"≤ t_max_c = {t_max_c}", t_min_c))
    tn, tx = float(t_min_c), float(t_max_c)
    tp = tn  # the next day's minimum: the day repeats
    t_sunset = tx - SUNSET_SHARE * (tx - tp)
    b = (tp - t_sunset) / math.sqrt(hp - ho)
    h = np.asarray(hour, dtype=float) % 24.0
    since_sunset = np.where(h <= hn, h + 24.0, h) - ho
    rise = tn + (tx - tn) * np.sin(0.5 * np.pi * (h - hn) / (hx - hn))
    fall = t_sunset + (tx - t_sunset) * np.sin(0.5 * np.pi + 0.5 * np.pi * (h - hx) / MAX_BEFORE_SUNSET_H)
    night = t_sunset + b * np.sqrt(np.maximum(since_sunset, 0.0))
    return np.where((h > hn) & (h <= hx), rise, np.where((h > hx) & (h <= ho), fall, night))


def solar_shift_min(date: dt.date, *, longitude: float, utc_offset_h: float = 0.0) -> float:
    """Local solar time minus clock time (UTC + ``utc_offset_h``) on ``date``, min: ``4·(λ − 15·tz) + E``.

    Parameters
    ----------
    date : datetime.date
        The day (for the equation of time ``E``, ``twin.heat.sun.equation_of_time_min``).
    longitude : float
        Degrees east.
    utc_offset_h : float
        The clock's offset from UTC, h (an EPW file's time zone: standard time).

    Returns
    -------
    float
        Minutes to add to clock time to get local solar time.
    """
    return 4.0 * (longitude - 15.0 * utc_offset_h) + equation_of_time_min(date)


def solar_noon_clock_h(date: dt.date, *, longitude: float, utc_offset_h: float = 0.0) -> float:
    """The clock time of solar noon on ``date`` (the sun's transit), h since midnight of UTC + ``utc_offset_h``.

    Parameters
    ----------
    date : datetime.date
        The day.
    longitude : float
        Degrees east.
    utc_offset_h : float
        The clock's offset from UTC, h.

    Returns
    -------
    float
        ``12 − shift/60``, h (``shift`` from :func:`solar_shift_min`).
    """
    return 12.0 - solar_shift_min(date, longitude=longitude, utc_offset_h=utc_offset_h) / 60.0


def hourly_weather(event, *, latitude: float, longitude: float, delta_t_c: float = 0.0) -> HourlyWeather:
    """The weather of a ``heatwave`` event (paths resolved) at solar hours 0..23 of its date.

    Parameters
    ----------
    event : Heatwave
        The event: its daily extremes, humidity and wind, or its weather file (and ``typical_year``).
    latitude, longitude : float
        The territory's, degrees north and east: its sunrise and sunset, and the solar time of a file's rows.
    delta_t_c : float
        Added to every air temperature, °C (see :meth:`~twin.heat.weather.HourlyWeather.warmer`).

    Returns
    -------
    HourlyWeather

    Raises
    ------
    twin.errors.ScenarioError
        A weather file that is missing, unreadable, out of range or without the event's date
        (:func:`read_weather_file`).
    """
    if event.weather_file is not None:
        weather = read_weather_file(
            event.weather_file, date=event.date, latitude=latitude, longitude=longitude,
            typical_year=getattr(event, "typical_year", False),
        )  # fmt: skip
    else:
        weather = _from_extremes(event, latitude=latitude)
    return weather.warmer(delta_t_c) if delta_t_c else weather


def _from_extremes(event, *, latitude: float) -> HourlyWeather:
    hour = np.arange(24.0)
    rise, set_ = sunrise_sunset(event.date, latitude=latitude)
    t_min, t_max = float(event.min_air_temperature_c), float(event.max_air_temperature_c)
    t = diurnal_temperature(hour, t_min_c=t_min, t_max_c=t_max, sunrise_h=rise, sunset_h=set_)
    e = event.relative_humidity_pct / 100.0 * saturation_vapour_pressure_hpa(0.5 * (t_min + t_max))
    rh = np.clip(100.0 * e / saturation_vapour_pressure_hpa(t), 0.0, 100.0)
    return HourlyWeather(hour, t, rh, np.full(24, float(event.wind_speed_m_s)))


def read_weather_file(
    path: str | Path,
    *,
    date: dt.date,
    latitude: float | None = None,
    longitude: float | None = None,
    typical_year: bool = False,
) -> HourlyWeather:
    """The weather at solar hours 0..23 of ``date`` from an EPW file or an hourly CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        An EnergyPlus ``.epw`` file, or a CSV with columns ``time`` (ISO 8601 with UTC offset) or ``hour``
        (0..23, local solar time), ``air_temperature_c`` (°C), ``relative_humidity_pct`` (%) and
        ``wind_speed_m_s`` (m s-1).
    date : datetime.date
        The day.
    latitude, longitude : float, optional
        The territory's, degrees north and east. An EPW file uses its own when they are not given; a ``time``
        CSV needs the longitude.
    typical_year : bool
        Match an EPW file's rows by month and day, whatever their year.

    Returns
    -------
    HourlyWeather
        With its :class:`~twin.heat.weather.WeatherSource`.

    Raises
    ------
    twin.errors.ScenarioError
        A missing or unreadable file, a date the file does not hold, rows not hourly or in order, or values out
        of range (air temperature −40..60 °C, humidity 0..100 %, wind 0..60 m s-1), naming the row.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".epw":
            return _read_epw(path, date, latitude, longitude, typical_year)
        return _read_csv(path, date, longitude)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: weather file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: weather file cannot be read ({type(exc).__name__}: {exc})") from None


# ---------------------------------------------------------------- EPW


def _read_epw(path: Path, date: dt.date, latitude, longitude, typical: bool) -> HourlyWeather:
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        lines = f.read().splitlines()
    site = _epw_location(path, lines[0] if lines else "")
    if latitude is not None and longitude is not None:
        _warn_if_far(path, site, latitude, longitude)
    lon = site.longitude if longitude is None else longitude
    rows = [(n, line.split(",")) for n, line in enumerate(lines, 1) if n > EPW_HEADER_LINES and line.strip()]
    keys = np.array([_epw_key(path, n, fields) for n, fields in rows], dtype=np.int64).reshape(-1, 4)
    day = _epw_day(path, keys, date, typical)
    if day is None:
        years = sorted({int(y) for y in keys[:, 0]})
        if typical:
            raise ScenarioError(f"{path}: no rows for {date:%m-%d} (month and day) in the file; give another date")
        raise ScenarioError(
            f"{path}: date {date.isoformat()} not in the file (it holds {_years_text(years)}); give a date of "
            "those years, or set typical_year = true for a typical-year file"
        )
    before = _epw_day(path, keys, date - dt.timedelta(days=1), typical)
    after = _epw_day(path, keys, date + dt.timedelta(days=1), typical)
    shift = solar_shift_min(date, longitude=lon, utc_offset_h=site.utc_offset_h)
    times, idx = [], []
    for offset_h, block in ((-24.0, before if before is not None else day), (0.0, day),
                            (24.0, after if after is not None else day)):  # fmt: skip
        times.append(offset_h + keys[block, 3] + shift / 60.0)
        idx.append(block)
    values = _epw_values(path, rows, np.concatenate(idx))
    times = np.concatenate(times)
    repeated = before is None or after is None
    if repeated:
        log.info("%s: the day before or after %s is not in the file; %s taken as repeating", path, date, date)
    hours = np.arange(24.0)
    source = replace(site, solar_shift_min=shift, typical_year=typical, repeated_day=repeated)
    return HourlyWeather(hours, *(np.interp(hours, times, values[c]) for c in COLUMNS), source)


def _epw_location(path: Path, line: str) -> WeatherSource:
    f = [x.strip() for x in line.split(",")]
    expected = "the EPW LOCATION line (LOCATION, city, state, country, source, WMO, latitude, longitude, time zone, "
    if len(f) < 10 or f[0].upper() != "LOCATION":
        raise ScenarioError(message(f"{path}: row 1", "LOCATION", expected + "elevation)", line[:80]))
    numbers = {}
    for i, name, lo, hi in ((6, "latitude", -90, 90), (7, "longitude", -180, 180), (8, "time zone", -12, 14),
                            (9, "elevation", -1000, 9000)):  # fmt: skip
        try:
            numbers[name] = float(f[i])
        except ValueError:
            numbers[name] = math.nan
        if not lo <= numbers[name] <= hi:
            raise ScenarioError(message(f"{path}: row 1", f"LOCATION {name}", f"a number within [{lo}, {hi}]", f[i]))
    return WeatherSource(
        str(path), "epw", ", ".join(x for x in f[1:4] if x and x != "-"), numbers["latitude"], numbers["longitude"],
        numbers["time zone"], numbers["elevation"],
    )  # fmt: skip


def _epw_key(path: Path, n: int, fields: list[str]) -> tuple[int, int, int, int]:
    names = ("year", "month", "day", "hour")
    bounds = ((1, 9999), (1, 12), (1, 31), (1, 24))
    if len(fields) <= max(EPW_FIELDS.values()):
        raise ScenarioError(message(f"{path}: row {n}", "fields", "at least 22 comma-separated fields", len(fields)))
    key = []
    for value, name, (lo, hi) in zip(fields[:4], names, bounds, strict=True):
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not lo <= number <= hi:
            raise ScenarioError(message(f"{path}: row {n}", name, f"an integer within [{lo}, {hi}]", value))
        key.append(number)
    return tuple(key)


def _epw_day(path: Path, keys: np.ndarray, date: dt.date, typical: bool) -> np.ndarray | None:
    """The indices of ``date``'s 24 rows (by month and day when ``typical``), or None when it has none."""
    same = (keys[:, 1] == date.month) & (keys[:, 2] == date.day)
    if not typical:
        same &= keys[:, 0] == date.year
    idx = np.flatnonzero(same)
    if idx.size == 0:
        return None
    if typical:
        idx = idx[:24]
    if idx.size != 24 or keys[idx, 3].tolist() != list(range(1, 25)):
        raise ScenarioError(message(path, f"rows of {date:%m-%d}", "24 hourly rows, hours 1 to 24 in order",
                                    f"{idx.size} rows, hours {keys[idx, 3].tolist()[:6]}..."))  # fmt: skip
    return idx


def _epw_values(path: Path, rows: list, idx: np.ndarray) -> dict[str, np.ndarray]:
    out = {c: np.empty(idx.size) for c in COLUMNS}
    for k, i in enumerate(idx):
        n, fields = rows[i]
        for column, field in EPW_FIELDS.items():
            out[column][k] = _value(path, n, f"{column} (field {field + 1})", fields[field], RANGES[column])
    return out


def _warn_if_far(path: Path, site: WeatherSource, latitude: float, longitude: float) -> None:
    far = max(abs(site.latitude - latitude), abs((site.longitude - longitude + 180.0) % 360.0 - 180.0))
    if far > FAR_DEG:
        log.warning(
            "%s: the weather file's station (%.2f° N, %.2f° E) is %.1f° from the territory (%.2f° N, %.2f° E)",
            path, site.latitude, site.longitude, far, latitude, longitude,
        )  # fmt: skip


def _years_text(years: list[int]) -> str:
    if not years:
        return "no rows"
    if len(years) > 6 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


# ---------------------------------------------------------------- CSV


def _value(path: Path, n: int, name: str, raw: str, bounds: tuple) -> float:
    lo, hi, unit = bounds
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ScenarioError(message(f"{path}: row {n}", name, "a number", raw)) from None
    if not lo <= value <= hi:
        raise ScenarioError(message(f"{path}: row {n}", name, f"within [{lo:g}, {hi:g}] {unit}", value))
    return value


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the rows of a CSV, each row with its line number (comments and blank lines skipped)."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        lines = [(n, line) for n, line in enumerate(f, 1) if line.strip() and not line.startswith("#")]
    if not lines:
        raise ScenarioError(message(path, "header", "a header line", ""))
    header = [h.strip() for h in next(csv.reader([lines[0][1]]))]
    time_column = "time" if "time" in header else "hour"
    missing = [c for c in (time_column, *COLUMNS) if c not in header]
    if missing:
        wanted = "columns time (or hour), " + ", ".join(COLUMNS)
        raise ScenarioError(message(path, "header", wanted, ",".join(header)))
    rows = []
    for n, line in lines[1:]:
        cells = next(csv.reader([line]))
        rows.append((n, dict(zip(header, (c.strip() for c in cells), strict=False))))
    return header, rows


def _read_csv(path: Path, date: dt.date, longitude: float | None) -> HourlyWeather:
    header, rows = _csv_rows(path)
    values = {c: np.array([_value(path, n, c, r.get(c), RANGES[c]) for n, r in rows]) for c in COLUMNS}
    if "time" not in header:
        hours = [_value(path, n, "hour", r.get("hour"), (0, 23, "h")) for n, r in rows]
        if hours != list(range(24)):
            raise ScenarioError(message(path, "hour", "0, 1, ..., 23 in order", hours[:6]))
        return HourlyWeather(np.arange(24.0), *(values[c] for c in COLUMNS), WeatherSource(str(path), "csv hour"))
    if longitude is None:
        raise ScenarioError(message(path, "time", "read with the territory's longitude (solar time)", None))
    instants = _instants(path, rows)
    offsets = {t.utcoffset() for t in instants}
    offset_h = offsets.pop().total_seconds() / 3600.0 if len(offsets) == 1 else None
    shift = solar_shift_min(date, longitude=longitude)  # solar − UTC
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
    times = np.array([(t - midnight).total_seconds() / 3600.0 for t in instants]) + shift / 60.0
    hours = np.arange(24.0)
    one_day = len(rows) == 24 and all(t.date() == date for t in instants)
    if not one_day and not (times[0] <= hours[0] and times[-1] >= hours[-1]):
        start, end = midnight - dt.timedelta(minutes=shift), midnight + dt.timedelta(hours=23, minutes=-shift)
        wanted = f"hourly rows covering the solar day of {date} ({start:%Y-%m-%dT%H:%M}Z to {end:%Y-%m-%dT%H:%M}Z)"
        raise ScenarioError(message(path, "time", wanted, f"{rows[0][1]['time']} to {rows[-1][1]['time']}"))
    period = 24.0 if one_day else None
    source = WeatherSource(
        str(path), "csv time", utc_offset_h=offset_h,
        solar_shift_min=shift - 60.0 * (offset_h or 0.0), repeated_day=one_day,
    )  # fmt: skip
    return HourlyWeather(hours, *(np.interp(hours, times, values[c], period=period) for c in COLUMNS), source)


def _instants(path: Path, rows: list) -> list[dt.datetime]:
    """The rows' ``time`` as aware datetimes, checked hourly and in order."""
    out: list[dt.datetime] = []
    for n, r in rows:
        raw = r.get("time") or ""
        try:
            t = dt.datetime.fromisoformat(raw)
        except ValueError:
            t = None
        if t is None or t.utcoffset() is None:
            raise ScenarioError(message(f"{path}: row {n}", "time", "an ISO 8601 instant with its UTC offset, "
                                        "e.g. 2019-07-25T14:00+02:00", raw))  # fmt: skip
        if out and t - out[-1] != dt.timedelta(hours=1):
            raise ScenarioError(message(f"{path}: row {n}", "time", "one hour after the row before", raw))
        out.append(t)
    if not out:
        raise ScenarioError(message(path, "rows", "hourly rows", 0))
    return out


# ---------------------------------------------------------------- key figures


def summary(
    event, climate: Climate = NO_CHANGE, *, latitude: float | None = None, longitude: float | None = None
) -> dict[str, Any]:
    """Key figures of a heatwave day's weather, with units in the keys (for ``twin show`` and reports).

    Parameters
    ----------
    event : Heatwave
        The event, paths resolved.
    climate : Climate
        The climate shift applied (its ``delta_t_c``, °C).
    latitude, longitude : float, optional
        The territory's, degrees north and east; an EPW file's own are used when they are not given.

    Returns
    -------
    dict
        Name, kind, date, ``max_air_temperature_c`` and ``min_air_temperature_c`` (°C); for daily extremes the
        event's humidity (%) and wind (m/s); for a weather file, its own figures over the solar day (mean
        humidity, mean wind, the solar-time shift applied in minutes, the file's place); the air temperature at
        15:00 solar time and the clock time of solar noon where the place is known; the climate if it changes
        anything.

    Raises
    ------
    twin.errors.ScenarioError
        A weather file that cannot be used.
    """
    out: dict[str, Any] = {"name": event.name, "kind": event.kind, "date": event.date.isoformat()}
    clock_offset_h = None
    if event.weather_file is None:
        out |= _extremes_figures(event, climate.delta_t_c, latitude)
    else:
        figures, src = _file_figures(event, climate.delta_t_c, latitude, longitude)
        out |= figures
        if src is not None and src.format == "epw":
            longitude = src.longitude if longitude is None else longitude
        clock_offset_h = None if src is None else src.utc_offset_h
    if longitude is not None:
        out["solar_noon"] = _solar_noon_text(event, longitude, clock_offset_h)
    if climate != NO_CHANGE:
        out["climate"] = climate.model_dump()
    return out


def _extremes_figures(event, delta_t_c: float, latitude: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "max_air_temperature_c": round(float(event.max_air_temperature_c) + delta_t_c, 2),
        "min_air_temperature_c": round(float(event.min_air_temperature_c) + delta_t_c, 2),
    }
    if latitude is not None:
        w = _from_extremes(event, latitude=latitude).warmer(delta_t_c)
        out["air_temperature_15h_c"] = round(float(w.air_temperature_c[15]), 2)
    out["relative_humidity_pct"] = event.relative_humidity_pct
    out["wind_speed_m_s"] = event.wind_speed_m_s
    return out


def _file_figures(event, delta_t_c: float, latitude, longitude) -> tuple[dict[str, Any], WeatherSource | None]:
    """The weather file's own figures over the solar day (over its clock day: a ``time`` CSV, no longitude)."""
    path = Path(event.weather_file)
    typical = getattr(event, "typical_year", False)
    if longitude is None and path.suffix.lower() != ".epw" and "time" in _csv_rows(path)[0]:
        return _csv_clock_day_figures(path, event.date, delta_t_c), None
    w = read_weather_file(path, date=event.date, latitude=latitude, longitude=longitude, typical_year=typical)
    w = w.warmer(delta_t_c) if delta_t_c else w
    src = w.source
    out: dict[str, Any] = {
        "weather_file": path.name,
        "max_air_temperature_c": round(float(w.air_temperature_c.max()), 2),
        "min_air_temperature_c": round(float(w.air_temperature_c.min()), 2),
        "air_temperature_15h_c": round(float(w.air_temperature_c[15]), 2),
        "mean_relative_humidity_pct": round(float(w.relative_humidity_pct.mean()), 1),
        "mean_wind_speed_m_s": round(float(w.wind_speed_m_s.mean()), 2),
    }
    if src.format != "csv hour":
        out["solar_time_shift_min"] = round(src.solar_shift_min, 1)
        out["file_time"] = _utc_label(src.utc_offset_h)
    if src.format == "epw":
        out["file_location"] = f"{src.place} ({_degrees(src.latitude, 'NS')}, {_degrees(src.longitude, 'EW')})"
    if typical:
        out["typical_year"] = True
    return out, src


def _csv_clock_day_figures(path: Path, date: dt.date, delta_t_c: float) -> dict[str, Any]:
    """Figures of a ``time`` CSV over its rows of ``date`` in their own times (no longitude: no solar time)."""
    _, rows = _csv_rows(path)
    keep = [(n, r) for (n, r), t in zip(rows, _instants(path, rows), strict=True) if t.date() == date]
    if not keep:
        got = f"{rows[0][1]['time']} to {rows[-1][1]['time']}"
        raise ScenarioError(message(path, "time", f"rows on {date}", got))
    day = {c: np.array([_value(path, n, c, r.get(c), RANGES[c]) for n, r in keep]) for c in COLUMNS}
    t = day["air_temperature_c"] + delta_t_c
    return {
        "weather_file": path.name,
        "max_air_temperature_c": round(float(t.max()), 2),
        "min_air_temperature_c": round(float(t.min()), 2),
        "mean_relative_humidity_pct": round(float(day["relative_humidity_pct"].mean()), 1),
        "mean_wind_speed_m_s": round(float(day["wind_speed_m_s"].mean()), 2),
        "file_time": "as written in the file (no longitude for solar time)",
    }


def _degrees(value: float, signs: str) -> str:
    return f"{abs(value):.2f}° {signs[0] if value >= 0 else signs[1]}"


def _utc_label(offset_h: float | None) -> str:
    if not offset_h:
        return "UTC"
    sign, minutes = ("+" if offset_h > 0 else "-"), round(abs(offset_h) * 60.0)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _solar_noon_text(event, longitude: float, utc_offset_h: float | None) -> str:
    """Solar noon on the event's date in the clock people read: the event's time zone, else the file's."""
    noon_utc = dt.datetime.combine(event.date, dt.time(), tzinfo=dt.UTC) + dt.timedelta(
        hours=solar_noon_clock_h(event.date, longitude=longitude)
    )
    zone_name = getattr(event, "time_zone", None)
    if zone_name:
        zone, label = ZoneInfo(zone_name), zone_name
    else:
        zone, label = dt.timezone(dt.timedelta(hours=utc_offset_h or 0.0)), _utc_label(utc_offset_h)
    return f"{noon_utc.astimezone(zone):%H:%M} {label}"
