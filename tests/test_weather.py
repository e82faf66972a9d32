"""Heatwave weather: the diurnal cycle of Cesaraccio et al. (2001), humidity at constant vapour pressure, weather
files read in solar time (EPW and CSV), dates and typical years, the climate shift and the key figures."""

from __future__ import annotations

import datetime as dt
import logging
import math

import numpy as np
import pandas as pd
import pvlib
import pytest
from click.testing import CliRunner
from conftest import write_epw

from twin.cli import main
from twin.errors import ScenarioError
from twin.hazards import Climate
from twin.heat import sun
from twin.heat.weather import (
    SUNSET_SHARE,
    HourlyWeather,
    diurnal_temperature,
    hourly_weather,
    read_weather_file,
    saturation_vapour_pressure_hpa,
    solar_noon_clock_h,
    solar_shift_min,
    summary,
    sunrise_sunset,
)
from twin.scenario.models import Scenario

ANGERS = {"latitude": 47.47, "longitude": -0.55}  # degrees; France keeps UTC+1 as its standard time
DATE = dt.date(2019, 7, 25)


def _heatwave(**fields):
    base = {
        "kind": "heatwave",
        "name": "h",
        "date": "2019-07-25",
        "max_air_temperature_c": 40.0,
        "min_air_temperature_c": 22.0,
        "relative_humidity_pct": 40.0,
    }
    return Scenario.model_validate({"name": "x", "title": "x", "events": [base | fields]}).events[0]


def _file_event(path, **fields):
    return _heatwave(weather_file=str(path), max_air_temperature_c=None, min_air_temperature_c=None, **fields)


def _linear(d, hour):
    """Values linear in standard time: ``τ`` hours after the first day's midnight."""
    tau = 24.0 * d + hour
    return -10.0 + 0.5 * tau, 20.0 + 0.25 * tau, 1.0 + 0.05 * tau


def _around(date):
    return [date - dt.timedelta(days=1), date, date + dt.timedelta(days=1)]


# ---------------------------------------------------------------- the diurnal cycle from daily extremes


def test_sunrise_and_sunset_are_where_the_sun_crosses_the_horizon():
    for date in (dt.date(2019, 3, 20), DATE, dt.date(2019, 12, 21)):
        rise, set_ = sunrise_sunset(date, latitude=ANGERS["latitude"])
        assert rise + set_ == pytest.approx(24.0)  # symmetric about solar noon
        # the sun's centre crosses the horizon within a minute of them (the declination is taken at noon)
        minute = 1.0 / 60.0
        hours = np.array([rise - minute, rise + minute, set_ - minute, set_ + minute])
        elevation, _ = sun.sun_position(sun.solar_time_to_utc(date, hours, longitude=ANGERS["longitude"]), **ANGERS)
        assert elevation[0] < 0.0 < elevation[1] and elevation[2] > 0.0 > elevation[3]
    assert sunrise_sunset(dt.date(2019, 6, 21), latitude=80.0) == (2.0, 22.0)  # polar day: held to 20 h


def test_the_extremes_shape_of_cesaraccio_keeps_the_extremes_exactly():
    # Cesaraccio et al. (2001), Int. J. Biometeorol. 45: 161–169: Tmin at sunrise, Tmax at sunset − 4 h,
    # To = Tx − 0.39 (Tx − Tn) at sunset. Acceptance: 1e-9 °C at those times.
    rise, set_ = sunrise_sunset(DATE, latitude=ANGERS["latitude"])
    shape = {"t_min_c": 22.0, "t_max_c": 40.0, "sunrise_h": rise, "sunset_h": set_}
    at = lambda h: diurnal_temperature(np.array([h]), **shape)[0]  # noqa: E731
    assert at(rise) == pytest.approx(22.0, abs=1e-9)
    assert at(set_ - 4.0) == pytest.approx(40.0, abs=1e-9)
    assert at(set_) == pytest.approx(40.0 - SUNSET_SHARE * 18.0, abs=1e-9)
    minutes = np.arange(0.0, 24.0, 1.0 / 600.0)  # every 6 s
    t = diurnal_temperature(minutes, **shape)
    assert t.min() >= 22.0 - 1e-9 and t.max() <= 40.0 + 1e-9
    assert abs(minutes[np.argmin(t)] - rise) <= 0.002 and abs(minutes[np.argmax(t)] - (set_ - 4.0)) <= 0.002  # h
    # continuous where its parts meet, and periodic over the day
    for joint in (rise, set_ - 4.0, set_):
        assert abs(at(joint + 1e-9) - at(joint - 1e-9)) < 1e-3
    assert at(24.0) == pytest.approx(at(0.0), abs=1e-12)
    rising = (minutes > rise) & (minutes < set_ - 4.0)
    assert np.all(np.diff(t[rising]) > 0) and np.all(np.diff(t[~rising][minutes[~rising] > set_ - 4.0]) < 0)


