"""Each measure changes the right layers, inside its area only, and reports what it changed.

The tiny territory (twin.testing.tiny_territory): 30 x 20 cells of 5 m; districts Sud (south half)
and Nord; B1, B2 residential in Sud, B3 commercial and B4 residential in Nord; a road on row 10 (Sud);
paved yards in Nord (x 60-90 m, y 60-90 m) and in Sud (x 100-130 m, y 10-30 m).
"""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import pytest
from conftest import L93
from scipy import ndimage
from shapely.geometry import LineString, Point, box

from twin.errors import ScenarioError
from twin.measures import APPLIERS, apply_measure, apply_measures
from twin.measures.selection import cells_in
from twin.scenario.models import MEASURE_TYPES, Scenario

X0, Y0, C = 700_000.0, 6_600_000.0, 5.0  # the tiny territory's corner and cell size
FOUR = ndimage.generate_binary_structure(2, 1)


def _measure(**fields):
    """A measure model validated exactly as from a scenario file."""
    return Scenario.model_validate({"name": "t", "title": "t", "measures": [fields]}).measures[0]


def _shapes(tmp_path, name, *geoms):
    path = tmp_path / f"{name}.geojson"
    gpd.GeoDataFrame(geometry=list(geoms), crs=L93).to_file(path)
    return str(path)


def _inside(territory, polygon):
    return cells_in(gpd.GeoSeries([polygon]), territory)


def _unchanged_outside(new, old, layer, inside):
    np.testing.assert_array_equal(new[layer][~inside], old[layer][~inside])


NORD = box(X0, Y0 + 50, X0 + 150, Y0 + 100)


def test_tree_planting_raises_canopy_inside_the_polygon_and_nowhere_else(tiny, tmp_path):
    zone = box(X0 + 60, Y0 + 20, X0 + 130, Y0 + 90)
    new, effect = apply_measure(
        _measure(type="tree_planting", area=_shapes(tmp_path, "z", zone), canopy_fraction=0.4), tiny
    )
    inside = _inside(tiny, zone) & (tiny["building_index"] < 0)
    assert np.all(new["tree_canopy"][inside] == np.float32(0.4))
    _unchanged_outside(new, tiny, "tree_canopy", inside)
    assert effect.cells == inside.sum() and effect.area_m2 == inside.sum() * 25.0
    assert effect.details["canopy_added_m2"] == pytest.approx(0.4 * inside.sum() * 25.0)
    for layer in ("elevation", "land_cover", "albedo"):  # nothing else moves
        np.testing.assert_array_equal(new[layer], tiny[layer])


def test_tree_planting_puts_no_canopy_on_the_building_class_or_water(tiny, tmp_path):
    # Cells of the building class with no footprint (a roof the footprints missed) and water hold no trees.
    building, water = tiny.landcover.code_of("building", where="t"), tiny.landcover.code_of("water", where="t")
    land = tiny["land_cover"].copy()
    land[0, :3], land[1, :3] = building, water  # a corner of open ground in the tiny town
    assert (tiny["building_index"][:2, :3] < 0).all()
    changed = tiny.with_layers(land_cover=land)
    zone = box(X0, Y0, X0 + 150, Y0 + 100)
    new, _ = apply_measure(
        _measure(type="tree_planting", area=_shapes(tmp_path, "z", zone), canopy_fraction=0.4), changed
    )
    assert (new["tree_canopy"][:2, :3] == changed["tree_canopy"][:2, :3]).all()
    assert (new["tree_canopy"][2:] == np.float32(0.4)).sum() > 100  # the open ground beside them is planted


def test_depaving_turns_the_yards_of_one_district_into_grass(tiny):
    new, effect = apply_measure(_measure(type="depaving", district="Nord", classes=["paved"], to="grass"), tiny)
    yard = (tiny["land_cover"] == 4) & _inside(tiny, NORD)
    assert effect.cells == yard.sum() == 36  # the Nord yard, 6 x 6 cells; the Sud yard stays paved
    assert np.all(new["land_cover"][yard] == 6) and np.all(new["imperviousness"][yard] == 0.0)
    grass_ks = tiny["soil_ks"][tiny["land_cover"] == 6][0]
    assert np.all(new["soil_ks"][yard] == grass_ks)
    for layer in ("land_cover", "imperviousness", "soil_ks", "albedo"):
        _unchanged_outside(new, tiny, layer, yard)


