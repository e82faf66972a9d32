"""Scenarios sent to the server (a TOML upload or a JSON body) checked and written for a job.

A scenario from a request may not reach files on the server: it names no files
(areas, footprints, weather or rain series), it may extend only a scenario of
the served folder, by its bare file name, and its territory is a dataset name.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from twin.datasets import DATASETS
from twin.errors import ScenarioError
from twin.scenario.io import load_scenario, validate_scenario
from twin.scenario.models import PATH_FIELDS, Scenario

_FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.toml")


def parse_upload(data: bytes, *, filename: str) -> Scenario:
    """The scenario in an uploaded TOML file; :class:`ScenarioError` naming the file, field and value."""
    where = Path(filename or "upload.toml").name or "upload.toml"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{where}: content must be UTF-8 text, got bytes ({exc.reason})") from None
    if not text.strip():
        raise ScenarioError(f"{where}: content must be a scenario in TOML, got an empty file")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{where}: not valid TOML: nested too deeply") from None
    return validate_scenario(raw, where)


def write_job_scenario(scenario: Scenario, folder: Path, *, scenarios_dir: Path, where: str) -> Path:
    """Check that ``scenario`` names nothing on the server, write it in ``folder`` and resolve it once.

    Returns the file the job runs; ``extends`` points to the served scenario it names.
    """
    problems = []
    for kind, items in (("measures", scenario.measures), ("events", scenario.events)):
        for i, item in enumerate(items):
            for name in PATH_FIELDS:
                value = getattr(item, name, None)
                if value is not None:
                    problems.append(
                        f"{where}: {kind}.{i}.{name}: must be empty (a scenario sent to the server cannot name "
                        f"files), got {value!r}"
                    )
    if "territory" in scenario.model_fields_set and scenario.territory not in DATASETS:
        problems.append(f"{where}: territory: must be one of {sorted(DATASETS)}, got {scenario.territory!r}")
    data = scenario.model_dump(mode="python", exclude_none=True, exclude_unset=True)
    data.setdefault("schema_version", 1)
    if scenario.extends is not None:
        served = sorted(p.name for p in scenarios_dir.glob("*.toml"))
        if not _FILE_NAME.fullmatch(scenario.extends) or scenario.extends not in served:
            problems.append(f"{where}: extends: must be one of {served}, got {scenario.extends!r}")
        data["extends"] = str((scenarios_dir / scenario.extends).resolve())
    if problems:
        raise ScenarioError("\n".join(problems))
    import tomli_w

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scenario.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    try:
        load_scenario(path)  # the extends chain and the territory resolve before the job is queued
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace(str(path), where)) from None
    return path
