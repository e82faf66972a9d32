"""Territory files: real sources of any CRS brought onto one grid, with notes on what was done."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from conftest import (
    L93,
    NORD,
    SUD,
    X0,
    Y0,
    people_without_buildings,
    write_districts,
    write_float_land_cover,
    write_territory_folder,
)
from shapely.geometry import Polygon, box

from twin.errors import DataSourceError, TwinWarning
from twin.sources import load_territory, read_territory_file


def test_loads_a_territory_from_files(tmp_path):
    t = load_territory(write_territory_folder(tmp_path))
    assert t.validate() == []
    assert t.grid.shape == (40, 60) and t.grid.cell_size == 5.0 and t.grid.crs.to_epsg() == 2154
    assert t.name == "test town"
    assert len(t.vectors["buildings"]) == 2 and len(t.vectors["sites"]) == 1
    assert t.provenance["territory_file"].endswith("territory.toml")


def test_floors_times_storey_height_gives_heights(tmp_path):
    """Acceptance: BD TOPO-like buildings with NB_ETAGES only get floors x storey height."""
    t = load_territory(write_territory_folder(tmp_path))
    b = t.vectors["buildings"]
    assert b["height"].tolist() == [12.0, 15.0]  # HAUTEUR = 12 kept; 5 floors x 3.0 m
    assert b["floors"].tolist() == [4, 5]
    assert np.all(t["building_height"][t["building_index"] == 1] == 15.0)
    assert "buildings: 1 heights from floors x 3 m" in t.provenance["notes"]
    toml = tmp_path / "territory.toml"
    toml.write_text(
        toml.read_text().replace('path = "buildings.gpkg"', 'path = "buildings.gpkg"\nstorey_height_m = 2.8')
    )
    assert load_territory(toml).vectors["buildings"]["height"].tolist() == [12.0, pytest.approx(14.0)]


def test_bd_topo_uses_are_mapped(tmp_path):
    b = load_territory(write_territory_folder(tmp_path)).vectors["buildings"]
    assert b["use"].tolist() == ["residential", "industrial"]


def test_grid_defaults_to_the_dem_and_can_be_set(tmp_path):
    toml = write_territory_folder(tmp_path)
    t = load_territory(toml)
    assert t.grid.bounds == (X0, Y0, X0 + 300.0, Y0 + 200.0)
    toml.write_text(
        toml.read_text() + f'\n[grid]\ncrs = "EPSG:2154"\ncell_size = 10.0\n'
        f"bounds = [{X0 + 5}, {Y0 + 20}, {X0 + 245}, {Y0 + 140}]\n"
    )
    t10 = load_territory(toml)
    assert t10.grid.shape == (12, 24) and t10.grid.cell_size == 10.0
    assert t10.validate() == []


def test_vectors_in_another_crs_are_reprojected(tmp_path):
    b = gpd.GeoDataFrame(
        {"height": [9.0], "use": ["residential"], "dwellings": [4]},
        geometry=[box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 140)],
        crs=L93,
    )
    folder = tmp_path / "t"
    toml = write_territory_folder(folder, buildings=b.to_crs("EPSG:4326"))
    toml.write_text(
        toml.read_text().replace('columns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }', "")
    )
    with pytest.warns(TwinWarning, match="'Nord' has no residential building and no residential land cover"):
        t = load_territory(toml)  # the one home is in Sud, and Nord is grass and road
    got = t.vectors["buildings"]
    assert got.crs == t.grid.crs
    assert got.geometry.iloc[0].area == pytest.approx(2000.0, rel=1e-6)  # 50 m x 40 m back in Lambert-93
    assert (t["building_index"] == 0).sum() * 25.0 == pytest.approx(2000.0)
    assert any("reprojected 1 features from EPSG:4326 to EPSG:2154" in n for n in t.provenance["notes"])


def test_land_cover_from_polygons(tmp_path):
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame(
        {"classe": [8, 6]}, geometry=[box(X0, Y0, X0 + 150, Y0 + 200), box(X0 + 150, Y0, X0 + 300, Y0 + 200)], crs=L93
    ).to_file(tmp_path / "lc.gpkg")
    toml.write_text(toml.read_text().replace('path = "lc.tif"', 'path = "lc.gpkg"\nclass_column = "classe"'))
    t = load_territory(toml)
    assert np.all(t["land_cover"][:, :30] == 8) and np.all(t["land_cover"][:, 30:] == 6)
    assert np.allclose(t["tree_canopy"][:, :30], 0.9)


@pytest.mark.parametrize(
    ("classes", "got"),
    [(["8", "forest"], "got 'forest'"), ([8.0, None], "got no value"), ([8.0, 6.5], "got 6.5")],
)
def test_a_land_cover_polygon_without_a_whole_class_is_refused_naming_it(tmp_path, classes, got):
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame(
        {"id": ["wood", "park"], "classe": classes},
        geometry=[box(X0, Y0, X0 + 150, Y0 + 200), box(X0 + 150, Y0, X0 + 300, Y0 + 200)], crs=L93,
    ).to_file(tmp_path / "lc.gpkg")  # fmt: skip
    toml.write_text(toml.read_text().replace('path = "lc.tif"', 'path = "lc.gpkg"\nclass_column = "classe"'))
    with pytest.raises(DataSourceError) as err:
        load_territory(toml)
    assert str(err.value) == (
        f"{tmp_path / 'lc.gpkg'} row 2 (id 'park'): land-cover polygons 'classe' must be a whole class code of the "
        f"land-cover table, {got}"
    )


def test_a_land_cover_polygon_crossing_itself_is_repaired_with_a_note(tmp_path):
    """A bow tie (a ring crossing itself) burns its two triangles, as shapely's make_valid cuts it."""
    toml = write_territory_folder(tmp_path)
    x1, y1 = X0 + 300, Y0 + 200
    bow_tie = Polygon([(X0, Y0), (x1, y1), (x1, Y0), (X0, y1)])
    gpd.GeoDataFrame(
        {"id": ["all", "bow"], "classe": [6, 8]}, geometry=[box(X0, Y0, x1, y1), bow_tie], crs=L93
    ).to_file(tmp_path / "lc.gpkg")
    toml.write_text(toml.read_text().replace('path = "lc.tif"', 'path = "lc.gpkg"\nclass_column = "classe"'))
    with pytest.warns(TwinWarning, match=r"repaired 1 invalid polygons .*lc\.gpkg row 2 \(id 'bow'\)"):
        t = load_territory(toml)
    wood = t["land_cover"] == 8
    assert 0.4 < wood.mean() < 0.6  # the two triangles: half of the box
    assert wood[:, 0].any() and wood[:, -1].any() and not wood[:, wood.shape[1] // 2].all()
    assert any("land cover: land-cover polygons: repaired 1" in n for n in t.provenance["notes"])


def _catchment_codes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """NaN west of x0 + 100 m (outside the catchment), road (3.0) to x0 + 200 m, grass (6.0) east of it."""
    return np.where(x < X0 + 100, np.nan, np.where(x < X0 + 200, 3.0, 6.0))


def test_float_land_cover_with_nan_nodata_is_read_as_codes(tmp_path):
    """Issue 18: a float32 land cover with NaN outside the catchment, in its own CRS, resampled onto the grid."""
    toml = write_territory_folder(tmp_path)
    write_float_land_cover(tmp_path / "lc.tif", _catchment_codes)
    with pytest.raises(DataSourceError, match=r"lc\.tif: land cover must be complete over the grid .*cells without"):
        load_territory(toml)  # the cells outside the catchment have no class, as with any missing land cover
    toml.write_text(toml.read_text().replace('path = "lc.tif"', 'path = "lc.tif"\nfill_code = 5'))
    with pytest.warns(TwinWarning, match=r"land cover: \d+ cells without a class set to fill_code 5"):
        t = load_territory(toml)
    x = t.grid.x
    lc = t["land_cover"]
    assert np.all(lc[:, x < X0 + 85] == 5) and np.all(lc[:, (x > X0 + 115) & (x < X0 + 185)] == 3)
    assert np.all(lc[:, x > X0 + 215] == 6) and set(np.unique(lc)) == {3, 5, 6}
    assert any("cells of 4 m in EPSG:27700" in n for n in t.provenance["notes"])
    assert any("resampled (mode)" in n for n in t.provenance["notes"])
    assert t.validate() == []


def test_population_reaches_the_buildings_of_its_district(tmp_path):
    t = load_territory(write_territory_folder(tmp_path))
    b = t.vectors["buildings"]
    assert b["population"].tolist() == [120.0, 0.0]  # Nord's 120 residents in its only residential building
    assert t["population"].sum() == pytest.approx(120.0, rel=1e-6)


def test_without_buildings_residents_live_on_residential_land_cover_only(tmp_path):
    # Issue 18: with no buildings, the districts' residents vanished (the population layer was 0).
    toml = people_without_buildings(tmp_path)
    write_districts(tmp_path, [("Nord", 120, NORD), ("Sud", 45, SUD)])
    with pytest.warns(TwinWarning) as caught:
        t = load_territory(toml)
    pop, lc = t["population"].astype(np.float64), t["land_cover"]
    assert pop.sum() == pytest.approx(165.0, rel=1e-6)  # both districts' totals (float32 cells)
    flagged = t.landcover.codes[t.landcover.values["residential"] > 0]  # by the table's column, not a code
    assert np.all(np.isin(lc[pop > 0], flagged)) and np.all(pop[np.isin(lc, flagged)] > 0)
    assert pop[20:].sum() == pytest.approx(120.0, rel=1e-6) and pop[:20].sum() == pytest.approx(45.0, rel=1e-6)
    assert np.allclose(pop[20:, 10:20], 120.0 / 200) and np.allclose(pop[:5, 40:45], 45.0 / 25)  # equal cells
    spread = "has no residential building on the grid; its {} residents are spread over its {} ha of residential"
    notes = t.provenance["notes"]
    assert any(spread.format(120, "0.50") in n and "'Nord'" in n for n in notes)
    assert any(spread.format(45, "0.06") in n and "'Sud'" in n for n in notes)
    assert sorted(str(w.message) for w in caught) == sorted(n for n in notes if n.startswith("population:"))
    assert t.vectors["districts"]["grid_share"].tolist() == [1.0, 1.0] and t.validate() == []


def test_a_district_without_homes_or_residential_land_loses_its_residents_loudly(tmp_path):
    toml = people_without_buildings(tmp_path)
    write_districts(tmp_path, [("Nord", 120, NORD), ("Sud", 45, box(X0, Y0 + 150, X0 + 100, Y0 + 200))])
    with pytest.warns(TwinWarning) as caught:
        t = load_territory(toml)
    lost = ("population: district 'Sud' has no residential building and no residential land cover (none on the grid); "
            "its 45 residents are not placed on the grid")  # fmt: skip
    assert lost in [str(w.message) for w in caught] and lost in t.provenance["notes"]
    assert t["population"].sum(dtype=np.float64) == pytest.approx(120.0, rel=1e-6)


def test_a_district_half_outside_the_grid_keeps_half_its_residents(tmp_path):
    # Nord reaches 300 m west of the grid; the land cover covers the grid only: the share is by area, exactly 1/2
    # (the polygon's edges lie on cell edges), so 60 of its 120 residents, in its one residential building. The
    # tolerance is float32's (the layer), 1e-6 relative.
    toml = write_territory_folder(tmp_path)
    write_districts(tmp_path, [("Nord", 120, box(X0 - 300, Y0, X0 + 300, Y0 + 100)), ("Sud", 0, SUD)])
    t = load_territory(toml)
    assert t.vectors["districts"]["grid_share"].tolist() == [0.5, 1.0]
    assert t.vectors["buildings"]["population"].tolist() == [60.0, 0.0]
    assert t["population"].sum(dtype=np.float64) == pytest.approx(60.0, rel=1e-6)
    assert ("population: district 'Nord' is cut by the grid: 50.0% of its residents kept, by its area inside the grid "
            "over its whole area (the land cover does not tell") in "\n".join(t.provenance["notes"])  # fmt: skip


def test_a_cut_district_keeps_the_share_of_its_residential_land_on_the_grid(tmp_path):
    # The land cover reaches 300 m west of the grid: Nord's gardens are 10 columns wide inside, 20 outside, so it
    # keeps a third of its 120 residents (exact: whole cells on both sides), not the half its area would give.
    toml = people_without_buildings(tmp_path, lc_west=300.0)
    with rasterio.open(tmp_path / "lc.tif", "r+") as dst:
        lc = dst.read(1)
        lc[20:, 10:30] = 7  # 60 columns west of the grid: columns 10-29 of the file are 250-150 m west
        dst.write(lc, 1)
    write_districts(tmp_path, [("Nord", 120, box(X0 - 300, Y0, X0 + 300, Y0 + 100)), ("Sud", 0, SUD)])
    with pytest.warns(TwinWarning, match="'Nord' has no residential building on the grid; its 40 residents"):
        t = load_territory(toml)
    assert t.vectors["districts"]["grid_share"].iloc[0] == pytest.approx(1 / 3, rel=1e-12)
    assert t["population"].sum(dtype=np.float64) == pytest.approx(40.0, rel=1e-6)
    assert (
        "population: district 'Nord' is cut by the grid: 33.3% of its residents kept, by its residential land "
        "inside the grid over that of its whole polygon" in t.provenance["notes"]
    )


def test_territory_file_schema_is_strict_and_documented():
    from twin.sources import TerritoryFile

    schema = TerritoryFile.model_json_schema()
    assert schema["additionalProperties"] is False
    assert "storey_height_m" in schema["$defs"]["BuildingSource"]["properties"]


def test_demo_territory_file_reads():
    spec = read_territory_file(__import__("twin.datasets").datasets.resolve_territory("demo"))
    assert spec.grid.crs == "EPSG:2154" and spec.grid.cell_size <= 5.0


def test_footprints_from_a_file_in_another_crs_keep_their_area_within_5_percent(tmp_path):
    """Acceptance: rasterized footprints keep their area within 5 %, read from a GeoJSON in EPSG:4326.

    Each footprint gets round(area / cell area) cells (twin.rasterize.rasterize_buildings), so it is within half
    a cell of its area: 5 % from 10 cells (250 m² at 5 m) up. Here 12 rotated footprints of 16 to 170 cells.
    """
    from shapely import affinity

    rng = np.random.default_rng(7)
    polys = []
    for k in range(12):  # 12 rotated footprints of 400-4 200 m2, 100 m apart: no overlap
        w, h = rng.uniform(20, 70), rng.uniform(20, 60)
        cx, cy = X0 + 50 + 100 * (k % 4), Y0 + 50 + 100 * (k // 4)
        polys.append(affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), rng.uniform(0, 90)))
    b = gpd.GeoDataFrame(
        {"height": [10.0] * 12, "use": ["commercial"] * 12, "dwellings": [0] * 12}, geometry=polys, crs=L93
    )
    folder = tmp_path / "t"
    toml = write_territory_folder(folder, buildings=b.to_crs("EPSG:4326"), width=80, height=60)
    toml.write_text(
        toml.read_text()
        .replace('path = "buildings.gpkg"', 'path = "buildings.geojson"')
        .replace('columns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }', "")
    )
    b.to_crs("EPSG:4326").to_file(folder / "buildings.geojson")
    with pytest.warns(TwinWarning, match="'Nord' has no residential building and no residential land cover"):
        t = load_territory(toml)  # no homes: Nord's residents are lost, loudly
    exact = t.vectors["buildings"].geometry.area.to_numpy()
    assert exact.min() > 400.0
    cells = np.bincount(t["building_index"][t["building_index"] >= 0], minlength=len(exact)) * 25.0
    assert abs(cells.sum() - exact.sum()) / exact.sum() < 0.01  # all together, 1 %
    assert np.all(np.abs(cells - exact) <= 12.5 + 1e-6)  # each within half a cell (12.5 m²) ...
    assert np.all(np.abs(cells - exact) / exact < 0.05)  # ... so within 5 %


