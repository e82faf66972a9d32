"""The heat island's day (twin.heat.diurnal): where each part of the shape lies and what it equals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from twin.heat.diurnal import Night, Shape, day_night_steps, heat_island, night_of, peak_hour

HOURS = np.arange(24.0)
NIGHT = Night(sunrise_h=4.5, sunset_h=19.5)
D, N, RHO = np.array([0.5, 1.0]), np.array([2.0, 6.0]), np.array([0.6, 1.0])


def test_the_peak_is_the_step_nearest_four_hours_after_sunset_and_equals_the_night_maximum():
    assert peak_hour(NIGHT, HOURS, Shape()) in (23.0, 0.0)  # 19:30 + 4 h = 23:30
    uhi = heat_island(HOURS, NIGHT, day_k=D, night_max_k=N, retention=RHO)
    peak = peak_hour(NIGHT, HOURS, Shape())
    k = int(np.argmin(np.abs(HOURS - peak)))
    np.testing.assert_allclose(uhi[k], N, rtol=0, atol=1e-12)
    np.testing.assert_allclose(uhi.max(axis=0), N, rtol=0, atol=1e-12)  # and it is the day's largest


def test_the_day_level_holds_from_three_hours_after_sunrise_to_an_hour_before_sunset():
    uhi = heat_island(HOURS, NIGHT, day_k=D, night_max_k=N, retention=RHO)
    day = (HOURS >= 7.5) & (HOURS <= 18.5)
    np.testing.assert_allclose(uhi[day], np.broadcast_to(D, uhi[day].shape), rtol=0, atol=1e-12)


def test_the_night_falls_linearly_to_the_retained_share_at_sunrise_and_mass_keeps_it():
    hours = np.arange(0.0, 24.0, 0.25)  # steps of 15 min: sunrise (04:30) is a step
    uhi = heat_island(hours, NIGHT, day_k=D, night_max_k=N, retention=RHO)
    at_sunrise = uhi[np.flatnonzero(hours == 4.5)[0]]
    np.testing.assert_allclose(at_sunrise, RHO * N, rtol=0, atol=1e-12)  # open 60 %, dense (ρ = 1) all of it
    night = (hours > 0.0) & (hours < 4.5)
    assert (np.diff(uhi[night, 0]) < 0).all() and np.allclose(np.diff(uhi[night, 1]), 0.0)
    # the evening rise is monotone from the day level to the peak
    evening = (hours >= 18.5) & (hours <= 23.5)
    assert (np.diff(uhi[evening], axis=0) >= -1e-12).all()


def test_short_nights_keep_the_peak_in_their_first_half():
    short = Night(sunrise_h=2.0, sunset_h=22.0)  # 4 h of night
    assert peak_hour(short, HOURS, Shape()) == 0.0  # 22:00 + min(4, 2) h


def test_invest_mode_takes_the_day_map_while_the_sun_is_up_and_the_night_map_otherwise():
    steps = day_night_steps(HOURS, NIGHT, day_k=D, night_k=N)
    dark = (HOURS < 4.5) | (HOURS >= 19.5)
    assert (steps[dark] == N).all() and (steps[~dark] == D).all()


def test_sunrise_and_sunset_are_the_weathers():
    night = night_of(dt.date(2019, 7, 25), latitude=47.47)
    assert night.sunrise_h == pytest.approx(4.5, abs=0.1) and night.sunset_h == pytest.approx(19.5, abs=0.1)
    assert night.sunrise_h + night.sunset_h == pytest.approx(24.0)  # symmetric about solar noon
