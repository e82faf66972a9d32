"""The registry's contract, run over every engine: each declared output is produced with its units, dims and
dtype, and each produced output is declared; the registry's facts hold together."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from twin.engines import ENGINES, engine_for, engine_params, event_models, kinds_with_return_period
from twin.errors import ModelInputError, ScenarioError
from twin.hazards import NO_CHANGE
from twin.scenario.models import EVENT_KINDS, Scenario
from twin.specs import MAP, OutputSpec, dataset

# Options that make each engine produce its optional outputs too, on a short run.
FULL = {"heat": {"steps_per_day": 24}, "flood": {"duration_s": 600.0, "frame_interval_s": 300.0}}


def _example(model):
    """The model's own example event (the one docs/scenarios.md shows), validated as a scenario file's."""
    return Scenario.model_validate({"name": "t", "title": "t", "events": [tomllib.loads(model.example)]}).events[0]


def _standalone(engine):
    """An example event of the engine that names no file (the others need theirs)."""
    return next(_example(m) for m in engine.events if not any(f in m.example for f in m.path_fields))


@pytest.fixture(scope="module", params=list(ENGINES), ids=list(ENGINES))
def produced(request, tiny):
    engine = ENGINES[request.param]
    options = dict(FULL[engine.name])
    if engine.name == "flood":
        options["gauges"] = {"a": (float(tiny.grid.x[3]), float(tiny.grid.y[4]))}
    params = engine_params({engine.name: options})[engine.name]
    return engine, engine.run(tiny, _standalone(engine), params=params, climate=NO_CHANGE)


def test_every_declared_output_is_produced_with_its_units_dims_and_dtype(produced):
    engine, ds = produced
    for spec in engine.outputs:
        assert spec.name in ds, f"{engine.name}: {spec.name} declared, not produced"
        var = ds[spec.name]
        assert var.attrs["units"] == spec.units and var.dims == spec.dims, spec.name
        assert var.dtype == np.dtype(spec.dtype) and var.attrs["long_name"], spec.name


def test_every_produced_output_is_declared(produced):
    engine, ds = produced
    assert set(ds.data_vars) == {s.name for s in engine.outputs}


def test_a_map_is_on_the_territory_grid_with_its_crs(produced, tiny):
    engine, ds = produced
    for spec in engine.outputs:
        if spec.is_map:
            assert ds[spec.name].shape == tiny.grid.shape
    assert ds.rio.crs.to_epsg() == 2154


def test_the_registry_knows_every_event_kind_once():
    kinds = [k for e in ENGINES.values() for k in e.kinds]
    assert len(kinds) == len(set(kinds)) and set(kinds) == set(EVENT_KINDS)
    assert [m.kind_name() for m in event_models()] == kinds
    assert all(engine_for(k).name == e.name for e in ENGINES.values() for k in e.kinds)
    assert set(kinds_with_return_period()) <= set(kinds)
    with pytest.raises(ScenarioError, match=r"event: kind must be one of .*got 'tsunami'"):
        engine_for("tsunami")


def test_engine_params_take_models_or_options_and_refuse_unknown_engines_and_options():
    params = engine_params({"flood": {"precision": "float32"}})
    assert set(params) == set(ENGINES) and params["flood"].precision == "float32"
    with pytest.raises(ScenarioError, match=r"engines must be among .*got \['wind'\]"):
        engine_params({"wind": {}})
    with pytest.raises(ScenarioError, match=r"flood: precision"):
        engine_params({"flood": {"precision": "float16"}})


def test_an_engine_that_breaks_its_declaration_is_stopped():
    specs = (OutputSpec("a", "m", "float32", MAP, "a map"), OutputSpec("b", "s", "float32", MAP, "b", optional=True))
    coords = {"y": np.arange(2.0), "x": np.arange(3.0)}
    ds = dataset(specs, {"a": np.ones((2, 3))}, coords=coords, where="engine x")
    assert ds["a"].dtype == np.float32 and ds["a"].attrs["units"] == "m" and "b" not in ds
    with pytest.raises(ModelInputError, match=r"engine x: outputs must be declared in its specs.*\['c'\]"):
        dataset(specs, {"a": np.ones((2, 3)), "c": np.ones((2, 3))}, coords=coords, where="engine x")
    with pytest.raises(ModelInputError, match=r"engine x: outputs must be every required output.*missing \['a'\]"):
        dataset(specs, {"b": np.ones((2, 3))}, coords=coords, where="engine x")
    with pytest.raises(ModelInputError, match=r"engine x: output 'a' must be dims \('y', 'x'\)"):
        dataset(specs, {"a": np.ones(3)}, coords=coords, where="engine x")