def test_the_source_hash_follows_the_files_content_not_their_place(tmp_path):
    import shutil

    from twin.sources import source_files, source_hash

    first = write_territory_folder(tmp_path / "a")
    files = source_files(first)
    assert {p.name for p in files} >= {"territory.toml", "dem.tif", "lc.tif", "buildings.gpkg", "landcover.csv"}
    copy = tmp_path / "b"
    shutil.copytree(first.parent, copy)
    assert source_hash(copy) == source_hash(first)  # the same files elsewhere: the same territory
    dem = copy / "dem.tif"
    data = bytearray(dem.read_bytes())
    data[-1] ^= 0xFF  # one byte of the elevation changed
    dem.write_bytes(bytes(data))
    assert source_hash(copy) != source_hash(first)
    (copy / "dem.tif").unlink()
    with pytest.raises(FileNotFoundError, match=r"dem\.tif"):
        source_hash(copy)


def test_a_declared_crs_overrides_a_geojsons_lon_lat_default(tmp_path):
    from twin.errors import CRSError

    # A GeoJSON without a `crs` member is read as lon/lat (RFC 7946); its Lambert-93 coordinates are what the
    # territory file's `crs` says they are.
    folder = tmp_path / "t"
    toml = write_territory_folder(folder)
    districts = gpd.read_file(folder / "districts.geojson")
    collection = json.loads(districts.to_json())
    collection.pop("crs", None)  # no crs member
    (folder / "districts.geojson").write_text(json.dumps(collection), encoding="utf-8")
    assert gpd.read_file(folder / "districts.geojson").crs.to_epsg() == 4326
    with pytest.raises(CRSError, match="districts"):  # without a declaration: lon/lat out of range
        load_territory(toml)
    toml.write_text(
        toml.read_text().replace('path = "districts.geojson"', 'path = "districts.geojson"\ncrs = "EPSG:2154"')
    )
    t = load_territory(toml)
    assert t.vectors["districts"].crs == t.grid.crs and len(t.vectors["districts"]) == 2
    assert any("read in the declared EPSG:2154" in n for n in t.provenance["notes"])