def test_depaving_keeps_trees_planted_before_it(tiny):
    measures = [
        _measure(type="tree_planting", district="Nord", canopy_fraction=0.4),
        _measure(type="depaving", district="Nord", classes=["paved"], to="grass"),
    ]
    new, effects = apply_measures(tiny, measures)
    yard = (tiny["land_cover"] == 4) & _inside(tiny, NORD)
    assert np.all(new["tree_canopy"][yard] == np.float32(0.4))  # the lawn keeps its new trees
    assert float(new["tree_canopy"].sum()) * 25.0 == pytest.approx(effects[0].details["canopy_added_m2"], rel=1e-6)


def test_cool_roofs_change_roof_albedo_of_the_filtered_buildings_only(tiny):
    new, effect = apply_measure(_measure(type="cool_roofs", buildings={"id": "B2"}, albedo=0.7), tiny)
    b2 = tiny["building_index"] == 1
    assert np.all(new["albedo"][b2] == np.float32(0.7))
    _unchanged_outside(new, tiny, "albedo", b2)
    assert effect.details["roofs"] == 1 and effect.cells == b2.sum()


def test_green_roofs_hold_rain_and_mix_in_grass_on_the_chosen_roofs_only(tiny):
    new, effect = apply_measure(
        _measure(type="green_roofs", buildings={"use": "residential"}, vegetation_fraction=0.8, retention_mm=30), tiny
    )
    roofs = np.isin(tiny["building_index"], [0, 1, 3])  # B1, B2, B4; not the commercial B3
    assert np.allclose(new["retention_depth"][roofs], 0.030) and np.allclose(new["green_roof_fraction"][roofs], 0.8)
    kc_roof, kc_grass = 0.10, 0.90  # data/landcover.csv, building and grass
    assert np.allclose(new["crop_coefficient"][roofs], 0.2 * kc_roof + 0.8 * kc_grass)
    for layer in ("retention_depth", "green_roof_fraction", "crop_coefficient", "albedo"):
        _unchanged_outside(new, tiny, layer, roofs)
    assert effect.details["roofs"] == 3
    assert effect.details["retention_capacity_m3"] == pytest.approx(roofs.sum() * 25.0 * 0.030)


def test_permeable_pavement_infiltrates_at_the_asked_rate_in_its_district_only(tiny):
    new, _ = apply_measure(
        _measure(type="permeable_pavement", district="Sud", classes=["paved", "road"], infiltration_mm_per_h=36.0), tiny
    )
    sealed = np.isin(tiny["land_cover"], [3, 4]) & ~_inside(tiny, NORD)
    assert np.allclose(new["soil_ks"][sealed], 1e-5)  # 36 mm/h = 1e-5 m/s
    assert np.all(new["imperviousness"][sealed] == 0.0)
    for layer in ("soil_ks", "imperviousness", "curve_number"):
        _unchanged_outside(new, tiny, layer, sealed)


def test_water_feature_makes_open_water_in_its_polygon_only(tiny, tmp_path):
    pond = box(X0 + 90, Y0 + 60, X0 + 110, Y0 + 80)  # half on B3: only open ground becomes water
    new, effect = apply_measure(_measure(type="water_feature", area=_shapes(tmp_path, "p", pond)), tiny)
    cells = _inside(tiny, pond) & (tiny["building_index"] < 0)
    assert effect.cells == cells.sum() > 0
    assert np.all(new["land_cover"][cells] == 1) and np.all(new["soil_ks"][cells] == 0.0)
    _unchanged_outside(new, tiny, "land_cover", cells)


