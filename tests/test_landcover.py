"""The land-cover table: parsing, checks, derivation in SI units, and its documented sources."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import HEATWAVE_2019, write_territory_folder

from twin.cli import main
from twin.datasets import data_dir
from twin.engines import ENGINES, FLOOD, HEAT, table_engines
from twin.errors import DataSourceError
from twin.flood.model import FloodParams
from twin.landcover import COLUMNS, LandCoverTable
from twin.population import residential_land
from twin.runner import run
from twin.sources import load_territory

RAWLS_1983 = {  # texture: (Ks cm/h, psi cm, effective porosity), Rawls, Brakensiek & Miller (1983)
    "sandy_loam": (1.09, 11.01, 0.412),
    "loam": (0.34, 8.89, 0.434),
    "silt_loam": (0.65, 16.68, 0.486),
}


def test_shipped_table_defines_every_column_in_range():
    t = LandCoverTable.read()
    assert t.codes.tolist() == list(range(1, 10))
    for col, (_, (lo, hi), _, _) in COLUMNS.items():
        assert np.all((t.values[col] >= lo) & (t.values[col] <= hi)), col


def test_green_ampt_defaults_are_rawls_1983_values():
    import csv

    rows = list(csv.DictReader((data_dir() / "landcover.csv").open(encoding="utf-8")))
    for row in rows:
        if row["soil_texture"] in RAWLS_1983:
            ks, psi, theta_e = RAWLS_1983[row["soil_texture"]]
            assert float(row["ks_mm_per_h"]) == pytest.approx(ks * 10, abs=0.05)
            assert float(row["psi_mm"]) == pytest.approx(psi * 10, abs=0.05)
            assert float(row["delta_theta"]) == pytest.approx(theta_e * (1 - 0.3), abs=5e-4)  # Se0 = 0.3


def test_every_column_has_its_source_documented():
    readme = (data_dir() / "README.md").read_text(encoding="utf-8")
    for needle in ("Oke", "FAO-56", "Chow", "Rawls", "TR-55", "InVEST"):
        assert needle in readme


def test_derive_converts_to_si_and_maps_each_code():
    t = LandCoverTable.read()
    codes = np.array([[1, 6], [8, 3]], dtype=np.uint8)
    layers = t.derive(codes)
    assert layers["soil_ks"][0, 1] == pytest.approx(3.4 / 3.6e6)
    assert layers["manning_n"][1, 1] == pytest.approx(0.015)
    assert layers["tree_canopy"][1, 0] == pytest.approx(0.9)
    assert all(v.dtype == np.float32 and v.shape == codes.shape for v in layers.values())


def test_unknown_codes_are_listed():
    t = LandCoverTable.read()
    assert t.unknown_codes(np.array([1, 2, 42, 0, 42])) == [0, 42]
    assert t.unknown_codes(np.array([1, 2, 255]), nodata=255) == []


def test_residential_land_is_the_tables_column_never_a_code(tmp_path):
    t = LandCoverTable.read()
    codes = np.array([[2, 7, 6], [-1, 42, 1]])  # building, garden, grass; no class, unknown code, water
    assert residential_land(codes, t).tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    assert residential_land(codes, LandCoverTable.read(_without_columns(tmp_path / "t.csv", ["residential"]))) is None
    text = (data_dir() / "landcover.csv").read_text(encoding="utf-8").replace(",none,1\n", ",none,2\n", 1)
    (tmp_path / "lc.csv").write_text(text, encoding="utf-8")
    bad = r"^\S*lc\.csv line 3: residential must be within \[0\.0, 1\.0\], got 2\.0$"  # the building row
    with pytest.raises(DataSourceError, match=bad):
        LandCoverTable.read(tmp_path / "lc.csv")


def test_bad_table_values_name_the_line_and_column(tmp_path):
    text = (data_dir() / "landcover.csv").read_text(encoding="utf-8").replace("1,water,water,0.07", "1,water,water,1.7")
    (tmp_path / "lc.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"lc\.csv line 2: albedo must be within \[0\.0, 1\.0\], got 1\.7"):
        LandCoverTable.read(tmp_path / "lc.csv")
    (tmp_path / "lc2.csv").write_text("code,albedo\n1,0.1\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"lc2\.csv: columns must be complete \(missing \['name'\]\)"):
        LandCoverTable.read(tmp_path / "lc2.csv")


# ---------------------------------------------------------------- a table with the columns of some engines only


def _flood_only_columns() -> list[str]:
    """The physical columns only the heat engine reads, by the registry: those a flood-only table leaves out."""
    return sorted(set(HEAT.landcover_columns) - set(FLOOD.landcover_columns))


def _without_columns(path, dropped: list[str]):
    """The shipped table written to ``path`` without the columns ``dropped``."""
    with (data_dir() / "landcover.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, [c for c in rows[0] if c not in dropped])
        writer.writeheader()
        writer.writerows({k: v for k, v in row.items() if k not in dropped} for row in rows)
    return path


def test_a_table_without_the_heat_columns_reads_and_leaves_their_layers_unknown(tmp_path):
    dropped = _flood_only_columns()
    # a flood reads Manning's n, the soil, the sealed share and (for the debris factor) the canopy of each class
    assert dropped == ["albedo", "crop_coefficient", "emissivity", "green_area"]
    table = LandCoverTable.read(_without_columns(tmp_path / "flood.csv", dropped))
    full = LandCoverTable.read()
    assert table.missing_columns() == dropped and FLOOD.missing_columns(table) == []
    assert table.missing_columns(HEAT.inputs) == HEAT.missing_columns(table) == dropped
    no_canopy = LandCoverTable.read(_without_columns(tmp_path / "no_canopy.csv", [*dropped, "tree_canopy_fraction"]))
    assert FLOOD.missing_columns(no_canopy) == ["tree_canopy_fraction"]
    codes = np.array([[1, 6], [8, 3]], dtype=np.uint8)
    layers, expected = table.derive(codes), full.derive(codes)
    assert set(layers) == set(expected)  # every layer, so the territory keeps its contract
    for col, (_, _, layer, _) in COLUMNS.items():
        if col in dropped:
            assert np.isnan(layers[layer]).all(), layer  # unknown, never a default
        else:
            assert np.array_equal(layers[layer], expected[layer]), layer
    assert table_engines(table) == ["flood"] and table_engines(full) == list(ENGINES) and table_engines(no_canopy) == []


@pytest.fixture
def flood_only_town(tmp_path):
    """The test town whose land-cover table has the flood engine's columns only."""
    toml = write_territory_folder(tmp_path / "town")
    _without_columns(toml.parent / "flood.csv", _flood_only_columns())
    toml.write_text(toml.read_text().replace('preset = "twin"', 'table = "flood.csv"'))
    return toml