def test_hourly_weather_from_extremes_lies_within_them():
    w = hourly_weather(_heatwave(), **ANGERS)
    assert w.hour.tolist() == list(range(24)) and w.source is None
    rise, set_ = sunrise_sunset(DATE, latitude=ANGERS["latitude"])
    assert w.air_temperature_c.min() >= 22.0 and w.air_temperature_c.max() <= 40.0
    assert int(np.argmin(w.air_temperature_c)) in (math.floor(rise), math.ceil(rise))
    assert int(np.argmax(w.air_temperature_c)) in (math.floor(set_ - 4), math.ceil(set_ - 4))


def test_vapour_pressure_is_constant_over_the_day():
    w = hourly_weather(_heatwave(), **ANGERS)
    e = w.relative_humidity_pct / 100 * saturation_vapour_pressure_hpa(w.air_temperature_c)
    expected = 0.40 * saturation_vapour_pressure_hpa(31.0)  # mean RH at the mean temperature, hPa
    np.testing.assert_allclose(e, expected, rtol=1e-9)
    assert w.relative_humidity_pct[15] < 40.0 < w.relative_humidity_pct[5]  # drier in the afternoon


def test_magnus_formula_reference_values():
    # 6.105 hPa at 0 °C by construction; 42.4 hPa at 30 °C within 0.5 % of the WMO (Goff-Gratch) value.
    assert saturation_vapour_pressure_hpa(0.0) == pytest.approx(6.105)
    assert saturation_vapour_pressure_hpa(30.0) == pytest.approx(42.43, rel=0.005)


def test_climate_shift_warms_every_hour_and_keeps_vapour_pressure():
    w, warm = hourly_weather(_heatwave(), **ANGERS), hourly_weather(_heatwave(), **ANGERS, delta_t_c=2.0)
    np.testing.assert_allclose(warm.air_temperature_c - w.air_temperature_c, 2.0)
    e = lambda x: x.relative_humidity_pct * saturation_vapour_pressure_hpa(x.air_temperature_c)  # noqa: E731
    np.testing.assert_allclose(e(warm), e(w), rtol=1e-9)


def test_weather_at_other_solar_hours_is_linear_and_periodic():
    hour = np.arange(24.0)
    w = HourlyWeather(hour, 20.0 + hour, np.full(24, 50.0), hour / 10.0)
    half = w.at(np.array([0.5, 11.25, 23.5, 24.0, -0.5]))
    np.testing.assert_allclose(half.air_temperature_c, [20.5, 31.25, 31.5, 20.0, 31.5], atol=1e-12)
    np.testing.assert_allclose(half.wind_speed_m_s, [0.05, 1.125, 1.15, 0.0, 1.15], atol=1e-12)
    np.testing.assert_array_equal(w.at(hour).air_temperature_c, w.air_temperature_c)


# ---------------------------------------------------------------- EPW files, in solar time


