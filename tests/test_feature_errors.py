"""Bad features in a territory's vector files: each is refused with one line naming the file, the feature's row in
it and its id, the field and the value, or, where it can be left out without changing an answer, left out with a
warning that names the first. Never a traceback, a silent default or a feature lost without a word."""

from __future__ import annotations

import os
import warnings
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
from conftest import L93, NORD, SUD, X0, Y0, write_territory_folder
from shapely.geometry import LineString, Point, Polygon, box

from twin.errors import DataSourceError, TwinWarning
from twin.sources import load_territory

FOOTPRINTS = [box(X0 + 20 + 40 * i, Y0 + 20, X0 + 50 + 40 * i, Y0 + 50) for i in range(4)]


def _buildings(ids, geometry=None, **columns) -> gpd.GeoDataFrame:
    """Buildings as the test town's file lays them out (HAUTEUR, NB_ETAGES, USAGE1), residential, 9 m, 3 floors,
    with ``columns`` (lists, one value per building) replacing or adding columns."""
    n = len(ids)
    data = {"id": list(ids), "HAUTEUR": [9.0] * n, "NB_ETAGES": [3] * n, "USAGE1": ["Résidentiel"] * n, **columns}
    return gpd.GeoDataFrame(data, geometry=geometry or FOOTPRINTS[:n], crs=L93)


def _refused(toml, ending: str) -> None:
    """Loading ``toml`` fails with exactly ``<the file's path>`` + ``ending``: one line, no traceback."""
    with pytest.raises(DataSourceError) as info:
        load_territory(toml, cache=False)
    text = str(info.value)
    assert "\n" not in text
    assert text.endswith(ending) and text.startswith(str(toml.parent)), text
    assert text[len(str(toml.parent)) : -len(ending)].count(os.sep) == 1  # the folder, then the file's name only


def _districts(folder, names, people=(120, 45), over_75=(0.1, 0.1), under_5=(0.05, 0.05), geometry=(NORD, SUD)):
    gpd.GeoDataFrame(
        {"name": list(names), "population": list(people), "share_over_75": list(over_75),
         "share_under_5": list(under_5)},
        geometry=list(geometry), crs=L93,
    ).to_file(folder / "districts.geojson")  # fmt: skip


# 1. features without a geometry


@pytest.mark.parametrize("nothing", [None, Polygon()], ids=["null", "empty"])
def test_a_district_without_a_geometry_is_refused_it_would_lose_its_residents(tmp_path, nothing):
    """A district dropped for want of a geometry would silently take its residents out of every count."""
    toml = write_territory_folder(tmp_path)
    _districts(tmp_path, ["Nord", "Milieu", "Sud"], (120, 30, 45), (0.1,) * 3, (0.05,) * 3, (NORD, nothing, SUD))
    _refused(toml, "districts.geojson row 2 (name 'Milieu'): districts geometry must be a polygon, got no geometry")


@pytest.mark.parametrize("nothing", [None, Polygon()], ids=["null", "empty"])
def test_a_building_without_a_geometry_is_left_out_with_a_warning_naming_it(tmp_path, nothing):
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B0", "B1", "B2"], [FOOTPRINTS[0], nothing,
                                                                                     FOOTPRINTS[2]]))  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = load_territory(toml, cache=False)
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    note = "buildings: dropped 1 features without a geometry, first "
    assert len(said) == 1 and said[0].startswith(note), said  # and no geopandas UserWarning about empty geometries
    assert said[0].endswith(f"{os.sep}buildings.gpkg row 2 (id 'B1')")
    assert said[0] in t.provenance["notes"]
    assert t.vectors["buildings"]["id"].tolist() == ["B0", "B2"]


def test_a_site_without_a_geometry_is_left_out_with_a_warning(tmp_path):
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame({"name": ["École", "Crèche"], "kind": ["school", "nursery"]},
                     geometry=[None, Point(X0 + 30, Y0 + 30)], crs=L93).to_file(tmp_path / "sites.gpkg")  # fmt: skip
    with pytest.warns(TwinWarning, match=r"^sites: dropped 1 features without a geometry, first .*sites\.gpkg row 1 "
                                         r"\(name 'École'\)$"):  # fmt: skip
        t = load_territory(toml, cache=False)
    assert t.vectors["sites"]["name"].tolist() == ["Crèche"]


# 2. heights and floors