def test_new_buildings_raise_height_on_their_footprint_and_bring_residents(tiny, tmp_path):
    fp = box(X0 + 100, Y0 + 85, X0 + 130, Y0 + 100)  # 6 x 3 cells in Nord, clear of the buildings
    new, effect = apply_measure(
        _measure(type="new_buildings", footprints=_shapes(tmp_path, "f", fp), floors=5, dwellings=10), tiny
    )
    cells = _inside(tiny, fp)
    assert cells.sum() == 18
    assert np.all(new["building_height"][cells] == 15.0)  # 5 floors x 3 m
    _unchanged_outside(new, tiny, "building_height", cells)
    assert np.all(new["land_cover"][cells] == 2)
    assert new.vectors["districts"].set_index("name")["population"].to_dict() == {"Sud": 100, "Nord": 40 + 21}
    assert new["population"].sum() == pytest.approx(161.0, rel=1e-6)  # 10 dwellings x 2.1 residents
    assert effect.details["dwellings_added"] == 10 and effect.details["residents_added"] == 21.0


def test_new_buildings_over_existing_ones_or_each_other_are_refused(tiny, tmp_path):
    on_b1 = box(X0 + 10, Y0 + 10, X0 + 30, Y0 + 30)
    with pytest.raises(ScenarioError, match=r"new footprints must be clear of existing buildings"):
        apply_measure(_measure(type="new_buildings", footprints=_shapes(tmp_path, "f", on_b1), height_m=9), tiny)
    twins = [box(X0 + 100, Y0 + 85, X0 + 130, Y0 + 100), box(X0 + 110, Y0 + 85, X0 + 140, Y0 + 100)]
    with pytest.raises(ScenarioError, match=r"new footprints must be clear of each other"):
        apply_measure(_measure(type="new_buildings", footprints=_shapes(tmp_path, "g", *twins), height_m=9), tiny)


def test_demolition_removes_buildings_and_their_residents(tiny):
    new, effect = apply_measure(_measure(type="demolition", buildings={"id": "B1"}, to="grass"), tiny)
    b1 = tiny["building_index"] == 0
    assert np.all(new["building_height"][b1] == 0) and np.all(new["land_cover"][b1] == 6)
    _unchanged_outside(new, tiny, "building_height", b1)
    _unchanged_outside(new, tiny, "land_cover", b1)
    assert list(new.vectors["buildings"]["id"]) == ["B2", "B3", "B4"]
    assert new.vectors["districts"].set_index("name")["population"].to_dict() == {"Sud": 75, "Nord": 40}
    assert effect.details["residents_removed"] == pytest.approx(25.0)


def test_demolition_clears_the_green_roof_it_takes_away(tiny):
    new, _ = apply_measures(
        tiny,
        [
            _measure(type="green_roofs", buildings={"id": "B1"}, vegetation_fraction=0.8, retention_mm=30),
            _measure(type="demolition", buildings={"id": "B1"}, to="grass"),
        ],
    )
    assert new["retention_depth"].max() == 0.0 and new["green_roof_fraction"].max() == 0.0


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


BASINS = [box(X0 + 80, Y0 + 35, X0 + 120, Y0 + 55), box(X0 + 5, Y0 + 55, X0 + 20, Y0 + 65)]  # two, apart, open


@pytest.mark.parametrize("volume", [200.0, 1500.0])
def test_retention_basin_stores_the_asked_volume_within_2_percent(tiny, tmp_path, volume):
    new, effect = apply_measure(
        _measure(type="retention_basin", area=_shapes(tmp_path, "b", *BASINS), volume_m3=volume), tiny
    )
    stored = _priority_flood_storage(new["elevation"], 25.0) - _priority_flood_storage(tiny["elevation"], 25.0)
    assert stored == pytest.approx(volume, rel=0.02)  # acceptance: within 2 %
    assert effect.volume_m3 == pytest.approx(volume, rel=1e-6)
    assert effect.details["basins"] == 2 and len(set(effect.details["spill_level_m"])) == 2  # each its own rim
    inside = _inside(tiny, BASINS[0]) | _inside(tiny, BASINS[1])
    _unchanged_outside(new, tiny, "elevation", inside)


