"""Each measure changes the right layers, inside its area only, and reports what it changed."""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import pytest
from conftest import L93
from scipy import ndimage
from shapely.geometry import LineString, box

from twin.errors import ScenarioError
from twin.measures import APPLIERS, apply_measure, apply_measures
from twin.scenario.models import MEASURE_TYPES, Scenario

X0, Y0, C = 700_000.0, 6_600_000.0, 5.0  # the tiny territory's corner and cell size


def _measure(**fields):
    """A measure model validated exactly as from a scenario file."""
    return Scenario.model_validate({"name": "t", "title": "t", "measures": [fields]}).measures[0]


def _shapes(tmp_path, name, *geoms):
    path = tmp_path / f"{name}.geojson"
    gpd.GeoDataFrame(geometry=list(geoms), crs=L93).to_file(path)
    return str(path)


def _inside(tiny, polygon):
    from twin.measures.selection import cells_in

    return cells_in(gpd.GeoSeries([polygon]), tiny)


def _changed(a, b):
    return a != b


def test_tree_planting_raises_canopy_inside_the_polygon_and_nowhere_else(tiny, tmp_path):
    zone = box(X0 + 60, Y0 + 20, X0 + 130, Y0 + 90)
    new, effect = apply_measure(
        _measure(type="tree_planting", area=_shapes(tmp_path, "z", zone), canopy_fraction=0.4), tiny
    )
    inside = _inside(tiny, zone) & (tiny["building_index"] < 0)
    assert np.all(new["tree_canopy"][inside] == np.float32(0.4))
    assert not _changed(new["tree_canopy"], tiny["tree_canopy"])[~inside].any()
    assert effect.cells == inside.sum() and effect.area_m2 == inside.sum() * 25.0
    assert effect.details["canopy_added_m2"] == pytest.approx(0.4 * inside.sum() * 25.0)
    for layer in ("elevation", "land_cover", "albedo"):  # nothing else moves
        np.testing.assert_array_equal(new[layer], tiny[layer])


def test_depaving_turns_sealed_cells_into_grass_with_its_physics(tiny):
    new, effect = apply_measure(_measure(type="depaving", district="Centre", classes=["road"], to="grass"), tiny)
    road = tiny["land_cover"] == 3
    assert effect.cells == road.sum() > 0
    assert np.all(new["land_cover"][road] == 6) and np.all(new["imperviousness"][road] == 0.0)
    assert np.all(new["soil_ks"][road] == tiny["soil_ks"][~road][0])  # grass's Green-Ampt Ks
    np.testing.assert_array_equal(new["land_cover"][~road], tiny["land_cover"][~road])


def test_cool_roofs_change_roof_albedo_of_the_filtered_buildings_only(tiny):
    new, effect = apply_measure(_measure(type="cool_roofs", buildings={"id": "B2"}, albedo=0.7), tiny)
    b2 = tiny["building_index"] == 1
    assert np.all(new["albedo"][b2] == np.float32(0.7))
    np.testing.assert_array_equal(new["albedo"][~b2], tiny["albedo"][~b2])
    assert effect.details["roofs"] == 1 and effect.cells == b2.sum()


def test_green_roofs_hold_rain_and_mix_in_grass(tiny):
    new, effect = apply_measure(
        _measure(type="green_roofs", buildings={"use": "residential"}, vegetation_fraction=0.8, retention_mm=30), tiny
    )
    roofs = tiny["building_index"] >= 0
    assert np.allclose(new["retention_depth"][roofs], 0.030) and np.all(new["retention_depth"][~roofs] == 0)
    assert np.allclose(new["green_roof_fraction"][roofs], 0.8)
    kc_roof, kc_grass = 0.10, 0.90  # data/landcover.csv, building and grass
    assert np.allclose(new["crop_coefficient"][roofs], 0.2 * kc_roof + 0.8 * kc_grass)
    assert effect.details["retention_capacity_m3"] == pytest.approx(roofs.sum() * 25.0 * 0.030)


def test_permeable_pavement_infiltrates_at_the_asked_rate(tiny):
    new, _ = apply_measure(
        _measure(type="permeable_pavement", district="Centre", classes=["road"], infiltration_mm_per_h=36.0), tiny
    )
    road = tiny["land_cover"] == 3
    assert np.allclose(new["soil_ks"][road], 1e-5)  # 36 mm/h = 1e-5 m/s
    assert np.all(new["imperviousness"][road] == 0.0)
    np.testing.assert_array_equal(new["soil_ks"][~road], tiny["soil_ks"][~road])