def test_a_declared_crs_that_contradicts_the_files_own_is_refused(tmp_path):
    from twin.errors import CRSError

    toml = write_territory_folder(tmp_path / "t")
    toml.write_text(toml.read_text().replace('path = "sites.gpkg"', 'path = "sites.gpkg"\ncrs = "EPSG:3857"'))
    with pytest.raises(CRSError, match=r"sites.gpkg: sites crs must be the file's own \(EPSG:2154\)"):
        load_territory(toml)


def test_polygon_sites_become_points_inside_them_and_lines_are_refused(tmp_path):
    from shapely.geometry import LineString, Point

    from twin.errors import DataSourceError

    folder = tmp_path / "t"
    toml = write_territory_folder(folder)
    grounds = box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 40)
    gpd.GeoDataFrame({"name": ["École"], "kind": ["school"]}, geometry=[grounds], crs=L93).to_file(
        folder / "sites.gpkg"
    )
    t = load_territory(toml)
    site = t.vectors["sites"].geometry.iloc[0]
    assert site.geom_type == "Point" and grounds.contains(site)
    assert any("1 polygons taken at a point inside each" in n for n in t.provenance["notes"])
    line = LineString([(X0 + 20, Y0 + 20), (X0 + 60, Y0 + 40)])
    far = Point(X0 - 5000, Y0)  # off the grid: dropped, but the line stays the file's third feature
    gpd.GeoDataFrame(
        {"name": ["Loin", "Cour", "Rue"], "kind": ["school"] * 3}, geometry=[far, grounds, line], crs=L93
    ).to_file(folder / "sites.gpkg")
    with pytest.raises(DataSourceError, match=r"sites.gpkg row 3 \(name 'Rue'\): sites geometry must be a point or a "
                       r"polygon, got 'LineString'"):  # fmt: skip
        load_territory(toml)


