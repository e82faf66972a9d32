"""Sun position against pvlib, clear-sky irradiance, and shadows of a block in every quadrant."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pvlib
import pytest

from twin.heat import _kernels, geometry, sun

ANGERS = (47.4784, -0.5632)  # latitude, longitude, degrees


def test_sun_position_matches_pvlib_for_a_year_of_hours_at_angers():
    # Every hour of 2024 (UTC), against pvlib's NREL SPA (geometric elevation, no refraction). Tolerance 0.1°
    # (issue 5); the NOAA algorithm is good to ~0.01°, which is what this measures (max ≈ 0.011° and 0.019°).
    times = pd.date_range("2024-01-01", "2025-01-01", freq="1h", tz="UTC", inclusive="left")
    lat, lon = ANGERS
    ref = pvlib.solarposition.get_solarposition(times, lat, lon, method="nrel_numpy")
    elevation, azimuth = sun.sun_position(times.tz_localize(None).values, latitude=lat, longitude=lon)
    assert np.abs(elevation - ref["elevation"].to_numpy()).max() <= 0.1
    d_az = (azimuth - ref["azimuth"].to_numpy() + 180.0) % 360.0 - 180.0
    assert np.abs(d_az).max() <= 0.1


def test_solar_noon_is_due_south_at_its_highest():
    lat, lon = ANGERS
    date = dt.date(2019, 7, 25)
    noon = sun.solar_time_to_utc(date, np.array([12.0]), longitude=lon)
    _, azimuth = sun.sun_position(noon, latitude=lat, longitude=lon)
    assert azimuth[0] == pytest.approx(180.0, abs=0.05)  # the conversion is accurate to < 1 min of time
    day = sun.sun_day(date, latitude=lat, longitude=lon, hours=np.arange(10.0, 14.01, 0.25))
    assert day.elevation.argmax() == 8  # 12:00 of 10:00, 10:15, ..., 14:00
    # afternoon sun is in the west, morning sun in the east
    d = sun.sun_day(date, latitude=lat, longitude=lon)
    assert 180.0 < d.azimuth[15] < 360.0 and 0.0 < d.azimuth[9] < 180.0
    assert (d.dni[d.elevation <= 0] == 0).all() and (d.dni[d.elevation > 5] > 0).all()


def test_clear_sky_irradiance_with_the_sun_at_the_zenith():
    # Meinel & Meinel: at air mass ≈ 1 the beam keeps 0.7 of the extraterrestrial irradiance; diffuse is 10 % of it.
    dni, dhi = sun.clear_sky_irradiance(np.array([90.0, 0.0, -5.0]), day_of_year=80)
    s0 = sun.SOLAR_CONSTANT_W_M2 * (1.0 + 0.033 * math.cos(2 * math.pi * 80 / 365))
    assert dni[0] == pytest.approx(s0 * 0.7, rel=0.01)
    assert dhi[0] == pytest.approx(0.1 * dni[0])
    assert dni[1] == 0 and dni[2] == 0 and dhi[2] == 0


def _shadow_tip(lit: np.ndarray, centre: tuple[float, float], azimuth_deg: float) -> float:
    """Distance (cells) from ``centre`` to the farthest shadowed point along the direction away from the sun."""
    az = math.radians(azimuth_deg)
    d_row, d_col = math.cos(az), -math.sin(az)  # away from the sun (the sun is at (-cos, +sin))
    tip = 0.0
    for s in np.arange(0.0, 60.0, 0.05):
        i, j = math.floor(centre[0] + s * d_row + 0.5), math.floor(centre[1] + s * d_col + 0.5)
        if not (0 <= i < lit.shape[0] and 0 <= j < lit.shape[1]):
            break
        if lit[i, j] == 0.0:
            tip = s
    return tip


@pytest.mark.parametrize("azimuth", [30.0, 60.0, 120.0, 150.0, 210.0, 240.0, 300.0, 330.0])
def test_a_block_casts_a_shadow_of_h_over_tan_e_away_from_the_sun(azimuth):
    # A 4 x 4 block of H = 10 m on flat ground, 1 m cells, the sun at 30°: the shadow reaches H/tan(e) = 17.3 m
    # beyond the block's far edge along the anti-sun direction. Tolerance: one cell (issue 5); measured error
    # -0.03 cells at these azimuths.
    cell, h, elevation = 1.0, 10.0, 30.0
    z = np.zeros((90, 90))
    z[43:47, 43:47] = h
    lit = sun.sunlit_fraction(z, cell_size=cell, elevation_deg=elevation, azimuth_deg=azimuth)
    centre = (44.5, 44.5)
    az = math.radians(azimuth)
    exit_block = 2.0 / max(abs(math.cos(az)), abs(math.sin(az)))  # from the centre to the block's edge, cells
    expected = exit_block + h / math.tan(math.radians(elevation)) / cell
    assert _shadow_tip(lit, centre, azimuth) == pytest.approx(expected, abs=1.0)
    # the right direction: every shadowed ground cell lies on the side away from the sun
    rows, cols = np.nonzero((lit == 0.0) & (z == 0.0))
    toward_sun = -(rows - centre[0]) * math.cos(az) + (cols - centre[1]) * math.sin(az)
    assert rows.size > 0 and (toward_sun < 0).all()
    # the sun-facing side and the roof are lit
    assert lit[z == h].min() == 1.0
    assert _shadow_tip(lit, centre, (azimuth + 180.0) % 360.0) <= exit_block + 1.0


def test_no_sun_no_light_and_flat_ground_fully_lit():
    z = np.zeros((10, 10))
    assert (sun.sunlit_fraction(z, cell_size=1.0, elevation_deg=-3.0, azimuth_deg=90.0) == 0).all()
    assert (sun.sunlit_fraction(z, cell_size=1.0, elevation_deg=10.0, azimuth_deg=90.0) == 1).all()


def test_a_tree_crown_passes_part_of_the_beam():
    # Sun due east at 20°, 1 m cells; one crown from 3 to 10 m (canopy 0.6, τ = 0.1) at column 20.
    # From 10 cells west the ray crosses that cell at 10·tan(20°) = 3.6 m, inside the crown; from 1 cell west
    # it passes under it at 0.36 m.
    ground = np.zeros((5, 30))
    canopy = np.zeros((5, 30))
    canopy[2, 20] = 0.6
    top, base, trans = geometry.tree_surfaces(
        ground, canopy, tree_height_m=10.0, trunk_height_m=3.0, transmissivity=0.1
    )
    lit = sun.sunlit_fraction(
        ground,
        cell_size=1.0,
        elevation_deg=20.0,
        azimuth_deg=90.0,
        tree_top=top,
        tree_base=base,
        tree_transmission=trans,
    )
    assert lit[2, 10] == pytest.approx(1.0 - 0.6 * 0.9)  # keeps 1 − c·(1 − τ)
    assert lit[2, 19] == 1.0
    assert lit[2, 25] == 1.0  # the tree is behind, away from the sun


def test_shadow_kernel_matches_its_python_function():
    rng = np.random.default_rng(3)
    z = rng.random((8, 9)) * 6.0
    canopy = (rng.random((8, 9)) > 0.6) * rng.random((8, 9))
    top, base, trans = geometry.tree_surfaces(z, canopy, tree_height_m=5.0, trunk_height_m=1.0, transmissivity=0.05)
    args = {"surface": z, "veg_top": top, "veg_base": base, "veg_trans": trans, "d_row": 0.6, "d_col": -0.8,
            "step": 0.5, "rise": 0.7, "z_max": float(max(z.max(), top.max()))}  # fmt: skip
    fast, slow = [np.empty_like(z) for _ in range(2)], [np.empty_like(z) for _ in range(2)]
    _kernels.shadow_sunlit(**args, sunlit=fast[0], clear=fast[1])
    _kernels.shadow_sunlit.py_func(**args, sunlit=slow[0], clear=slow[1])
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12)
    np.testing.assert_array_equal(fast[1], slow[1])
    assert ((fast[1] == 0) | (fast[1] == 1)).all() and (fast[0] <= fast[1]).all()
