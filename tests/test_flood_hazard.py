"""Hazard classes: UK FD2320 hazard rating and the French PPRI grid, cell by cell."""

from __future__ import annotations

import numpy as np
import pytest

from twin.flood.hazard import debris_land_use, hazard_rating, hazard_rating_class, ppri_class
from twin.landcover import LandCoverTable

PASTURE, WOODLAND, URBAN = 0, 1, 2


@pytest.mark.parametrize(
    ("d", "v", "use", "hr"),
    [
        (0.2, 1.0, URBAN, 0.2 * 1.5 + 0.0),  # shallow: no debris factor
        (0.5, 1.0, PASTURE, 0.5 * 1.5 + 0.0),
        (0.5, 1.0, WOODLAND, 0.5 * 1.5 + 0.5),
        (0.5, 1.0, URBAN, 0.5 * 1.5 + 1.0),
        (1.0, 0.2, PASTURE, 1.0 * 0.7 + 0.5),  # deeper than 0.75 m
        (0.5, 2.5, PASTURE, 0.5 * 3.0 + 0.5),  # faster than 2 m/s
        (0.0, 3.0, URBAN, 0.0),  # dry
    ],
)
def test_hazard_rating_is_d_times_v_plus_half_plus_debris_factor(d, v, use, hr):
    got = hazard_rating(np.array([d]), np.array([v]), np.array([use]))
    assert got[0] == pytest.approx(hr)


def test_hazard_rating_classes():
    assert hazard_rating_class(np.array([0.5, 0.75, 1.0, 1.25, 1.9, 2.0, 3.0])).tolist() == [0, 1, 1, 2, 2, 3, 3]


def test_ppri_grid_with_velocity_raising_the_class():
    depth = np.array([0.005, 0.3, 0.3, 0.7, 0.7, 1.5, 1.5])
    speed = np.array([0.0, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8])
    assert ppri_class(depth, speed).tolist() == [0, 1, 2, 2, 3, 3, 3]


def test_land_use_for_the_debris_factor_comes_from_the_table():
    table = LandCoverTable.read()
    codes = np.array([3, 6, 8, 9, 2])  # road, grass, trees, meadow, building
    assert debris_land_use(codes, table).tolist() == [URBAN, PASTURE, WOODLAND, PASTURE, URBAN]