def test_solar_noon_from_an_epw_at_angers_is_pvlib_s_transit(tmp_path):
    # A file whose temperature is linear in standard time (UTC+1) gives back, at solar 12:00, the standard time of
    # solar noon; pvlib's NREL SPA transit is the reference. Acceptance: 2 minutes, on 10 dates of 2023.
    dates = [dt.date(2023, m, d) for m, d in ((1, 15), (2, 11), (3, 21), (4, 25), (5, 14), (6, 21), (7, 26),
                                              (9, 22), (11, 3), (12, 21))]  # fmt: skip
    for date in dates:
        path = write_epw(tmp_path / f"{date}.epw", _around(date), _linear)
        w = read_weather_file(path, date=date, **ANGERS)
        noon_standard_h = (w.air_temperature_c[12] + 10.0) / 0.5 - 24.0
        times = pd.DatetimeIndex([pd.Timestamp(date, tz="Etc/GMT-1")])  # UTC+1
        transit = pvlib.solarposition.sun_rise_set_transit_spa(times, ANGERS["latitude"], ANGERS["longitude"])
        ref = transit["transit"].iloc[0]
        ref_h = ref.hour + ref.minute / 60.0 + (ref.second + ref.microsecond / 1e6) / 3600.0
        assert abs(noon_standard_h - ref_h) * 60.0 <= 2.0, date
        assert solar_noon_clock_h(date, longitude=-0.55, utc_offset_h=1.0) == pytest.approx(noon_standard_h, abs=1e-9)


def test_epw_hours_end_at_their_hour_and_are_interpolated_to_solar_time(tmp_path):
    # Hour h of an EPW row is the value at h:00 standard time (hour 24 of the day before is 00:00): on a file
    # linear in time, every solar hour's value is exact (acceptance 1e-9). At 14° E in UTC+1, solar time runs
    # 4·(14 − 15) + E ≈ −10 min behind standard time, so solar 00:00 falls between the day before's hour 24 and
    # the date's hour 1.
    place = {"latitude": 47.0, "longitude": 14.0}
    path = write_epw(tmp_path / "x.epw", _around(DATE), _linear, **place)
    w = read_weather_file(path, date=DATE, **place)
    shift_min = 4.0 * (14.0 - 15.0) + sun.equation_of_time_min(DATE)
    assert w.source.solar_shift_min == pytest.approx(shift_min, abs=1e-12)
    assert w.source.utc_offset_h == 1.0 and w.utc_offset_h == 1.0 and w.source.place == "Angers, FRA"
    tau = 24.0 + np.arange(24.0) - shift_min / 60.0  # standard hours after the first day's midnight
    np.testing.assert_allclose(w.air_temperature_c, -10.0 + 0.5 * tau, atol=1e-9)
    np.testing.assert_allclose(w.relative_humidity_pct, 20.0 + 0.25 * tau, atol=1e-9)
    np.testing.assert_allclose(w.wind_speed_m_s, 1.0 + 0.05 * tau, atol=1e-9)
    assert not w.source.repeated_day


def test_epw_read_with_the_territory_s_longitude_and_far_stations_are_logged(tmp_path, caplog):
    path = write_epw(tmp_path / "x.epw", _around(DATE), _linear, latitude=47.0, longitude=14.0)
    with caplog.at_level(logging.WARNING, logger="twin.heat.weather"):
        w = read_weather_file(path, date=DATE, **ANGERS)
    assert "from the territory" in caplog.text and "x.epw" in caplog.text
    assert w.source.longitude == 14.0 and w.source.latitude == 47.0  # the file's own station, noted
    assert w.source.solar_shift_min == pytest.approx(solar_shift_min(DATE, longitude=-0.55, utc_offset_h=1.0))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="twin.heat.weather"):
        read_weather_file(path, date=DATE, latitude=47.3, longitude=13.5)
    assert caplog.text == ""


def test_an_epw_holding_only_the_date_is_taken_as_a_repeating_day(tmp_path):
    path = write_epw(tmp_path / "x.epw", [DATE], lambda d, h: (20.0 + h % 24, 50.0, 2.0))
    w = read_weather_file(path, date=DATE, **ANGERS)
    assert w.source.repeated_day
    shift_h = solar_shift_min(DATE, longitude=-0.55, utc_offset_h=1.0) / 60.0
    np.testing.assert_allclose(w.air_temperature_c[5], 20.0 + 5.0 - shift_h, atol=1e-9)