def test_zipped_sources_and_gdal_virtual_paths_are_read(tmp_path):
    # A DEM inside a zip (named whole, and through /vsizip/ relative to the territory file) and a zipped
    # shapefile of sites, as open-data portals ship them; the archive is what the source hash reads.
    import zipfile

    from twin.errors import MissingFileError
    from twin.sources import source_files

    folder = tmp_path / "t"
    toml = write_territory_folder(folder)
    with zipfile.ZipFile(folder / "dem.zip", "w") as z:
        z.write(folder / "dem.tif", "dem.tif")
    (folder / "dem.tif").unlink()
    sites = gpd.read_file(folder / "sites.gpkg")
    sites.to_file(folder / "sites.shp")
    with zipfile.ZipFile(folder / "sites.zip", "w") as z:
        for part in folder.glob("sites.*"):
            if part.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                z.write(part, part.name)
    text = toml.read_text().replace('paths = ["dem.tif"]', 'paths = ["dem.zip"]')
    toml.write_text(text.replace('path = "sites.gpkg"', 'path = "sites.zip"'))
    whole = load_territory(toml)
    assert len(whole.vectors["sites"]) == 1 and np.isfinite(whole["elevation"]).all()
    assert folder / "dem.zip" in source_files(toml) and folder / "sites.zip" in source_files(toml)
    toml.write_text(text.replace('paths = ["dem.zip"]', 'paths = ["/vsizip/dem.zip/dem.tif"]'))
    np.testing.assert_array_equal(load_territory(toml)["elevation"], whole["elevation"])
    toml.write_text(text.replace('paths = ["dem.zip"]', 'paths = ["missing.zip/dem.tif"]'))
    with pytest.raises(MissingFileError, match=r"missing\.zip"):
        load_territory(toml)


