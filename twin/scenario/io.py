"""Reading, resolving and writing scenario files.

* :func:`read_scenario_file` parses one file as written (no inheritance).
* :func:`load_scenario` resolves ``extends`` chains, makes every path absolute
  relative to the file that names it, and checks that the files exist.
* :func:`save_scenario` writes a model back to TOML; reading it again gives an
  equal model.

Every failure is a :class:`~twin.errors.ScenarioError` whose lines read
``"{file}: {field.path}: {what}, got {value!r}"``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ..datasets import DATASETS
from ..engines import ENGINES, checked_options, merge_options, option_files, path_options
from ..errors import OutputExistsError, ScenarioError, TwinError, validation_problems
from ..paths import exists, is_file
from ..sources import rainfall_statistics
from .models import EVENT_KINDS, MEASURE_TYPES, PATH_FIELDS, Scenario

# Fields a scenario takes from the one it extends when it does not set them itself.
INHERITED = ("territory", "climate", "lifetime_years", "author")


def _read_toml(path: Path, *, where: str) -> dict:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{where}: file not found, got {str(path)!r}") from None
    except (OSError, ValueError) as exc:  # a folder, unreadable, invalid UTF-8, NUL in the name
        raise ScenarioError(f"{where}: cannot be read ({type(exc).__name__}: {exc}), got {str(path)!r}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None


def validate_scenario(data: dict, path: Path | str) -> Scenario:
    """A scenario from the parsed TOML (or JSON) ``data``; errors name ``path``, the field path and the value."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError("\n".join(validation_problems(_without_tags(exc.errors()), where=path))) from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply") from None
    checked_options(scenario.engine_options(), where=str(path))  # its [flood] and [heat] tables, field by field
    return scenario


def _without_tags(errors: list[dict]) -> list[dict]:
    """Drop the union tag pydantic puts in error locations: ``measures.0.canopy_fraction``, not
    ``measures.0.tree_planting.canopy_fraction``, so the path is the one written in the file."""
    tags = set(MEASURE_TYPES) | set(EVENT_KINDS)
    out = []
    for err in errors:
        loc = err.get("loc", ())
        if len(loc) > 2 and loc[0] in ("measures", "events") and isinstance(loc[1], int) and loc[2] in tags:
            loc = (*loc[:2], *loc[3:])
        out.append({**err, "loc": loc})
    return out


def read_scenario_file(path: str | Path) -> Scenario:
    """Parse and validate one scenario file as written (paths stay relative, ``extends`` unresolved).

    Parameters
    ----------
    path : str or pathlib.Path
        The scenario file (TOML).

    Returns
    -------
    Scenario

    Raises
    ------
    twin.errors.ScenarioError
        A missing or unreadable file, TOML that does not parse, or fields the scenario refuses (one line each).
    """
    path = Path(path)
    return validate_scenario(_read_toml(path, where=str(path)), path)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario, resolve its ``extends`` chain and make its paths absolute.

    Measures inherited come first, then the scenario's own; events replace
    inherited events of the same name. ``territory``, ``climate``,
    ``lifetime_years`` and ``author`` are inherited unless set.

    Parameters
    ----------
    path : str or pathlib.Path
        The scenario file (TOML).

    Returns
    -------
    Scenario
        The resolved scenario; its errors name the file each measure and event was written in.

    Raises
    ------
    twin.errors.ScenarioError
        A file of the chain missing, unreadable or invalid, an ``extends`` cycle, a file a measure or event names
        that does not exist, or an unknown territory.
    """
    return _with_territory_rainfall(_resolve(Path(path), chain=(), written=str(path)))


def _with_territory_rainfall(scenario: Scenario) -> Scenario:
    """The scenario with its territory file's rainfall statistics given to its bare design storms."""
    if not _bare_storms(scenario):
        return scenario
    try:
        table = rainfall_statistics(scenario.territory)
    except TwinError as exc:
        first = scenario.event_labels()[_bare_storms(scenario)[0]]
        raise ScenarioError(f"{first}: territory {scenario.territory!r}: {exc}") from None
    return with_rainfall_statistics(scenario, table)


def with_rainfall_statistics(scenario: Scenario, table: str | Path | None) -> Scenario:
    """The scenario with ``table`` (a territory's Montana table) as the ``montana_file`` of each design storm that
    has no coefficients of its own; unchanged without a table (the engine then refuses such a storm).

    Parameters
    ----------
    scenario : Scenario
        A resolved scenario.
    table : str or pathlib.Path or None
        The territory's rainfall statistics (:attr:`twin.territory.Territory.rainfall_statistics`).

    Returns
    -------
    Scenario
    """
    bare = _bare_storms(scenario)
    if not bare or table is None:
        return scenario
    events = list(scenario.events)
    for i in bare:
        events[i] = events[i].model_copy(update={"montana_file": str(table)})
    return scenario.model_copy(update={"events": events})