def test_a_date_missing_from_a_dated_file_names_the_file_the_date_and_its_years(tmp_path):
    path = write_epw(tmp_path / "athens.epw", _around(dt.date(2023, 7, 25)), _linear)
    with pytest.raises(
        ScenarioError,
        match=r"athens\.epw: date 2019-07-25 not in the file \(it holds 2023\); give a date of those years, or set "
        r"typical_year = true for a typical-year file",
    ):
        hourly_weather(_file_event(path), **ANGERS)
    typical = hourly_weather(_file_event(path, typical_year=True), **ANGERS)
    dated = read_weather_file(path, date=dt.date(2023, 7, 25), **ANGERS)
    # the same rows, a few seconds apart in the equation of time between 2019 and 2023 (0.5 °C per hour)
    np.testing.assert_allclose(typical.air_temperature_c, dated.air_temperature_c, atol=0.01)
    assert typical.source.typical_year


def test_a_typical_year_wraps_31_december_to_1_january(tmp_path):
    # A TMY's months come from different years, in calendar order: 1 January (2005) first, December (2011) last.
    days = [dt.date(2005, 1, 1), dt.date(2011, 12, 30), dt.date(2011, 12, 31)]
    value = lambda d, h: _linear((3, 1, 2)[d] - 1, h)  # noqa: E731 (linear over 30 Dec, 31 Dec, 1 Jan)
    brest = {"latitude": 48.4, "longitude": -4.5}
    path = write_epw(tmp_path / "tmy.epw", days, value, **brest)
    date = dt.date(2019, 12, 31)
    w = hourly_weather(_file_event(path, date="2019-12-31", typical_year=True), **brest)
    shift_min = solar_shift_min(date, longitude=-4.5, utc_offset_h=1.0)
    assert shift_min < -60.0  # solar 23:00 is after midnight standard time: it needs 1 January's rows
    tau = 24.0 + np.arange(24.0) - shift_min / 60.0
    np.testing.assert_allclose(w.air_temperature_c, -10.0 + 0.5 * tau, atol=1e-9)
    with pytest.raises(ScenarioError, match=r"tmy\.epw: date 2019-12-31 not in the file \(it holds 2005, 2011\)"):
        hourly_weather(_file_event(path, date="2019-12-31"), **brest)


def test_bad_epw_rows_name_the_row(tmp_path):
    def value(d, h):
        return (99.9 if (d, h) == (1, 7) else 25.0), 50.0, 2.0  # 99.9: EPW's missing dry bulb

    path = write_epw(tmp_path / "x.epw", _around(DATE), value)
    row = 8 + 24 + 7  # 8 header lines, the day before, then hour 7
    with pytest.raises(ScenarioError, match=rf"x\.epw: row {row}: air_temperature_c \(field 7\) must be within "
                       r"\[-40, 60\] °C, got 99\.9"):  # fmt: skip
        read_weather_file(path, date=DATE, **ANGERS)
    text = path.read_text(encoding="utf-8").splitlines()
    text[20] = "2019,7,x4" + text[20][9:]
    path.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"x\.epw: row 21: day must be an integer within \[1, 31\], got 'x4'"):
        read_weather_file(path, date=DATE, **ANGERS)
    path.write_text("HEADER\n" + "\n".join(text[1:]), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"x\.epw: row 1: LOCATION must be the EPW LOCATION line"):
        read_weather_file(path, date=DATE, **ANGERS)


# ---------------------------------------------------------------- hourly CSV files


