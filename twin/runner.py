"""The one orchestration: a scenario in; hazards, impacts, indicators and provenance out (docs/architecture.md).

``run`` loads the territory, applies the measures, runs each event through its
engine, turns each hazard into impacts and, given ``out``, writes the results
folder described in :mod:`twin.results`. The CLI, the web app and the batch
runner all call it; nothing else chains the stages.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from . import __version__
from .engines import (
    ENGINES,
    Engine,
    check_table,
    checked_options,
    engine_for,
    engine_params,
    merge_options,
    option_files,
)
from .errors import ScenarioError, TwinError
from .hazards import effective_climate
from .impacts import land_indicators
from .measures import apply_measures
from .paths import is_file, sha256_file, with_sidecars
from .results import check_output, write_run
from .scenario import load_scenario
from .scenario.io import scenario_hash, with_rainfall_statistics
from .scenario.models import PATH_FIELDS
from .sources import load_territory

log = logging.getLogger(__name__)
Progress = Callable[[str, float | None], None]  # (what is being done, fraction of it done or None)


@dataclass(frozen=True)
class EventResult:
    """One event of a run: the engine's dataset, its impacts, and where the result came from.

    Parameters
    ----------
    event : HazardEvent
        The scenario's event.
    hazard : xarray.Dataset
        The outputs of the event's engine (:mod:`twin.engines`), in their declared units.
    impacts : twin.impacts.EventImpacts
        Its indicators, buildings and sites.
    reused : dict of str to str, optional
        ``{"scenario": ..., "reason": ...}`` when the flood result was reused from an earlier run
        (:mod:`twin.flood.reuse`); ``None`` when it was simulated.
    """

    event: Any  # a scenario event model
    hazard: Any  # xarray.Dataset of the event's engine
    impacts: Any  # twin.impacts.EventImpacts
    reused: dict[str, str] | None = None  # {"scenario": ..., "reason": ...} when the flood result was reused


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced, in memory; :func:`twin.results.write_run` puts it in a folder.

    Parameters
    ----------
    scenario : twin.scenario.Scenario
        The scenario, resolved.
    territory : Territory
        The territory after the measures.
    effects : list of twin.measures.MeasureEffect
        What each measure changed, in the scenario's order.
    events : dict of str to EventResult
        Event name -> its result.
    indicators : list of twin.impacts.Indicator
        Every indicator of the run: land, each event's, and those over several events (expected annual damage).
    provenance : dict
        Scenario and territory hashes, twin version, engine parameters, each event's forcing and mass balance,
        platform and timings (s): what ``provenance.json`` holds.
    folder : pathlib.Path, optional
        The results folder, once written.
    timings : dict of str to float
        Seconds spent in each stage, s.
    """

    scenario: Any  # twin.scenario.Scenario, resolved
    territory: Any  # twin.territory.Territory after the measures
    effects: list  # one twin.measures.MeasureEffect per measure
    events: dict[str, EventResult]
    indicators: list  # twin.impacts.Indicator records
    provenance: dict[str, Any]
    folder: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def run(
    scenario,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    territory=None,
    params: Mapping[str, Any] | None = None,
    reuse: Sequence[RunResult] = (),
    progress: Progress | None = None,
    scenario_file: str | Path | None = None,
    before_simulate: Callable[[Engine], None] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run a scenario end to end.

    Parameters
    ----------
    scenario : Scenario or path
        A resolved scenario (:func:`twin.scenario.load_scenario`) or its file.
    out : path, optional
        Results folder to write (see :mod:`twin.results`); written whole or not at all.
    overwrite : bool
        Replace an existing ``out`` (refused otherwise, before any work).
    territory : Territory, optional
        The territory before the measures, already loaded; by default the scenario's.
    params : mapping, optional
        Engine options by engine name, models or dicts (:func:`twin.engines.engine_params`); defaults for the others.
    reuse : sequence of RunResult
        Earlier runs whose results are reused where provably the same (:mod:`twin.flood.reuse`; provenance says so).
    progress : callable, optional
        Called as ``progress(stage, fraction)`` at each stage and during floods.
    scenario_file : path, optional
        The file a given ``Scenario`` was read from, for the provenance.
    before_simulate : callable, optional
        Called with the engine before each simulation (:mod:`twin.flood.warmup` waits there for its kernels).
    defaults : mapping, optional
        Engine options under the territory's and the scenario's (a command line's own defaults, such as
        ``twin run``'s float32 flood state), where ``params`` are over them.

    Returns
    -------
    RunResult

    Raises
    ------
    ScenarioError, OutputExistsError, OutputError, ModelInputError, SimulationError
        A bad scenario, territory, measure or option; ``out`` taken or unwritable; inputs or a run an engine refuses.
    DataSourceError
        A land-cover table without the columns of an engine the scenario's events need (before any work).
    """
    report = progress or (lambda stage, fraction: None)
    given = dict(params or {})
    engine_params(given)  # options refused before any work
    if out is not None:
        check_output(Path(out), overwrite=overwrite)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    source = Path(scenario_file) if scenario_file else None
    if not hasattr(scenario, "measures"):
        source = Path(scenario)
        scenario = load_scenario(source)
    name = scenario.name
    report(f"{name}: loading the territory", None)
    log.info("%s: loading the territory %s", name, scenario.territory)
    if territory is None:
        territory = scenario_territory(scenario, where=name)
    check_table(territory.landcover, scenario.events)  # a table without an engine's columns: refused before any work
    scenario = with_rainfall_statistics(scenario, territory.rainfall_statistics)  # the storms of this territory
    params = run_options(scenario, territory, given, defaults=defaults)
    base_hash = territory.content_hash()
    timings["load"] = _lap(clock)

    clock = time.perf_counter()
    report(f"{name}: applying {len(scenario.measures)} measures", None)
    changed, effects = apply_measures(
        territory, scenario.measures, labels=scenario.measure_labels(), folders=scenario.measure_folders()
    )
    timings["measures"] = _lap(clock)

    indicators = list(land_indicators(changed))
    events: dict[str, EventResult] = {}
    context = _Context(scenario, changed, params, reuse, report, timings, before_simulate)
    for event, label in zip(scenario.events, scenario.event_labels(), strict=True):
        events[event.name] = _run_event(context, event, label)
        indicators += events[event.name].impacts.indicators
    indicators += _aggregates(events.values())

    provenance = _provenance(scenario, source, (territory, base_hash, changed), params, events, timings)
    result = RunResult(scenario, changed, effects, events, indicators, provenance, timings=timings)
    if out is not None:
        report(f"{name}: writing {out}", None)
        result = write_run(result, Path(out), overwrite=overwrite)
    return result


def _provenance(scenario, source, territories, params, events, timings) -> dict[str, Any]:
    """Where a run comes from: the twin version, the scenario's and the territory's content hashes, the territory's
    land-cover table, loading notes and the layers the measures changed, every input file with its role and SHA-256
    (the territory's sources, the scenario file and the files it names), the engines' parameters, each event's
    forcing and engine, the platform and the timings."""
    territory, base_hash, changed = territories
    return {
        "twin_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": {
            "name": scenario.name,
            "file": str(source) if source else None,
            "sha256": scenario_hash(scenario),
            "cost_eur": scenario.cost_eur,
        },
        "territory": {
            "name": territory.name,
            "sha256_before_measures": base_hash,
            "sha256_after_measures": changed.content_hash(),
            "source": territory.provenance.get("territory_file"),  # the territory file it was read from (None: built)
            "land_cover_table": territory.landcover.source,
            "notes": list(territory.provenance.get("notes", [])),  # how the sources were put on the grid
            "changed_layers": changed_layers(territory, changed),  # by the measures: written in territory/
        },
        "inputs": [*territory.provenance.get("sources", []), *scenario_inputs(scenario, source)],
        "parameters": {n: p.model_dump(mode="json") for n, p in params.items()},
        "events": {n: _event_provenance(scenario, e) for n, e in events.items()},
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
        "timings_s": timings,
    }


def changed_layers(before, after) -> list[str]:
    """The raster layers of ``after`` that differ from ``before``'s (NaN equal to NaN), in ``after``'s order."""
    return [
        name
        for name, da in after.layers.data_vars.items()
        if name not in before.layers or not np.array_equal(before[name], da.values, equal_nan=da.dtype.kind == "f")
    ]


def scenario_inputs(scenario, source) -> list[dict[str, str]]:
    """The scenario file and every file it names (weather, rain series and grids, hydrographs, zones, areas...:
    the fields of ``PATH_FIELDS``; relative to the scenario file if not absolute), each with its role and SHA-256; a
    shapefile with its sidecar files."""
    named = [("scenario file", str(source))] if source else []
    data = scenario.model_dump(mode="json", exclude={"extends", "territory"})
    for i, measure in enumerate(data.pop("measures", None) or []):
        named += _named_files(measure, f"measure {i + 1} ({measure.get('type', '')})")
    for event in data.pop("events", None) or []:
        named += _named_files(event, f"event {event.get('name', '')}")
    named += _named_files(data, "scenario")
    base = Path(source).parent if source else Path()
    inputs, seen = [], set()
    for role, written in named:
        for file in with_sidecars(written if Path(written).is_absolute() else base / written):
            if is_file(file) and (file, role) not in seen:
                seen.add((file, role))
                inputs.append({"path": str(file.resolve()), "role": role, "sha256": sha256_file(file)})
    return inputs


def _named_files(value, where: str) -> list[tuple[str, str]]:
    """``(role, path)`` of each path field in a scenario's dumped ``value``, at any depth."""
    if isinstance(value, list):
        return [found for v in value for found in _named_files(v, where)]
    if not isinstance(value, dict):
        return []
    found = []
    for key, v in value.items():
        if key in PATH_FIELDS and isinstance(v, str):
            found.append((f"{where}: {key}", v))
        else:
            found += _named_files(v, where)
    return found


def run_options(scenario, territory, given: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None):
    """The engines' options of a run, in the order of precedence of :func:`twin.engines.merge_options`: the
    engines' defaults, ``defaults`` (a command line's own), the territory file's tables, the scenario's, then
    ``given`` (the command line's ``--set``, a sweep's parameters). A parameters model given whole (not a dict) is
    taken as it is.

    Raises
    ------
    twin.errors.ScenarioError
        The territory file's options refused by an engine (the message names the file, the field and the value),
        or a file they name (relative to the territory file) that does not exist.
    """
    where = str(territory.provenance.get("territory_file") or territory.name)
    territorial = checked_options(getattr(territory, "options", {}) or {}, where=where)
    if territory.provenance.get("territory_file"):  # the files its options name, relative to it
        territorial, missing = option_files(territorial, Path(where).parent, where=where)
        if missing:
            raise ScenarioError("\n".join(missing))
    models = {name: value for name, value in given.items() if isinstance(value, BaseModel)}
    dicts = {name: value for name, value in given.items() if name not in models}
    scenario_options = scenario.engine_options() if hasattr(scenario, "engine_options") else {}
    merged = merge_options(defaults, territorial, scenario_options, dicts) | models
    return engine_params(merged, where=f"{scenario.name}: engine options (territory file, scenario, --set)")


def scenario_territory(scenario, *, where: str):
    """Load the territory a scenario names; an error names ``where`` (the scenario or its file) and the territory.

    Parameters
    ----------
    scenario : twin.scenario.Scenario
        The scenario; its ``territory`` is a territory file or a named territory.
    where : str
        The scenario or its file, for the error message.

    Returns
    -------
    Territory
        The territory before the measures.

    Raises
    ------
    twin.errors.ScenarioError
        The territory cannot be loaded; the message keeps the cause.
    """
    try:
        return load_territory(scenario.territory)
    except TwinError as exc:
        raise ScenarioError(f"{where}: territory {scenario.territory!r}: {exc}") from None


@dataclass(frozen=True)
class _Context:
    """What every event of a run shares: the scenario, the territory after the measures, the engines' options,
    earlier runs that may be reused, and the callbacks."""

    scenario: Any
    territory: Any
    params: dict[str, Any]
    reuse: Sequence[RunResult]
    report: Progress
    timings: dict[str, float]
    before_simulate: Callable[[Engine], None] | None


def _run_event(context: _Context, event, label: str) -> EventResult:
    """Simulate (or reuse) one event through its engine and compute its impacts."""
    engine = engine_for(event)
    climate = effective_climate(context.scenario, event)
    stage = f"{context.scenario.name}: {event.name}"
    clock = time.perf_counter()
    try:
        hazard, reused = _reused(engine, event, climate, context)
        if hazard is None:
            if context.before_simulate is not None:
                context.before_simulate(engine)
            log.info("%s: simulating with the %s engine", stage, engine.name)
            hazard = engine.run(
                context.territory, event, params=context.params[engine.name], climate=climate,
                progress=lambda fraction: context.report(f"{stage}: {engine.name}", fraction),
            )  # fmt: skip
        else:
            context.report(f"{stage}: {engine.name} reused from {reused['scenario']}", None)
    except TwinError as exc:
        exc.args = (f"{label}: {exc}", *exc.args[1:])  # say which event of which file, keep the error's class
        raise
    context.timings[f"{event.name}: simulate"] = _lap(clock)
    clock = time.perf_counter()
    impacts = engine.impacts(context.territory, hazard, event=event.name)
    context.timings[f"{event.name}: impacts"] = _lap(clock)
    return EventResult(event, hazard, impacts, reused)


def _reused(engine: Engine, event, climate, context: _Context):
    """A result of an earlier run that this run would compute identically, and why; else (None, None)."""
    if engine.reuse is None:
        return None, None
    options = context.params[engine.name].model_dump(mode="json")
    for earlier in context.reuse:
        for other in earlier.events.values():
            same = (
                other.event == event
                and effective_climate(earlier.scenario, other.event) == climate
                and earlier.provenance["parameters"][engine.name] == options
            )
            if not same:
                continue
            reason = engine.reuse(earlier.territory, other.hazard, context.territory, event=event)
            if reason:
                return other.hazard, {"scenario": earlier.scenario.name, "reason": reason}
    return None, None


def _aggregates(events) -> list:
    """Indicators over the events of each engine (the expected annual damage of the storms)."""
    out = []
    for engine in ENGINES.values():
        if engine.aggregate is not None:
            out += engine.aggregate([(e.event, e.impacts) for e in events if engine_for(e.event) is engine])
    return out


def _event_provenance(scenario, result: EventResult) -> dict[str, Any]:
    engine = engine_for(result.event)
    attrs = result.hazard.attrs
    forcing = engine.summarize(result.event, effective_climate(scenario, result.event))
    out: dict[str, Any] = {"kind": result.event.kind, "forcing": forcing}
    out["engine"] = attrs.get("engine") or attrs.get("model", "")
    if "mass_balance" in attrs:
        out["mass_balance"] = json.loads(attrs["mass_balance"])
        out["run"] = json.loads(attrs["run"])
    if result.reused:
        out["reused_from"] = result.reused
    return out


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 3)
