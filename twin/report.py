"""One self-contained HTML report of a comparison, for planners and residents.

:func:`write_report` turns a :class:`twin.compare.Comparison` into a single HTML
file that opens offline in any browser: CSS inline, figures as inline PNG
(``data:image/png;base64,...``), no script, no web font and no external URL.
The page holds, in English or French:

1. a "how to read this" box for residents;
2. the indicator table with Δ against the baseline (green better, red worse)
   and headline sentences per scenario;
3. the scorecard and its weights;
4. bar charts of the key indicators;
5. maps: each event's baseline hazard, then each scenario's difference map;
6. each scenario with its measures;
7. the provenance of each run.

Matplotlib draws the figures on the Agg canvas (no pyplot, no global backend),
and Jinja2 fills ``templates/report.html.j2`` with autoescaping on, so scenario
texts written by users are shown as text. Missing data shows as a dash.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path

from . import __version__
from .engines import ENGINES
from .formats import (
    DASH,
    NBSP,
    digits_for,
    format_date,
    format_money,
    format_number,
    format_sci,
    format_value,
    is_share,
    missing,
    plural_form,
    unit_label,
)
from .impacts.records import CATALOGUE, HEADLINE_KEYS, MAIN_KEYS
from .report_figures import bar_charts, event_maps, map_anchor
from .words import check_lang, has, section, text

HEADLINE_LIMIT = 8  # sentences per scenario


def write_report(comparison, path: str | Path, *, lang: str = "en") -> Path:
    """Write the comparison as one self-contained HTML file.

    Parameters
    ----------
    comparison : twin.compare.Comparison
        Runs compared with a baseline. Its ``diffs`` maps are used where present; otherwise the
        difference maps are computed from the runs' folders.
    path : path
        The HTML file to write (replaced if it exists; its folder is created).
    lang : {"en", "fr"}
        Language of the page, its numbers and its figures.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown ``lang``.
    """
    check_lang(lang, where="write_report")
    path = Path(path)
    html = render_report(comparison, lang=lang, folder=path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def render_report(comparison, *, lang: str = "en", folder: str | Path | None = None) -> str:
    """The report's HTML as a string; ``folder`` is where it will live (for relative links to the runs).

    Parameters
    ----------
    comparison : twin.compare.Comparison
        Runs compared with a baseline.
    lang : {"en", "fr"}
        Language of the page, its numbers and its figures.
    folder : str or pathlib.Path, optional
        The folder the HTML file will be written to.

    Returns
    -------
    str
        The whole page.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown ``lang``.
    """
    import jinja2

    check_lang(lang, where="render_report")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**_context(comparison, lang, folder))


# --- what the page says -------------------------------------------------------------------------------------------


class _Catalogue:
    """Words, units and better-direction of indicator keys (the catalogue, else the comparison's own columns)."""

    def __init__(self, tidy) -> None:
        self.specs = CATALOGUE
        self.units = {}
        self.better = {}
        if tidy is not None and len(tidy):
            for key, units, better in tidy[["key", "units", "better"]].drop_duplicates("key").itertuples(index=False):
                self.units[key], self.better[key] = str(units), str(better)

    def words(self, key: str, lang: str) -> str:
        spec = self.specs.get(key)
        return spec.words(lang) if spec else key

    def unit(self, key: str) -> str:
        spec = self.specs.get(key)
        return spec.units if spec else self.units.get(key, "")

    def negligible(self, key: str, delta, lang: str) -> bool:
        """True if ``delta`` is missing, below the indicator's resolution (what the models can tell apart), or
        shows as zero once formatted: "no measurable change"."""
        units = self.unit(key)
        if missing(delta) or format_value(key, units, abs(delta), lang) == format_value(key, units, 0.0, lang):
            return True
        spec = self.specs.get(key)
        return spec is not None and not spec.measurable(float(delta))

    def judge(self, key: str, delta, lang: str) -> str:
        """``better``, ``worse`` or ``same`` (no measurable change: also a missing Δ)."""
        spec = self.specs.get(key)
        better = spec.better if spec else self.better.get(key, "none")
        if better == "none" or self.negligible(key, delta, lang):
            return "same"
        return "better" if (delta < 0) == (better == "lower") else "worse"


def _context(comparison, lang: str, folder) -> dict:
    t = section("report", lang)
    runs = list(comparison.runs)
    base = comparison.baseline
    names = [r.name for r in runs]
    cat = _Catalogue(getattr(comparison, "tidy", None))
    rows = _table_rows(comparison, names, lang)
    territory = (base.provenance.get("territory") or {}).get("name") or DASH
    return {
        "lang": lang,
        "t": t,
        "title": t["title"],
        "subtitle": t["subtitle"].format(territory=territory, baseline=base.title(lang)),
        "made_on": t["made_on"].format(date=format_date(dt.date.today(), lang), version=__version__),
        "baseline": base.name,
        "runs": [{"name": r.name, "title": r.title(lang)} for r in runs],
        "headlines": [
            _headlines(r.name, rows, cat, lang) | {"title": r.title(lang)} for r in runs[1:]
        ],
        "table": _table(rows, names, cat, lang),
        "scorecard": _scorecard(comparison, names, cat, lang),
        "residents": _residents(getattr(comparison, "residents", None), names, lang),
        "charts": bar_charts(rows, names, cat, lang),
        "events": event_maps(comparison, lang),
        "scenarios": [_scenario(r, lang, folder) for r in runs],
        "effect_heads": [t[f"effect_{engine}"] for engine in ENGINES],  # the measures' words for each engine
        "provenance": [_provenance(r, lang) for r in runs],
    }


def key_changes(comparison, name: str, *, lang: str = "en") -> dict:
    """What a comparison says of one run, for a page: its main changes in words and its key indicators.

    Parameters
    ----------
    comparison : twin.compare.Comparison
        Runs compared with a baseline.
    name : str
        The run's scenario name.
    lang : {"en", "fr"}
        Language of the words and the numbers.

    Returns
    -------
    dict
        ``{"lines": [{"text", "judgement", "event"}], "indicators": [{"key", "label", "units", "event",
        "baseline_value", "value", "delta", "text", "judgement", "measurable"}]}``, values in the indicators' units; the
        baseline itself has no lines and its indicators have no Δ.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown ``lang``.
    """
    check_lang(lang)
    names = [r.name for r in comparison.runs]
    cat = _Catalogue(getattr(comparison, "tidy", None))
    rows = _table_rows(comparison, names, lang)
    base = names[0]
    lines = [] if name == base else _headlines(name, rows, cat, lang)["lines"]
    indicators = []
    for r in sorted((r for r in rows if r["key"] in MAIN_KEYS), key=lambda r: MAIN_KEYS.index(r["key"])):
        key, units = r["key"], cat.unit(r["key"])
        value, delta = r["values"].get(name), None if name == base else r["deltas"].get(name)
        shown = format_value(key, units, value, lang)
        if delta is not None and not missing(delta):
            shown += f" ({format_value(key, units, delta, lang, sign=True)})"
        indicators.append(
            {
                "key": key,
                "label": cat.words(key, lang) + (f" ({r['event_title']})" if r["event"] else ""),
                "units": unit_label(key, units, lang),
                "event": r["event"],
                "baseline_value": None if missing(r["values"][base]) else r["values"][base],
                "value": None if missing(value) else value,
                "delta": None if delta is None or missing(delta) else delta,
                "text": shown,
                "judgement": "same" if delta is None else cat.judge(key, delta, lang),
                "measurable": delta is not None and not cat.negligible(key, delta, lang),
            }
        )
    lines = [{"text": x["text"], "judgement": x["cls"], "event": x["event"]} for x in lines]
    return {"lines": lines, "indicators": indicators}


def _residents(residents, names: list[str], lang: str) -> dict | None:
    """The consultation's marks and choices for the scenarios compared (those it had), or None."""
    if residents is None:
        return None
    t = section("report", lang)
    by = {s.scenario: s for s in residents.scenarios}
    shown = [n for n in names if n in by]
    if not shown:
        return None

    def mark(value, n=None, agreement=None) -> str:
        if value is None:
            return DASH
        text = format_number(value, lang, digits=1)
        if n is not None:
            text += f" ({n})"
        if agreement is not None:
            text += f", {t['residents_agreement']} {format_number(agreement, lang, digits=2)}"
        return text

    rows = [
        {"words": getattr(c, lang), "cells": [mark(by[n].criteria[c.id].mean, by[n].criteria[c.id].n,
                                                   by[n].criteria[c.id].agreement)
                                              if c.id in by[n].criteria else DASH for n in shown]}
        for c in residents.criteria
    ]  # fmt: skip
    rows.append({"words": t["residents_mean"], "cells": [mark(by[n].mean) for n in shown], "strong": True})
    for key, field in (("residents_first", "first_choices"), ("residents_borda", "borda"),
                       ("residents_own", "first_under_own_weights")):  # fmt: skip
        rows.append({"words": t[key], "cells": [str(getattr(by[n], field)) for n in shown]})
    intro = t["residents_intro"].format(participants=residents.participants, preferences=residents.preferences,
                                        title=residents.title or residents.consultation)  # fmt: skip
    return {"intro": intro, "names": shown, "rows": rows}


def _table_rows(comparison, names: list[str], lang: str) -> list[dict]:
    """The comparison table as plain rows: key, event (None: the territory) and what people call it in ``lang``,
    values and Δ by scenario."""
    rows = []
    table = comparison.table
    if table is None:
        return rows
    titles: dict[str, str] = {}
    for run in reversed(comparison.runs):  # the baseline's titles win
        titles |= {e["name"]: run.event_title(e["name"], lang) for e in run.events}
    for index, row in table.iterrows():
        key, event = index if isinstance(index, tuple) else (index, None)
        event = None if missing(event) else str(event)
        values = {n: _float(row.get(n)) for n in names}
        if all(missing(v) for v in values.values()):
            continue
        deltas = {}
        for n in names[1:]:
            d = _float(row.get(f"Δ {n}"))
            if missing(d) and not missing(values[n]) and not missing(values[names[0]]):
                d = values[n] - values[names[0]]
            deltas[n] = d
        title = None if event is None else titles.get(event, event)
        rows.append({"key": str(key), "event": event, "event_title": title, "values": values, "deltas": deltas})
    return rows


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _table(rows: list[dict], names: list[str], cat: _Catalogue, lang: str) -> dict:
    """Every territory-wide figure: one column per scenario, each cell its value and, under it, its Δ against the
    baseline (half the columns of a value and a Δ column each: the table fits a printed page)."""
    out = []
    for r in rows:
        key, units = r["key"], cat.unit(r["key"])
        cells = [{"value": format_value(key, units, r["values"][names[0]], lang), "delta": None}]
        for n in names[1:]:
            d = r["deltas"][n]
            shown = format_value(key, units, d, lang, sign=True)
            if not missing(d) and cat.negligible(key, d, lang):
                shown = text("report.not_measurable", lang)  # below what the models can tell apart
            delta = None if missing(d) else {"text": shown, "cls": cat.judge(key, d, lang)}
            cells.append({"value": format_value(key, units, r["values"][n], lang), "delta": delta})
        out.append(
            {
                "words": cat.words(key, lang),
                "key": key,
                "units": unit_label(key, units, lang),
                "event": r["event_title"] or text("report.territory_wide", lang),
                "cells": cells,
            }
        )
    return {"names": names, "rows": out}


def _amount(key: str, units: str, value: float, lang: str) -> str:
    """A size for a sentence: ``312``, ``1.2 M€``, ``0.35 °C``, ``2.1 pts``."""
    if is_share(key, units):
        return format_number(100 * value, lang, digits=1) + NBSP + "pts"
    text = format_value(key, units, value, lang)
    return text + NBSP + "°C" if units in ("K", "degC") else text


def _headlines(name: str, rows: list[dict], cat: _Catalogue, lang: str) -> dict:
    """Plain sentences for the main changes of one scenario, in the order of :data:`HEADLINE_KEYS`."""
    lines = []
    for r in sorted((r for r in rows if r["key"] in HEADLINE_KEYS), key=lambda r: HEADLINE_KEYS.index(r["key"])):
        d = r["deltas"].get(name, math.nan)
        if cat.negligible(r["key"], d, lang):
            continue
        key, units = f"headline.{r['key']}.{'down' if d < 0 else 'up'}", cat.unit(r["key"])
        if digits_for(units) == 0 and plural_form(round(abs(d)), lang) == "one" and has(f"{key}.one"):
            key += ".one"  # "1 fewer sensitive site", "1 site sensible en moins"
        line = text(key, lang, n=_amount(r["key"], units, abs(d), lang))
        if r["event"]:
            line += text("report.event_in", lang, event=r["event_title"])
        anchor = map_anchor(r["event"], name) if r["event"] else None  # the Δ map that shows why it moved
        lines.append({"text": line[0].upper() + line[1:], "cls": cat.judge(r["key"], d, lang), "event": r["event"],
                      "anchor": anchor})  # fmt: skip
    return {"name": name, "lines": lines[:HEADLINE_LIMIT]}


def _scorecard(comparison, names: list[str], cat: _Catalogue, lang: str) -> dict:
    weights = dict(getattr(comparison, "weights", {}) or {})
    card = comparison.scorecard.reindex(names) if comparison.scorecard is not None else None
    total = sum(weights.values()) or 1.0

    def cell(name: str, column: str, digits: int) -> str:
        if card is None or column not in card.columns:
            return DASH
        return format_number(card.at[name, column], lang, digits=digits)

    criteria = [
        {
            "words": cat.words(key, lang),
            "weight": format_number(w, lang, digits=1 if w != int(w) else 0),
            "share": format_number(100 * w / total, lang, digits=0) + NBSP + "%",
            "scores": [cell(n, key, 2) for n in names],
        }
        for key, w in weights.items()
    ]
    ranks = [cell(n, "rank", 0) for n in names]
    return {
        "names": names,
        "criteria": criteria,
        "score": [cell(n, "score", 2) for n in names],
        "rank": ranks,
        "best": [r == "1" for r in ranks],
    }


def _scenario(run, lang: str, folder) -> dict:
    s = run.scenario
    lifetime = s.get("lifetime_years")
    measures = [
        {
            "label": run.measure_label(i, lang) or DASH,
            "type": text(f"measure.{m['type']}", lang) if m.get("type") else DASH,
            "where": m.get("where") or DASH,
            "area": format_number(m.get("area_m2"), lang),
            "volume": format_number(m.get("volume_m3"), lang) if m.get("volume_m3") else DASH,
            "cost": format_money(m["cost_eur"], lang) if m.get("cost_eur") is not None else DASH,
            # how it works on each hazard, in words (the Δ maps show where it did)
            "effects": [text(f"effect.{m.get('type')}.{engine}", lang) for engine in ENGINES],
        }
        for i, m in enumerate(run.measures)
    ]
    link = None
    if folder is not None:
        try:
            link = Path(os.path.relpath(Path(run.folder).resolve(), Path(folder).resolve())).as_posix()
        except ValueError:  # another drive on Windows
            link = None
    return {
        "name": run.name,
        "title": s.get("title") or run.name,
        "description": s.get("description") or "",
        "status": text(f"status.{s['status']}", lang) if s.get("status") else DASH,
        "author": s.get("author") or DASH,
        "cost": format_money(s.get("cost_eur"), lang),
        "lifetime": text("report.years", lang, n=format_number(lifetime, lang)) if lifetime else DASH,
        "measures": measures,
        "link": link,
        "events": [_event_words(e, lang) for e in run.events if e.get("name")],
    }


def _event_words(event: dict, lang: str) -> str:
    """``"storm-100y (design storm)"``: an event's name and its kind in words."""
    kind = text(f"event.{event.get('kind')}", lang)
    return f"{event['name']} ({kind})"


def _provenance(run, lang: str) -> dict:
    p = run.provenance or {}
    scen, terr = p.get("scenario") or {}, p.get("territory") or {}
    files = [f for f in p.get("inputs") or [] if isinstance(f, dict)]
    # the page may be served: it names files, never the folders of the machine that made it
    folders = sorted({str(Path(str(f.get("path", ""))).parent) for f in files}, key=len, reverse=True)
    params = []
    for engine, values in (p.get("parameters") or {}).items():
        if isinstance(values, dict):
            line = ", ".join(f"{k}={_compact(v)}" for k, v in values.items())
        else:
            line = _compact(values)
        params.append({"engine": engine, "text": _without_folders(line, folders)})
    colon = text("punct.colon", lang)
    timings = [
        f"{stage}{colon}{format_number(s, lang, digits=1)}{NBSP}s"
        for stage, s in (p.get("timings_s") or {}).items()
        if not missing(s)
    ]
    reused, balance = [], []
    for name, e in (p.get("events") or {}).items():
        e = e or {}
        if e.get("reused_from"):
            r = e["reused_from"]
            reused.append(text("report.reused_line", lang, event=name, scenario=r.get("scenario", DASH),
                               reason=r.get("reason", DASH)))  # fmt: skip
        if isinstance(e.get("mass_balance"), dict):
            balance.append(f"{name}: {format_sci(e['mass_balance'].get('relative_error'), lang)}")
    after = terr.get("sha256_after_measures")
    inputs = [{"name": Path(str(f.get("path", ""))).name, "role": str(f.get("role", "")), "sha": _hash(f.get("sha256"))}
              for f in files]  # fmt: skip
    return {
        "name": run.name,
        "title": run.title(lang),
        "version": p.get("twin_version") or DASH,
        "scenario_sha": _hash(scen.get("sha256")),
        "territory_sha": _hash(terr.get("sha256_before_measures")),
        "territory_after": after or "",
        "created": str(p.get("created_utc") or DASH),
        "parameters": params,
        "timings": timings,
        "reused": reused,
        "balance": balance,
        "inputs": inputs,
        "table": Path(str(terr["land_cover_table"])).name if terr.get("land_cover_table") else DASH,
        "notes": [_without_folders(str(n), folders) for n in terr.get("notes") or []],
        "changed_layers": [str(n) for n in terr.get("changed_layers") or []],
    }


def _without_folders(text: str, folders: list[str]) -> str:
    """``text`` with the folders of the run's input files taken out of the paths it names (``/srv/x/dem.tif`` →
    ``dem.tif``)."""
    for folder in folders:
        if folder not in ("", "."):
            text = text.replace(folder.rstrip("/") + "/", "")
    return text


def _hash(value) -> dict:
    value = str(value) if value else ""
    return {"short": value[:12] if value else DASH, "full": value}


def _compact(value) -> str:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


# --- figures ----------------------------------------------------------------------------------------------------