def test_water_feature_makes_open_water(tiny, tmp_path):
    pond = box(X0 + 100, Y0 + 60, X0 + 120, Y0 + 80)
    new, effect = apply_measure(_measure(type="water_feature", area=_shapes(tmp_path, "p", pond)), tiny)
    cells = _inside(tiny, pond)
    assert effect.cells == 16 and np.all(new["land_cover"][cells] == 1)
    assert np.all(new["soil_ks"][cells] == 0.0)


def test_new_buildings_raise_height_on_their_footprint_and_bring_residents(tiny, tmp_path):
    fp = box(X0 + 100, Y0 + 50, X0 + 130, Y0 + 70)  # 6 x 4 cells, clear of the two buildings
    new, effect = apply_measure(
        _measure(type="new_buildings", footprints=_shapes(tmp_path, "f", fp), floors=5, dwellings=10), tiny
    )
    cells = _inside(tiny, fp)
    assert cells.sum() == 24
    assert np.all(new["building_height"][cells] == 15.0)  # 5 floors x 3 m
    np.testing.assert_array_equal(new["building_height"][~cells], tiny["building_height"][~cells])
    assert np.all(new["land_cover"][cells] == 2)
    assert new.vectors["districts"]["population"].iloc[0] == 100 + 21  # 10 dwellings x 2.1 residents
    assert new["population"].sum() == pytest.approx(121.0, rel=1e-6)
    assert effect.details["dwellings_added"] == 10 and effect.details["buildings_added"] == 1


def test_new_buildings_over_existing_ones_are_refused(tiny, tmp_path):
    on_b1 = box(X0 + 10, Y0 + 10, X0 + 30, Y0 + 30)
    with pytest.raises(ScenarioError, match=r"new footprints must be clear of existing buildings"):
        apply_measure(_measure(type="new_buildings", footprints=_shapes(tmp_path, "f", on_b1), height_m=9), tiny)


def test_demolition_removes_buildings_and_their_residents(tiny):
    new, effect = apply_measure(_measure(type="demolition", buildings={"id": "B1"}, to="grass"), tiny)
    b1 = tiny["building_index"] == 0
    assert np.all(new["building_height"][b1] == 0) and np.all(new["land_cover"][b1] == 6)
    assert list(new.vectors["buildings"]["id"]) == ["B2"]
    assert new.vectors["districts"]["population"].iloc[0] == 75  # B1 housed 25 of the 100
    assert effect.details["residents_removed"] == pytest.approx(25.0)


def _priority_flood_storage(z: np.ndarray, cell_area: float) -> float:
    """Independent reference: water held by every depression (Barnes et al. 2014 priority flood), m3."""
    filled = z.astype(np.float64).copy()
    done = np.zeros(z.shape, bool)
    heap = []
    for r in range(z.shape[0]):
        for c in range(z.shape[1]):
            if r in (0, z.shape[0] - 1) or c in (0, z.shape[1] - 1):
                heapq.heappush(heap, (filled[r, c], r, c))
                done[r, c] = True
    while heap:
        level, r, c = heapq.heappop(heap)
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            rr, cc = r + dr, c + dc
            if 0 <= rr < z.shape[0] and 0 <= cc < z.shape[1] and not done[rr, cc]:
                done[rr, cc] = True
                filled[rr, cc] = max(filled[rr, cc], level)
                heapq.heappush(heap, (filled[rr, cc], rr, cc))
    return float((filled - z).sum() * cell_area)


@pytest.mark.parametrize("volume", [200.0, 1500.0])
def test_retention_basin_stores_the_asked_volume_within_2_percent(tiny, tmp_path, volume):
    basin = box(X0 + 60, Y0 + 60, X0 + 110, Y0 + 90)  # 10 x 6 cells of grass on the eastward slope
    new, effect = apply_measure(
        _measure(type="retention_basin", area=_shapes(tmp_path, "b", basin), volume_m3=volume), tiny
    )
    stored = _priority_flood_storage(new["elevation"], 25.0) - _priority_flood_storage(tiny["elevation"], 25.0)
    assert stored == pytest.approx(volume, rel=0.02)  # acceptance: within 2 %
    assert effect.volume_m3 == pytest.approx(volume, rel=1e-6)
    outside = ~_inside(tiny, basin)
    np.testing.assert_array_equal(new["elevation"][outside], tiny["elevation"][outside])


