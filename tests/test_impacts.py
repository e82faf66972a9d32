"""Land indicators, the shared sampling helpers and the indicator catalogue (twin.impacts)."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import Point

from twin.impacts import (
    CATALOGUE,
    EventImpacts,
    district_names,
    district_raster,
    flood_impacts,
    heat_impacts,
    indicators_frame,
    land_indicators,
)
from twin.testing import grid_territory

GRASS, PAVED, WATER = 6, 4, 1


def values(indicators, key: str) -> dict:
    return {i.district: i.value for i in indicators if i.key == key}


def test_canopy_and_impervious_shares_are_the_hand_means(tiny):
    # sealed cells: the road row (30), the yards (36 in Nord, 24 in Sud), the roofs (B1 16, B2 24 in Sud; B3 24, B4 16)
    out = land_indicators(tiny)
    assert values(out, "land.impervious_share") == pytest.approx(
        {None: 170 / 600, "Sud": (30 + 24 + 16 + 24) / 300, "Nord": (36 + 24 + 16) / 300}, rel=1e-6
    )
    canopy = np.zeros(tiny.grid.shape, np.float32)
    canopy[0:3, :] = 0.5  # 90 cells of Nord half under trees
    out = land_indicators(tiny.with_layers(tree_canopy=canopy))
    assert values(out, "land.canopy_share") == pytest.approx({None: 0.075, "Sud": 0.0, "Nord": 0.15}, rel=1e-6)
    assert {i.event for i in out} == {None}


def _strip(park_cols: int, *, water_col: int | None = None):
    """1000 m x 200 m of pavement; a park over the first `park_cols` columns (40 rows); residents at 3 places."""
    territory = grid_territory(np.zeros((40, 200)), land_cover=PAVED)
    park = np.zeros(territory.grid.shape, bool)
    park[:, :park_cols] = True
    territory = territory.with_land_cover(park, GRASS)
    if water_col is not None:
        water = np.zeros(territory.grid.shape, bool)
        water[:, water_col] = True
        territory = territory.with_land_cover(water, WATER)
    people = np.zeros(territory.grid.shape, np.float32)
    # 60 cells (300 m) from the park's last column (19) is col 79
    people[20, 78], people[20, 79], people[20, 82] = 10.0, 20.0, 30.0  # 295 m, 300 m, 315 m
    return territory.with_layers(population=people)


def test_a_2_ha_park_gives_access_within_300_m_and_not_beyond():
    out = land_indicators(_strip(20))  # 40 x 20 cells of 25 m2 = 2.0 ha
    assert values(out, "land.cool_island_access_share") == {None: pytest.approx(30 / 60)}


def test_a_1_9_ha_park_gives_access_to_nobody_but_water_does():
    assert values(land_indicators(_strip(19)), "land.cool_island_access_share") == {None: 0.0}  # 1.9 ha
    out = land_indicators(_strip(19, water_col=100))  # a canal 90-110 m from the residents
    assert values(out, "land.cool_island_access_share") == {None: pytest.approx(1.0)}


def test_access_is_nan_where_nobody_lives_and_uses_each_district(tiny):
    out = land_indicators(tiny)  # no green patch of 2 ha on the tiny territory: the road splits the grass
    assert values(out, "land.cool_island_access_share") == {None: 0.0, "Sud": 0.0, "Nord": 0.0}
    empty = grid_territory(np.zeros((10, 10)))
    assert np.isnan(values(land_indicators(empty), "land.cool_island_access_share")[None])


def test_districts_of_features_and_cells(tiny):
    x0, y0 = tiny.grid.bounds[:2]
    points = gpd.GeoDataFrame(
        geometry=[Point(x0 + 10, y0 + 10), Point(x0 + 10, y0 + 90), Point(x0 - 50, y0)], crs=tiny.grid.crs
    )
    assert district_names(tiny, points).tolist() == ["Sud", "Nord", None]
    raster = district_raster(tiny)
    assert (raster[:10] == 1).all() and (raster[10:] == 0).all()  # Nord is row 1 of the districts table


def test_every_catalogue_entry_has_units_words_and_a_direction():
    for key, spec in CATALOGUE.items():
        assert spec.key == key
        assert spec.units and spec.en and spec.fr, key
        assert spec.better in ("lower", "higher", "none"), key


def test_every_key_produced_is_in_the_catalogue_and_the_records_make_a_tidy_table(tiny):
    shape = tiny.grid.shape
    coords = {"y": tiny.layers["y"].values, "x": tiny.layers["x"].values}
    flood = xr.Dataset(
        {"max_depth": (("y", "x"), np.full(shape, 0.3)), "ppri_class": (("y", "x"), np.ones(shape, np.uint8))},
        coords=coords,
    )
    heat = xr.Dataset({k: (("y", "x"), np.full(shape, 35.0)) for k in ("utci", "uhi_day", "uhi_night")}, coords=coords)
    heat["t_air_min_night"] = (("y", "x"), np.full(shape, 21.0))
    heat["utci_hourly"] = (("time", "y", "x"), np.full((24, *shape), 35.0))
    heat["t_air_hourly"] = (("time", "y", "x"), np.full((24, *shape), 30.0))
    heat = heat.assign_coords(relative_humidity=("time", np.full(24, 40.0)))
    flood_out, heat_out = flood_impacts(tiny, flood, event="T30"), heat_impacts(tiny, heat, event="canicule")
    assert isinstance(flood_out, EventImpacts) and isinstance(heat_out, EventImpacts)
    records = [*flood_out.indicators, *heat_out.indicators, *land_indicators(tiny)]
    produced = {i.key for i in records}
    assert produced <= set(CATALOGUE)
    # EAD is computed over events by the runner; cost and value indicators by the comparison
    later = {"flood.expected_annual_damage_eur", "scenario.cost_eur"} | {k for k in CATALOGUE if k.startswith("value.")}
    with_a_table = {"heat.energy_saved_kwh", "heat.energy_saved_eur"}  # only when a run names an energy table
    assert set(CATALOGUE) - produced == later | with_a_table
    table = indicators_frame(records)
    assert list(table.columns) == ["key", "value", "event", "district", "units", "better"]
    assert len(table) == len(records)
    assert table.loc[table["key"] == "flood.damage_eur", "units"].unique().tolist() == ["EUR"]
    # every figure is a number, but a mean over no item: the work hours of Sud, a district with no workplace
    undefined = table["key"].str.startswith("heat.work_hours_lost_") & (table["district"] == "Sud")
    assert np.isfinite(table.loc[~undefined, "value"]).all() and table.loc[undefined, "value"].isna().all()


def test_a_territory_without_districts_buildings_or_sites_gives_territory_figures_only():
    bare = grid_territory(np.zeros((6, 8)))
    coords = {"y": bare.layers["y"].values, "x": bare.layers["x"].values}
    shape = bare.grid.shape
    flood = xr.Dataset(
        {"max_depth": (("y", "x"), np.ones(shape)), "ppri_class": (("y", "x"), np.full(shape, 3, np.uint8))},
        coords=coords,
    )
    out = flood_impacts(bare, flood, event="e")
    assert all(i.district is None for i in out.indicators)
    assert values(out.indicators, "flood.area_ppri_high_ha") == {None: pytest.approx(48 * 25 / 1e4)}
    assert values(out.indicators, "flood.damage_eur") == {None: 0.0}
    assert len(out.buildings) == 0 and len(out.sites) == 0
    sites = gpd.GeoDataFrame({"name": ["x"], "kind": ["school"]}, geometry=[Point(0, 0)], crs=bare.grid.crs)
    off_grid = replace(bare, vectors={**bare.vectors, "sites": sites})
    assert np.isnan(flood_impacts(off_grid, flood, event="e").sites["depth_m"][0])