@pytest.mark.parametrize(
    ("columns", "ending"),
    [
        ({"HAUTEUR": [9.0, -3.0]}, "buildings 'height' (the file's 'HAUTEUR') must be within [0, 500] m (0 or empty "
                                   "where unknown), got -3"),
        ({"HAUTEUR": [9.0, 501.5]}, "buildings 'height' (the file's 'HAUTEUR') must be within [0, 500] m (0 or "
                                    "empty where unknown), got 501.5"),
        ({"HAUTEUR": [9.0, np.inf]}, "buildings 'height' (the file's 'HAUTEUR') must be within [0, 500] m (0 or "
                                     "empty where unknown), got inf"),
        ({"NB_ETAGES": [3, -2]}, "buildings 'floors' (the file's 'NB_ETAGES') must be within [0, 200] (a building "
                                 "of a ground floor alone has 1; 0 or empty where unknown), got -2"),
        ({"dwellings": [4, -10]}, "buildings 'dwellings' must be within [0, 10000], got -10"),
        ({"dwellings": [4, 10_001]}, "buildings 'dwellings' must be within [0, 10000], got 10001"),
    ],
    ids=["height-negative", "height-too-high", "height-inf", "floors-negative", "dwellings-negative",
         "dwellings-too-many"],
)  # fmt: skip
def test_heights_floors_and_dwellings_out_of_range_are_refused_not_replaced(tmp_path, columns, ending):
    """A negative height was replaced by floors x storey height, negative floors by height / storey height, and
    dwellings checked only once the territory was built, without the file or the feature."""
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2"], **columns))
    _refused(toml, f"buildings.gpkg row 2 (id 'B2'): {ending}")


def test_several_bad_values_are_counted_and_the_first_named(tmp_path):
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2", "B3"], HAUTEUR=[9.0, -1.0, -2.0]))
    _refused(toml, "buildings.gpkg row 2 (id 'B2'): buildings 'height' (the file's 'HAUTEUR') must be within "
                   "[0, 500] m (0 or empty where unknown), got -1 (2 such values)")  # fmt: skip


def test_zero_floors_are_unknown_with_a_warning_and_come_from_the_height(tmp_path):
    """A building has at least its ground floor, so 0 floors is a file's way of not knowing (real files hold such
    zeros): it is read as unknown, its floors then come from the height, and a warning names the first."""
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2"], HAUTEUR=[9.0, 12.0], NB_ETAGES=[3, 0]))
    with pytest.warns(TwinWarning, match=r"buildings: 1 buildings with 0 floors taken as unknown \(their floors come "
                                         r"from the height\), first .*buildings\.gpkg row 2 \(id 'B2'\)"):  # fmt: skip
        b = load_territory(toml, cache=False).vectors["buildings"]
    assert b["height"].tolist() == [9.0, 12.0] and b["floors"].tolist() == [3, 4]


def test_a_building_without_a_use_is_other_with_a_warning_naming_it(tmp_path):
    """An empty use was read as the text 'nan' and reported among unknown uses as ['nan']."""
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2"], USAGE1=["Résidentiel", None]))
    with pytest.warns(TwinWarning, match=r"buildings: 1 buildings without a use taken as 'other' \(no residents\), "
                                         r"first .*buildings\.gpkg row 2 \(id 'B2'\)"):  # fmt: skip
        b = load_territory(toml, cache=False).vectors["buildings"]
    assert b["use"].tolist() == ["residential", "other"]


def test_fractional_floors_and_dwellings_are_rounded_with_a_warning(tmp_path):
    """2.5 floors (OpenStreetMap's building:levels has them) were cut down to 2 without a word."""
    buildings = _buildings(["B1", "B2"], HAUTEUR=[None, None], NB_ETAGES=[2.5, 3.0], dwellings=[4.0, 6.4])
    toml = write_territory_folder(tmp_path, buildings=buildings)
    text = tmp_path / "territory.toml"
    text.write_text(text.read_text().replace('use = "USAGE1" }', 'use = "USAGE1", dwellings = "dwellings" }'))
    with pytest.warns(TwinWarning) as warned:
        b = load_territory(toml, cache=False).vectors["buildings"]
    said = [str(w.message) for w in warned]
    assert any(m.startswith("buildings: 1 values of 'floors' that are not whole numbers rounded, first 2.5 at ")
               and m.endswith("buildings.gpkg row 1 (id 'B1')") for m in said), said  # fmt: skip
    assert any("1 values of 'dwellings' that are not whole numbers rounded, first 6.4 at " in m for m in said)
    assert b["floors"].tolist() == [3, 3] and b["dwellings"].tolist() == [4, 6]
    assert b["height"].tolist() == [7.5, 9.0]  # the height from the floors as the file gives them


def test_a_zero_or_empty_height_still_comes_from_the_floors(tmp_path):
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2"], HAUTEUR=[0.0, None], NB_ETAGES=[2, 4]))
    b = load_territory(toml, cache=False).vectors["buildings"]
    assert b["height"].tolist() == [6.0, 12.0] and b["floors"].tolist() == [2, 4]


# 3. building ids