def test_retention_basin_by_depth_reports_its_storage(tiny, tmp_path):
    basin = box(X0 + 60, Y0 + 60, X0 + 110, Y0 + 90)
    new, effect = apply_measure(_measure(type="retention_basin", area=_shapes(tmp_path, "b", basin), depth_m=1.5), tiny)
    stored = _priority_flood_storage(new["elevation"], 25.0)
    assert stored == pytest.approx(effect.volume_m3, rel=0.02)
    assert effect.details["bottom_m"][0] == pytest.approx(effect.details["spill_level_m"][0] - 1.5, abs=1e-3)


@pytest.mark.parametrize("angle_line", [((0, 0), (150, 100)), ((0, 100), (150, 0)), ((0, 37), (150, 41))])
def test_dike_crest_is_continuous_with_no_diagonal_gap(tiny, tmp_path, angle_line):
    (ax, ay), (bx, by) = angle_line
    line = LineString([(X0 + ax, Y0 + ay), (X0 + bx, Y0 + by)])
    new, effect = apply_measure(
        _measure(type="dike", line=_shapes(tmp_path, "d", line), crest_elevation_m=101.5, width_m=2.0), tiny
    )
    dike = new["elevation"] == np.float32(101.5)
    assert ndimage.label(dike, structure=ndimage.generate_binary_structure(2, 1))[1] == 1  # 4-connected crest
    _, sides = ndimage.label(~dike, structure=ndimage.generate_binary_structure(2, 2))
    assert sides >= 2  # even 8-connected, water on one side cannot reach the other through open cells
    assert effect.details["crest_min_m"] == effect.details["crest_max_m"] == 101.5
    assert effect.volume_m3 == pytest.approx(float((new["elevation"] - tiny["elevation"]).sum()) * 25.0, rel=1e-5)


def test_dike_by_height_follows_the_ground(tiny, tmp_path):
    line = LineString([(X0 + 72.5, Y0), (X0 + 72.5, Y0 + 100)])  # along cell centres
    new, _ = apply_measure(_measure(type="dike", line=_shapes(tmp_path, "d", line), height_m=1.0), tiny)
    raised = new["elevation"] != tiny["elevation"]
    assert np.allclose(new["elevation"][raised] - tiny["elevation"][raised], 1.0)
    assert raised.sum() == 20  # one 5 m cell wide (the minimum), 20 rows long


def test_terrain_edit_raises_inside_only_and_counts_the_fill(tiny, tmp_path):
    zone = box(X0, Y0, X0 + 50, Y0 + 50)
    new, effect = apply_measure(
        _measure(type="terrain_edit", area=_shapes(tmp_path, "z", zone), operation="raise", value_m=0.5), tiny
    )
    cells = _inside(tiny, zone)
    assert np.allclose(new["elevation"][cells] - tiny["elevation"][cells], 0.5)
    np.testing.assert_array_equal(new["elevation"][~cells], tiny["elevation"][~cells])
    assert effect.details["fill_m3"] == pytest.approx(cells.sum() * 25.0 * 0.5, rel=1e-4)


def test_unknown_district_is_named_with_the_known_ones(tiny):
    with pytest.raises(
        ScenarioError,
        match=r"measures\.0 \(tree_planting\)\.district: district must be one of "
        r"\['Centre'\], got 'Gare'",
    ):
        apply_measures(tiny, [_measure(type="tree_planting", district="Gare", canopy_fraction=0.3)], source="s.toml")


def test_measures_apply_in_order_and_return_one_effect_each(tiny):
    measures = [
        _measure(type="cool_roofs", buildings={"id": "B1"}, albedo=0.6),
        _measure(type="tree_planting", district="Centre", canopy_fraction=0.2),
    ]
    new, effects = apply_measures(tiny, measures)
    assert [e.type for e in effects] == ["cool_roofs", "tree_planting"]
    assert new.validate() == []


def test_every_measure_type_has_an_applier():
    assert set(APPLIERS) == set(MEASURE_TYPES)
