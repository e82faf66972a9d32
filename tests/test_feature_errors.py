"""Bad features in a territory's vector files: each is refused with one line naming the file, the feature's row in
it and its id, the field and the value, or, where it can be left out without changing an answer, left out with a
warning that names the first. Never a traceback, a silent default or a feature lost without a word."""

from __future__ import annotations

import os
import warnings

import geopandas as gpd
import pytest
from conftest import L93, NORD, SUD, X0, Y0, write_territory_folder
from shapely.geometry import Point, Polygon, box

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
