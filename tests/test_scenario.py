"""Scenario files: the examples, round trips, inheritance, the CLI and the generated reference."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from twin.cli import main
from twin.datasets import scenarios_dir
from twin.errors import ScenarioError
from twin.measures import APPLIERS, apply_measures
from twin.scenario import load_scenario, read_scenario_file, save_scenario
from twin.scenario.models import EVENT_KINDS, MEASURE_TYPES, Scenario
from twin.scenario.reference import EXAMPLES, example, render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_FILES = sorted(scenarios_dir().glob("*.toml"))


def test_the_examples_are_there():
    names = {p.stem for p in EXAMPLE_FILES}
    assert {
        "baseline",
        "station-greening",
        "industrial-cool-roofs",
        "car-park-housing",
        "retention-upstream",
        "river-dike",
    } <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_save_then_load_gives_an_equal_model(path, tmp_path):
    model = read_scenario_file(path)
    copy = save_scenario(model, tmp_path / path.name)
    assert read_scenario_file(copy) == model


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_resolves_and_its_measures_apply_on_the_demo(path, demo_territory):
    scenario = load_scenario(path)
    assert scenario.description.strip() and scenario.title
    new, effects = apply_measures(demo_territory, scenario.measures, labels=scenario.measure_labels())
    assert len(effects) == len(scenario.measures)
    assert all(e.cells > 0 for e in effects)  # every measure changes something on the demo
    assert new.validate() == []
    if path.stem != "baseline":
        assert scenario.extends == str(path.parent / "baseline.toml")
        assert [e.name for e in scenario.events] == ["heatwave-2019", "hot-day", "storm-100y-1h", "river-flood"]


@pytest.fixture(scope="module")
def demo_territory():
    from twin.sources import load_territory

    return load_territory("demo")


def test_twin_validate_accepts_every_example():
    result = CliRunner().invoke(main, ["validate", *map(str, EXAMPLE_FILES)])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == len(EXAMPLE_FILES)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BASE = """schema_version = 1
name = "base"
title = "Base"
author = "someone"
[climate]
delta_t_c = 1.5
[[measures]]
type = "tree_planting"
district = "Centre"
canopy_fraction = 0.2
[[events]]
kind = "heatwave"
name = "hot"
date = 2019-07-25
max_air_temperature_c = 38.0
min_air_temperature_c = 20.0
[[events]]
kind = "design_storm"
name = "storm"
return_period_years = 10
duration_min = 60
"""


def test_extends_inherits_measures_and_replaces_events_by_name(tmp_path):
    _write(tmp_path / "base.toml", BASE)
    child = _write(
        tmp_path / "sub" / "child.toml",
        """name = "child"
title = "Child"
extends = "../base.toml"
[[measures]]
type = "cool_roofs"
area = "zones/roofs.geojson"
albedo = 0.6
[[events]]
kind = "heatwave"
name = "hot"
date = 2003-08-12
max_air_temperature_c = 41.0
min_air_temperature_c = 24.0
""",
    )
    _write(tmp_path / "sub" / "zones" / "roofs.geojson", '{"type": "FeatureCollection", "features": []}')
    s = load_scenario(child)
    assert [m.type for m in s.measures] == ["tree_planting", "cool_roofs"]  # inherited first
    assert [e.name for e in s.events] == ["hot", "storm"]
    assert s.events[0].max_air_temperature_c == 41.0  # replaced by name
    assert s.climate.delta_t_c == 1.5 and s.author == "someone"  # inherited when not set
    assert s.name == "child" and s.cost_eur == 0.0  # never inherited
    assert s.measures[1].area == str(tmp_path / "sub" / "zones" / "roofs.geojson")  # relative to its own file


def test_extends_cycle_is_named(tmp_path):
    _write(tmp_path / "a.toml", 'name = "a"\ntitle = "A"\nextends = "b.toml"\n')
    _write(tmp_path / "b.toml", 'name = "b"\ntitle = "B"\nextends = "a.toml"\n')
    with pytest.raises(
        ScenarioError,
        match=r"b\.toml: extends: must not form a cycle \(a\.toml -> b\.toml -> "
        r"a\.toml\), got 'a\.toml'",
    ):
        load_scenario(tmp_path / "a.toml")


def test_contract_every_measure_type_has_an_applier_docs_and_an_example():
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    used = {m["type"] for p in EXAMPLE_FILES for m in tomllib.loads(p.read_text(encoding="utf-8")).get("measures", [])}
    for kind in MEASURE_TYPES:
        assert kind in APPLIERS
        assert f"### `{kind}`" in docs
        assert kind in used, f"no example scenario uses {kind}"
        Scenario.model_validate({"name": "x", "title": "x", "measures": [example(kind)]})
    for kind in EVENT_KINDS:
        assert f"### `{kind}`" in docs
        Scenario.model_validate({"name": "x", "title": "x", "events": [example(kind)]})
    assert set(EXAMPLES) == set(MEASURE_TYPES) | set(EVENT_KINDS)


def test_the_reference_is_generated_and_documents_every_field():
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert docs == render(), "docs/scenarios.md is stale: run `make docs`"
    schema = Scenario.model_json_schema()
    for name, definition in [("Scenario", schema), *schema["$defs"].items()]:
        for field, prop in definition.get("properties", {}).items():
            assert prop.get("description") or field in ("type", "kind"), f"{name}.{field} has no description"
            assert f"| `{field}` |" in docs, f"{name}.{field} missing from docs/scenarios.md"


def test_twin_schema_prints_the_json_schema():
    result = CliRunner().invoke(main, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "Scenario" and schema["additionalProperties"] is False
    assert {"TreePlanting", "Dike", "DesignStorm", "RiverFlood"} <= set(schema["$defs"])
    territory = json.loads(CliRunner().invoke(main, ["schema", "territory"]).output)
    assert territory["title"] == "TerritoryFile"


def test_twin_show_prints_the_resolved_scenario_and_footprints():
    result = CliRunner().invoke(main, ["show", str(scenarios_dir() / "retention-upstream.toml")])
    assert result.exit_code == 0, result.output
    assert 'name = "retention-upstream"' in result.output
    assert "depth_mm = 44.75" in result.output  # 100-year, 1-hour storm: 8.7 * 60^0.4 mm (data/demo/rainfall.csv)
    assert "Basins on the hillside (retention_basin" in result.output and "volume_m3 = 5000.0" in result.output


def test_every_example_speaks_french_too():
    """The example scenarios give their title, description, measure labels and (the baseline) event titles in
    French as well (issue 20, item 16): the French page shows no English title or measure name."""
    for path in sorted(scenarios_dir().glob("*.toml")):
        scenario = load_scenario(path)
        fr = scenario.i18n["fr"]
        assert fr.title and fr.title != scenario.title and fr.description, path.name
        assert all(m.i18n["fr"].label for m in scenario.measures), path.name
        assert all(e.title and e.i18n["fr"].title for e in scenario.events), path.name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[i18n.de]\ntitle = "Heute"\n', "i18n.de"),
        ('[i18n.fr]\ntitle = "Aujourd\'hui"\nsubtitle = "x"\n', "i18n.fr.subtitle"),
        ('[i18n.fr]\ntitle = "Un \\u0000 nul"\n', "i18n.fr.title: Value error, must hold no control character"),
    ],
    ids=["unknown-language", "unknown-field", "control-character"],
)
def test_texts_in_other_languages_are_checked_like_the_others(tmp_path, text, expected):
    path = tmp_path / "plan.toml"
    path.write_text('name = "plan"\ntitle = "Plan"\n' + text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=expected.replace(".", r"\.")):
        load_scenario(path)
