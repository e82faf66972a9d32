"""Heatwave weather: the diurnal cycle, humidity at constant vapour pressure, weather files, climate shift."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from twin.errors import ScenarioError
from twin.heat.weather import diurnal_temperature, hourly_weather, read_weather_file, saturation_vapour_pressure_hpa
from twin.scenario.models import Scenario


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


def test_diurnal_cycle_has_its_minimum_at_6_and_maximum_at_15():
    t = diurnal_temperature(np.arange(24.0), t_min_c=22.0, t_max_c=40.0)
    assert int(np.argmin(t)) == 6 and int(np.argmax(t)) == 15
    assert t[6] == pytest.approx(22.0) and t[15] == pytest.approx(40.0)
    assert np.all(np.diff(t[6:16]) > 0) and np.all(np.diff(np.r_[t[15:], t[:7]]) < 0)


def test_vapour_pressure_is_constant_over_the_day():
    w = hourly_weather(_heatwave())
    e = w.relative_humidity_pct / 100 * saturation_vapour_pressure_hpa(w.air_temperature_c)
    expected = 0.40 * saturation_vapour_pressure_hpa(31.0)  # mean RH at the mean temperature, hPa
    np.testing.assert_allclose(e, expected, rtol=1e-9)
    assert w.relative_humidity_pct[15] < 40.0 < w.relative_humidity_pct[6]  # drier in the afternoon


def test_magnus_formula_reference_values():
    # 6.105 hPa at 0 °C by construction; 42.4 hPa at 30 °C within 0.5 % of the WMO (Goff-Gratch) value.
    assert saturation_vapour_pressure_hpa(0.0) == pytest.approx(6.105)
    assert saturation_vapour_pressure_hpa(30.0) == pytest.approx(42.43, rel=0.005)


def test_climate_shift_warms_every_hour_and_keeps_vapour_pressure():
    w, warm = hourly_weather(_heatwave()), hourly_weather(_heatwave(), delta_t_c=2.0)
    np.testing.assert_allclose(warm.air_temperature_c - w.air_temperature_c, 2.0)
    e = lambda x: x.relative_humidity_pct * saturation_vapour_pressure_hpa(x.air_temperature_c)  # noqa: E731
    np.testing.assert_allclose(e(warm), e(w), rtol=1e-9)


def test_hourly_csv(tmp_path):
    path = tmp_path / "w.csv"
    rows = "\n".join(f"{h},{25 + h % 10},{50},{2.5}" for h in range(24))
    path.write_text("hour,air_temperature_c,relative_humidity_pct,wind_speed_m_s\n" + rows, encoding="utf-8")
    w = hourly_weather(_heatwave(weather_file=str(path), max_air_temperature_c=None, min_air_temperature_c=None))
    assert w.air_temperature_c[9] == 34.0 and w.wind_speed_m_s[0] == 2.5
    path.write_text("hour,air_temperature_c,relative_humidity_pct,wind_speed_m_s\n0,25,150,1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"w\.csv: hour must be 0, 1, \.\.\., 23 in order"):
        read_weather_file(path, date=dt.date(2019, 7, 25))


def test_epw_rows_of_the_day(tmp_path):
    header = "\n".join(f"HEADER{i}" for i in range(8))
    lines = []
    for day in (24, 25):
        for hour in range(1, 25):
            fields = ["2019", "7", str(day), str(hour), "0", "?"] + ["0"] * 29
            fields[6], fields[8], fields[21] = str(20 + hour / 2 + (day - 24)), "45", "3.0"
            lines.append(",".join(fields))
    path = tmp_path / "x.epw"
    path.write_text(header + "\n" + "\n".join(lines), encoding="utf-8")
    w = read_weather_file(path, date=dt.date(2019, 7, 25))
    assert w.air_temperature_c[0] == 21.5 and w.air_temperature_c[23] == 33.0  # 20 + 24/2 + 1
    with pytest.raises(ScenarioError, match=r"x\.epw: rows for 08-01 must be 24 hourly rows, got 0"):
        read_weather_file(path, date=dt.date(2019, 8, 1))
