"""Sweep files: which scenarios, event variations and engine parameters a batch runs.

Example (``sweeps/ead.toml``)::

    schema_version = 1
    name = "ead"
    scenarios = ["../scenarios/baseline.toml", "../scenarios/river-*.toml"]   # globs, relative to this file
    events = ["storm-*"]                      # which of the scenarios' events (globs on names; default all)
    return_periods_years = [10, 30, 100]      # every design storm at each return period
    out = "../out/ead"                        # relative to this file; `twin batch --out` overrides it

    [climates]                                # named climate blocks; each replaces the scenario's
    current = {}
    2050 = { delta_t_c = 1.5, rain_multiplier = 1.15 }

    [parameters]                              # grids over the engines' options (FloodParams, HeatParams)
    "flood.manning_multiplier" = [0.8, 1.0, 1.2]
    "flood.precision" = ["float32"]

A malformed sweep is a :class:`~twin.errors.ScenarioError` naming the file, the field and the value.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..engines import ENGINES
from ..errors import ScenarioError, message, validation_problems
from ..fields import SLUG
from ..hazards import Climate

Scalar = bool | int | float | str


class Sweep(BaseModel):
    """What a batch runs: scenarios × event variations × climates × parameter grids."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    schema_version: Literal[1] = Field(1, description="version of this file format")
    name: str = Field(pattern=SLUG, description="slug naming the sweep")
    description: str = Field("", description="what the sweep is for")
    scenarios: list[str] = Field(min_length=1, description="scenario files or globs, relative to the sweep file")
    events: list[str] | None = Field(
        None, min_length=1, description="globs on event names to run (default: every event of each scenario)"
    )
    return_periods_years: list[Annotated[float, Field(gt=0.0)]] = Field(
        default_factory=list,
        description="run every design storm at each of these return periods instead of its own, years",
    )
    climates: dict[Annotated[str, Field(pattern=SLUG)], Climate] = Field(
        default_factory=dict,
        description="named climate blocks; each event runs once under each, replacing the scenario's climate "
        "(empty: as the scenarios say)",
    )
    parameters: dict[str, Annotated[list[Scalar], Field(min_length=1)]] = Field(
        default_factory=dict,
        description='grids over engine options, "flood.<option>" or "heat.<option>" -> list of values; '
        "a flood task runs every flood combination, a heat task every heat combination",
    )
    out: str | None = Field(None, description="results folder, relative to the sweep file (default: the sweep's name)")

    @field_validator("parameters")
    @classmethod
    def _known_options(cls, grid: dict[str, list]) -> dict[str, list]:
        models = {name: engine.params for name, engine in ENGINES.items()}
        for key, values in grid.items():
            engine, _, option = key.partition(".")
            if engine not in models or option not in models[engine].model_fields:
                known = sorted(f"{e}.{o}" for e, m in models.items() for o in m.model_fields)
                raise ValueError(f"unknown engine option {key!r}; known: {', '.join(known)}")
            for value in values:
                try:
                    models[engine].model_validate({option: value})
                except ValidationError as exc:
                    raise ValueError(f"{key} = {value!r}: {exc.errors()[0]['msg']}") from None
            if len(set(map(repr, values))) != len(values):
                raise ValueError(f"{key}: values must be distinct, got {values!r}")
        return grid

    @field_validator("return_periods_years")
    @classmethod
    def _distinct_periods(cls, periods: list[float]) -> list[float]:
        if len(set(periods)) != len(periods):
            raise ValueError(f"return periods must be distinct, got {periods!r}")
        return periods


def load_sweep(path: str | Path) -> tuple[Sweep, Path]:
    """Read and validate a sweep file; returns the sweep and the file's folder (base of its relative paths).

    Parameters
    ----------
    path : str or pathlib.Path
        The sweep file (TOML).

    Returns
    -------
    sweep : Sweep
        The validated sweep.
    base : pathlib.Path
        The file's folder, absolute: the base of the sweep's relative paths.

    Raises
    ------
    twin.errors.ScenarioError
        A missing or unreadable file, TOML that does not parse, or fields the sweep refuses (each named).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(message(path, "sweep file", "an existing file", str(path))) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Sweep.model_validate(data), path.parent.resolve()
    except ValidationError as exc:
        raise ScenarioError("\n".join(validation_problems(exc.errors(), where=path))) from None


def scenario_files(sweep: Sweep, base: Path, *, where: str) -> list[Path]:
    """The scenario files the sweep names, each once, in the order written; a glob that matches nothing is an
    error (a typo must not silently shrink the batch).

    Parameters
    ----------
    sweep : Sweep
        The sweep.
    base : pathlib.Path
        The base of its relative paths (from :func:`load_sweep`).
    where : str
        The sweep file, for the error message.

    Returns
    -------
    list of pathlib.Path
        Absolute paths of the scenario files.

    Raises
    ------
    twin.errors.ScenarioError
        A file or glob that matches no scenario file.
    """
    found: list[Path] = []
    for i, pattern in enumerate(sweep.scenarios):
        p = Path(pattern)
        matches = sorted(p.parent.glob(p.name)) if p.is_absolute() else sorted(base.glob(pattern))
        matches = [m.resolve() for m in matches if m.suffix == ".toml" and m.is_file()]
        if not matches:
            raise ScenarioError(message(where, f"scenarios.{i}", "a file or glob matching scenario files", pattern))
        found += [m for m in matches if m not in found]
    return found
