"""InVEST's energy savings wired into runs: the heat option ``energy_table`` (and ``energy_area``), the
``heat.energy_saved_kwh`` / ``_eur`` indicators, and the shipped table (data/energy.csv).

Tiny territory (twin.testing.tiny_territory): B1 (20 m × 20 m, 3 floors) and B2 (20 m × 30 m, 6 floors),
residential, in Sud (rows 10-19); B3 (30 m × 20 m, 2 floors, commercial) and B4 (20 m × 20 m, 2 floors,
residential) in Nord (rows 0-9).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from conftest import HEATWAVE_2019, write_heatwave_scenario, write_territory_folder

from twin.cli import main
from twin.compare import compare, write_comparison
from twin.datasets import data_dir
from twin.errors import DataSourceError, MissingFileError, ScenarioError
from twin.heat import valuation
from twin.heat.event import Heatwave
from twin.heat.model import HeatParams, simulate
from twin.impacts import heat_impacts
from twin.results import load_run
from twin.scenario import load_scenario

SUD, NORD = slice(10, 20), slice(0, 10)
TABLE = "type,consumption,cost,source\nresidential,0.01,0.2,test\ncommercial,0.02,0.3,test\n"


def values(impacts, key: str) -> dict:
    return {i.district: i.value for i in impacts.indicators if i.key == key}


def _results(territory, params: dict, *, t_ref: float, t_air: np.ndarray, magnitude: np.ndarray) -> xr.Dataset:
    """Heat results as the impacts read them, by hand: uniform 35 °C UTCI, the day's T_air and UHI magnitude maps,
    T_ref at day_hour and the options of the run."""
    shape = territory.grid.shape
    coords = {"y": territory.layers["y"].values, "x": territory.layers["x"].values}
    ds = xr.Dataset({k: (("y", "x"), np.full(shape, 35.0)) for k in ("utci", "uhi_day", "uhi_night")}, coords=coords)
    ds["t_air_min_night"] = (("y", "x"), np.full(shape, 18.0))
    ds["utci_hourly"] = (("time", "y", "x"), np.full((24, *shape), 35.0))
    ds["t_air_hourly"] = (("time", "y", "x"), np.full((24, *shape), 30.0))
    ds["t_air_day"] = (("y", "x"), np.asarray(t_air, np.float32))
    ds["uhi_magnitude_day"] = (("y", "x"), np.asarray(magnitude, np.float32))
    ds.attrs.update(params=json.dumps(params), t_ref_day_c=t_ref)
    return ds.assign_coords(local_hour=("time", np.arange(24.0)), relative_humidity=("time", np.full(24, 40.0)))


def _by_district(tiny, tmp_path, *, area: str, table: str = TABLE):
    """T_ref 30 °C and UHI_max 2 K; T_air 31 °C over Sud and 30.5 °C over Nord: 1 K saved in Sud, 1.5 K in Nord."""
    path = tmp_path / "energy.csv"
    path.write_text(table, encoding="utf-8")
    t_air = np.empty(tiny.grid.shape)
    t_air[SUD], t_air[NORD] = 31.0, 30.5
    ds = _results(
        tiny, {"energy_table": str(path), "energy_area": area}, t_ref=30.0, t_air=t_air,
        magnitude=np.full(tiny.grid.shape, 2.0),
    )  # fmt: skip
    return heat_impacts(tiny, ds, event="canicule")


def test_energy_saved_per_m2_of_floor_by_hand(tiny, tmp_path):
    out = _by_district(tiny, tmp_path, area="floor")
    # kWh = consumption × footprint × floors × (T_ref + UHI_max − T_air)
    b1, b2 = 0.01 * 400 * 3 * 1.0, 0.01 * 600 * 6 * 1.0  # 12, 36
    b3, b4 = 0.02 * 600 * 2 * 1.5, 0.01 * 400 * 2 * 1.5  # 36, 12
    kwh = values(out, "heat.energy_saved_kwh")
    assert kwh == pytest.approx({None: b1 + b2 + b3 + b4, "Sud": b1 + b2, "Nord": b3 + b4}, rel=1e-6)
    eur = values(out, "heat.energy_saved_eur")
    assert eur == pytest.approx(
        {None: 0.2 * (b1 + b2 + b4) + 0.3 * b3, "Sud": 0.2 * (b1 + b2), "Nord": 0.3 * b3 + 0.2 * b4}
    )


def test_energy_saved_per_m2_of_footprint_and_no_value_without_prices(tiny, tmp_path):
    table = "type,consumption\nresidential,0.01\ncommercial,0.02\n"
    out = _by_district(tiny, tmp_path, area="footprint", table=table)
    kwh = values(out, "heat.energy_saved_kwh")
    assert kwh == pytest.approx({None: 4.0 + 6.0 + 18.0 + 6.0, "Sud": 4.0 + 6.0, "Nord": 18.0 + 6.0}, rel=1e-6)
    assert "heat.energy_saved_eur" not in {i.key for i in out.indicators}  # no price, no pretended value


def test_no_table_no_energy_indicator(tiny):
    t_air = np.full(tiny.grid.shape, 31.0)
    out = heat_impacts(tiny, _results(tiny, {}, t_ref=30.0, t_air=t_air, magnitude=t_air * 0 + 2.0), event="e")
    keys = {i.key for i in out.indicators}
    assert keys and not {k for k in keys if k.startswith("heat.energy_")}


def test_a_use_missing_from_the_table_names_the_building_and_the_table(tiny, tmp_path):
    with pytest.raises(
        DataSourceError, match=r"buildings row 3 \(id 'B3'\): use must be a type of .*energy.csv.*'commercial'"
    ):
        _by_district(tiny, tmp_path, area="floor", table="type,consumption\nresidential,0.01\n")


@pytest.fixture(scope="module")
def engine_run(tiny, tmp_path_factory):
    """The engine on the tiny territory with a table, then its impacts."""
    path = tmp_path_factory.mktemp("energy") / "energy.csv"
    path.write_text(TABLE, encoding="utf-8")
    params = HeatParams(energy_table=str(path), energy_area="floor")
    ds = simulate(tiny, Heatwave(**HEATWAVE_2019), params=params)
    return ds, heat_impacts(tiny, ds, event="canicule")


def test_the_wired_indicator_equals_the_valuation_written_out_from_the_engines_maps(tiny, engine_run):
    ds, out = engine_run
    buildings = tiny.vectors["buildings"].reset_index(drop=True)
    index = tiny["building_index"]
    consumption, price = {"residential": 0.01, "commercial": 0.02}, {"residential": 0.2, "commercial": 0.3}
    kwh, eur = {}, {}
    for k, row in buildings.iterrows():
        cells = index == k  # the building's own cells
        t_air = float(ds["t_air_day"].values[cells].astype(float).mean())
        t_max = ds.attrs["t_ref_day_c"] + float(ds["uhi_magnitude_day"].values[cells].astype(float).mean())
        kwh[row["id"]] = consumption[row["use"]] * row.geometry.area * row["floors"] * (t_max - t_air)
        eur[row["id"]] = kwh[row["id"]] * price[row["use"]]
    assert all(v > 0 for v in kwh.values())  # the buildings' cells cool a little: something is saved
    sud, nord = ("B1", "B2"), ("B3", "B4")
    expected = {None: sum(kwh.values()), "Sud": sum(kwh[b] for b in sud), "Nord": sum(kwh[b] for b in nord)}
    assert values(out, "heat.energy_saved_kwh") == pytest.approx(expected, rel=1e-5)  # float32 maps
    assert values(out, "heat.energy_saved_eur")[None] == pytest.approx(sum(eur.values()), rel=1e-5)


def test_the_day_magnitude_is_invests_uhi_max_and_t_air_stays_under_t_ref_plus_it(tiny):
    ds = simulate(tiny, Heatwave(**HEATWAVE_2019), params=HeatParams(mode="invest", uhi_max_k=2.5))
    np.testing.assert_allclose(ds["uhi_magnitude_day"].values, 2.5)
    assert (ds["t_air_day"].values <= ds.attrs["t_ref_day_c"] + 2.5 + 1e-4).all()
    assert "energy_table" in json.loads(ds.attrs["params"]) and json.loads(ds.attrs["params"])["energy_table"] is None


def test_a_bad_table_is_refused_before_the_day_is_simulated_naming_the_option_and_the_file(tiny, tmp_path):
    event = Heatwave(**HEATWAVE_2019)
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(MissingFileError, match=r"nowhere\.csv.*heat option energy_table"):
        simulate(tiny, event, params=HeatParams(energy_table=str(missing)))
    bad = tmp_path / "bad.csv"
    bad.write_text("type,consumption\nresidential,lots\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"heat option energy_table: .*bad\.csv line 2.*consumption.*lots"):
        simulate(tiny, event, params=HeatParams(energy_table=str(bad)))
    with pytest.raises(ValueError, match="energy_area"):
        HeatParams(energy_area="roof")


def test_a_scenario_names_the_table_relative_to_itself_and_a_missing_one_is_named(tmp_path):
    (tmp_path / "tables").mkdir()
    shutil.copyfile(data_dir() / "energy.csv", tmp_path / "tables" / "energy.csv")
    good = tmp_path / "good.toml"
    good.write_text('name = "g"\ntitle = "G"\n[heat]\nenergy_table = "tables/energy.csv"\n', encoding="utf-8")
    assert load_scenario(good).heat["energy_table"] == str(tmp_path / "tables" / "energy.csv")
    child = tmp_path / "sub" / "child.toml"  # inherited: still the parent's file, not one beside the child
    child.parent.mkdir()
    child.write_text('name = "c"\ntitle = "C"\nextends = "../good.toml"\n', encoding="utf-8")
    assert Path(load_scenario(child).heat["energy_table"]).resolve() == (tmp_path / "tables" / "energy.csv").resolve()
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "b"\ntitle = "B"\n[heat]\nenergy_table = "energie.csv"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.toml: heat\.energy_table: file not found, got 'energie\.csv'"):
        load_scenario(bad)


def test_a_territory_file_names_the_table_relative_to_itself_and_the_run_reports_the_savings(tmp_path):
    folder = tmp_path / "t"
    (folder / "tables").mkdir(parents=True)
    shutil.copyfile(data_dir() / "energy.csv", folder / "tables" / "energy.csv")
    territory = write_territory_folder(folder, toml_extra='[heat]\nenergy_table = "tables/energy.csv"\n')
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, ["-q", "run", str(write_heatwave_scenario(tmp_path, territory)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    parameters = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["parameters"]["heat"]
    assert parameters["energy_table"] == str(folder / "tables" / "energy.csv")
    indicators = json.loads((out / "indicators.json").read_text(encoding="utf-8"))["indicators"]
    keys = {(i["key"], i.get("district")) for i in indicators}
    assert {("heat.energy_saved_kwh", None), ("heat.energy_saved_eur", None)} <= keys
    write_comparison(compare([load_run(out)], baseline=load_run(out)), tmp_path / "cmp")
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert "energy_table=energy.csv" in page and str(tmp_path) not in page  # the file, no folder of this machine


def test_a_territory_files_missing_table_is_refused_with_the_file_and_option_named(tmp_path):
    territory = write_territory_folder(tmp_path / "t", toml_extra='[heat]\nenergy_table = "energie.csv"\n')
    result = CliRunner().invoke(
        main, ["run", str(write_heatwave_scenario(tmp_path, territory)), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "territory.toml" in result.output and "heat.energy_table" in result.output
    assert "energie.csv" in result.output


def test_the_shipped_table_covers_every_use_of_the_demo_with_a_source_and_the_demo_names_it():
    import csv
    import tomllib

    import geopandas as gpd

    table = valuation.EnergyTable.read(data_dir() / "energy.csv")
    uses = set(gpd.read_file(data_dir() / "demo" / "buildings.gpkg")["use"])
    assert uses <= set(table.types)
    with (data_dir() / "energy.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert all(row["source"].strip() for row in rows)
    assert all("illustrative" in row["source"] or "assumption" in row["source"] for row in rows)  # said plainly
    assert table.cost is not None and (table.cost > 0).all()
    demo = tomllib.loads((data_dir() / "demo" / "territory.toml").read_text(encoding="utf-8"))
    assert demo["heat"] == {"energy_table": "energy.csv", "energy_area": "floor"}
    assert (data_dir() / "demo" / "energy.csv").read_bytes() == (data_dir() / "energy.csv").read_bytes()


def test_the_tables_content_not_its_place_keys_a_scenario_and_a_territory(tmp_path):
    from twin.scenario.io import scenario_hash
    from twin.sources import source_files

    hashes = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(data_dir() / "energy.csv", folder / "energy.csv")
        path = folder / "s.toml"
        path.write_text('name = "s"\ntitle = "S"\n[heat]\nenergy_table = "energy.csv"\n', encoding="utf-8")
        hashes.append(scenario_hash(load_scenario(path)))
    assert hashes[0] == hashes[1]  # the same table in another folder: the same scenario
    (tmp_path / "b" / "energy.csv").write_text(TABLE, encoding="utf-8")
    assert scenario_hash(load_scenario(tmp_path / "b" / "s.toml")) != hashes[0]  # another table: another scenario
    assert (data_dir() / "demo" / "energy.csv") in source_files("demo")  # the territory's hash reads its table


@pytest.mark.parametrize(
    ("heat", "table", "error"),
    [
        ('energy_table = "energy.csv"\nenergy_area = "roof"', "residential,0.01\nindustrial,0.02\n",
         "territory.toml: heat: energy_area: Input should be 'footprint' or 'floor', got 'roof'"),
        ('energy_tabel = "energy.csv"', "residential,0.01\n",
         "territory.toml: heat: energy_tabel: Extra inputs are not permitted, got 'energy.csv'"),
        ('energy_table = "energy.csv"', "residential,0.01\n",
         "buildings row 2 (id 'B000001'): use must be a type of {folder}/energy.csv ['residential'], got 'industrial'"),
    ],
)
def test_validate_refuses_heat_options_the_run_would_refuse(tmp_path, heat, table, error):
    """`twin validate` checks the territory file's engine options as `twin run` takes them, and that the energy
    table covers every building use: before, these passed validation and the run stopped (the last one after the
    whole day was simulated, naming a 0-based row and no file)."""
    territory = write_territory_folder(tmp_path / "town", toml_extra=f"[heat]\n{heat}\n")
    (tmp_path / "town" / "energy.csv").write_text("type,consumption\n" + table, encoding="utf-8")
    scenario = write_heatwave_scenario(tmp_path, territory)
    result = CliRunner().invoke(main, ["validate", str(scenario)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert error.format(folder=tmp_path / "town") in result.output
