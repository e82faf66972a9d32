"""Engine options where users set them: the territory file's and the scenario file's [flood] / [heat] tables and
`twin run --set`, in one order of precedence (twin.engines.merge_options), each refused with its field named."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import write_heatwave_scenario, write_territory_folder

from twin.cli import main
from twin.engines import merge_options
from twin.errors import ScenarioError
from twin.scenario import load_scenario


def _parameters(out):
    return json.loads((out / "provenance.json").read_text(encoding="utf-8"))["parameters"]


def test_later_places_win_and_nested_tables_merge_key_by_key():
    merged = merge_options(
        {"flood": {"edges": {"west": "closed", "east": "closed"}, "precision": "float32"}},
        {"flood": {"edges": {"east": "free"}}, "heat": {"steps_per_day": 12}},
        None,
        {"heat": {"steps_per_day": 48}},
    )
    assert merged == {
        "flood": {"edges": {"west": "closed", "east": "free"}, "precision": "float32"},
        "heat": {"steps_per_day": 48},
    }


def test_the_territory_file_the_scenario_and_set_reach_the_engines_in_that_order(tmp_path):
    territory = write_territory_folder(
        tmp_path / "t", toml_extra='[heat]\nsteps_per_day = 12\nnight_hour = 22\n[flood]\nedges = { west = "closed" }'
    )
    scenario = write_heatwave_scenario(tmp_path, territory, "[heat]\nday_hour = 14\nuhi_day_ratio = 0.2\n")
    out = tmp_path / "run"
    flags = ["--set", "heat.uhi_day_ratio=0.1", "--set", "flood.edges.east=closed"]
    result = CliRunner().invoke(main, ["-q", "run", str(scenario), "--out", str(out), *flags])
    assert result.exit_code == 0, result.output
    heat, flood = _parameters(out)["heat"], _parameters(out)["flood"]
    assert heat["steps_per_day"] == 12 and heat["night_hour"] == 22  # the territory file's
    assert heat["day_hour"] == 14  # the scenario's
    assert heat["uhi_day_ratio"] == 0.1  # --set over the scenario's 0.2
    assert flood["edges"] == {"west": "closed", "east": "closed"}  # merged key by key
    assert flood["precision"] == "float32"  # twin run's own default, under the files
    nc = __import__("xarray").open_dataset(out / "events" / "canicule" / "hazard.nc")
    assert nc.sizes["time"] == 12  # the engine ran with them
    nc.close()


def test_a_scenario_extends_its_parents_options_and_overrides_them(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text('name = "p"\ntitle = "P"\n[heat]\nsteps_per_day = 12\nday_hour = 14\n', encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('name = "c"\ntitle = "C"\nextends = "parent.toml"\n[heat]\nday_hour = 16\n', encoding="utf-8")
    assert load_scenario(child).heat == {"steps_per_day": 12, "day_hour": 16}


def test_a_bad_option_names_its_place_field_and_allowed_values(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "b"\ntitle = "B"\n[heat]\nmode = "fast"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.toml.*heat.*mode.*'default'.*'invest'.*'fast'"):
        load_scenario(bad)
    scenario = write_heatwave_scenario(tmp_path, write_territory_folder(tmp_path / "t"))
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(tmp_path / "o"), "--set",
                                       "flood.edges.east=open"])  # fmt: skip
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--set" in result.output and "edges" in result.output and "'closed'" in result.output, result.output
    assert "'open'" in result.output
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(tmp_path / "o"), "--set", "steps=4"])
    assert result.exit_code == 2 and "ENGINE.OPTION=VALUE" in result.output


def test_a_territory_files_bad_option_is_refused_with_the_file_named(tmp_path):
    territory = write_territory_folder(tmp_path / "t", toml_extra="[heat]\nsteps_per_day = 1000\n")
    scenario = write_heatwave_scenario(tmp_path, territory)
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "territory.toml" in result.output and "steps_per_day" in result.output and "1000" in result.output


def test_options_that_only_fit_together_are_checked_once_merged(tmp_path):
    # 12 steps a day from the territory file: the default day_hour 15 is not a step's hour, and no place sets one
    territory = write_territory_folder(tmp_path / "t", toml_extra="[heat]\nsteps_per_day = 12\nnight_hour = 22\n")
    result = CliRunner().invoke(
        main, ["run", str(write_heatwave_scenario(tmp_path, territory)), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "engine options" in result.output and "day_hour must be one of the steps' hours" in result.output
