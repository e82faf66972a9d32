"""Mean radiant temperature and UTCI: physical limits, pythermalcomfort equality, flags and stress classes."""

from __future__ import annotations

import numpy as np
import pytest
from pythermalcomfort.models import utci as ptc_utci

from twin.heat import comfort

SUN = {"dni_w_m2": 850.0, "dhi_w_m2": 85.0, "elevation_deg": 45.0, "azimuth_deg": 240.0}


def _tmrt(**overrides):
    args = {
        "t_air_c": np.array([35.0]),
        "vapour_hpa": 15.0,
        "sunlit": np.array([1.0]),
        "svf": np.array([1.0]),
        "own_canopy": np.array([0.0]),
        "canopy_transmissivity": 0.03,
        "albedo": np.array([0.1]),
        "emissivity": np.array([0.95]),
        "kc": np.array([0.1]),
        **SUN,
    }
    args.update(overrides)
    return comfort.mean_radiant_temperature(**args)


def test_tmrt_in_a_black_enclosure_at_air_temperature_is_the_air_temperature():
    # No sun, no sky (SVF 0), black walls and ground at T_a: every flux is σT_a⁴, so Tmrt = T_a. Tolerance 1e-9 K.
    t = _tmrt(
        svf=np.array([0.0]),
        emissivity=np.array([1.0]),
        dni_w_m2=0.0,
        dhi_w_m2=0.0,
        surface=comfort.SurfaceModel(wall_emissivity=1.0),
    )
    assert t[0] == pytest.approx(35.0, abs=1e-9)


def test_tmrt_of_a_person_in_full_sun_by_hand():
    # One sunlit cell in the open (SVF 1), written out flux by flux. Tolerance 1e-9 K.
    ta, e_a, alb, eps, kc = 35.0, 15.0, 0.1, 0.95, 0.1
    i, d, el, az = 850.0, 85.0, np.radians(45.0), np.radians(240.0)
    sigma = 5.670374419e-8
    k_ground = i * np.sin(el) + d  # beam + diffuse on the ground
    k_down, k_up = k_ground, alb * k_ground
    k_sides = i * np.cos(el) * (abs(np.cos(az)) + abs(np.sin(az))) + 4 * 0.5 * (d + k_up)
    t_ground = ta + (1 - alb) * k_ground / 36.0 * (1 - 0.8 * kc)  # surface model: h = 36, β = 0.8
    l_sky = 1.24 * (e_a / (ta + 273.15)) ** (1 / 7) * sigma * (ta + 273.15) ** 4  # Brutsaert (1975)
    l_up = eps * sigma * (t_ground + 273.15) ** 4 + (1 - eps) * l_sky
    l_sides = 4 * 0.5 * (l_sky + l_up)
    s_str = 0.70 * (0.06 * (k_down + k_up) + 0.22 * k_sides) + 0.95 * (0.06 * (l_sky + l_up) + 0.22 * l_sides)
    expected = (s_str / (0.95 * sigma)) ** 0.25 - 273.15
    assert _tmrt()[0] == pytest.approx(expected, abs=1e-9)
    assert 55.0 < expected < 75.0  # what SOLWEIG gives in sunny squares on heatwave afternoons


def test_shade_trees_and_walls_change_tmrt_the_right_way():
    open_sun = _tmrt()[0]
    assert _tmrt(sunlit=np.array([0.0]))[0] < open_sun - 15.0  # shade removes the beam
    # under a crown of cover 0.9 and τ = 0.03 the person keeps 1 − 0.9·0.97 of the beam
    under_tree = _tmrt(sunlit=np.array([1 - 0.9 * 0.97]), own_canopy=np.array([0.9]))[0]
    assert under_tree < open_sun - 15.0
    # in the shade, leaves at air temperature are warmer than the clear sky they hide (more longwave) but block
    # its diffuse light: the balance stays within a few kelvin
    assert abs(_tmrt(sunlit=np.array([0.0]), own_canopy=np.array([1.0]))[0] - _tmrt(sunlit=np.array([0.0]))[0]) < 5
    assert _tmrt(albedo=np.array([0.6]))[0] != open_sun
    # the beam on the four sides depends on the sun's azimuth only through |cos a| + |sin a|
    assert _tmrt(azimuth_deg=120.0)[0] == pytest.approx(_tmrt(azimuth_deg=240.0)[0])


def test_utci_equals_pythermalcomfort_within_its_validity():
    # Random inputs inside pythermalcomfort's validity; equality to 1e-9 °C (the same polynomial, not a copy).
    rng = np.random.default_rng(42)
    n = 2000
    ta = rng.uniform(-20.0, 45.0, n)
    tr = ta + rng.uniform(-20.0, 60.0, n)
    v = rng.uniform(0.5, 17.0, n)
    # humidity up to 95 %, but the vapour pressure below 4.5 kPa (the validity ends at 5 kPa)
    rh = rng.uniform(0.05, 1.0, n) * np.minimum(95.0, 100.0 * 45.0 / comfort.vapour_pressure_hpa(ta, 100.0))
    reference = ptc_utci(tdb=ta, tr=tr, v=v, rh=rh, limit_inputs=True, round_output=False).utci
    assert np.isfinite(reference).all()
    ours = comfort.utci(ta, tr, v, rh)
    np.testing.assert_allclose(ours.utci_c, reference, atol=1e-9)
    assert (ours.flag == 0).all()


def test_out_of_range_utci_inputs_are_flagged_not_crashed():
    ta = np.array([30.0, 30.0, 30.0, 55.0, 45.0])
    tr = np.array([30.0, 110.0, 30.0, 60.0, 50.0])
    v = np.array([0.1, 2.0, 25.0, 2.0, 2.0])
    rh = np.array([50.0, 50.0, 50.0, 20.0, 100.0])
    out = comfort.utci(ta, tr, v, rh)
    assert np.isfinite(out.utci_c).all()
    assert out.flag[0] == comfort.FLAG_WIND and out.flag[2] == comfort.FLAG_WIND
    assert out.flag[1] == comfort.FLAG_RADIANT
    assert out.flag[3] & comfort.FLAG_AIR
    assert out.flag[4] == comfort.FLAG_VAPOUR
    # a flagged value is UTCI at the nearest valid input: wind 0.1 m/s is computed at 0.5 m/s
    assert out.utci_c[0] == pytest.approx(ptc_utci(tdb=30.0, tr=30.0, v=0.5, rh=50.0, round_output=False).utci)


def test_stress_classes_follow_the_26_32_38_46_thresholds():
    values = np.array([9.0, 25.9, 26.0, 26.1, 32.0, 32.1, 38.0, 38.1, 46.0, 46.1, 60.0])
    classes = comfort.utci_stress_class(values)
    np.testing.assert_array_equal(classes, [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    # the same bins as pythermalcomfort's categories, which include their upper edge
    assert comfort.UTCI_CLASSES[1:] == (
        "moderate heat stress",
        "strong heat stress",
        "very strong heat stress",
        "extreme heat stress",
    )
