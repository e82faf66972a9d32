"""Depth-damage curves, maximum damage by use and expected annual damage (twin.impacts.damage)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from twin.errors import DataSourceError, ModelInputError
from twin.impacts import DamageModel, expected_annual_damage

# Huizinga, de Moel & Szewczyk (2017), Europe: depth (m) -> damage fraction
DEPTHS = [0, 0.5, 1, 1.5, 2, 3, 4, 5, 6]
JRC_EUROPE = {
    "residential": [0, 0.25, 0.40, 0.50, 0.60, 0.75, 0.85, 0.95, 1.00],
    "commercial": [0, 0.15, 0.30, 0.45, 0.55, 0.75, 0.90, 1.00, 1.00],
    "industrial": [0, 0.15, 0.27, 0.40, 0.52, 0.70, 0.85, 1.00, 1.00],
}
# construction cost France 2010 x depreciation 0.6 x (1 + content factor)
MAX_DAMAGE = {
    "residential": 1436 * 0.6 * 1.5,
    "commercial": 1494 * 0.6 * 2.0,
    "industrial": 970 * 0.6 * 2.5,
    "public": 1494 * 0.6 * 2.0,
    "other": 1494 * 0.6 * 2.0,
}


@pytest.fixture(scope="module")
def model():
    return DamageModel.read()


def test_the_shipped_tables_hold_the_jrc_europe_curves_and_french_costs(model):
    for curve, fractions in JRC_EUROPE.items():
        depths, values = model.curves[curve]
        np.testing.assert_array_equal(depths, DEPTHS)
        np.testing.assert_array_equal(values, fractions)
        np.testing.assert_array_equal(model.damage_fraction(curve, DEPTHS), fractions)
    assert model.max_damage_eur_m2 == pytest.approx(MAX_DAMAGE, rel=1e-12)
    assert model.curve_of_use == {
        "residential": "residential",
        "commercial": "commercial",
        "industrial": "industrial",
        "public": "commercial",
        "other": "commercial",
    }
    assert model.sources[0].endswith("depth_damage.csv") and model.sources[1].endswith("max_damage.csv")


def test_fractions_are_linear_between_points_zero_below_and_one_beyond(model):
    assert model.damage_fraction("residential", 0.75) == pytest.approx(0.325, abs=1e-12)
    assert model.damage_fraction("residential", 2.5) == pytest.approx(0.675, abs=1e-12)
    assert model.damage_fraction("industrial", 1.25) == pytest.approx(0.335, abs=1e-12)
    assert model.damage_fraction("public", 0.25) == pytest.approx(0.075, abs=1e-12)  # commercial curve
    np.testing.assert_array_equal(model.damage_fraction("residential", [-1.0, 0.0, 7.0, 100.0]), [0, 0, 1, 1])
    assert math.isnan(float(model.damage_fraction("residential", math.nan)))


def test_building_damage_is_fraction_times_max_damage_times_footprint(model):
    buildings = gpd.GeoDataFrame(
        {"use": ["residential", "commercial", "industrial", "other"]},
        geometry=[box(0, 0, 10, 10), box(0, 0, 20, 10), box(0, 0, 30, 40), box(0, 0, 5, 5)],
        crs="EPSG:2154",
    )
    damage = model.building_damage(buildings, np.array([0.75, 3.5, 0.0, 10.0]))
    expected = [
        0.325 * 1292.4 * 100,
        0.825 * 1792.8 * 200,
        0.0,
        1.0 * 1792.8 * 25,
    ]
    np.testing.assert_allclose(damage, expected, rtol=1e-12)


def test_expected_annual_damage_is_the_log_linear_integral_plus_the_rare_tail():
    damages = {10: 1e5, 30: 4e5, 100: 1e6}
    # by hand: p = 1/T; on [a, b], D = D_a + (D_b - D_a) ln(p/a)/ln(b/a) and ∫_a^b ln(p/a) dp = b ln(b/a) - (b - a)
    p100, p30, p10 = 0.01, 1 / 30, 0.1
    tail = 1e6 * p100
    l1, l2 = math.log(p30 / p100), math.log(p10 / p30)
    seg1 = 1e6 * (p30 - p100) + (4e5 - 1e6) / l1 * (p30 * l1 - (p30 - p100))
    seg2 = 4e5 * (p10 - p30) + (1e5 - 4e5) / l2 * (p10 * l2 - (p10 - p30))
    hand = tail + seg1 + seg2
    assert hand == pytest.approx(39_833.4, abs=1.0)  # 10 000 + 14 961.7 + 14 871.7
    ead = expected_annual_damage(damages)
    assert ead == pytest.approx(hand, rel=1e-12)
    # a dense trapezoid of the same interpolant (linear in ln p), plus the tail
    p = np.geomspace(p100, p10, 2_000_001)
    d = np.interp(np.log(p), np.log([p100, p30, p10]), [1e6, 4e5, 1e5])
    numeric = tail + float(np.sum((d[1:] + d[:-1]) / 2 * np.diff(p)))
    assert ead == pytest.approx(numeric, rel=1e-6)


def test_expected_annual_damage_of_a_constant_damage_is_that_damage_times_the_most_frequent_p():
    assert expected_annual_damage({100: 5e4, 20: 5e4, 1000.0: 5e4}) == pytest.approx(5e4 / 20, rel=1e-12)
    # order and key types do not matter
    assert expected_annual_damage({100.0: 1e6, 10: 1e5, 30: 4e5}) == expected_annual_damage(
        {10: 1e5, 30: 4e5, 100: 1e6}
    )


@pytest.mark.parametrize(
    ("damages", "match"),
    [
        ({100: 1e6}, r"events must be at least 2 return periods, got \[100.0\]"),
        ({}, r"events must be at least 2 return periods, got \[\]"),
        ({0.5: 1.0, 10: 2.0}, r"return period must be a finite number of years >= 1, got 0.5"),
        ({10: -1.0, 100: 2.0}, r"damage of the 10-year event must be a finite number >= 0 EUR, got -1.0"),
        ({10: math.nan, 100: 2.0}, r"damage of the 10-year event must be .*, got nan"),
    ],
)
def test_expected_annual_damage_refuses_what_it_cannot_integrate(damages, match):
    with pytest.raises(ModelInputError, match=r"^expected annual damage: " + match):
        expected_annual_damage(damages)


def _write_tables(tmp_path, curves: str, costs: str):
    c, m = tmp_path / "curves.csv", tmp_path / "costs.csv"
    c.write_text(curves, encoding="utf-8")
    m.write_text(costs, encoding="utf-8")
    return c, m


CURVES = "# a comment\ncurve,depth_m,damage_fraction\nflat,0,0\nflat,1,0.5\nflat,2,1\n"
COSTS_HEADER = "use,curve,construction_cost_eur_m2,depreciation,content_factor,max_damage_eur_m2,source\n"


def test_a_city_can_bring_its_own_tables(tmp_path):
    paths = _write_tables(tmp_path, CURVES, COSTS_HEADER + "residential,flat,1000,0.5,1.0,1000,local survey\n")
    model = DamageModel.read(paths)
    assert model.damage_fraction("residential", 1.5) == pytest.approx(0.75)
    assert model.max_damage_eur_m2 == {"residential": 1000.0}


@pytest.mark.parametrize(
    ("curves", "costs", "match"),
    [
        (CURVES, COSTS_HEADER + "residential,steep,1000,0.5,1.0,1000,x\n", r"line 2: curve must be one of \['flat'\]"),
        (
            CURVES,
            COSTS_HEADER + "residential,flat,1000,0.5,1.0,900,x\n",
            r"line 2: max_damage_eur_m2 must be .*1000.00",
        ),
        (CURVES, COSTS_HEADER + "residential,flat,lots,0.5,1.0,1000,x\n", r"construction_cost_eur_m2 must be a number"),
        ("curve,depth_m,damage_fraction\nflat,0,0\nflat,1,1.5\n", COSTS_HEADER, r"line 3: damage_fraction must be"),
        ("curve,depth_m,damage_fraction\nflat,0.5,0\nflat,1,1\n", COSTS_HEADER, r"curve 'flat': depth_m must be"),
        ("curve,depth_m,damage_fraction\nflat,0,0.5\nflat,1,0.2\n", COSTS_HEADER, r"non-decreasing"),
        (
            "curve,depth,damage_fraction\nflat,0,0\n",
            COSTS_HEADER,
            r"columns must be complete \(curve, depth_m, damage_fraction\), got \"missing \['depth_m'\]\"",
        ),
    ],
)
def test_bad_tables_are_refused_naming_file_and_line(tmp_path, curves, costs, match):
    paths = _write_tables(tmp_path, curves, costs)
    with pytest.raises(DataSourceError, match=match) as info:
        DamageModel.read(paths)
    assert str(tmp_path) in str(info.value)


def test_damage_by_return_period_keeps_the_largest_per_period_and_leaves_out_missing_ones():
    from twin.impacts import damage_by_return_period

    pairs = [(100, 5.0e5), (10, 1.0e5), (100, 9.0e5), (30, float("nan")), (30.0, 4.0e5)]
    assert damage_by_return_period(pairs) == {10.0: 1.0e5, 30.0: 4.0e5, 100.0: 9.0e5}
    assert list(damage_by_return_period(pairs)) == [10.0, 30.0, 100.0]  # increasing return period
    assert damage_by_return_period([(10, float("nan"))]) == {}
