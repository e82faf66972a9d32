"""The registry of engines: each hazard engine, what it runs, reads and produces, in one place.

Everything downstream asks this registry instead of naming events or outputs: the runner runs an event through
:func:`engine_for`, the results folder writes each engine's key maps, the comparison differences its compared
maps, the report draws its report map, the batch prices its tasks, the viewer builds its layers from the outputs'
ramps. Adding a hazard means adding its engine package (events, parameters, outputs, ``simulate``) and one entry
in :data:`ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import DataSourceError, ScenarioError, message, validation_problems
from .flood import forcing as flood_forcing
from .flood import model as flood_model
from .flood.events import DesignStorm, RainSeries, RiverFlood
from .flood.hazard import DEBRIS_COLUMNS
from .flood.outputs import OUTPUTS as FLOOD_OUTPUTS
from .flood.reuse import reuse_reason
from .hazards import Climate, HazardEvent
from .heat import model as heat_model
from .heat import weather
from .heat.event import Heatwave
from .heat.outputs import OUTPUTS as HEAT_OUTPUTS
from .impacts import EventImpacts, Indicator, flood_impacts, heat_impacts
from .impacts.flood import expected_annual_damage_indicators
from .landcover import LandCoverTable, columns_of
from .paths import is_file
from .specs import OutputSpec


@dataclass(frozen=True)
class Benefit:
    """How a scenario's gain on an engine's events is valued, for the comparison.

    Parameters
    ----------
    exposure : str
        The indicator of people exposed: equity looks at who stops being exposed, district by district.
    gain : str
        The indicator whose decrease is the benefit (people in heat stress, flood damage).
    value : str
        The value-for-money indicator: the decrease of ``gain`` per ``per_eur`` euros spent.
    per_eur : float
        The spending unit of ``value``, €: 1 for euros of damage avoided per euro, 1e6 for people relieved per
        million euros.
    """

    exposure: str
    gain: str
    value: str
    per_eur: float


@dataclass(frozen=True)
class Engine:
    """A hazard engine as the house sees it.

    Parameters
    ----------
    name : str
        ``"heat"``, ``"flood"``: the key of its parameters in runs and sweeps, and the family of its events.
    events : tuple of HazardEvent subclasses
        The event models it runs (their ``kind`` tags).
    params : type of pydantic.BaseModel
        Its parameters (:class:`~twin.heat.model.HeatParams`, :class:`~twin.flood.model.FloodParams`).
    inputs : tuple of str
        The territory layers it reads.
    outputs : tuple of OutputSpec
        What it produces (see :mod:`twin.specs`).
    simulate : callable
        ``simulate(territory, event, *, params, climate, progress) -> xarray.Dataset``; ``progress(fraction)`` is
        called as the run goes.
    impacts : callable
        ``impacts(territory, hazard, *, event) -> EventImpacts``: the hazard turned into indicators.
    summarize : callable
        ``summarize(event, climate) -> dict``: key figures of the event's forcing for people, units in the keys.
    aggregate : callable or None
        ``aggregate([(event, impacts), ...]) -> [Indicator]``: indicators over a run's events of this engine
        (the expected annual damage over the storms' return periods).
    benefit : Benefit
        How the comparison values a scenario's gain on these events, and whom it reaches.
    buildings : str
        The colour ramp (:mod:`twin.colours`) that viewers colour buildings with, exposed or not (the ``exposed``
        column of the engine's impacts).
    reuse : callable or None
        ``reuse(territory_before, hazard, territory_after, *, event) -> str | None``: why a result computed on
        another territory is exactly this one's (see :mod:`twin.flood.reuse`); None: never reused.
    table_columns : tuple of str
        Columns of the land-cover table it reads by class, besides those its ``inputs`` derive from (the flood's
        debris factor reads each class's canopy).
    check : callable or None
        ``check(params, territory)``: refuses options this territory cannot run with, before any work (the heat's
        energy table against the building uses); `twin validate` calls it, and the engine's ``simulate`` itself.
    """

    name: str
    events: tuple[type[HazardEvent], ...]
    params: type[BaseModel]
    inputs: tuple[str, ...]
    outputs: tuple[OutputSpec, ...]
    simulate: Callable[..., Any]
    impacts: Callable[..., EventImpacts]
    summarize: Callable[[HazardEvent, Climate], dict[str, Any]]
    benefit: Benefit
    buildings: str
    aggregate: Callable[[Sequence[tuple[HazardEvent, EventImpacts]]], list[Indicator]] | None = None
    reuse: Callable[..., str | None] | None = None
    table_columns: tuple[str, ...] = ()
    check: Callable[[BaseModel, Any], None] | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The ``kind`` tags of its events."""
        return tuple(e.kind_name() for e in self.events)

    def output(self, name: str) -> OutputSpec:
        """The spec of output ``name``; a clear error naming the engine's outputs otherwise.

        Parameters
        ----------
        name : str
            The output's name (``"max_depth"``, ``"utci"``).

        Returns
        -------
        OutputSpec

        Raises
        ------
        twin.errors.ScenarioError
            The engine has no such output; the message lists those it has.
        """
        for spec in self.outputs:
            if spec.name == name:
                return spec
        names = [s.name for s in self.outputs]
        raise ScenarioError(message(f"engine {self.name!r}", "output", f"one of {names}", name))

    @property
    def landcover_columns(self) -> tuple[str, ...]:
        """The land-cover table's columns it reads, sorted: those its input layers derive from, and its own."""
        return tuple(sorted({*columns_of(self.inputs), *self.table_columns}))

    def missing_columns(self, table: LandCoverTable) -> list[str]:
        """The columns this engine reads that ``table`` lacks, sorted."""
        return [column for column in self.landcover_columns if not table.has_column(column)]

    def check_table(self, table: LandCoverTable) -> None:
        """Refuse a land-cover table that lacks a column this engine reads, before anything runs.

        What an engine needs of the table follows from its :attr:`inputs` (the layers the columns derive) and its
        :attr:`table_columns`, so a flood-only table needs no albedo.

        Parameters
        ----------
        table : LandCoverTable
            The territory's table.

        Raises
        ------
        twin.errors.DataSourceError
            One line naming the table's file, the engine and the missing columns.
        """
        missing = self.missing_columns(table)
        if missing:
            expected = f"complete for the {self.name} engine"
            raise DataSourceError(message(table.source, "columns", expected, f"missing {missing}"))

    @property
    def key_maps(self) -> tuple[str, ...]:
        """The maps written as GeoTIFF in a run folder."""
        return tuple(s.name for s in self.outputs if s.key)

    @property
    def compared_maps(self) -> tuple[str, ...]:
        """The maps ``twin compare`` differences against the baseline."""
        return tuple(s.name for s in self.outputs if s.compared)

    @property
    def report_map(self) -> str:
        """The map the report shows for this engine's events, the baseline's and each scenario's change."""
        return self.report_maps[0]

    @property
    def report_maps(self) -> tuple[str, ...]:
        """The maps the report shows: the first with each scenario's change, the others for the baseline."""
        return tuple(s.name for s in self.outputs if s.report)

    def run(self, territory, event: HazardEvent, *, params: BaseModel, climate: Climate, progress=None):
        """Simulate ``event`` on ``territory``: the engine's dataset; ``progress(fraction)`` from 0 to 1.

        Parameters
        ----------
        territory : Territory
            The territory, measures applied.
        event : HazardEvent
            One of the engine's events.
        params : pydantic.BaseModel
            The engine's parameters (an instance of ``params``).
        climate : Climate
            The climate shift applied to the event.
        progress : callable, optional
            Called as ``progress(fraction)``, fraction done from 0 to 1.

        Returns
        -------
        xarray.Dataset
            The engine's outputs (see ``outputs``).

        Raises
        ------
        twin.errors.ModelInputError
            Inputs the engine cannot simulate.
        twin.errors.SimulationError
            The simulation failed while running.
        """
        if progress is not None:
            progress(0.0)
        return self.simulate(territory, event, params=params, climate=climate, progress=progress)


def _fraction_progress(simulate):
    """The flood engine reports ``(t, duration)`` in seconds; the registry's progress takes the fraction done."""

    def run(territory, event, *, params, climate, progress=None):
        report = None if progress is None else (lambda t, total: progress(t / total))
        return simulate(territory, event, params=params, climate=climate, progress=report)

    return run


# the table's role column: its water classes are the cool islands of every run's land indicators and, for a flood,
# where a river enters, what an initial level fills and the permanent water its impacts leave out
ROLE_COLUMN = ("role",)
HEAT = Engine(
    name="heat",
    events=(Heatwave,),
    params=heat_model.HeatParams,
    inputs=heat_model.INPUTS,
    outputs=HEAT_OUTPUTS,
    simulate=heat_model.simulate,
    impacts=heat_impacts,
    summarize=weather.summary,
    benefit=Benefit("heat.people_strong_stress", "heat.people_strong_stress", "value.people_relieved_per_meur", 1e6),
    buildings="hot_buildings",
    table_columns=ROLE_COLUMN,
    check=heat_model.check_options,
)
FLOOD = Engine(
    name="flood",
    events=(DesignStorm, RainSeries, RiverFlood),
    params=flood_model.FloodParams,
    inputs=flood_model.INPUTS,
    outputs=FLOOD_OUTPUTS,
    simulate=_fraction_progress(flood_model.simulate),
    impacts=flood_impacts,
    summarize=flood_forcing.summary,
    benefit=Benefit("flood.people_exposed", "flood.damage_eur", "value.damage_avoided_per_eur", 1.0),
    buildings="flooded_buildings",
    aggregate=expected_annual_damage_indicators,
    reuse=reuse_reason,
    table_columns=(*DEBRIS_COLUMNS, *ROLE_COLUMN),
)
ENGINES: Mapping[str, Engine] = {e.name: e for e in (HEAT, FLOOD)}


def event_models() -> tuple[type[HazardEvent], ...]:
    """Every event model of every engine, in the registry's order.

    Returns
    -------
    tuple of type
        The :class:`~twin.hazards.HazardEvent` subclasses, heat then flood.
    """
    return tuple(model for engine in ENGINES.values() for model in engine.events)


def engine_for(event: HazardEvent | str) -> Engine:
    """The engine that runs an event (or an event kind).

    Parameters
    ----------
    event : HazardEvent or str
        An event, or its ``kind`` tag (``"heatwave"``, ``"design_storm"``...).

    Returns
    -------
    Engine

    Raises
    ------
    twin.errors.ScenarioError
        A kind no engine runs; the message lists the known kinds.
    """
    kind = event if isinstance(event, str) else getattr(event, "kind", None)
    for engine in ENGINES.values():
        if kind in engine.kinds:
            return engine
    known = [k for e in ENGINES.values() for k in e.kinds]
    raise ScenarioError(message("event", "kind", f"one of {known}", kind))


def check_table(table: LandCoverTable, events: Iterable[HazardEvent]) -> None:
    """Refuse a land-cover table that cannot feed the engine of one of ``events`` (see :meth:`Engine.check_table`).

    Raises
    ------
    twin.errors.DataSourceError
        The first such engine, its missing columns and the table's file.
    """
    kinds = {event.kind for event in events}
    for engine in ENGINES.values():
        if kinds & set(engine.kinds):
            engine.check_table(table)


def table_engines(table: LandCoverTable) -> list[str]:
    """The names of the engines ``table`` has every column for, in the registry's order."""
    return [name for name, engine in ENGINES.items() if not engine.missing_columns(table)]


def kinds_with_return_period() -> tuple[str, ...]:
    """The event kinds that have a return period (a sweep varies it; their damages make an EAD).

    Returns
    -------
    tuple of str
        Their ``kind`` tags.
    """
    return tuple(m.kind_name() for m in event_models() if m.return_period_field)


def engine_params(given: Mapping[str, Any] | None = None, *, where: str = "engine parameters") -> dict[str, BaseModel]:
    """Parameters of every engine, by name: those given (models or dicts of options), the defaults for the others.

    Parameters
    ----------
    given : mapping, optional
        Engine name -> its parameters model or a dict of its options.
    where : str
        What the options come from, for the error messages.

    Returns
    -------
    dict of str to pydantic.BaseModel
        One parameters model per engine of :data:`ENGINES`.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown engine name, or options an engine refuses (each named with its field and value).
    """
    given = dict(given or {})
    unknown = sorted(set(given) - set(ENGINES))
    if unknown:
        raise ScenarioError(message(where, "engines", f"among {list(ENGINES)}", unknown))
    out = {}
    for name, engine in ENGINES.items():
        value = given.get(name)
        if isinstance(value, engine.params):
            out[name] = value
            continue
        try:
            out[name] = engine.params.model_validate(value or {})
        except ValidationError as exc:
            raise ScenarioError("\n".join(validation_problems(exc.errors(), where=f"{where}: {name}"))) from None
    return out


def merge_options(*layers: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Engine options from several places, each over the ones before it, table by table.

    The order of precedence (docs/scenarios.md, "Engine options"): the engines' defaults, then the territory
    file's ``[flood]`` / ``[heat]`` tables, then the scenario file's (its own over those it extends), then the
    command line's ``--set`` (or a sweep's parameters). Nested tables (``edges``) merge key by key.

    Parameters
    ----------
    *layers : mapping of str to mapping
        Engine name -> options, lowest precedence first; None is skipped.

    Returns
    -------
    dict of str to dict
        Engine name -> merged options (plain dicts, validated later by :func:`engine_params`).
    """

    def merge(low: Mapping[str, Any], high: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(low)
        for key, value in high.items():
            both = isinstance(value, Mapping) and isinstance(out.get(key), Mapping)
            out[key] = merge(out[key], value) if both else value
        return out

    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for name, options in (layer or {}).items():
            merged[name] = merge(merged.get(name, {}), options or {})
    return merged


def checked_options(options: Mapping[str, Any], *, where: str) -> dict[str, dict[str, Any]]:
    """Engine options as a file or the command line gives them, checked now so that the error names ``where``.

    Parameters
    ----------
    options : mapping
        Engine name -> options.
    where : str
        The file or flag they come from.

    Returns
    -------
    dict
        The same options (plain dicts).

    Raises
    ------
    twin.errors.ScenarioError
        An unknown engine, or an option its engine refuses: the field, the value and what it must be. Rules
        that tie several options together (``day_hour`` among the steps' hours) are checked on the merged
        options only, when a run starts: one place may set one of them and another place the other.
    """
    unknown = sorted(set(options) - set(ENGINES))
    if unknown:
        raise ScenarioError(message(where, "engines", f"among {list(ENGINES)}", unknown))
    problems = []
    for name, value in options.items():
        try:
            ENGINES[name].params.model_validate(value or {})
        except ValidationError as exc:
            own = [e for e in exc.errors() if e.get("loc")]  # field errors; the whole-model rules wait
            problems += validation_problems(own, where=f"{where}: {name}")
    if problems:
        raise ScenarioError("\n".join(problems))
    return {name: dict(value or {}) for name, value in options.items()}


def path_options(engine: str) -> tuple[str, ...]:
    """The options of an engine that name a file: fields of its parameters marked ``json_schema_extra={"path":
    True}`` (the heat engine's ``energy_table``)."""
    fields = ENGINES[engine].params.model_fields
    return tuple(
        f
        for f, info in fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("path")
    )


def option_files(
    options: Mapping[str, Mapping[str, Any]], base: Path, *, where: str
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Engine options with the files they name made absolute, relative to ``base``, the folder of the file that
    names them (a scenario or territory file; the working folder for ``--set``).

    Parameters
    ----------
    options : mapping
        Engine name -> options (already checked by :func:`checked_options`).
    base : pathlib.Path
        The folder relative paths start from.
    where : str
        The file the options come from, for the problems.

    Returns
    -------
    tuple of (dict, list of str)
        The options (plain dicts), and one line per file that does not exist (``"{where}: heat.energy_table: file
        not found, got 'energy.csv'"``).
    """
    out, problems = {}, []
    for name, table in options.items():
        table = dict(table or {})
        for field in path_options(name) if name in ENGINES else ():
            value = table.get(field)
            if isinstance(value, str):
                table[field] = str(base / value)
                if not is_file(Path(table[field])):
                    problems.append(f"{where}: {name}.{field}: file not found, got {value!r}")
        out[name] = table
    return out, problems


def layer_outputs() -> Iterable[tuple[Engine, OutputSpec]]:
    """Every output a viewer can show (it has a colour ramp), with its engine, in the registry's order.

    Yields
    ------
    tuple of (Engine, OutputSpec)
        The engine and the spec of one output.
    """
    for engine in ENGINES.values():
        for spec in engine.outputs:
            if spec.ramp is not None:
                yield engine, spec
