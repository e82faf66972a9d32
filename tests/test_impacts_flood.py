"""Flood impacts on the tiny territory, with hand-built flood results (twin.impacts.flood).

The tiny territory (twin.testing.tiny_territory): 30 x 20 cells of 5 m; Sud is rows 10-19, Nord rows
0-9; B1 (residential, 20 x 20 m, 25 residents) and B2 (residential, 20 x 30 m, 75) in Sud, B3
(commercial, 30 x 20 m) and B4 (residential, 20 x 20 m, 40) in Nord; the school at row 11, col 20;
a road along row 10.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from scipy import ndimage
from shapely.geometry import LineString

from twin.impacts import CATALOGUE, DamageModel, at_buildings, flood_impacts

B1, B2, B3, B4 = range(4)


def results(territory, **arrays) -> xr.Dataset:
    """A dataset on the territory's grid, as the engines return it."""
    shape = territory.grid.shape
    arrays.setdefault("max_depth", np.zeros(shape))
    arrays.setdefault("max_velocity", np.zeros(shape))
    arrays.setdefault("ppri_class", np.zeros(shape, np.uint8))
    coords = {"y": territory.layers["y"].values, "x": territory.layers["x"].values}
    return xr.Dataset({k: (("y", "x"), v) for k, v in arrays.items()}, coords=coords)


def ring(territory, b: int) -> np.ndarray:
    """Cells touching building b (8 neighbours) that are not b's: by dilation, independently of the code."""
    own = territory["building_index"] == b
    return ndimage.binary_dilation(own, structure=np.ones((3, 3), bool)) & ~own


def values(impacts, key: str) -> dict:
    return {i.district: i.value for i in impacts.indicators if i.key == key}


@pytest.fixture(scope="module")
def flooded(tiny):
    """B1's walls under 0.2 m with one corner at 0.75 m, B2 under 1.2 m, B3 under 0.3 m, B4 under 5 cm."""
    depth = np.zeros(tiny.grid.shape)
    depth[ring(tiny, B1)] = 0.2
    rows, cols = np.nonzero(ring(tiny, B1))
    depth[rows[0], cols[0]] = 0.75
    depth[ring(tiny, B2)] = 1.2
    depth[ring(tiny, B3)] = 0.3
    depth[ring(tiny, B4)] = 0.05
    depth[11, 20] = 0.6  # the school
    return flood_impacts(tiny, results(tiny, max_depth=depth), event="T30")


def test_depth_at_a_building_is_the_highest_water_against_its_walls(tiny, flooded):
    np.testing.assert_allclose(flooded.buildings["depth_m"], [0.75, 1.2, 0.3, 0.05])
    assert list(flooded.buildings["depth_class"]) == ["0.5-1 m", "> 1 m", "0.1-0.5 m", "none"]
    assert list(flooded.buildings["district"]) == ["Sud", "Sud", "Nord", "Nord"]
    assert list(flooded.buildings.columns) == [
        "id", "use", "district", "population", "depth_m", "damage_eur", "depth_class", "exposed", "geometry"
    ]  # fmt: skip


def test_three_buildings_at_known_depths_give_the_hand_damage(tiny, flooded):
    model = DamageModel.read()
    residential, commercial = 1436 * 0.6 * 1.5, 1494 * 0.6 * 2.0  # EUR/m2: cost x depreciation x (1 + content)
    b1 = (0.25 + 0.5 * (0.40 - 0.25)) * residential * 20 * 20  # 0.75 m: 0.325
    b2 = (0.40 + 0.4 * (0.50 - 0.40)) * residential * 20 * 30  # 1.2 m: 0.44
    b3 = (0.6 * 0.15) * commercial * 30 * 20  # 0.3 m: 0.09
    b4 = (0.1 * 0.25) * residential * 20 * 20  # 5 cm: 0.025 (the curve starts at 0 m)
    np.testing.assert_allclose(flooded.buildings["damage_eur"], [b1, b2, b3, b4], rtol=1e-3)
    damage = values(flooded, "flood.damage_eur")
    assert damage[None] == pytest.approx(b1 + b2 + b3 + b4, rel=1e-3)
    assert damage["Sud"] == pytest.approx(b1 + b2, rel=1e-3)
    assert damage["Nord"] == pytest.approx(b3 + b4, rel=1e-3)
    # the same model passed in gives the same figures
    again = flood_impacts(tiny, results(tiny, max_depth=np.zeros(tiny.grid.shape)), event="dry", damage=model)
    assert values(again, "flood.damage_eur") == {None: 0.0, "Sud": 0.0, "Nord": 0.0}


