"""The territory contract: every layer has its units, dtype and valid range; vectors have their columns."""

from __future__ import annotations

import numpy as np
import pytest

from twin.territory import LAYERS, VECTORS


def test_every_layer_matches_the_registry(tiny):
    assert set(tiny.layers.data_vars) == set(LAYERS)
    for name, spec in LAYERS.items():
        da = tiny.layers[name]
        assert da.attrs["units"] == spec.units, name
        assert str(da.dtype) == spec.dtype, name
        assert da.dims == ("y", "x") and da.shape == tiny.grid.shape, name
        lo, hi = spec.valid_range
        values = da.values[~np.isnan(da.values)] if spec.nan_allowed else da.values  # NaN a value (tree_height)
        assert values.size == 0 or (lo <= float(values.min()) and float(values.max()) <= hi), name
    assert tiny.validate() == []


def test_registry_documents_every_layer_with_units():
    for spec in LAYERS.values():
        assert spec.units and spec.doc and spec.valid_range[0] < spec.valid_range[1]


def test_layers_carry_crs_and_metre_coordinates(tiny):
    assert tiny.layers.rio.crs.to_epsg() == 2154
    assert tiny.layers.rio.transform() == tiny.grid.transform
    assert tiny.layers.x.attrs["units"] == "m" and tiny.layers.y.attrs["units"] == "m"
    assert np.all(np.diff(tiny.layers.y.values) < 0)  # north-up


def test_physical_layers_come_from_the_land_cover_table(tiny):
    table = tiny.landcover
    grass, road = (tiny["land_cover"] == 6), (tiny["land_cover"] == 3)
    col = {c: table.values[c][list(table.codes).index(6)] for c in table.values}
    assert np.allclose(tiny["albedo"][grass], col["albedo"])
    assert np.allclose(tiny["soil_ks"][grass], col["ks_mm_per_h"] / 3.6e6)  # mm/h -> m/s
    assert np.allclose(tiny["soil_psi"][grass], col["psi_mm"] / 1000.0)  # mm -> m
    assert np.all(tiny["imperviousness"][road] == 1.0) and np.all(tiny["soil_ks"][road] == 0.0)


def test_buildings_are_rasterized_with_height_and_index(tiny):
    b = tiny.vectors["buildings"]
    for i, height in enumerate(b["height"]):
        cells = tiny["building_index"] == i
        assert cells.sum() * tiny.grid.cell_area == pytest.approx(b.geometry.iloc[i].area)  # axis-aligned, exact
        assert np.all(tiny["building_height"][cells] == height)
    assert np.all(tiny["building_height"][tiny["building_index"] < 0] == 0)


def test_population_is_conserved_and_follows_dwellings(tiny):
    b = tiny.vectors["buildings"]
    total = tiny.vectors["districts"]["population"].sum()
    assert tiny["population"].sum() == pytest.approx(total, rel=1e-6)  # float32 sum
    assert b["population"].sum() == pytest.approx(total)
    assert b["population"].iloc[1] / b["population"].iloc[0] == pytest.approx(6 / 2)  # 6 vs 2 dwellings
    assert np.all(tiny["population"][tiny["building_index"] < 0] == 0)


def test_vectors_have_their_contract_columns(tiny):
    for name, spec in VECTORS.items():
        gdf = tiny.vectors[name]
        assert set(spec.columns) <= set(gdf.columns), name
        assert gdf.crs == tiny.grid.crs, name


def test_validate_reports_vector_problems_all_at_once(tiny):
    districts = tiny.vectors["districts"].copy()
    districts["share_over_75"] = 1.5
    sites = tiny.vectors["sites"].copy()
    sites["kind"] = "stadium"
    broken = tiny.__class__(
        tiny.name, tiny.grid, tiny.layers, {**tiny.vectors, "districts": districts, "sites": sites}, tiny.landcover
    )
    problems = broken.validate()
    assert any("'share_over_75' must be within [0.0, 1.0], got 1.5" in p for p in problems)
    assert any("'kind' must be one of" in p and "stadium" in p for p in problems)
    assert len(problems) == 2


def test_with_layers_returns_a_new_territory(tiny):
    changed = tiny.with_layers(tree_canopy=np.full(tiny.grid.shape, 0.5))
    assert float(tiny["tree_canopy"].max()) == 0.0 and float(changed["tree_canopy"].min()) == 0.5
    assert changed.layers["tree_canopy"].dtype == np.float32
    assert changed.content_hash() != tiny.content_hash()


def test_content_hash_is_stable_for_equal_data(tiny):
    from twin.testing import tiny_territory

    assert tiny_territory().content_hash() == tiny.content_hash()