def test_a_building_id_given_twice_is_refused_naming_both_rows(tmp_path):
    """A demolition measure names its buildings by id: two buildings of one id make it ambiguous."""
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2", "B1"]))
    _refused(toml, "buildings.gpkg rows 1 and 3 (id 'B1'): buildings 'id' must be unique (a measure names a "
                   "building by its id), got 'B1' twice")  # fmt: skip


def test_several_ids_given_several_times_are_counted(tmp_path):
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", "B2", "B1", "B2"]))
    _refused(toml, "buildings.gpkg rows 1 and 3 (id 'B1'): buildings 'id' must be unique (a measure names a "
                   "building by its id), got 'B1' twice (1 more ids given more than once)")  # fmt: skip


@pytest.mark.parametrize(("nothing", "shown"), [(None, "row 2: "), ("  ", "row 2 (id '  '): ")],
                         ids=["null", "blank"])  # fmt: skip
def test_a_building_without_an_id_where_the_file_has_ids_is_refused_naming_its_row(tmp_path, nothing, shown):
    """It was refused once the territory was built ("column 'id' must have no missing values"), without the file or
    the row; a blank id was kept as a building's name."""
    toml = write_territory_folder(tmp_path, buildings=_buildings(["B1", nothing]))
    _refused(toml, f"buildings.gpkg {shown}buildings 'id' must be given (a measure names a building by its id), "
                   f"got {'no value' if nothing is None else repr(nothing)}")  # fmt: skip


# 4. districts and sites, at reading time with the file and the feature


@pytest.mark.parametrize(
    ("column", "values", "ending"),
    [
        ("people", (120, -5), "districts 'population' must be within [0, 100000000] residents, got -5"),
        ("over_75", (0.1, 1.5), "districts 'share_over_75' must be within [0, 1], got 1.5"),
        ("under_5", (0.05, -0.1), "districts 'share_under_5' must be within [0, 1], got -0.1"),
    ],
)
def test_district_figures_out_of_range_are_refused_naming_the_district(tmp_path, column, values, ending):
    toml = write_territory_folder(tmp_path)
    _districts(tmp_path, ["Nord", "Sud"], **{column: values})
    _refused(toml, f"districts.geojson row 2 (name 'Sud'): {ending}")


def test_a_district_name_given_twice_is_refused_naming_both_rows(tmp_path):
    toml = write_territory_folder(tmp_path)
    _districts(tmp_path, ["Nord", "Nord"])
    _refused(toml, "districts.geojson rows 1 and 2 (name 'Nord'): districts 'name' must be unique (the results "
                   "name each district's residents by it), got 'Nord' twice")  # fmt: skip


def test_a_district_without_a_name_is_refused_naming_its_row(tmp_path):
    toml = write_territory_folder(tmp_path)
    _districts(tmp_path, ["Nord", None])
    _refused(toml, "districts.geojson row 2: districts 'name' must be given (the results name each district's "
                   "residents by it), got no value")  # fmt: skip


def test_a_site_without_a_name_is_refused_naming_its_row(tmp_path):
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame({"name": ["École", None], "kind": ["school", "nursery"]},
                     geometry=[Point(X0 + 30, Y0 + 30), Point(X0 + 130, Y0 + 30)], crs=L93).to_file(
        tmp_path / "sites.gpkg")  # fmt: skip
    _refused(toml, "sites.gpkg row 2: sites 'name' must be given (the results name each site by it; leave the "
                   "column out to number them), got no value")  # fmt: skip


def test_the_territory_still_checks_what_code_builds(tiny):
    """A territory built in code never went through a file: the contract's checks stay its last guard."""
    buildings = tiny.vectors["buildings"].assign(dwellings=lambda b: np.where(b["id"] == "B1", -10, b["dwellings"]))
    districts = tiny.vectors["districts"].assign(name="Sud")
    problems = replace(tiny, vectors={**tiny.vectors, "buildings": buildings, "districts": districts}).validate()
    assert "vector 'buildings': column 'dwellings' must be within [0, 10000], got -10 (1 rows)" in problems
    assert "vector 'districts': column 'name' must be unique, got duplicates ['Sud']" in problems


@pytest.mark.parametrize("shape", [Point(X0 + 10, Y0 + 10), box(X0 + 10, Y0, X0 + 20, Y0 + 200)], ids=["point", "area"])
def test_a_road_that_is_not_a_line_is_refused_naming_it(tmp_path, shape):
    """A road is a line: a point or an area was refused only by the territory's last check, without the file."""
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame({"name": ["Rue", "Place"]}, geometry=[LineString([(X0 + 10, Y0), (X0 + 10, Y0 + 200)]), shape],
                     crs=L93).to_file(tmp_path / "roads.gpkg")  # fmt: skip
    _refused(toml, f"roads.gpkg row 2 (name 'Place'): roads geometry must be a line, got {shape.geom_type!r}")
