"""The one orchestration: a scenario in; hazards, impacts, indicators and provenance out (DESIGN §6).

``run`` loads the territory, applies the measures, runs each event through its
engine, turns each hazard into impacts and, given ``out``, writes the results
folder described in :mod:`twin.results`. The CLI, the web app and the batch
runner all call it; nothing else chains the stages.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ScenarioError, TwinError

Progress = Callable[[str, float | None], None]  # (what is being done, fraction of it done or None)
RAIN_KINDS = ("design_storm", "rain_series")


@dataclass(frozen=True)
class EventResult:
    """One event of a run: the engine's dataset, its impacts, and where the result came from."""

    event: Any  # a scenario event model
    hazard: Any  # xarray.Dataset from heat.simulate or flood.simulate
    impacts: Any  # twin.impacts.EventImpacts
    reused: dict[str, str] | None = None  # {"scenario": ..., "reason": ...} when the flood result was reused


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced, in memory; :func:`twin.results.write_run` puts it in a folder."""

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
    flood_params=None,
    heat_params=None,
    reuse: Sequence[RunResult] = (),
    progress: Progress | None = None,
    scenario_file: str | Path | None = None,
    before_flood: Callable[[], None] | None = None,
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
    flood_params, heat_params : FloodParams, HeatParams, optional
        Engine options (the engines' documented defaults otherwise).
    reuse : sequence of RunResult
        Earlier runs whose flood results may be reused when they are provably the same (see
        :mod:`twin.flood.reuse`); the provenance says so.
    progress : callable, optional
        Called as ``progress(stage, fraction)`` at each stage and during floods.
    scenario_file : path, optional
        The file a given ``Scenario`` was read from, for the provenance.
    before_flood : callable, optional
        Called before each flood simulation (:mod:`twin.warmup` waits there for kernels compiled elsewhere).

    Returns
    -------
    RunResult
    """
    from .flood.model import FloodParams
    from .heat.model import HeatParams
    from .impacts import land_indicators
    from .scenario import load_scenario
    from .scenario.io import scenario_hash

    report = progress or (lambda stage, fraction: None)
    flood_params = flood_params or FloodParams()
    heat_params = heat_params or HeatParams()
    if out is not None:
        from .results import check_output

        check_output(Path(out), overwrite=overwrite)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    source = Path(scenario_file) if scenario_file else None
    if not hasattr(scenario, "measures"):
        source = Path(scenario)
        scenario = load_scenario(source)
    name = scenario.name
    report(f"{name}: loading the territory", None)
    if territory is None:
        territory = scenario_territory(scenario, where=name)
    base_hash = territory.content_hash()
    timings["load"] = _lap(clock)

    clock = time.perf_counter()
    report(f"{name}: applying {len(scenario.measures)} measures", None)
    from .measures import apply_measures

    changed, effects = apply_measures(territory, scenario.measures, labels=scenario.measure_labels())
    timings["measures"] = _lap(clock)

    indicators = list(land_indicators(changed))
    events: dict[str, EventResult] = {}
    for event, label in zip(scenario.events, scenario.event_labels(), strict=True):
        events[event.name] = _run_event(
            scenario, event, label, changed, flood_params, heat_params, reuse, report, timings, before_flood
        )
        indicators += events[event.name].impacts.indicators
    indicators += _expected_annual_damage(events.values())

    provenance = {
        "twin_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": {
            "name": name,
            "file": str(source) if source else None,
            "sha256": scenario_hash(scenario),
            "cost_eur": scenario.cost_eur,
        },
        "territory": {
            "name": territory.name,
            "sha256_before_measures": base_hash,
            "sha256_after_measures": changed.content_hash(),
            "source": str(territory.provenance.get("file", "")),
        },
        "parameters": {
            "flood": flood_params.model_dump(mode="json"),
            "heat": heat_params.model_dump(mode="json"),
        },
        "events": {n: _event_provenance(scenario, e) for n, e in events.items()},
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
        "timings_s": timings,
    }
    result = RunResult(scenario, changed, effects, events, indicators, provenance, timings=timings)
    if out is not None:
        from .results import write_run

        report(f"{name}: writing {out}", None)
        result = write_run(result, Path(out), overwrite=overwrite)
    return result


