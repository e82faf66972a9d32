"""Several scenarios run as a set, each territory loaded once.

Each run may reuse the flood results of the runs before it where they are
provably its own (:mod:`twin.flood.reuse`): put the baseline first. Runs are
sequential: the engines already use every core (numba threads); a process pool
for the runs after the first, and writing each folder in a background thread
while the next run computes, both measured no faster on the demo on 2 cores
(122 s and 119 s against 120-123 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ScenarioError
from .results import check_output
from .runner import Progress, RunResult, run, scenario_territory
from .scenario import load_scenario


def run_set(
    paths: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    params=None,
    progress: Progress | None = None,
    before_simulate=None,
) -> list[RunResult]:
    """Run scenario files, each territory loaded once; results in the order of ``paths``.

    Parameters
    ----------
    paths : sequence of path
        Scenario files; the first is run first and its floods may be reused by the others.
    out : path, optional
        Runs go to ``out/<scenario name>`` (names must be unique); all are checked before any work.
    params, progress, before_simulate
        As :func:`twin.runner.run` takes them, for every run.
    """
    scenarios = [load_scenario(p) for p in paths]
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"scenario names must be unique in a set (they name the result folders), got {dupes}")
    folders = [None if out is None else Path(out) / n for n in names]
    if out is not None:
        for folder in folders:
            check_output(folder, overwrite=overwrite)
    territories = _territories(paths, scenarios)

    results: list[RunResult] = []
    for i, scenario in enumerate(scenarios):
        results.append(
            run(
                scenario,
                out=folders[i],
                overwrite=overwrite,
                territory=territories[scenario.territory],
                reuse=results,
                progress=progress,
                scenario_file=paths[i],
                params=params,
                before_simulate=before_simulate,
            )
        )
    return results


def _territories(paths, scenarios) -> dict[str, Any]:
    territories: dict[str, Any] = {}
    for path, scenario in zip(paths, scenarios, strict=True):
        if scenario.territory not in territories:
            territories[scenario.territory] = scenario_territory(scenario, where=str(path))
    return territories
