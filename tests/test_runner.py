"""runner.run and the results folder: layout, provenance, atomic writes, reuse, and reading back."""

from __future__ import annotations

import json

import numpy as np
import pyogrio
import pytest
import rasterio
import xarray as xr
from conftest import HEATWAVE_2019

from twin.engines import ENGINES
from twin.errors import DataSourceError, OutputError, OutputExistsError, ScenarioError
from twin.flood.model import FloodParams
from twin.impacts import expected_annual_damage
from twin.results import layer_name, load_run
from twin.runner import run
from twin.scenario import read_scenario_file
from twin.scenario.io import scenario_hash, with_rainfall_statistics
from twin.scenario.models import Scenario

FAST = FloodParams(frame_interval_s=300.0)


def _storm(name: str, years: float) -> dict:
    return {"kind": "design_storm", "name": name, "return_period_years": years, "duration_min": 15, "after_min": 5}


def _scenario(**extra) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "green-sud",
            "title": "Trees in Sud",
            "cost_eur": 50_000.0,
            "measures": [{"type": "tree_planting", "district": "Sud", "canopy_fraction": 0.5}],
            "events": [HEATWAVE_2019, _storm("storm-10y", 10), _storm("storm-100y", 100)],
        }
        | extra
    )


@pytest.fixture(scope="module")
def written(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "green-sud"
    stages = []
    result = run(
        _scenario(), out=out, territory=tiny, params={"flood": FAST}, progress=lambda s, f: stages.append((s, f))
    )
    return result, out, stages


def test_the_folder_holds_every_documented_file_and_qgis_readable_maps(written):
    result, out, _ = written
    assert result.folder == out
    for name in ("indicators.json", "provenance.json", "scenario.toml", "impacts.gpkg"):
        assert (out / name).is_file(), name
    heat, flood = ENGINES["heat"].key_maps, ENGINES["flood"].key_maps
    for event, maps in (("heatwave-2019", heat), ("storm-10y", flood), ("storm-100y", flood)):
        for var in maps:
            with rasterio.open(out / "events" / event / f"{var}.tif") as src:
                assert src.crs.to_epsg() == 2154 and src.shape == (20, 30)
        with xr.open_dataset(out / "events" / event / "hazard.nc") as ds:
            assert "spatial_ref" in ds.variables
    layers = {name for name, _ in pyogrio.list_layers(out / "impacts.gpkg")}
    assert layer_name("buildings", "storm-10y") in layers and layer_name("sites", "heatwave-2019") in layers
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no partial folder left


def test_provenance_traces_the_scenario_the_territory_the_version_and_the_timings(written, tiny):
    result, out, _ = written
    prov = json.loads((out / "provenance.json").read_text())
    # what ran: the storms with the territory's rainfall statistics, whose content the hash includes
    assert prov["scenario"]["sha256"] == scenario_hash(with_rainfall_statistics(_scenario(), tiny.rainfall_statistics))
    assert prov["scenario"]["sha256"] != scenario_hash(_scenario())
    assert prov["territory"]["sha256_before_measures"] == tiny.content_hash()
    assert prov["territory"]["sha256_after_measures"] == result.territory.content_hash() != tiny.content_hash()
    assert prov["twin_version"] and prov["parameters"]["flood"]["frame_interval_s"] == 300.0
    stages = set(prov["timings_s"])
    assert {"load", "measures", "write", "heatwave-2019: simulate", "storm-100y: impacts"} <= stages
    balance = prov["events"]["storm-10y"]["mass_balance"]
    assert abs(balance["relative_error"]) < 1e-6
    # the written scenario reads back as the one that ran
    assert read_scenario_file(out / "scenario.toml").measures == _scenario().measures


def test_indicators_read_back_equal_and_ead_integrates_the_two_storms(written):
    result, out, _ = written
    record = load_run(out)
    assert record.name == "green-sud" and record.scenario["cost_eur"] == 50_000.0
    assert len(record.indicators) == len(result.indicators)
    damages = {t: record.value("flood.damage_eur", event=f"storm-{t}y") for t in (10, 100)}
    assert record.value("flood.expected_annual_damage_eur") == pytest.approx(
        expected_annual_damage({10.0: damages[10], 100.0: damages[100]}), rel=1e-12
    )
    assert record.measures[0]["type"] == "tree_planting" and record.measures[0]["area_m2"] > 0
    values, units = record.read_map("storm-100y", "max_depth")
    assert units == "m" and np.nanmax(values) > 0


def test_progress_names_each_stage_and_floods_report_fractions(written):
    _, _, stages = written
    names = [s for s, _ in stages]
    assert any("applying 1 measures" in s for s in names)
    fractions = [f for s, f in stages if s.endswith("storm-10y: flood") and f is not None]
    assert fractions[0] == 0.0 and fractions == sorted(fractions) and fractions[-1] > 0.9


def test_an_existing_folder_is_refused_before_any_work_and_replaced_with_overwrite(written, tiny):
    _, out, _ = written
    before = (out / "provenance.json").read_text()
    with pytest.raises(OutputExistsError, match="green-sud"):
        run(_scenario(), out=out, territory=tiny, params={"flood": FAST}, progress=pytest.fail)
    assert (out / "provenance.json").read_text() == before
    run(_scenario(events=[HEATWAVE_2019]), out=out, overwrite=True, territory=tiny)
    assert [e["name"] for e in load_run(out).events] == ["heatwave-2019"]


def test_a_failure_while_writing_leaves_no_folder_behind(tiny, tmp_path, monkeypatch):
    import twin.results

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(twin.results, "write_netcdf", disk_full)
    with pytest.raises(OutputError, match=r"run: the results could not be written: No space left on device"):
        run(_scenario(events=[HEATWAVE_2019]), out=tmp_path / "run", territory=tiny)
    assert list(tmp_path.iterdir()) == []


def test_a_second_run_reuses_an_unchanged_flood_and_says_why(tiny, written):
    first, _, _ = written
    cool = _scenario(
        name="cool-roofs",
        measures=[{"type": "cool_roofs", "buildings": {"use": "residential"}, "albedo": 0.7}],
        events=[_storm("storm-10y", 10)],
    )
    second = run(cool, territory=tiny, params={"flood": FAST}, reuse=[first])
    # trees change the canopy, which the flood engine does not read; cool roofs only the albedo
    assert second.events["storm-10y"].reused == {
        "scenario": "green-sud",
        "reason": "the measures change none of the flood inputs",
    }
    assert second.provenance["events"]["storm-10y"]["reused_from"]["scenario"] == "green-sud"
    computed = run(cool, territory=tiny, params={"flood": FAST})
    for var in ("max_depth", "max_velocity", "depth"):
        np.testing.assert_array_equal(second.events["storm-10y"].hazard[var], computed.events["storm-10y"].hazard[var])
    other = run(cool, territory=tiny, params={"flood": FloodParams(manning_multiplier=1.5)}, reuse=[first])
    assert other.events["storm-10y"].reused is None  # other parameters: computed again
    wetter = Scenario.model_validate(cool.model_dump() | {"climate": {"rain_multiplier": 1.2}})
    rainier = run(wetter, territory=tiny, params={"flood": FAST}, reuse=[first])
    assert rainier.events["storm-10y"].reused is None  # another climate: computed again


def test_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path):
    with pytest.raises(DataSourceError, match=r"indicators\.json must be present in a run folder"):
        load_run(tmp_path)