def scenario_territory(scenario, *, where: str):
    """Load the territory a scenario names; an error names ``where`` (the scenario or its file) and the territory."""
    from .sources import load_territory

    try:
        return load_territory(scenario.territory)
    except TwinError as exc:
        raise ScenarioError(f"{where}: territory {scenario.territory!r}: {exc}") from None


def _run_event(
    scenario, event, label, territory, flood_params, heat_params, reuse, report, timings, before_flood
) -> EventResult:
    """Simulate (or reuse) one event and compute its impacts."""
    from .events import effective_climate
    from .impacts import flood_impacts, heat_impacts

    climate = effective_climate(scenario, event)
    stage = f"{scenario.name}: {event.name}"
    clock = time.perf_counter()
    reused = None
    try:
        if event.kind == "heatwave":
            from .heat.model import simulate

            report(f"{stage}: heat", None)
            hazard = simulate(territory, event, params=heat_params, climate=climate)
        else:
            hazard, reused = _reused_flood(event, climate, territory, flood_params, reuse)
            if hazard is None:
                from .flood.model import simulate

                def flood_progress(t: float, total: float) -> None:
                    report(f"{stage}: flood", t / total)

                if before_flood is not None:
                    before_flood()
                report(f"{stage}: flood", 0.0)
                hazard = simulate(territory, event, params=flood_params, climate=climate, progress=flood_progress)
            else:
                report(f"{stage}: flood reused from {reused['scenario']}", None)
    except TwinError as exc:
        exc.args = (f"{label}: {exc}", *exc.args[1:])  # say which event of which file, keep the error's class
        raise
    timings[f"{event.name}: simulate"] = _lap(clock)
    clock = time.perf_counter()
    if event.kind == "heatwave":
        impacts = heat_impacts(territory, hazard, event=event.name)
    else:
        impacts = flood_impacts(territory, hazard, event=event.name)
    timings[f"{event.name}: impacts"] = _lap(clock)
    return EventResult(event, hazard, impacts, reused)


def _reused_flood(event, climate, territory, params, reuse: Sequence[RunResult]):
    """A flood result of an earlier run that this run would compute identically, and why; else (None, None)."""
    from .events import effective_climate
    from .flood.reuse import reuse_reason

    for earlier in reuse:
        for other in earlier.events.values():
            same = (
                other.event == event
                and effective_climate(earlier.scenario, other.event) == climate
                and earlier.provenance["parameters"]["flood"] == params.model_dump(mode="json")
            )
            if not same:
                continue
            reason = reuse_reason(earlier.territory, other.hazard, territory, rain=event.kind in RAIN_KINDS)
            if reason:
                return other.hazard, {"scenario": earlier.scenario.name, "reason": reason}
    return None, None


def _expected_annual_damage(events) -> list:
    """EAD over the design storms' return periods, when there are at least two (the largest damage per period)."""
    from .impacts import Indicator, damage_by_return_period, expected_annual_damage

    damages = damage_by_return_period(
        (e.event.return_period_years, _total(e.impacts.indicators, "flood.damage_eur"))
        for e in events
        if e.event.kind == "design_storm"
    )
    if len(damages) < 2:
        return []
    return [Indicator("flood.expected_annual_damage_eur", expected_annual_damage(damages))]


def _total(indicators, key: str) -> float:
    return next(i.value for i in indicators if i.key == key and i.district is None)


def _event_provenance(scenario, result: EventResult) -> dict[str, Any]:
    from .events import effective_climate, summarize_event

    attrs = result.hazard.attrs
    forcing = summarize_event(result.event, effective_climate(scenario, result.event))
    out: dict[str, Any] = {"kind": result.event.kind, "forcing": forcing}
    out["engine"] = attrs.get("engine") or attrs.get("model", "")
    if "mass_balance" in attrs:
        import json

        out["mass_balance"] = json.loads(attrs["mass_balance"])
        out["run"] = json.loads(attrs["run"])
    if result.reused:
        out["reused_from"] = result.reused
    return out


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 3)