def test_buildings_and_people_are_counted_by_threshold_and_district(tiny, flooded):
    assert values(flooded, "flood.buildings_over_0.1m") == {None: 3, "Sud": 2, "Nord": 1}
    assert values(flooded, "flood.buildings_over_0.5m") == {None: 2, "Sud": 2, "Nord": 0}
    assert values(flooded, "flood.buildings_over_1m") == {None: 1, "Sud": 1, "Nord": 0}
    assert values(flooded, "flood.people_exposed") == pytest.approx({None: 100.0, "Sud": 100.0, "Nord": 0.0})


def test_a_threshold_is_reached_at_equality_and_the_exposure_depth_is_an_option(tiny):
    depth = np.zeros(tiny.grid.shape)
    depth[ring(tiny, B4)] = 0.5
    out = flood_impacts(tiny, results(tiny, max_depth=depth), event="e", exposure_depth_m=0.5)
    assert values(out, "flood.buildings_over_0.5m")[None] == 1
    assert values(out, "flood.people_exposed") == pytest.approx({None: 40.0, "Sud": 0.0, "Nord": 40.0})
    assert out.buildings["depth_class"][B4] == "0.5-1 m"
    out = flood_impacts(tiny, results(tiny, max_depth=depth), event="e", exposure_depth_m=0.6)
    assert values(out, "flood.people_exposed")[None] == 0.0


def test_a_site_under_0_6_m_of_water_counts_once(flooded):
    assert values(flooded, "flood.sites_flooded") == {None: 1.0}  # territory only
    assert flooded.sites["depth_m"].tolist() == [pytest.approx(0.6)]
    assert flooded.sites["flooded"].tolist() == [True]
    assert list(flooded.sites.columns) == ["name", "kind", "depth_m", "flooded", "geometry"]


def test_road_length_cut_is_the_flooded_stretch_and_rail_is_left_out(tiny):
    x0, ymid = tiny.grid.x0, float(tiny.grid.y[10])
    rail = gpd.GeoDataFrame(
        {"name": ["Voie ferrée"], "kind": ["rail"]},
        geometry=[LineString([(x0, ymid), (x0 + 150, ymid)])],
        crs=tiny.grid.crs,
    )
    territory = replace(tiny, vectors={**tiny.vectors, "roads": pd_concat(tiny.vectors["roads"], rail)})
    depth = np.zeros(tiny.grid.shape)
    depth[10, 5:15] = 0.3  # 10 cells = 50 m of road under 0.3 m
    depth[10, 15] = 0.08  # 5 m more under 8 cm
    out = flood_impacts(territory, results(territory, max_depth=depth), event="e")
    half_cell_km = 2.5e-3
    expected = {"0.05m": 0.055, "0.10m": 0.050, "0.25m": 0.050, "0.40m": 0.0}
    for bound, km in expected.items():
        cut = values(out, f"flood.road_km_cut_{bound}")
        assert cut[None] == pytest.approx(km, abs=half_cell_km)
        assert cut["Sud"] == pytest.approx(km, abs=half_cell_km)  # the road runs in Sud
        assert cut["Nord"] == 0.0


def test_a_diagonal_road_is_measured_along_its_length(tiny):
    x0, y0 = tiny.grid.bounds[:2]
    road = gpd.GeoDataFrame(
        {"name": ["Diagonale"], "kind": ["primary"]},
        geometry=[LineString([(x0 + 1, y0 + 1), (x0 + 81, y0 + 61)])],  # 100 m long
        crs=tiny.grid.crs,
    )
    territory = replace(tiny, vectors={**tiny.vectors, "roads": road})
    out = flood_impacts(territory, results(territory, max_depth=np.full(tiny.grid.shape, 0.5)), event="e")
    assert values(out, "flood.road_km_cut_0.40m")[None] == pytest.approx(0.100, abs=1e-9)
    depth = np.zeros(tiny.grid.shape)
    depth[:, :8] = 0.5  # x < x0 + 40 m: the road's first 39/80 of its length, 48.75 m
    out = flood_impacts(territory, results(territory, max_depth=depth), event="e")
    assert values(out, "flood.road_km_cut_0.40m")[None] == pytest.approx(0.04875, abs=2.5e-3)


