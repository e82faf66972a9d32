"""Response models of the API: what the page and other clients get, apart from the internal objects."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Problem(BaseModel):
    loc: list[str | int] = Field(description="where: body, query, path or header, then the field path")
    msg: str
    type: str


class Error(BaseModel):
    """Every error answer: the message names the field and the value (a domain error), or the problems of a
    request that does not match the schema (a list)."""

    detail: str | list[Problem]


ERROR_MEANING = {
    400: "a request the server cannot carry out: the message says why",
    401: "no token where one is needed (Authorization, X-Participant-Token)",
    403: "a token that does not open this (another's comment, the planner's token for consultations)",
    404: "no run, event, layer, scenario, consultation, comment or job of that name",
    409: "in conflict with what exists: a run or job of that name, a consultation that is not open",
    413: "a body over the server's upload limit",
    422: "a value the server cannot take: the message names the field",
    429: "too many requests or jobs at once: try again later",
}


def errors(*codes: int) -> dict[int, dict]:
    """The OpenAPI ``responses`` of the error ``codes`` a route may answer with."""
    return {code: {"model": Error, "description": ERROR_MEANING[code]} for code in codes}


class Words(BaseModel):
    """A text in both languages of the page."""

    en: str
    fr: str


class WordTable(BaseModel):
    lang: str
    words: dict[str, str] = Field(description="key -> text; {fields} are filled by the page (twin.words)")


class Event(BaseModel):
    name: str = Field(description="event name, as in the scenario file")
    kind: str = Field(description="the event kind, as in the scenario file (an engine's event)")
    family: str = Field(description="the engine it runs through (twin.engines): heat, flood...")
    label: str = Field(description="the event's name for a menu")
    kind_label: Words = Field(description="its kind in words")
    summary: Words = Field(description="its key figures in words (day, temperatures, rain, river flow)")


class RunSummary(BaseModel):
    name: str = Field(description="run name (its folder's name)")
    title: str
    description: str
    cost_eur: float = Field(description="investment cost of the scenario's measures, €")
    status: str = Field("", description="governance status: draft, consultation, adopted or rejected")
    baseline: bool = Field(description="whether this is the run the others are compared with")
    events: list[Event]


class RunList(BaseModel):
    baseline: str = Field(description="name of the baseline run")
    runs: list[RunSummary]


class Measure(BaseModel):
    type: str
    type_label: Words = Field(description="the kind of measure in words")
    label: str
    where: str | None = None
    area_m2: float | None = Field(None, description="area changed, m²")
    cost_eur: float | None = Field(None, description="cost of this measure, €")


class RunDetail(RunSummary):
    author: str = ""
    measures: list[Measure]


class Indicator(BaseModel):
    key: str = Field(description="indicator key, e.g. heat.people_strong_stress")
    value: float | None = Field(description="its value (null when it could not be computed)")
    units: str
    event: str | None = Field(description="the event it belongs to; null for the territory as it stands")
    district: str | None = Field(description="the district; null for the whole territory")
    label: Words
    better: Literal["higher", "lower", "none"]


class IndicatorList(BaseModel):
    run: str
    indicators: list[Indicator]


class Line(BaseModel):
    text: str = Field(description='a change in words, e.g. "312 fewer people in strong heat stress (hot-day)"')
    judgement: Literal["better", "worse", "same"]
    event: str | None = Field(None, description="the event whose Δ map shows why it moved (null: the territory)")


class ComparedIndicator(BaseModel):
    key: str
    label: str
    units: str
    event: str | None
    baseline_value: float | None
    value: float | None
    delta: float | None
    text: str = Field(description="the value (and Δ when compared) as the page prints it")
    judgement: Literal["better", "worse", "same"] = Field(description="same: no measurable change, or not scored")
    measurable: bool = Field(
        description="whether the change reaches the indicator's resolution (what the models can tell apart); "
        "false: the page says 'no measurable change'"
    )
    format: Literal["number", "share", "money"] = Field(
        description="how its numbers are written: a plain number in `units`, a share (a fraction shown as "
        "value × 100 in %), or euros (compact: €2.1M)"
    )
    digits: int = Field(description="decimals to show (of the value × 100 for a share), as twin.formats does")


class Comparison(BaseModel):
    run: str
    baseline: str
    lang: Literal["en", "fr"]
    lines: list[Line] = Field(description="the main changes in words (empty for the baseline itself)")
    indicators: list[ComparedIndicator] = Field(description="the territory-wide key indicators")


class Stop(BaseModel):
    value: float = Field(description="where the colour starts (classes) or sits (continuous), in the layer's units")
    color: str = Field(description="#rrggbb")
    label: Words


class BuildingColour(BaseModel):
    key: str = Field(description="a building use, or exposed / other")
    color: str = Field(description="#rrggbb")
    label: Words


class Layer(BaseModel):
    id: str
    family: str = Field(description="land (the territory), or the engine whose events have it")
    units: str
    kind: Literal["classes", "continuous"]
    delta_of: str | None = Field(description="for a change against the baseline, the layer it differences")
    animated: bool = Field(description="shown over time: frame by frame or step by step (see timeline)")
    timeline: Literal["frames", "steps"] | None = Field(
        description="how it is shown over time: frames, a 3D water surface for each saved frame (GET .../frames); "
        "steps, a map over the ground for each step of the day (GET .../steps); null when not over time"
    )
    menu: bool = Field(description="offered in the page's list of layers, in this order")
    clear_below: float | None = Field(description="values below it (in magnitude for a change) are left clear")
    title: Words
    explain: Words
    stops: list[Stop]
    buildings: list[BuildingColour] = Field(description="how the scenes colour the buildings with this layer")


class LayerList(BaseModel):
    layers: list[Layer]


class Frames(BaseModel):
    event: str
    times_s: list[float] = Field(description="time of each water frame since the start of the event, s")


class Step(BaseModel):
    index: int = Field(description="the step's number, from 0 (GET .../maps/{layer}/{index}.png)")
    time: str = Field(description="its instant, UTC, ISO 8601")
    local_time: str = Field(description="the legal local time, HH:MM, in time_zone: the label people read")
    solar_hour: float | None = Field(description="the local solar time, h")


class Steps(BaseModel):
    event: str
    layer: str = Field(description="the layer shown step by step (see /api/layers: timeline steps)")
    time_zone: str = Field(description="the zone of the local times (Europe/Paris, UTC+1, UTC)")
    peak: int = Field(description="the step to show first: the highest mean of the layer over the ground (for the "
                      "felt temperature, the day's hottest hour)")  # fmt: skip
    steps: list[Step]


class Territory(BaseModel):
    name: str
    sha256: str = Field(description="content hash of the territory before measures")
    runs: list[str]


class TerritoryList(BaseModel):
    territories: list[Territory]


class ScenarioFile(BaseModel):
    name: str
    title: str
    description: str
    cost_eur: float
    extends: str | None
    measures: int = Field(description="number of measures, inherited ones included")
    events: list[str]
    run: str | None = Field(description="name of its run, if it has been run")


class ScenarioList(BaseModel):
    scenarios: list[ScenarioFile]


class Job(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    scenario: str
    stage: str = Field("", description="what the job is doing now")
    progress: float = Field(0.0, description="fraction of the current stage done, 0-1")
    run: str | None = Field(None, description="the run it wrote, once done")
    error: str | None = None
    submitted_utc: str
    finished_utc: str | None = None


class JobList(BaseModel):
    jobs: list[Job]


class Health(BaseModel):
    """Whether the server answers, and whether it has prepared its first view (scene built, footprints read)."""

    status: Literal["ok"] = "ok"
    ready: bool = Field(description="the start-up preparation is done: first answers are at full speed")
    version: str
