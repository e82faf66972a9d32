"""Scenario files of the served folder: what residents can read and what a job may extend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from twin.errors import TwinError
from twin.scenario import load_scenario
from twin.scenario.io import read_scenario_file

from .. import schemas
from ..catalogue import NAME
from ..errors import NotFoundError
from ..state import AppState, state

router = APIRouter(prefix="/api", tags=["scenarios"], responses=schemas.errors(400, 404, 422))


def _describe(path, runs: set[str]) -> schemas.ScenarioFile:
    scenario = load_scenario(path)
    return schemas.ScenarioFile(
        name=scenario.name,
        title=scenario.title,
        description=scenario.description,
        cost_eur=scenario.cost_eur,
        extends=read_scenario_file(path).extends,
        measures=len(scenario.measures),
        events=[e.name for e in scenario.events],
        run=scenario.name if scenario.name in runs else None,
    )


@router.get("/scenarios", response_model=schemas.ScenarioList, summary="The scenario files that can be run")
def list_scenarios(app: Annotated[AppState, Depends(state)]) -> schemas.ScenarioList:
    runs = set(app.catalogue.names())
    out = []
    for path in sorted(app.settings.scenarios_dir.glob("*.toml")):
        try:
            out.append(_describe(path, runs))
        except TwinError:
            continue  # a broken file in the folder does not hide the others
    return schemas.ScenarioList(scenarios=out)


@router.get("/scenarios/{name}", response_model=schemas.ScenarioFile, summary="One scenario file")
def get_scenario(
    name: Annotated[str, Path(pattern=NAME, description="file name without .toml")],
    app: Annotated[AppState, Depends(state)],
) -> schemas.ScenarioFile:
    path = app.settings.scenarios_dir / f"{name}.toml"
    if not path.is_file():
        have = sorted(p.stem for p in app.settings.scenarios_dir.glob("*.toml"))
        raise NotFoundError(f"scenario: must be one of {have}, got {name!r}")
    return _describe(path, set(app.catalogue.names()))