def test_ppri_areas_are_cell_counts_times_cell_area(tiny):
    ppri = np.zeros(tiny.grid.shape, np.uint8)
    ppri[0, :7] = 1  # Nord
    ppri[15, :5] = 2  # Sud
    ppri[2, 20:22] = 3  # Nord
    ppri[19, 29] = 3  # Sud
    out = flood_impacts(tiny, results(tiny, ppri_class=ppri), event="e")
    assert values(out, "flood.area_ppri_low_ha") == pytest.approx({None: 7 * 25 / 1e4, "Sud": 0, "Nord": 7 * 25 / 1e4})
    assert values(out, "flood.area_ppri_medium_ha") == pytest.approx(
        {None: 5 * 25 / 1e4, "Sud": 5 * 25 / 1e4, "Nord": 0}
    )
    assert values(out, "flood.area_ppri_high_ha") == pytest.approx(
        {None: 3 * 25 / 1e4, "Sud": 25 / 1e4, "Nord": 2 * 25 / 1e4}
    )


def test_every_flood_key_is_catalogued_and_every_district_is_listed(flooded):
    keys = {i.key for i in flooded.indicators}
    assert keys == {k for k in CATALOGUE if k.startswith("flood.") and k != "flood.expected_annual_damage_eur"}
    for key in keys - {"flood.sites_flooded"}:
        assert set(values(flooded, key)) == {None, "Sud", "Nord"}
    assert {i.event for i in flooded.indicators} == {"T30"}


def test_at_buildings_reduces_over_footprint_and_ring_or_over_the_open_ring(tiny):
    x0, y0 = tiny.grid.bounds[:2]
    from shapely.geometry import box

    buildings = tiny.vectors["buildings"].drop(columns="population")
    extra = gpd.GeoDataFrame(
        {
            "id": ["B5", "B6"],
            "height": [6.0, 3.0],
            "floors": [2, 1],
            "use": ["commercial", "other"],
            "dwellings": [0, 0],
        },
        geometry=[box(x0 + 30, y0 + 10, x0 + 40, y0 + 30), box(x0 + 140, y0 + 90, x0 + 141, y0 + 91)],
        crs=tiny.grid.crs,
    )  # B5 against B1's east wall; B6 too small to hold a cell
    territory = tiny.with_buildings(pd_concat(buildings, extra), tiny.vectors["districts"])
    index = territory["building_index"]
    v = np.ones(territory.grid.shape)
    v[index == 0] = 99.0
    v[index == 4] = 50.0
    b1_ring = ring(territory, 0)
    assert (index[b1_ring] == 4).sum() == 4  # B5's west column touches B1's footprint
    mean_all = at_buildings(territory, v, how="mean", cells="footprint_and_ring")
    hand = (16 * 99.0 + 4 * 50.0 + (b1_ring.sum() - 4) * 1.0) / (16 + b1_ring.sum())
    assert mean_all[0] == pytest.approx(hand, rel=1e-12)
    assert at_buildings(territory, v, how="mean", cells="open_ring")[0] == 1.0
    assert at_buildings(territory, v, how="max", cells="footprint_and_ring")[0] == 99.0
    assert at_buildings(territory, v, how="max", cells="footprint_and_ring")[4] == 99.0  # B5 touches B1
    assert np.isnan(at_buildings(territory, v)[5])  # B6 has no cell


def pd_concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=a.crs)


def test_permanent_water_is_not_flooding(tiny):
    """A full channel beside B2 and under the road: no house flooded, no road cut, no hazard area there."""
    land_cover = tiny["land_cover"].copy()
    channel = ring(tiny, B2) & (tiny["building_index"] < 0)
    channel[10, 5:15] = True  # the road crosses the channel on a bridge
    land_cover[channel] = tiny.landcover.code_of("water")
    wet = tiny.with_layers(land_cover=land_cover)
    depth = np.where(channel, 3.0, 0.0)
    hazard = np.where(channel, 3, 0).astype(np.uint8)
    out = flood_impacts(wet, results(wet, max_depth=depth, ppri_class=hazard), event="river")
    assert values(out, "flood.buildings_over_0.1m")[None] == 0
    assert values(out, "flood.damage_eur")[None] == 0.0
    assert values(out, "flood.road_km_cut_0.05m")[None] == 0.0
    assert values(out, "flood.area_ppri_high_ha")[None] == 0.0
    # the same depths on land that is not water are a flood
    dry = flood_impacts(tiny, results(tiny, max_depth=depth, ppri_class=hazard), event="river")
    assert values(dry, "flood.buildings_over_1m")[None] == 1
    assert values(dry, "flood.area_ppri_high_ha")[None] == pytest.approx(channel.sum() * 25 / 1e4, rel=1e-12)
