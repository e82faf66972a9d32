"""The `twin` command line: fast help, info, export, and its manners with existing outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import rasterio
from click.testing import CliRunner
from conftest import L93, SUD, X0, Y0, people_without_buildings, table_rows, write_districts, write_territory_folder
from shapely.geometry import box

from twin.cli import main

HEAVY = ("numba", "pyvista", "rasterio", "geopandas", "xarray")


def test_help_imports_no_heavy_module():
    code = (
        "import sys\nfrom twin.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Commands:" in out and "info" in out
    assert out.strip().splitlines()[-1] == "[]"


def test_info_prints_grid_layers_buildings_people_and_sites(tmp_path):
    result = CliRunner().invoke(main, ["info", str(write_territory_folder(tmp_path))])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Grid: 60 x 40 cells of 5 m, EPSG:2154" in out
    rows = table_rows(out)
    assert rows["elevation"][0] == "m" and rows["soil_ks"][0] == "m s-1"  # layers with their units
    assert "Buildings: 2 (industrial 1, residential 1)" in out
    assert "Population: 120 residents in 2 districts; 120 placed on the grid, 120 of them in homes" in out
    assert "Warning" not in out
    assert "Sensitive sites: school 1" in out
    assert "Land cover: table preset twin (" in out and "landcover.csv); road 8.3 %, grass 91.7 %" in out  # 5 of 60
    assert "Land-cover classes by role: water: water; building: building; grass: grass" in out
    assert "heights from floors" in out  # says what it did to the sources


def test_info_warns_when_residents_of_the_districts_live_in_no_building(tmp_path):
    # Only an industrial building and no residential land (grass and road): the 120 residents of the districts have
    # no home on the grid, and no indicator would count them (issue 18: "75 000 residents" printed while the
    # population layer is 0).
    works = gpd.GeoDataFrame(
        {"height": [9.0], "use": ["industrial"]}, geometry=[box(X0 + 100, Y0 + 100, X0 + 160, Y0 + 140)], crs=L93
    )
    toml = write_territory_folder(tmp_path, buildings=works)
    mapping = 'columns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }'
    toml.write_text(toml.read_text().replace(mapping, ""))
    result = CliRunner().invoke(main, ["info", str(toml)])
    assert result.exit_code == 0, result.output
    assert "120 residents in 2 districts; 0 placed on the grid, 0 of them in homes" in result.output
    assert "Warning: 120 residents of the districts are not placed on the grid" in result.output
    lost = "population: district 'Nord' has no residential building and no residential land cover (none on the grid)"
    assert f"warning: {lost}" in result.output and f"  - {lost}" in result.output  # a warning, and in the notes


def test_info_says_where_residents_without_buildings_went(tmp_path):
    # No buildings: Nord's 120 residents on its gardens, Sud's 45 on its roof cells, Nord cut in half by the grid's
    # west edge (so 60 kept, by area: the land cover covers the grid only).
    toml = people_without_buildings(tmp_path)
    write_districts(tmp_path, [("Nord", 120, box(X0 - 300, Y0, X0 + 300, Y0 + 100)), ("Sud", 45, SUD)])
    result = CliRunner().invoke(main, ["info", str(toml)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Population: 165 residents in 2 districts; 105 placed on the grid, 0 of them in homes" in out
    assert "Warning: 60 residents of the districts are not placed on the grid" in out
    spread = "population: district 'Sud' has no residential building on the grid; its 45 residents are spread over"
    assert f"warning: {spread}" in out and f"  - {spread}" in out
    assert "  - population: district 'Nord' is cut by the grid: 50.0% of its residents kept, by its area" in out
    assert "its 60 residents are spread over its 0.50 ha of residential land cover (200 cells)" in out


def test_info_json_is_machine_readable(tmp_path):
    result = CliRunner().invoke(main, ["info", "--json", str(write_territory_folder(tmp_path))])
    data = json.loads(result.output)
    assert data["population"]["total"] == 120 and data["grid"]["crs"] == "EPSG:2154"


def test_export_writes_files_qgis_opens_and_refuses_to_overwrite(tmp_path):
    toml = write_territory_folder(tmp_path / "src")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", str(toml), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with rasterio.open(out / "layers" / "manning_n.tif") as src:
        assert src.crs.to_epsg() == 2154 and src.tags()["units"] == "s m-1/3"
    with rasterio.open(f"netcdf:{out / 'territory.nc'}:elevation") as src:
        assert src.crs.to_epsg() == 2154 and src.shape == (40, 60)
    assert gpd.read_file(out / "vectors.gpkg", layer="buildings").crs.to_epsg() == 2154
    again = CliRunner().invoke(main, ["export", str(toml), "--out", str(out)])
    assert again.exit_code == 1
    assert again.output.startswith("error: ") and "already exists; pass --overwrite" in again.output
    assert CliRunner().invoke(main, ["export", str(toml), "--out", str(out), "--overwrite"]).exit_code == 0


def test_verbose_logs_what_is_done_and_quiet_says_nothing_but_the_result(tmp_path):
    folder = str(write_territory_folder(tmp_path))
    loud = CliRunner().invoke(main, ["-v", "info", folder])
    assert loud.exit_code == 0, loud.output
    assert "INFO twin.sources: territory.toml: " in loud.stderr  # the notes on putting the sources on the grid
    plain = CliRunner().invoke(main, ["info", folder])
    assert "INFO" not in plain.stderr
    quiet = CliRunner().invoke(main, ["-q", "info", folder])
    assert quiet.exit_code == 0 and quiet.stderr == "" and "Grid: 60 x 40 cells" in quiet.stdout