@pytest.mark.parametrize(
    ("value", "got"),
    [(np.inf, "inf at 1 cells"), (-9999.0, "-9999 at 1 cells"), (1e30, "1e+30 at 1 cells")],
)
def test_an_infinite_or_out_of_range_elevation_names_the_file_and_the_first_cell(tmp_path, value, got):
    """An undeclared nodata value (-9999, 1e30) or an infinity in the terrain model is refused where it is read,
    naming the file and the cell, not later as "layer 'elevation': values must be finite" without either."""
    toml = write_territory_folder(tmp_path)
    with rasterio.open(tmp_path / "dem.tif") as src:
        profile, dem = src.profile, src.read(1)
    dem[3, 7] = value
    with rasterio.open(tmp_path / "dem.tif", "w", **profile) as dst:
        dst.write(dem, 1)
    with pytest.raises(DataSourceError) as err:
        load_territory(toml, cache=False)
    x, y = X0 + 7.5 * 5.0, Y0 + 200.0 - 3.5 * 5.0
    assert str(err.value).startswith(
        f"{tmp_path / 'dem.tif'}: elevation must be finite and within [-500, 5000] m, got '{got}, the first at "
        f"x = {x:.1f}, y = {y:.1f}"
    )


def test_a_raster_whose_crs_cannot_place_its_coordinates_is_named(tmp_path):
    """Lambert-93 metres labelled EPSG:4326 (degrees) project to infinities: the error says the CRS cannot place
    them, not that an extent of (inf, inf, inf, inf) misses the grid."""
    grid = f'[grid]\ncrs = "EPSG:2154"\ncell_size = 5.0\nbounds = [{X0}, {Y0}, {X0 + 300}, {Y0 + 200}]\n'
    toml = write_territory_folder(tmp_path, toml_extra=grid)
    with rasterio.open(tmp_path / "dem.tif") as src:
        profile, dem = src.profile, src.read(1)
    with rasterio.open(tmp_path / "dem.tif", "w", **(profile | {"crs": "EPSG:4326"})) as dst:
        dst.write(dem, 1)
    with pytest.raises(DataSourceError, match=r"dem\.tif: extent must be coordinates its CRS \(EPSG:4326\) can place"):
        load_territory(toml, cache=False)


def test_a_negative_land_cover_code_is_named(tmp_path):
    """-3 in an int16 land cover is a value of the file, not "a cell without a class": its code is named."""
    toml = write_territory_folder(tmp_path)
    with rasterio.open(tmp_path / "lc.tif") as src:
        profile, lc = src.profile, src.read(1).astype("int16")
    lc[5, 5] = -3
    with rasterio.open(tmp_path / "lc.tif", "w", **(profile | {"dtype": "int16", "nodata": None})) as dst:
        dst.write(lc, 1)
    with pytest.raises(DataSourceError, match=r"lc\.tif: land-cover codes must be codes of the table .*, got "
                                              r"'negative codes \[-3\] at 1 cells'"):  # fmt: skip
        load_territory(toml, cache=False)