def test_retention_basin_by_depth_reports_its_storage(tiny, tmp_path):
    new, effect = apply_measure(
        _measure(type="retention_basin", area=_shapes(tmp_path, "b", BASINS[0]), depth_m=1.5), tiny
    )
    assert _priority_flood_storage(new["elevation"], 25.0) == pytest.approx(effect.volume_m3, rel=0.02)
    assert effect.details["bottom_m"][0] == pytest.approx(effect.details["spill_level_m"][0] - 1.5, abs=1e-3)


@pytest.mark.parametrize(
    "line", [((0, 0), (150, 100)), ((0, 100), (150, 0)), ((0, 37), (150, 41)), ((0, 5), (150, 95))]
)
def test_dike_crest_is_continuous_with_no_diagonal_gap(tiny, tmp_path, line):
    (ax, ay), (bx, by) = line
    axis = LineString([(X0 + ax, Y0 + ay), (X0 + bx, Y0 + by)])
    new, effect = apply_measure(
        _measure(type="dike", line=_shapes(tmp_path, "d", axis), crest_elevation_m=101.5, width_m=2.0), tiny
    )
    dike = new["elevation"] == np.float32(101.5)
    assert ndimage.label(dike, structure=FOUR)[1] == 1  # one 4-connected crest
    _, sides = ndimage.label(~dike, structure=ndimage.generate_binary_structure(2, 2))
    assert sides >= 2  # even moving diagonally, water on one side cannot reach the other through open cells
    assert effect.details["crest_min_m"] == effect.details["crest_max_m"] == 101.5
    assert effect.volume_m3 == pytest.approx(float((new["elevation"] - tiny["elevation"]).sum()) * 25.0, rel=1e-5)
    _unchanged_outside(new, tiny, "elevation", dike)


@pytest.mark.parametrize("width", [5.0, 10.0, 20.0])
def test_dike_footprint_is_its_length_times_its_width(tiny, tmp_path, width):
    axis = LineString([(X0 + 10, Y0 + 20), (X0 + 140, Y0 + 80)])  # 143 m, oblique
    _, effect = apply_measure(
        _measure(type="dike", line=_shapes(tmp_path, "d", axis), height_m=1.0, width_m=width), tiny
    )
    # cells whose centre is within width/2, plus the cells the axis touches: at most one cell more per cell
    # of length, so the area lies between length x width and length x (width + cell size) (+/- 10 %)
    assert 0.9 * axis.length * width <= effect.area_m2 <= 1.1 * axis.length * (width + C)


def test_dike_by_height_follows_the_ground(tiny, tmp_path):
    line = LineString([(X0 + 72.5, Y0), (X0 + 72.5, Y0 + 100)])  # along cell centres
    new, _ = apply_measure(_measure(type="dike", line=_shapes(tmp_path, "d", line), height_m=1.0), tiny)
    raised = new["elevation"] != tiny["elevation"]
    assert np.allclose(new["elevation"][raised] - tiny["elevation"][raised], 1.0)
    assert raised.sum() == 20  # one 5 m cell wide (the minimum), 20 rows long


def test_terrain_edit_raises_inside_only_and_counts_the_fill(tiny, tmp_path):
    zone = box(X0 + 80, Y0 + 50, X0 + 100, Y0 + 100)
    new, effect = apply_measure(
        _measure(type="terrain_edit", area=_shapes(tmp_path, "z", zone), operation="raise", value_m=0.5), tiny
    )
    cells = _inside(tiny, zone)
    assert np.allclose(new["elevation"][cells] - tiny["elevation"][cells], 0.5)
    _unchanged_outside(new, tiny, "elevation", cells)
    assert effect.details["fill_m3"] == pytest.approx(cells.sum() * 25.0 * 0.5, rel=1e-4)


