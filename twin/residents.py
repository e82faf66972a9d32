"""What residents said in a consultation, read from its results file, for the comparison report.

The viewer's server publishes a consultation's results at ``/api/consultations/SLUG/results`` (JSON); saved to a
file, ``twin compare ... --consultation results.json`` adds them to the report beside the twin's indicators. The
core reads the file only: it does not need the web server or its database.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import DataSourceError, MissingFileError, message, validation_problems


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CriterionMarks(_Model):
    mean: float | None = Field(None, ge=1, le=5)
    n: int = Field(ge=0)
    agreement: float | None = Field(None, ge=0, le=1)


class ScenarioResult(_Model):
    scenario: str
    criteria: dict[str, CriterionMarks]
    mean: float | None = Field(None, ge=1, le=5)
    first_choices: int = Field(ge=0)
    borda: int = Field(ge=0)
    first_under_own_weights: int = Field(0, ge=0)


class Criterion(_Model):
    id: str
    en: str
    fr: str


class Residents(_Model):
    """A consultation's results: participants, criteria and, per scenario, marks and choices."""

    consultation: str
    title: str = ""
    criteria: list[Criterion]
    participants: int = Field(ge=0)
    preferences: int = Field(ge=0)
    scenarios: list[ScenarioResult]


def read_residents(path: str | Path) -> Residents:
    """The results file of a consultation; errors name the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(path, role="consultation results file (GET /api/consultations/SLUG/results)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataSourceError(message(path, "content", "JSON of a consultation's results", str(exc))) from None
    try:
        return Residents.model_validate(data)
    except ValidationError as exc:
        raise DataSourceError("\n".join(validation_problems(exc.errors(), where=path))) from None
