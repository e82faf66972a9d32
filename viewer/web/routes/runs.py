"""Runs: the list, one run's scenario and measures, its indicators, and its changes against the baseline."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from twin.compare import compare
from twin.engines import engine_for
from twin.formats import digits_for, forcing_words, is_share
from twin.impacts.records import CATALOGUE
from twin.report import key_changes
from twin.words import both

from .. import schemas
from ..catalogue import NAME
from ..state import AppState, remember, state

router = APIRouter(prefix="/api", tags=["runs"], responses=schemas.errors(400, 404, 422))
RunName = Annotated[str, Path(pattern=NAME, description="run name")]
Lang = Annotated[Literal["en", "fr"], Query(description="language of the words")]


def family(kind: str) -> str:
    """The family of an event kind: the engine that runs it (``heat``, ``flood``)."""
    return engine_for(kind).name


def _event(run, e: dict, lang: str) -> schemas.Event:
    forcing = e.get("forcing") or {}
    return schemas.Event(
        name=e["name"],
        kind=e["kind"],
        family=family(e["kind"]),
        label=run.event_title(e["name"], lang),
        kind_label=schemas.Words(**both(f"event.{e['kind']}")),
        summary=schemas.Words(en=forcing_words(forcing, "en"), fr=forcing_words(forcing, "fr")),
    )


def _summary(run, baseline: str, lang: str) -> dict:
    s = run.scenario
    return {
        "name": run.folder.name,
        "title": run.title(lang),
        "description": run.description(lang),
        "cost_eur": float(s.get("cost_eur") or 0.0),
        "status": s.get("status", ""),
        "baseline": run.folder.name == baseline,
        "events": [_event(run, e, lang) for e in run.events],
    }


@router.get("/runs", response_model=schemas.RunList, summary="The runs that can be shown")
def list_runs(app: Annotated[AppState, Depends(state)], lang: Lang = "en") -> schemas.RunList:
    """The runs, their titles and their events' labels in ``lang`` (as their scenario files give them)."""
    base = app.settings.baseline
    runs = [schemas.RunSummary(**_summary(r, base, lang)) for r in app.catalogue.runs()]
    return schemas.RunList(baseline=base, runs=runs)


@router.get("/runs/{run}", response_model=schemas.RunDetail, summary="One run: its scenario and measures")
def get_run(run: RunName, app: Annotated[AppState, Depends(state)], lang: Lang = "en") -> schemas.RunDetail:
    """One run, its texts in ``lang``."""
    record = app.catalogue.run(run)
    measures = [
        schemas.Measure(
            type=m["type"],
            type_label=schemas.Words(**both(f"measure.{m['type']}")),
            label=record.measure_label(i, lang),
            where=app.redact(m["where"]) if m.get("where") else None,  # a run written before paths were relative
            area_m2=m.get("area_m2"),
            cost_eur=m.get("cost_eur"),
        )
        for i, m in enumerate(record.measures)
    ]
    return schemas.RunDetail(
        **_summary(record, app.settings.baseline, lang), author=record.scenario.get("author", ""), measures=measures
    )


@router.get("/runs/{run}/indicators", response_model=schemas.IndicatorList, summary="Every indicator of a run")
def get_indicators(run: RunName, app: Annotated[AppState, Depends(state)]) -> schemas.IndicatorList:
    record = app.catalogue.run(run)
    out = []
    for i in record.indicators:
        spec = CATALOGUE.get(i.key)
        value = None if i.value != i.value else i.value  # NaN -> null
        out.append(
            schemas.Indicator(
                key=i.key,
                value=value,
                units=spec.units if spec else "",
                event=i.event,
                district=i.district,
                label=schemas.Words(**both(f"indicator.{i.key}")),
                better=spec.better if spec else "none",
            )
        )
    return schemas.IndicatorList(run=run, indicators=out)


@router.get("/runs/{run}/compare", response_model=schemas.Comparison, summary="A run's main changes against a baseline")
def compare_run(
    run: RunName,
    app: Annotated[AppState, Depends(state)],
    lang: Lang = "en",
    baseline: Annotated[str | None, Query(pattern=NAME, description="baseline run (default: the server's)")] = None,
) -> schemas.Comparison:
    base_name = baseline or app.settings.baseline
    return schemas.Comparison(run=run, baseline=base_name, lang=lang, **key_words(app, run, base_name, lang))


def key_words(app: AppState, run: str, baseline: str, lang: str) -> dict:
    """``twin.report.key_changes`` of a run against a baseline, computed once per version of both runs."""
    key = ("compare", app.catalogue.stamp(run), app.catalogue.stamp(baseline), lang)

    def words() -> dict:
        record, base = app.catalogue.run(run), app.catalogue.run(baseline)
        out = key_changes(compare([record], baseline=base), record.name, lang=lang)
        for indicator in out["indicators"]:
            indicator.update(number_format(indicator))
        return out

    return remember(app, key, words)


def number_format(indicator: dict) -> dict:
    """How the page writes an indicator's numbers (``format``, ``digits``): by :mod:`twin.formats`' rules, so that
    the page's Intl and the report's Babel agree (shares in %, money compact, whole people, 0.01 °C)."""
    key = indicator["key"]
    spec = CATALOGUE.get(key)
    units = spec.units if spec else ""
    if units.startswith("EUR"):
        return {"format": "money", "digits": 1}
    if is_share(key, units):
        return {"format": "share", "digits": 1}
    values = [abs(v) for v in (indicator["baseline_value"], indicator["value"]) if v is not None]
    return {"format": "number", "digits": digits_for(units, max(values) if values else None)}


@router.get("/territories", response_model=schemas.TerritoryList, summary="The territories of the runs")
def list_territories(app: Annotated[AppState, Depends(state)]) -> schemas.TerritoryList:
    found: dict[str, dict] = {}
    for r in app.catalogue.runs():
        t = r.provenance.get("territory") or {}
        sha = t.get("sha256_before_measures", "")
        entry = found.setdefault(sha, {"name": t.get("name", ""), "sha256": sha, "runs": []})
        entry["runs"].append(r.folder.name)
    return schemas.TerritoryList(territories=[schemas.Territory(**t) for t in found.values()])
