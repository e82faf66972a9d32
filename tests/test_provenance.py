"""Provenance of every input: each run's provenance.json lists the files it was made from with their SHA-256, the
report shows them, and the run folder holds the layers its measures changed (issue 18, item 7)."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pytest
import rasterio
from conftest import L93, X0, Y0, write_territory_folder
from shapely.geometry import box

from twin.results import TERRITORY_MAPS, load_run
from twin.runner import run, scenario_inputs
from twin.scenario import read_scenario_file
from twin.sources import source_files


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_plan(folder, territory_file, *, measures: str = "") -> object:
    """A scenario file on ``territory_file`` with cool roofs over a zone file (and ``measures`` besides)."""
    gpd.GeoDataFrame({"name": ["all"]}, geometry=[box(X0, Y0, X0 + 300, Y0 + 200)], crs=L93).to_file(
        folder / "zone.geojson"
    )
    plan = folder / "plan.toml"
    plan.write_text(
        f'name = "plan"\ntitle = "Plan"\nterritory = "{territory_file.as_posix()}"\n'
        '[[measures]]\ntype = "cool_roofs"\narea = "zone.geojson"\nalbedo = 0.7\n' + measures,
        encoding="utf-8",
    )
    return plan


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A territory of files, a plan with a zone file, and its run folder."""
    root = tmp_path_factory.mktemp("provenance")
    territory_file = write_territory_folder(root / "town")
    plan = write_plan(root, territory_file)
    run(plan, out=root / "out")
    return root, territory_file, plan


def test_provenance_lists_every_input_file_with_its_sha256(town):
    root, territory_file, plan = town
    prov = json.loads((root / "out" / "provenance.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in prov["inputs"]}
    expected = [*source_files(territory_file), plan, root / "zone.geojson"]
    assert set(listed) == {str(p.resolve()) for p in expected}  # every file, and nothing else
    for p in expected:
        assert listed[str(p.resolve())]["sha256"] == sha256(p)  # hashlib's own digest of the file
    roles = {f["role"] for f in prov["inputs"]}
    assert {"territory file", "elevation", "land cover", "land-cover table", "buildings"} <= roles
    assert "rainfall statistics" in roles
    assert {"scenario file", "measure 1 (cool_roofs): area"} <= roles
    territory = prov["territory"]
    assert territory["land_cover_table"].endswith("landcover.csv")
    assert any(note.startswith("elevation:") for note in territory["notes"])  # the loading notes


def test_a_changed_source_file_changes_its_hash(town, tmp_path):
    _, territory_file, _ = town
    copy = write_territory_folder(tmp_path / "town")
    with rasterio.open(copy.parent / "dem.tif", "r+") as dem:
        dem.write(dem.read(1) + 1.0, 1)
    plan = write_plan(tmp_path, copy)
    run(plan, out=tmp_path / "out")
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text(encoding="utf-8"))
    by_name = {f["path"].rsplit("/", 1)[-1]: f["sha256"] for f in prov["inputs"]}
    assert by_name["dem.tif"] == sha256(copy.parent / "dem.tif") != sha256(territory_file.parent / "dem.tif")
    assert by_name["buildings.gpkg"] == sha256(copy.parent / "buildings.gpkg")


def test_the_run_folder_holds_the_layers_the_measures_changed(town):
    root, _, _ = town
    prov = json.loads((root / "out" / "provenance.json").read_text(encoding="utf-8"))
    changed = prov["territory"]["changed_layers"]
    assert "albedo" in changed and "elevation" not in changed  # cool roofs change the roofs' albedo only
    record = load_run(root / "out")
    for name in {*TERRITORY_MAPS, *changed}:
        with rasterio.open(root / "out" / "territory" / f"{name}.tif") as src:
            assert src.crs.to_epsg() == 2154 and src.shape == (40, 60)
    with rasterio.open(root / "out" / "territory" / "albedo.tif") as src:
        albedo = src.read(1)
    assert albedo.max() == pytest.approx(0.7)  # the new roofs, as the run saw them
    assert record.provenance["territory"]["changed_layers"] == changed


def test_event_files_are_listed_with_their_roles(tmp_path):
    weather = tmp_path / "hot.epw"
    weather.write_text("not read here\n", encoding="utf-8")
    rain = tmp_path / "rain.csv"
    rain.write_text("time_min,intensity_mm_per_h\n0,10\n30,0\n", encoding="utf-8")
    plan = tmp_path / "events.toml"
    plan.write_text(
        'name = "events"\ntitle = "Events"\n'
        '[[events]]\nkind = "heatwave"\nname = "hot"\ndate = 2019-07-25\nweather_file = "hot.epw"\n'
        '[[events]]\nkind = "rain_series"\nname = "rain"\nseries_file = "rain.csv"\n',
        encoding="utf-8",
    )
    inputs = scenario_inputs(read_scenario_file(plan), plan)
    assert [(f["role"], f["sha256"]) for f in inputs] == [
        ("scenario file", sha256(plan)),
        ("event hot: weather_file", sha256(weather)),
        ("event rain: series_file", sha256(rain)),
    ]


def test_the_report_shows_each_input_file_its_short_hash_and_role(town, tmp_path):
    from twin.compare import compare, write_comparison

    root, territory_file, _ = town
    base = tmp_path / "base.toml"
    base.write_text(f'name = "base"\ntitle = "Today"\nterritory = "{territory_file.as_posix()}"\n', encoding="utf-8")
    run(base, out=tmp_path / "base")
    write_comparison(compare([load_run(root / "out")], baseline=load_run(tmp_path / "base")), tmp_path / "cmp")
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    prov = json.loads((root / "out" / "provenance.json").read_text(encoding="utf-8"))
    for f in prov["inputs"]:
        name = f["path"].rsplit("/", 1)[-1]
        assert f"<td>{name}</td>" in page and f["path"] not in page  # the file's name, never the server's folder
        assert f'<span class="hash" title="{f["sha256"]}">{f["sha256"][:12]}</span>' in page
    assert "measure 1 (cool_roofs): area" in page and "rainfall statistics" in page
    assert "albedo" in page  # the layers the measures changed
