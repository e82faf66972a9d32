"""What the consultation API takes and gives: request bodies (strict) and response models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from twin.fields import ONE_LINE, PROSE
from twin.words import both

from ..catalogue import NAME
from ..schemas import Words
from .models import as_utc

Name = Annotated[str, StringConstraints(pattern=NAME)]
MAX_COMMENT = 1000  # characters of a comment
Coordinate = Annotated[float, Field(ge=-1e8, le=1e8)]  # m in a projected CRS (the territory's extent is checked too)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Criterion(_In):
    id: Name
    en: Annotated[str, StringConstraints(min_length=1, max_length=120), ONE_LINE]
    fr: Annotated[str, StringConstraints(min_length=1, max_length=120), ONE_LINE]


DEFAULT_CRITERIA = [Criterion(id=c, **both(f"criterion.{c}")) for c in ("heat", "flood", "green", "cost", "look")]


class ConsultationIn(_In):
    slug: Name = Field(description="its name in addresses")
    title: Annotated[str, StringConstraints(min_length=1, max_length=200), ONE_LINE]
    description: Annotated[str, StringConstraints(max_length=5000), PROSE] = ""
    scenarios: list[Name] = Field(min_length=2, max_length=12, description="run names, as /api/runs lists them")
    criteria: list[Criterion] = Field(default=DEFAULT_CRITERIA, min_length=1, max_length=10)
    mode: Literal["meeting", "online"] = "meeting"
    opens_utc: dt.datetime | None = Field(None, description="when it opens (null: not yet; draft)")
    closes_utc: dt.datetime | None = Field(None, description="when it closes (null: open until closed)")
    moderation: Literal["pre", "post"] = Field("post", description="pre: comments wait for a facilitator")
    hide_after_reports: int = Field(3, ge=1, le=100, description="reports that hide a comment until moderated")
    identity: Literal["none", "optional"] = Field("none", description="whether a name or e-mail may be given")
    retention_days: int = Field(365, ge=1, le=3650, description="days after closing before tokens are erased")

    _times = field_validator("opens_utc", "closes_utc")(as_utc)  # the database keeps UTC clock times

    @field_validator("scenarios", "criteria")
    @classmethod
    def _unique(cls, value):
        keys = [v.id if isinstance(v, Criterion) else v for v in value]
        if len(set(keys)) != len(keys):
            raise ValueError(f"must be unique, got {keys}")
        return value


class ConsultationPatch(_In):
    """Fields to change; ``opens_utc`` or ``closes_utc`` null means "not set" (a draft, or open until closed)."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=200), ONE_LINE] = None
    description: Annotated[str, StringConstraints(max_length=5000), PROSE] = None
    opens_utc: dt.datetime | None = None
    closes_utc: dt.datetime | None = None

    _times = field_validator("opens_utc", "closes_utc")(as_utc)  # the database keeps UTC clock times

    @field_validator("title", "description", mode="before")
    @classmethod
    def _not_null(cls, value):
        if value is None:
            raise ValueError("must be text, not null")
        return value


class Consultation(BaseModel):
    slug: str
    title: str
    description: str
    state: Literal["draft", "open", "closed"]
    mode: Literal["meeting", "online"]
    scenarios: list[str]
    criteria: list[dict]
    opens_utc: dt.datetime | None
    closes_utc: dt.datetime | None
    moderation: Literal["pre", "post"]
    hide_after_reports: int
    identity: Literal["none", "optional"]
    retention_days: int
    tokens_erased: bool
    privacy: Words = Field(description="the plain-language privacy notice (GDPR)")


class ConsultationList(BaseModel):
    consultations: list[Consultation]


class JoinIn(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200), ONE_LINE] | None = None
    email: EmailStr | None = None


class Joined(BaseModel):
    token: str = Field(description="send it as X-Participant-Token; shown once, only its hash is kept")


class Point(BaseModel):
    x: float
    y: float


class Camera(_In):
    position: list[float] = Field(min_length=3, max_length=3)
    target: list[float] = Field(min_length=3, max_length=3)


class CommentIn(_In):
    scenario: Name
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_COMMENT), PROSE]
    lang: Literal["en", "fr"] = "en"
    point: list[Coordinate] | None = Field(
        None, min_length=2, max_length=2, description="[x, y] in the territory's CRS, m, inside the territory"
    )
    building: Annotated[str, StringConstraints(max_length=64), ONE_LINE] | None = None
    camera: Camera | None = None


class CommentEdit(_In):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_COMMENT), PROSE]


class ReportIn(_In):
    reason: Annotated[str, StringConstraints(max_length=500), PROSE] = ""


class StatusIn(_In):
    status: Literal["visible", "hidden"]


class Comment(BaseModel):
    id: int
    scenario: str
    text: str = Field(description="as written: show it as text, never as HTML")
    lang: str
    point: list[float] | None
    building: str | None
    camera: dict | None
    status: Literal["visible", "pending", "hidden"]
    reports: int
    created_utc: dt.datetime
    mine: bool = False


class CommentList(BaseModel):
    comments: list[Comment]


class RatingIn(_In):
    scenario: Name
    criterion: Name
    value: int = Field(ge=1, le=5)


class PreferenceIn(_In):
    ranking: list[Name] = Field(min_length=1, max_length=12, description="scenarios, best first")


class WeightsIn(_In):
    weights: dict[Name, Annotated[float, Field(ge=0.0, le=100.0)]] = Field(
        max_length=10, description="criterion -> weight (0 to 100); missing criteria weigh 0"
    )


class Saved(BaseModel):
    saved: bool = True


class CriterionResult(BaseModel):
    mean: float | None = Field(description="average mark, 1-5")
    n: int = Field(description="number of marks")
    sd: float | None = Field(description="standard deviation of the marks")
    agreement: float | None = Field(description="1 - sd / 2: 1 when all agree, 0 when split between 1 and 5")
    distribution: list[int] = Field(description="number of marks 1, 2, 3, 4 and 5")


class ScenarioResult(BaseModel):
    scenario: str
    criteria: dict[str, CriterionResult]
    mean: float | None = Field(description="average of the criteria's average marks")
    first_choices: int
    borda: int = Field(description="n - 1 points for a first place, n - 2 for a second, ...")
    first_under_own_weights: int = Field(description="participants whose own weighted marks put it first")
    indicators: list[dict] = Field(description="the twin's key indicators against the baseline (as /compare)")


class Results(BaseModel):
    consultation: str
    title: str
    lang: Literal["en", "fr"]
    state: Literal["draft", "open", "closed"]
    criteria: list[dict]
    participants: int
    preferences: int
    ratings: int
    scenarios: list[ScenarioResult]