def _scenario_file(folder, territory, event: dict):
    lines = [f"{k} = {v.isoformat() if hasattr(v, 'isoformat') else json.dumps(v)}" for k, v in event.items()]
    path = folder / f"{event['name']}.toml"
    path.write_text(
        f'name = "{event["name"]}"\ntitle = "T"\nterritory = "{territory.as_posix()}"\n[[events]]\n'
        + "\n".join(lines),
        encoding="utf-8",
    )
    return path


STORM = {"kind": "design_storm", "name": "storm", "return_period_years": 10, "duration_min": 15, "after_min": 5}


def test_a_flood_runs_on_a_table_without_the_heat_columns(flood_only_town, tmp_path):
    t = load_territory(flood_only_town)
    assert t.validate() == [] and np.isnan(t["albedo"]).all() and np.isfinite(t["manning_n"]).all()
    assert any("flood.csv has no ['albedo'" in n for n in t.provenance["notes"])
    storm = _scenario_file(tmp_path, flood_only_town, STORM)
    result = run(storm, params={"flood": FloodParams(frame_interval_s=300.0)})
    assert result.events["storm"].hazard["max_depth"].max() > 0
    land = {i.key: i.value for i in result.indicators if i.event is None and i.district is None}
    assert land["land.canopy_share"] == pytest.approx(float(t["tree_canopy"].mean()))  # known: the flood needs it
    assert math.isnan(land["land.cool_island_access_share"])  # unknown without the table's green areas, not 0


def test_a_heat_run_on_that_table_is_refused_naming_the_table_the_engine_and_the_columns(flood_only_town, tmp_path):
    heat = _scenario_file(tmp_path, flood_only_town, HEATWAVE_2019)
    expected = (
        f"{flood_only_town.parent / 'flood.csv'}: columns must be complete for the heat engine, "
        f"got \"missing {_flood_only_columns()}\""
    )
    with pytest.raises(DataSourceError) as caught:
        run(heat)
    assert str(caught.value) == expected
    result = CliRunner().invoke(main, ["run", str(heat), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1] == f"error: {expected}"
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_validate_and_info_say_what_the_table_can_feed(flood_only_town, tmp_path):
    storm, heat = (_scenario_file(tmp_path, flood_only_town, e) for e in (STORM, HEATWAVE_2019))
    result = CliRunner().invoke(main, ["validate", str(storm), str(heat)])
    assert result.exit_code == 1 and f"ok      {storm}" in result.output
    assert "flood.csv: columns must be complete for the heat engine" in result.stderr
    info = CliRunner().invoke(main, ["info", str(flood_only_town)])
    assert info.exit_code == 0, info.output
    assert f"Land-cover table: feeds flood; has no {_flood_only_columns()}" in info.stdout
    summary = json.loads(CliRunner().invoke(main, ["info", "--json", str(flood_only_town)]).stdout)
    assert summary["land_cover"]["engines"] == ["flood"] and "albedo" not in summary["layers"]
