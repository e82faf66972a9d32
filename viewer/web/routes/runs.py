"""Runs: the list, one run's scenario and measures, its indicators, and its changes against the baseline."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from twin.i18n import MEASURE_TYPES, forcing_words
from twin.impacts.records import CATALOGUE

from .. import schemas
from ..catalogue import NAME
from ..state import AppState, remember, state

router = APIRouter(prefix="/api", tags=["runs"])
RunName = Annotated[str, Path(pattern=NAME, description="run name")]
Lang = Annotated[Literal["en", "fr"], Query(description="language of the words")]


def family(kind: str) -> str:
    """``heat`` for heatwaves, ``flood`` for the rain and river events."""
    return "heat" if kind == "heatwave" else "flood"


def _event(e: dict) -> schemas.Event:
    forcing = e.get("forcing") or {}
    return schemas.Event(
        name=e["name"],
        kind=e["kind"],
        family=family(e["kind"]),
        label=e["name"],
        summary=schemas.Words(en=forcing_words(forcing, "en"), fr=forcing_words(forcing, "fr")),
    )


def _summary(run, baseline: str) -> dict:
    s = run.scenario
    return {
        "name": run.folder.name,
        "title": s.get("title") or run.folder.name,
        "description": s.get("description", ""),
        "cost_eur": float(s.get("cost_eur") or 0.0),
        "status": s.get("status", ""),
        "baseline": run.folder.name == baseline,
        "events": [_event(e) for e in run.events],
    }


@router.get("/runs", response_model=schemas.RunList, summary="The runs that can be shown")
def list_runs(app: Annotated[AppState, Depends(state)]) -> schemas.RunList:
    base = app.settings.baseline
    return schemas.RunList(baseline=base, runs=[schemas.RunSummary(**_summary(r, base)) for r in app.catalogue.runs()])


@router.get("/runs/{run}", response_model=schemas.RunDetail, summary="One run: its scenario and measures")
def get_run(run: RunName, app: Annotated[AppState, Depends(state)]) -> schemas.RunDetail:
    record = app.catalogue.run(run)
    measures = [
        schemas.Measure(
            type=m["type"],
            type_label=schemas.Words(**{lang: MEASURE_TYPES[lang].get(m["type"], m["type"]) for lang in ("en", "fr")}),
            label=m.get("label") or m["type"],
            where=m.get("where"),
            area_m2=m.get("area_m2"),
            cost_eur=m.get("cost_eur"),
        )
        for m in record.measures
    ]
    return schemas.RunDetail(
        **_summary(record, app.settings.baseline), author=record.scenario.get("author", ""), measures=measures
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
                label=schemas.Words(en=spec.en if spec else i.key, fr=spec.fr if spec else i.key),
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
    from twin.compare import compare
    from twin.report import key_changes

    key = ("compare", app.catalogue.stamp(run), app.catalogue.stamp(baseline), lang)

    def words() -> dict:
        record, base = app.catalogue.run(run), app.catalogue.run(baseline)
        return key_changes(compare([record], baseline=base), record.name, lang=lang)

    return remember(app, key, words)


@router.get("/territories", response_model=schemas.TerritoryList, summary="The territories of the runs")
def list_territories(app: Annotated[AppState, Depends(state)]) -> schemas.TerritoryList:
    found: dict[str, dict] = {}
    for r in app.catalogue.runs():
        t = r.provenance.get("territory") or {}
        sha = t.get("sha256_before_measures", "")
        entry = found.setdefault(sha, {"name": t.get("name", ""), "sha256": sha, "runs": []})
        entry["runs"].append(r.folder.name)
    return schemas.TerritoryList(territories=[schemas.Territory(**t) for t in found.values()])