def test_a_set_refuses_two_scenarios_with_one_name_before_any_work(tmp_path):
    from twin.datasets import scenarios_dir
    from twin.runset import run_set

    copy = tmp_path / "again.toml"
    copy.write_text((scenarios_dir() / "baseline.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"scenario names must be unique in a set .*\['baseline'\]"):
        run_set([scenarios_dir() / "baseline.toml", copy], out=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()


def test_runs_written_by_the_runner_compare_and_report_as_written(written, tiny, tmp_path):
    """The fast end-to-end path: run -> folder -> load_run -> compare -> comparison folder and report."""
    from twin.compare import compare, write_comparison

    _, green_folder, _ = written
    base = run(_scenario(name="today", cost_eur=0.0, measures=[]), out=tmp_path / "today", territory=tiny)
    green, today = load_run(green_folder), load_run(base.folder)
    comparison = write_comparison(compare([green], baseline=today), tmp_path / "cmp", lang="fr")
    table = comparison.table
    for key, event in (("land.canopy_share", None), ("heat.people_strong_stress", "heatwave-2019")):
        row = table.loc[(key, event)] if event else table[table.index.get_level_values(0) == key].iloc[0]
        assert row["Δ green-sud"] == pytest.approx(row["green-sud"] - row["today"], abs=1e-12)
    assert table[table.index.get_level_values(0) == "land.canopy_share"]["Δ green-sud"].iloc[0] > 0
    delta, _ = load_run(green_folder).read_map("heatwave-2019", "utci")
    written_delta = rasterio.open(comparison.diffs[("green-sud", "heatwave-2019", "utci")]).read(1)
    np.testing.assert_allclose(written_delta, delta - today.read_map("heatwave-2019", "utci")[0], atol=1e-5)
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Trees in Sud" in page and "data:image/png;base64," in page


def test_twin_run_shows_progress_prints_the_table_and_refuses_to_overwrite(tmp_path):
    from click.testing import CliRunner

    from twin.cli import main

    scenario = tmp_path / "hot.toml"
    scenario.write_text(
        'schema_version = 1\nname = "hot"\ntitle = "A hot day on the demo"\n\n[[events]]\nkind = "heatwave"\n'
        'name = "hot-day"\ndate = 2022-07-12\nmax_air_temperature_c = 29.0\nmin_air_temperature_c = 17.0\n',
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "hot: hot-day: heat" in result.stderr and "hot: writing" in result.stderr
    assert "residents in strong heat stress or worse" in result.stdout and f"results in {out}" in result.stdout
    assert load_run(out).value("heat.people_strong_stress", event="hot-day") > 0
    again = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out)])
    assert again.exit_code == 1 and again.stderr.count("\n") == 1 and "pass --overwrite" in again.stderr


def test_provenance_names_the_territory_file_the_run_was_made_from(tmp_path):
    """The territory's source in provenance.json is the territory file it was read from (it was always "": the
    runner read a key the sources never write; issue 18)."""
    from conftest import write_territory_folder

    territory_file = write_territory_folder(tmp_path / "town")
    plan = tmp_path / "plan.toml"
    plan.write_text(f'name = "plan"\ntitle = "Plan"\nterritory = "{territory_file.as_posix()}"\n', encoding="utf-8")
    run(plan, out=tmp_path / "out")
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["territory"]["source"] == str(territory_file)
