"""The quality of error messages: each bad input names the file, the field and the value.

One test per case of the foundation's acceptance list, plus the CLI contract
(one line on stderr, exit code 1, never a traceback).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from click.testing import CliRunner
from conftest import L93, X0, Y0, write_raster, write_territory_folder
from shapely.geometry import box

from twin.cli import main
from twin.errors import (
    CRSError,
    DataSourceError,
    MissingFileError,
    TerritoryError,
    TerritoryFileError,
    TwinError,
    TwinWarning,
)
from twin.sources import load_territory


def _swap_source(toml, old: str, new: str):
    toml.write_text(toml.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return toml


def test_missing_territory_file_names_the_path(tmp_path):
    with pytest.raises(MissingFileError, match=re.escape(str(tmp_path / "nope.toml")) + ": territory file not found"):
        load_territory(tmp_path / "nope.toml")


def test_missing_source_file_names_the_path(tmp_path):
    toml = _swap_source(write_territory_folder(tmp_path), '"dem.tif"', '"missing_dem.tif"')
    with pytest.raises(MissingFileError, match=r"missing_dem\.tif: raster not found"):
        load_territory(toml)


def test_raster_without_crs_is_refused_until_declared(tmp_path):
    toml = write_territory_folder(tmp_path)
    dem = np.full((40, 60), 50.0, dtype="float32")
    write_raster(tmp_path / "nocrs.asc", dem, crs=None, transform=Affine(5, 0, X0, 0, -5, Y0 + 200), driver="AAIGrid")
    _swap_source(toml, 'paths = ["dem.tif"]', 'paths = ["nocrs.asc"]')
    with pytest.raises(CRSError, match=r"nocrs\.asc: raster has no CRS; set `crs = \"EPSG:\.\.\.\"`"):
        load_territory(toml)
    _swap_source(toml, 'paths = ["nocrs.asc"]', 'paths = ["nocrs.asc"]\ncrs = "EPSG:2154"')
    assert load_territory(toml)["elevation"].max() == 50.0


def test_source_outside_the_grid_is_refused(tmp_path):
    toml = write_territory_folder(tmp_path)
    far = np.full((40, 60), 50.0, dtype="float32")
    write_raster(tmp_path / "far.tif", far, crs=L93, transform=Affine(5, 0, X0 + 50_000, 0, -5, Y0 + 200))
    _swap_source(toml, 'path = "lc.tif"', 'path = "far.tif"')
    with pytest.raises(DataSourceError, match=r"far\.tif: extent must be overlapping the grid .*, got \(481000\.0"):
        load_territory(toml)


def test_buildings_with_neither_height_nor_floors_are_refused(tmp_path):
    b = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50)], crs=L93)
    toml = write_territory_folder(tmp_path, buildings=b)
    _swap_source(toml, 'columns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }', "")
    with pytest.raises(
        DataSourceError,
        match=r"buildings\.gpkg: buildings must be given a 'height' \(m\) or a 'floors' "
        r"column .*, got \['name'\]",
    ):
        load_territory(toml)


def test_buildings_with_a_row_lacking_both_are_refused_by_row(tmp_path):
    b = gpd.GeoDataFrame(
        {"HAUTEUR": [10.0, None], "NB_ETAGES": [3, None], "USAGE1": ["Résidentiel"] * 2},
        geometry=[box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50), box(X0 + 100, Y0 + 20, X0 + 120, Y0 + 50)],
        crs=L93,
    )
    toml = write_territory_folder(tmp_path, buildings=b)
    with pytest.raises(DataSourceError, match=r"got '1 without, first at row 1'"):
        load_territory(toml)


def test_dem_holes_are_filled_with_a_warning_that_counts_them(tmp_path):
    toml = write_territory_folder(tmp_path)
    import rasterio

    with rasterio.open(tmp_path / "dem.tif") as src:
        dem, transform = src.read(1), src.transform
    dem[10:13, 20:24] = -9999.0
    write_raster(tmp_path / "dem.tif", dem, crs=L93, transform=transform, nodata=-9999.0)
    with pytest.warns(TwinWarning, match=r"elevation: filled 12 cells without data"):
        t = load_territory(toml)
    filled = t["elevation"][10:13, 20:24]
    assert np.all(
        (filled > dem[9:14, 19:25][dem[9:14, 19:25] > 0].min() - 1e-3) & (filled < dem[9:14, 19:25].max() + 1e-3)
    )  # filled from neighbours, within their range
    _swap_source(toml, 'paths = ["dem.tif"]', 'paths = ["dem.tif"]\nnodata = "error"')
    with pytest.raises(DataSourceError, match=r"dem\.tif: elevation must be complete .*got '12 cells without data'"):
        load_territory(toml)


def test_unknown_land_cover_code_is_named_with_the_table(tmp_path):
    toml = write_territory_folder(tmp_path)
    lc = np.full((40, 60), 6, dtype="uint8")
    lc[0, 0] = 42
    write_raster(tmp_path / "lc.tif", lc, crs=L93, transform=Affine(5, 0, X0, 0, -5, Y0 + 200))
    with pytest.raises(
        DataSourceError,
        match=r"lc\.tif: land-cover codes must be codes of the table .*landcover\.csv "
        r"\[1, 2, 3, 4, 5, 6, 7, 8, 9\], got 'unknown codes \[42\]'",
    ):
        load_territory(toml)


def test_typo_in_territory_file_names_the_field(tmp_path):
    toml = _swap_source(write_territory_folder(tmp_path), "[sites]", "[sites]\nkolumns = {}")
    with pytest.raises(TerritoryFileError, match=r"territory\.toml: sites\.kolumns: Extra inputs are not permitted"):
        load_territory(toml)


def test_invalid_toml_names_the_file_and_line(tmp_path):
    toml = tmp_path / "territory.toml"
    toml.write_text('name = "x"\n[elevation\n', encoding="utf-8")
    with pytest.raises(TerritoryFileError, match=r"territory\.toml: not valid TOML: .*line 2"):
        load_territory(toml)


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(TerritoryFileError, match=r"territory: name must be one of \['demo'\] or a path, got 'demoo'"):
        load_territory("demoo")


def test_unknown_site_kind_is_named(tmp_path):
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame(
        {"name": ["x"], "kind": ["stadium"]}, geometry=gpd.points_from_xy([X0 + 5], [Y0 + 5]), crs=L93
    ).to_file(tmp_path / "sites.gpkg")
    with pytest.raises(DataSourceError, match=r"sites\.gpkg: sites 'kind' must be one of \[.*\].*, got \['stadium'\]"):
        load_territory(toml)


def test_territory_validation_lists_every_problem(tiny):
    broken = tiny.with_layers(elevation=np.full(tiny.grid.shape, np.nan), tree_canopy=np.full(tiny.grid.shape, 2.0))
    with pytest.raises(TerritoryError) as info:
        broken.check()
    assert len(info.value.problems) == 2
    assert "layer 'elevation': values must be finite, got 600 NaN/inf cells" in info.value.problems
    assert "layer 'tree_canopy': values must be within [0.0, 1.0] 1, got [2.0, 2.0]" in info.value.problems


def test_errors_subclass_a_builtin_too():
    assert issubclass(DataSourceError, ValueError) and issubclass(MissingFileError, FileNotFoundError)
    assert all(issubclass(e, TwinError) for e in (CRSError, TerritoryError, TerritoryFileError))


def test_cli_prints_one_line_and_exits_1_without_traceback(tmp_path):
    result = CliRunner().invoke(main, ["info", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'nope.toml'}: territory file not found"
    assert "Traceback" not in result.output