def _csv(path, rows, header="time,air_temperature_c,relative_humidity_pct,wind_speed_m_s"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_csv_times_with_their_offsets_are_read_in_solar_time(tmp_path):
    # Values linear in time (acceptance 1e-9), from 2019-07-24T12:00+02:00 for 48 h; half the rows in UTC (Z).
    start = dt.datetime(2019, 7, 24, 10, tzinfo=dt.UTC)
    rows = []
    for k in range(48):
        t = start + dt.timedelta(hours=k)
        stamp = t.isoformat().replace("+00:00", "Z") if k % 2 else t.astimezone(dt.timezone(dt.timedelta(hours=2)))
        rows.append(f"{stamp if isinstance(stamp, str) else stamp.isoformat()},{20 + 0.25 * k},{60 - 0.5 * k},2.0")
    path = _csv(tmp_path / "w.csv", rows)
    w = hourly_weather(_file_event(path), **ANGERS)
    shift_min = 4.0 * -0.55 + sun.equation_of_time_min(DATE)  # solar − UTC
    k = 14.0 + np.arange(24.0) - shift_min / 60.0  # hours after the first row
    np.testing.assert_allclose(w.air_temperature_c, 20.0 + 0.25 * k, atol=1e-9)
    np.testing.assert_allclose(w.relative_humidity_pct, 60.0 - 0.5 * k, atol=1e-9)
    assert w.source.format == "csv time" and w.source.utc_offset_h is None  # offsets differ between rows
    same = _csv(tmp_path / "v.csv", [(start + dt.timedelta(hours=k)).astimezone(dt.timezone(dt.timedelta(hours=2)))
                                     .isoformat() + f",{20 + 0.25 * k},50,2" for k in range(48)])  # fmt: skip
    w2 = read_weather_file(same, date=DATE, **ANGERS)
    np.testing.assert_allclose(w2.air_temperature_c, w.air_temperature_c, atol=1e-9)
    assert w2.source.utc_offset_h == 2.0 and w2.source.solar_shift_min == pytest.approx(shift_min - 120.0)


def test_a_csv_of_the_24_hours_of_the_date_is_a_repeating_day(tmp_path):
    rows = [f"2019-07-25T{h:02d}:00+02:00,{20 + h},50,2" for h in range(24)]
    w = read_weather_file(_csv(tmp_path / "w.csv", rows), date=DATE, **ANGERS)
    assert w.source.repeated_day
    shift_h = (4.0 * -0.55 + sun.equation_of_time_min(DATE)) / 60.0 - 2.0  # solar − UTC+2, h
    np.testing.assert_allclose(w.air_temperature_c[12], 20.0 + 12.0 - shift_h, atol=1e-9)
    with pytest.raises(ScenarioError, match=r"w\.csv: time must be hourly rows covering the solar day of 2019-07-26"):
        read_weather_file(tmp_path / "w.csv", date=DATE + dt.timedelta(days=1), **ANGERS)


def test_the_legacy_hour_column_is_solar_time(tmp_path):
    path = _csv(tmp_path / "w.csv", [f"{h},{25 + h % 10},50,2.5" for h in range(24)],
                header="hour,air_temperature_c,relative_humidity_pct,wind_speed_m_s")  # fmt: skip
    w = hourly_weather(_file_event(path), **ANGERS)
    assert w.air_temperature_c[9] == 34.0 and w.wind_speed_m_s[0] == 2.5 and w.source.format == "csv hour"
    _csv(path, ["0,25,50,1", "2,25,50,1"], header="hour,air_temperature_c,relative_humidity_pct,wind_speed_m_s")
    with pytest.raises(ScenarioError, match=r"w\.csv: hour must be 0, 1, \.\.\., 23 in order, got \[0\.0, 2\.0\]"):
        read_weather_file(path, date=DATE)


def test_bad_csv_rows_name_the_row_field_and_value(tmp_path):
    good = [f"2019-07-25T{h:02d}:00+02:00,25,50,2" for h in range(24)]
    cases = [
        (4, "2019-07-25T03:00+02:00,abc,50,2", r"row 6: air_temperature_c must be a number, got 'abc'"),
        (6, "2019-07-25T05:00+02:00,25,150,2", r"row 8: relative_humidity_pct must be within \[0, 100\] %, got 150"),
        (2, "2019-07-25T02:00,25,50,2", r"row 4: time must be an ISO 8601 instant with its UTC offset, e\.g\. "),
        (9, "2019-07-25T09:30+02:00,25,50,2", r"row 11: time must be one hour after the row before, got '2019"),
    ]
    for i, row, match in cases:  # the header is row 1, so good[i] is row i + 2
        path = _csv(tmp_path / "w.csv", [*good[:i], row, *good[i + 1 :]])
        with pytest.raises(ScenarioError, match=r"w\.csv: " + match):
            read_weather_file(path, date=DATE, **ANGERS)
    path.write_text("# a comment line counts as a row of the file\n" + path.read_text(encoding="utf-8"))
    with pytest.raises(ScenarioError, match=r"w\.csv: row 12: time"):
        read_weather_file(path, date=DATE, **ANGERS)
    _csv(path, good, header="when,air_temperature_c,relative_humidity_pct,wind_speed_m_s")
    with pytest.raises(ScenarioError, match=r"w\.csv: header must be columns time \(or hour\)"):
        read_weather_file(path, date=DATE, **ANGERS)


# ---------------------------------------------------------------- the event's fields and its key figures


def test_time_zone_must_be_an_iana_name():
    assert _heatwave(time_zone="Europe/Paris").time_zone == "Europe/Paris"
    with pytest.raises(ValueError, match=r"time_zone\n  Value error, must be an IANA time zone name"):
        _heatwave(time_zone="Europe/Pari")


def test_summary_of_a_weather_file_gives_the_file_s_figures_not_the_unused_ones(tmp_path):
    path = write_epw(tmp_path / "x.epw", _around(DATE), _linear)
    event = _file_event(path, time_zone="Europe/Paris")
    figures = summary(event, Climate(delta_t_c=1.0))  # no territory: the EPW header's coordinates
    assert "relative_humidity_pct" not in figures and "wind_speed_m_s" not in figures
    assert event.unused_fields() == ("relative_humidity_pct", "wind_speed_m_s")
    w = hourly_weather(event, **ANGERS, delta_t_c=1.0)
    assert figures["max_air_temperature_c"] == pytest.approx(w.air_temperature_c.max(), abs=0.005)
    assert figures["mean_wind_speed_m_s"] == pytest.approx(w.wind_speed_m_s.mean(), abs=0.005)
    assert figures["solar_time_shift_min"] == pytest.approx(w.source.solar_shift_min, abs=0.05)
    assert figures["file_location"] == "Angers, FRA (47.47° N, 0.55° W)" and figures["file_time"] == "UTC+01:00"
    assert figures["solar_noon"] == "14:08 Europe/Paris"  # 13:08 standard time, in summer time
    extremes = summary(_heatwave(), latitude=47.47, longitude=-0.55)
    assert extremes["relative_humidity_pct"] == 40.0 and extremes["max_air_temperature_c"] == 40.0
    assert extremes["solar_noon"] == "12:08 UTC"
    assert summary(_heatwave())["min_air_temperature_c"] == 22.0 and _heatwave().unused_fields() == ("typical_year",)


def test_summary_of_a_time_csv_without_a_place_gives_the_file_s_own_day(tmp_path):
    rows = [f"2019-07-25T{h:02d}:00+02:00,{20 + h},{40 + h},3" for h in range(24)]
    figures = summary(_file_event(_csv(tmp_path / "w.csv", rows)))
    assert figures["max_air_temperature_c"] == 43.0 and figures["min_air_temperature_c"] == 20.0
    assert figures["mean_relative_humidity_pct"] == 51.5 and figures["mean_wind_speed_m_s"] == 3.0


def test_twin_show_prints_the_weather_file_s_figures_and_not_the_unused_humidity_and_wind(tmp_path):
    write_epw(tmp_path / "angers.epw", _around(DATE), _linear)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'name = "s"\ntitle = "S"\nterritory = "demo"\n\n[[events]]\nkind = "heatwave"\nname = "epw-day"\n'
        'date = 2019-07-25\nweather_file = "angers.epw"\nrelative_humidity_pct = 35.0\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["show", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "\nrelative_humidity_pct =" not in result.output and "\nwind_speed_m_s =" not in result.output  # TOML
    assert "mean_relative_humidity_pct = " in result.output and "solar_time_shift_min = " in result.output
    assert "file_location = Angers, FRA (47.47° N, 0.55° W)" in result.output
