"""Batch tasks: one ``runner.run`` of one scenario on one event variant with one set of engine options.

A task is keyed by the SHA-256 of everything that decides its result: the twin
version, the scenario's content hash (measures, the one event with its climate,
every file they name), the content hash of the territory's files and the options
of the one engine the event uses. Its results folder is ``tasks/<scenario>--<event>[--<climate>]--<key[:10]>``,
written whole or not at all by :func:`twin.results.write_run`, so a folder that
exists is a finished task, and a rerun skips it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from .. import __version__
from ..engines import ENGINES, engine_for, engine_params
from ..errors import OutputExistsError, ScenarioError, TwinError, message
from ..runner import run
from ..scenario import load_scenario
from ..scenario.io import scenario_hash
from ..sources import source_hash
from .sweep import Sweep, scenario_files

MARKER = "provenance.json"  # written last into a run folder, which is renamed into place whole


@dataclass(frozen=True)
class Task:
    """One unit of batch work; ``spec`` is the scenario reduced to the task's one event.

    Parameters
    ----------
    id : str
        ``<scenario>--<event>[--<climate>]--<key[:10]>``: the name of its results folder.
    key : str
        SHA-256 of everything that decides its result (hex).
    scenario : str
        The scenario's name.
    source : str
        The scenario file.
    event : str
        The event's name (suffixed ``-rp<years>`` when the sweep sets the return period).
    kind : str
        The event's ``kind`` tag.
    return_period_years : float, optional
        The event's return period, years; ``None`` for events that have none.
    climate : str, optional
        The name of the sweep's climate block; ``None``: the scenario's climate.
    parameters : dict
        The grid values of this task, ``"<engine>.<option>" -> value``.
    spec : twin.scenario.Scenario, optional
        The scenario with the one event; ``None`` when the scenario could not be read.
    params : dict
        Every engine's options, by engine name.
    error : str, optional
        Why the task cannot run at all (an unreadable scenario): it is recorded failed.
    """

    id: str
    key: str
    scenario: str
    source: str
    event: str
    kind: str
    return_period_years: float | None = None
    climate: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    spec: Any = None  # twin.scenario.Scenario, or None when the scenario could not be read
    params: dict[str, Any] = field(default_factory=dict)  # every engine's options, by engine name
    error: str | None = None  # why the task cannot run at all (unreadable scenario): recorded failed

    @property
    def folder(self) -> str:
        """Its results folder, relative to the batch folder."""
        return f"tasks/{self.id}"

    def describe(self) -> dict[str, Any]:
        """The task as batch.json and the indicator table list it.

        Returns
        -------
        dict
            Its id, key, scenario, source, event, kind, return period (years), climate, parameters and folder.
        """
        return {
            "id": self.id,
            "key": self.key,
            "scenario": self.scenario,
            "source": self.source,
            "event": self.event,
            "kind": self.kind,
            "return_period_years": self.return_period_years,
            "climate": self.climate,
            "parameters": self.parameters,
            "folder": self.folder,
        }


def expand(sweep: Sweep, base: Path, *, where: str) -> list[Task]:
    """Every task of a sweep, in a stable order; a scenario that cannot be read becomes one failed task.

    Parameters
    ----------
    sweep : Sweep
        The sweep.
    base : pathlib.Path
        The base of its relative paths (the sweep file's folder).
    where : str
        The sweep file, for the error messages.

    Returns
    -------
    list of Task
        One task per scenario × event × return period × climate × combination of the event's engine options.

    Raises
    ------
    twin.errors.ScenarioError
        A scenario glob that matches nothing, event globs that match no event of a scenario, or a territory
        whose files cannot be hashed.
    """
    grids = {e: _combinations(sweep, e) for e in ENGINES}
    territories: dict[str, str] = {}
    tasks: list[Task] = []
    for path in scenario_files(sweep, base, where=where):
        try:
            scenario = load_scenario(path)
            territory = _territory_hash(scenario, territories, where=str(path))
        except TwinError as exc:
            key = hashlib.sha256(f"{path}\n{exc}".encode()).hexdigest()
            tasks.append(Task(f"{path.stem}--unreadable", key, path.stem, str(path), "", "", error=str(exc)))
            continue
        labels = dict(zip((e.name for e in scenario.events), scenario.event_labels(), strict=True))
        chosen = [
            e for e in scenario.events if sweep.events is None or any(fnmatchcase(e.name, g) for g in sweep.events)
        ]
        if not chosen:
            have = [e.name for e in scenario.events]
            raise ScenarioError(
                message(where, "events", f"globs matching some event of {path} (it has {have})", sweep.events)
            )
        for event in chosen:
            for variant, period in _variants(event, sweep):
                for climate_name, climate in sweep.climates.items() or [(None, None)]:
                    one = variant if climate_name is None else variant.model_copy(update={"climate": climate})
                    spec = scenario.model_copy(update={"events": [one]})
                    spec._event_origins = [labels[event.name]]
                    for combo in grids[engine_for(event).name]:
                        tasks.append(_task(spec, path, territory, period, climate_name, combo))
    return tasks


def _task(spec, path: Path, territory: str, period, climate: str | None, combo: dict[str, Any]) -> Task:
    event = spec.events[0]
    options = {e: {k.partition(".")[2]: v for k, v in combo.items() if k.startswith(e + ".")} for e in ENGINES}
    params = engine_params(options, where=str(path))
    engine = params[engine_for(event).name]
    content = {
        "twin": __version__,
        "scenario": scenario_hash(spec),
        "territory": territory,
        "engine": type(engine).__name__,
        "options": engine.model_dump(mode="json"),
    }
    key = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    label = "--".join(p for p in (spec.name, event.name, climate, key[:10]) if p)
    return Task(label, key, spec.name, str(path), event.name, event.kind, period, climate, combo, spec, params)


def _combinations(sweep: Sweep, engine: str) -> list[dict[str, Any]]:
    """Every combination of the engine's grid values (one empty combination when it has no grid)."""
    axes = [(k, v) for k, v in sweep.parameters.items() if k.startswith(engine + ".")]
    return [dict(zip([k for k, _ in axes], values, strict=True)) for values in itertools.product(*(v for _, v in axes))]


def _variants(event, sweep: Sweep):
    """The event at each of the sweep's return periods (events that have one: design storms), else the event
    itself."""
    field_ = type(event).return_period_field
    if field_ is None:
        return [(event, None)]
    if not sweep.return_periods_years:
        return [(event, float(getattr(event, field_)))]
    return [
        (event.model_copy(update={"name": f"{event.name}-rp{t:g}".replace(".", "p"), field_: t}), t)
        for t in sweep.return_periods_years
    ]


def _territory_hash(scenario, cache: dict[str, str], *, where: str) -> str:
    """The hash of the files the scenario's territory is loaded from (the loader is fixed by the twin version in
    the key): the client never loads a territory to expand a sweep."""
    ref = str(scenario.territory)
    if ref not in cache:
        try:
            cache[ref] = source_hash(ref)
        except TwinError as exc:
            raise ScenarioError(f"{where}: territory {ref!r}: {exc}") from None
    return cache[ref]


def finished(out: Path, task: Task) -> bool:
    """A task is finished when its results folder is there: it only ever appears complete.

    Parameters
    ----------
    out : pathlib.Path
        The batch folder.
    task : Task
        The task.

    Returns
    -------
    bool
        Whether its results folder is complete.
    """
    return (out / task.folder / MARKER).is_file()


def execute(task: Task, out: str, threads: dict[str, int] | int | None = None) -> dict[str, Any]:
    """Run one task on a worker and write its folder; returns its status and timings.

    An input error (a :class:`~twin.errors.TwinError`: broken measure, event off the grid...) is returned as a
    failure, since running it again would fail the same way; anything else (a crash, a full disk, a killed
    worker) is raised, so that Dask retries it.

    Parameters
    ----------
    task : Task
        The task.
    out : str
        The batch folder, as the worker sees it.
    threads : dict of str to int, or int, optional
        Numba threads for the task, or per host name; ``None`` keeps numba's default.

    Returns
    -------
    dict
        ``status`` (``"done"`` or ``"failed"``), ``error`` if failed, ``started_utc``, ``seconds`` (s), ``worker``
        and ``numba_threads``.
    """
    numba_threads = _cap_numba_threads(threads)
    folder = Path(out) / task.folder
    started = time.time()
    clock = time.perf_counter()
    status: dict[str, Any] = {
        "status": "done",
        "started_utc": _utc(started),
        "worker": f"{os.uname().nodename}:{os.getpid()}",
        "numba_threads": numba_threads,
    }
    if task.error is not None:
        return status | {"status": "failed", "error": task.error, "seconds": 0.0}
    if folder.joinpath(MARKER).is_file():
        return status | {"seconds": 0.0}
    try:
        run(task.spec, out=folder, params=task.params, scenario_file=task.source)
    except OutputExistsError:
        pass  # the same task, run twice by the scheduler after a lost worker, finished first elsewhere
    except TwinError as exc:
        status |= {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return status | {"seconds": round(time.perf_counter() - clock, 3)}


def _cap_numba_threads(threads: dict[str, int] | int | None) -> int:
    """Limit numba's threads in this worker so that workers × threads stays within the machine's cores;
    returns the number the task runs with."""
    import numba

    if isinstance(threads, dict):
        threads = threads.get(os.uname().nodename)
    if threads:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    return numba.get_num_threads()


def _utc(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds")