def test_a_dike_nowhere_above_the_ground_and_an_edit_of_no_cell_are_refused(tiny, tmp_path):
    """Measures that would do nothing are mistakes, refused as tree planting on no open ground is: a crest below
    the ground all along its line (the tiny town's ground is about 100 m), and a terrain edit of a 10 cm square that
    holds no cell centre."""
    line = _shapes(tmp_path, "d", LineString([(X0 + 10, Y0 + 20), (X0 + 140, Y0 + 80)]))
    with pytest.raises(ScenarioError, match=r"crest_elevation_m must be above the ground somewhere along the line "
                                            r"\(lowest ground [0-9.]+ m\), got -100\.0"):  # fmt: skip
        apply_measure(_measure(type="dike", line=line, crest_elevation_m=-100.0, width_m=5.0), tiny)
    tiny_zone = _shapes(tmp_path, "z", box(X0 + 81, Y0 + 51, X0 + 81.1, Y0 + 51.1))
    with pytest.raises(ScenarioError, match=r"the selection must contain a cell of the grid, got none in area"):
        apply_measure(_measure(type="terrain_edit", area=tiny_zone, operation="raise", value_m=0.5), tiny)


def test_unknown_district_is_named_with_the_known_ones(tiny):
    with pytest.raises(
        ScenarioError,
        match=r"s\.toml: measures\.0 \(tree_planting\)\.district: district must be "
        r"one of \['Nord', 'Sud'\], got 'Gare'",
    ):
        apply_measures(
            tiny,
            [_measure(type="tree_planting", district="Gare", canopy_fraction=0.3)],
            labels=["s.toml: measures.0 (tree_planting)"],
        )


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"type": "cool_roofs", "buildings": {"use": "stadium"}, "albedo": 0.7},
            r"filter must match at least one building",
        ),
        (
            {"type": "depaving", "district": "Nord", "classes": ["road"]},
            r"the selection must contain cells of the classes "
            r"\['road'\], got none in district Nord",
        ),
        ({"type": "cool_roofs", "district": "Nord", "albedo": 0.7, "label": "x"}, None),
    ],
)
def test_a_selection_that_changes_nothing_is_an_error(tiny, fields, error):
    if error is None:
        apply_measure(_measure(**fields), tiny)  # Nord has roofs: fine
        return
    with pytest.raises(ScenarioError, match=error):
        apply_measure(_measure(**fields), tiny)


def test_points_given_as_an_area_are_refused(tiny, tmp_path):
    path = _shapes(tmp_path, "p", Point(X0 + 50, Y0 + 50))
    with pytest.raises(ScenarioError, match=r"area: geometries must be Polygon or MultiPolygon, got .*\['Point'\] in"):
        apply_measure(_measure(type="tree_planting", area=path, canopy_fraction=0.3), tiny)


def test_a_measure_that_breaks_the_territory_names_itself(tiny, tmp_path):
    zone = box(X0 + 80, Y0 + 50, X0 + 100, Y0 + 100)
    bad = _measure(type="terrain_edit", area=_shapes(tmp_path, "z", zone), operation="set", value_m=4999.0)
    ok, _ = apply_measures(tiny, [bad])  # 4999 m is a legal elevation
    assert ok.validate() == []
    with pytest.raises(
        ScenarioError,
        match=r"s\.toml: measures\.1 \(terrain_edit\): the measure makes the territory "
        r"invalid: layer 'elevation': values must be within",
    ):
        apply_measures(
            tiny,
            [bad, _measure(type="terrain_edit", area=_shapes(tmp_path, "z2", zone), operation="raise", value_m=2.0)],
            labels=["s.toml: measures.0 (terrain_edit)", "s.toml: measures.1 (terrain_edit)"],
        )


def test_measures_compose_in_order(tiny):
    measures = [
        _measure(type="cool_roofs", buildings={"id": "B1"}, albedo=0.6),
        _measure(type="tree_planting", district="Sud", canopy_fraction=0.2),
    ]
    new, effects = apply_measures(tiny, measures)
    assert [e.type for e in effects] == ["cool_roofs", "tree_planting"]
    assert np.all(new["albedo"][tiny["building_index"] == 0] == np.float32(0.6))  # the first is still there
    assert new.validate() == []


def test_every_measure_type_has_an_applier():
    assert set(APPLIERS) == set(MEASURE_TYPES)