def _bare_storms(scenario: Scenario) -> list[int]:
    """The design storms with neither ``montana`` nor ``montana_file``."""
    return [
        i for i, e in enumerate(scenario.events)
        if getattr(e, "montana_file", "") is None and getattr(e, "montana", "") is None
    ]  # fmt: skip


def _resolve(path: Path, chain: tuple[Path, ...], written: str) -> Scenario:
    """Resolve ``path``, reached through the ``chain`` of files extending it, where it was ``written``."""
    try:
        key = path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise ScenarioError(
            f"{chain[-1] if chain else path}: extends: cannot be resolved ({exc}), got {written!r}"
        ) from None
    if key in chain:
        cycle = " -> ".join(p.name for p in (*chain, key))
        raise ScenarioError(f"{chain[-1]}: extends: must not form a cycle ({cycle}), got {written!r}")
    where = f"{chain[-1]}: extends" if chain else str(path)
    data = _read_toml(path, where=where)
    scenario = _absolute_paths(validate_scenario(data, path), path)
    own_measures = [f"{path}: measures.{i}" for i in range(len(scenario.measures))]
    own_events = {e.name: f"{path}: events.{i}" for i, e in enumerate(scenario.events)}
    own_files = [path] * len(scenario.measures)
    if scenario.extends is None:
        return _with_origins(scenario, own_measures, own_events, own_files)
    parent = _resolve(Path(scenario.extends), chain=(*chain, key), written=data["extends"])
    own = scenario.model_fields_set
    events = {e.name: e for e in parent.events} | {e.name: e for e in scenario.events}
    origins = dict(zip((e.name for e in parent.events), parent.event_labels(), strict=True)) | own_events
    update = {f: getattr(parent, f) for f in INHERITED if f not in own}
    update |= {"measures": [*parent.measures, *scenario.measures], "events": list(events.values())}
    update |= merge_options(parent.engine_options(), scenario.engine_options())  # its own options over the parent's
    files = [*parent._measure_files, *own_files]
    return _with_origins(scenario.model_copy(update=update), [*parent._measure_origins, *own_measures], origins, files)


def _with_origins(scenario: Scenario, measures: list[str], events: dict[str, str], files: list[Path]) -> Scenario:
    scenario._measure_origins = measures
    scenario._measure_files = files
    scenario._event_origins = [events[e.name] for e in scenario.events]
    return scenario


def _absolute_paths(scenario: Scenario, path: Path) -> Scenario:
    base = path.parent
    problems = []

    def fix(model, where: str):
        update = {}
        for field in PATH_FIELDS:
            value = getattr(model, field, None)
            if isinstance(value, str):
                target = base / value
                if not is_file(target):
                    problems.append(f"{path}: {where}.{field}: file not found, got {value!r}")
                update[field] = str(target)
        inflows = getattr(model, "inflows", None)  # a river flood's inflows and rain name their own files
        if inflows:
            update["inflows"] = [fix(inflow, f"{where}.inflows.{j}") for j, inflow in enumerate(inflows)]
        if getattr(model, "rain", None) is not None:
            update["rain"] = fix(model.rain, f"{where}.rain")
        return model.model_copy(update=update) if update else model

    measures = [fix(m, f"measures.{i}") for i, m in enumerate(scenario.measures)]
    events = [fix(e, f"events.{i}") for i, e in enumerate(scenario.events)]
    update = {"measures": measures, "events": events}
    options, missing = option_files(scenario.engine_options(), base, where=str(path))  # e.g. heat.energy_table
    update |= options
    problems += missing
    if scenario.extends is not None:
        update["extends"] = str(base / scenario.extends)
    if scenario.territory not in DATASETS:
        territory = base / scenario.territory
        if not exists(territory):
            problems.append(
                f"{path}: territory: must be one of {sorted(DATASETS)} or an existing territory file, "
                f"got {scenario.territory!r}"
            )
        update["territory"] = str(territory)
    if problems:
        raise ScenarioError("\n".join(problems))
    return scenario.model_copy(update=update)


def scenario_toml(scenario: Scenario) -> str:
    """The TOML text of a scenario (fields left unset as ``None`` are omitted)."""
    import tomli_w

    return tomli_w.dumps(scenario.model_dump(mode="python", exclude_none=True))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of what a resolved scenario says, each file it names replaced by its content's hash.

    Equal on any machine for equal content: absolute paths, the ``extends`` chain
    and the territory's location are left out (the territory has its own hash).
    """
    import hashlib
    import json

    files = {*PATH_FIELDS, *(f for engine in ENGINES for f in path_options(engine))}  # heat.energy_table too

    def walk(value):
        if isinstance(value, dict):
            return {k: _file_hash(v) if k in files and isinstance(v, str) else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    data = walk(scenario.model_dump(mode="json", exclude={"extends", "territory"}))
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _file_hash(path: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_scenario(scenario: Scenario, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a scenario to a TOML file that :func:`read_scenario_file` reads back equal.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    path : str or pathlib.Path
        The file to write; its folder is created.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    twin.errors.OutputExistsError
        The file exists and ``overwrite`` is false.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scenario_toml(scenario), encoding="utf-8")
    return path
