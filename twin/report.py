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

import base64
import datetime as dt
import io
import json
import math
import os
import textwrap
from pathlib import Path

import numpy as np

from . import __version__
from .errors import TwinError
from .i18n import (
    DASH,
    HEADLINES,
    MEASURE_TYPES,
    NBSP,
    STATUS,
    TEXT,
    check_lang,
    forcing_words,
    format_date,
    format_money,
    format_number,
    format_sci,
    format_value,
    is_share,
    missing,
    unit_label,
)

# One bar chart per (key, event) of these keys, in this order.
CHART_KEYS = (
    "heat.people_strong_stress",
    "heat.uhi_night_mean_k",
    "flood.damage_eur",
    "flood.people_exposed",
    "land.canopy_share",
    "scenario.cost_eur",
)
HEADLINE_LIMIT = 6  # sentences per scenario
MAP_VAR = {"heatwave": "utci", "flood": "max_depth"}  # the map shown for each family of events
UTCI_BOUNDS = (26.0, 32.0, 38.0, 46.0)  # moderate, strong, very strong, extreme heat stress (Bröde et al. 2012)
UTCI_COLOURS = ("#f1ecd9", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
WET_M = 0.01  # depths below this are left clear on the maps, m
NO_CHANGE = {"max_depth": 0.005, "utci": 0.05}  # |Δ| below this is drawn as no change (m, °C)
DELTA_FLOOR = {"max_depth": 0.05, "utci": 0.5}  # smallest half-range of a Δ colour scale (m, °C)
DPI = 90
MAP_SIZE = (5.0, 4.2)  # inches
CHART_SIZE = (5.0, 3.2)
COLOURS = {"baseline": "#8c8c8c", "better": "#1a9850", "worse": "#d73027", "same": "#bdbdbd"}


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
    """The report's HTML as a string; ``folder`` is where it will live (for relative links to the runs)."""
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
        from .impacts.records import CATALOGUE

        self.specs = CATALOGUE
        self.units = {}
        self.better = {}
        if tidy is not None and len(tidy):
            for key, units, better in tidy[["key", "units", "better"]].drop_duplicates("key").itertuples(index=False):
                self.units[key], self.better[key] = str(units), str(better)

    def words(self, key: str, lang: str) -> str:
        spec = self.specs.get(key)
        return getattr(spec, lang) if spec else key

    def unit(self, key: str) -> str:
        spec = self.specs.get(key)
        return spec.units if spec else self.units.get(key, "")

    def shows_zero(self, key: str, delta, lang: str) -> bool:
        """True if ``delta`` is missing or shows as zero once formatted."""
        units = self.unit(key)
        return missing(delta) or format_value(key, units, abs(delta), lang) == format_value(key, units, 0.0, lang)

    def judge(self, key: str, delta, lang: str) -> str:
        """``better``, ``worse`` or ``same`` (also for a missing Δ or a Δ that shows as zero)."""
        spec = self.specs.get(key)
        better = spec.better if spec else self.better.get(key, "none")
        if better == "none" or self.shows_zero(key, delta, lang):
            return "same"
        return "better" if (delta < 0) == (better == "lower") else "worse"


def _context(comparison, lang: str, folder) -> dict:
    t = TEXT[lang]
    runs = list(comparison.runs)
    base = comparison.baseline
    names = [r.name for r in runs]
    cat = _Catalogue(getattr(comparison, "tidy", None))
    rows = _table_rows(comparison.table, names)
    territory = (base.provenance.get("territory") or {}).get("name") or DASH
    return {
        "lang": lang,
        "t": t,
        "title": t["title"],
        "subtitle": t["subtitle"].format(territory=territory, baseline=base.scenario.get("title") or base.name),
        "made_on": t["made_on"].format(date=format_date(dt.date.today(), lang), version=__version__),
        "baseline": base.name,
        "runs": [{"name": r.name, "title": r.scenario.get("title") or r.name} for r in runs],
        "headlines": [
            _headlines(r.name, rows, cat, lang) | {"title": r.scenario.get("title") or r.name} for r in runs[1:]
        ],
        "table": _table(rows, names, cat, lang),
        "scorecard": _scorecard(comparison, names, cat, lang),
        "charts": _charts(rows, names, cat, lang),
        "events": _maps(comparison, lang),
        "scenarios": [_scenario(r, lang, folder) for r in runs],
        "provenance": [_provenance(r, lang) for r in runs],
    }


def _table_rows(table, names: list[str]) -> list[dict]:
    """The comparison table as plain rows: key, event (None: the territory), values and Δ by scenario."""
    rows = []
    if table is None:
        return rows
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
        rows.append({"key": str(key), "event": event, "values": values, "deltas": deltas})
    return rows


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _table(rows: list[dict], names: list[str], cat: _Catalogue, lang: str) -> dict:
    out = []
    for r in rows:
        key, units = r["key"], cat.unit(r["key"])
        deltas = []
        for n in names[1:]:
            d = r["deltas"][n]
            deltas.append({"text": format_value(key, units, d, lang, sign=True), "cls": cat.judge(key, d, lang)})
        out.append(
            {
                "words": cat.words(key, lang),
                "key": key,
                "units": unit_label(key, units, lang),
                "event": r["event"] or TEXT[lang]["territory_wide"],
                "cells": [format_value(key, units, r["values"][n], lang) for n in names],
                "deltas": deltas,
            }
        )
    return {"names": names, "delta_names": names[1:], "rows": out}


def _amount(key: str, units: str, value: float, lang: str) -> str:
    """A size for a sentence: ``312``, ``1.2 M€``, ``0.35 °C``, ``2.1 pts``."""
    if is_share(key, units):
        return format_number(100 * value, lang, digits=1) + NBSP + "pts"
    text = format_value(key, units, value, lang)
    return text + NBSP + "°C" if units in ("K", "degC") else text


def _headlines(name: str, rows: list[dict], cat: _Catalogue, lang: str) -> dict:
    """Plain sentences for the main changes of one scenario, in the order of :data:`HEADLINES`."""
    order = list(HEADLINES[lang])
    lines = []
    for r in sorted((r for r in rows if r["key"] in HEADLINES[lang]), key=lambda r: order.index(r["key"])):
        d = r["deltas"].get(name, math.nan)
        if cat.shows_zero(r["key"], d, lang):
            continue
        down, up = HEADLINES[lang][r["key"]]
        text = (down if d < 0 else up).format(n=_amount(r["key"], cat.unit(r["key"]), abs(d), lang))
        if r["event"]:
            text += TEXT[lang]["event_in"].format(event=r["event"])
        lines.append({"text": text[0].upper() + text[1:], "cls": cat.judge(r["key"], d, lang)})
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
            "label": m.get("label") or DASH,
            "type": MEASURE_TYPES[lang].get(m.get("type"), m.get("type") or DASH),
            "where": m.get("where") or DASH,
            "area": format_number(m.get("area_m2"), lang),
            "volume": format_number(m.get("volume_m3"), lang) if m.get("volume_m3") else DASH,
        }
        for m in run.measures
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
        "status": STATUS[lang].get(s.get("status"), s.get("status") or DASH),
        "author": s.get("author") or DASH,
        "cost": format_money(s.get("cost_eur"), lang),
        "lifetime": TEXT[lang]["years"].format(n=format_number(lifetime, lang)) if lifetime else DASH,
        "measures": measures,
        "link": link,
        "events": [
            f"{e.get('name')} ({TEXT[lang].get(e.get('kind'), e.get('kind'))})" for e in run.events if e.get("name")
        ],
    }


def _provenance(run, lang: str) -> dict:
    p = run.provenance or {}
    scen, terr = p.get("scenario") or {}, p.get("territory") or {}
    params = []
    for engine, values in (p.get("parameters") or {}).items():
        if isinstance(values, dict):
            text = ", ".join(f"{k}={_compact(v)}" for k, v in values.items())
        else:
            text = _compact(values)
        params.append({"engine": engine, "text": text})
    colon = NBSP + ":" if lang == "fr" else ":"
    timings = [
        f"{stage}{colon} {format_number(s, lang, digits=1)}{NBSP}s"
        for stage, s in (p.get("timings_s") or {}).items()
        if not missing(s)
    ]
    reused, balance = [], []
    for name, e in (p.get("events") or {}).items():
        e = e or {}
        if e.get("reused_from"):
            r = e["reused_from"]
            line = TEXT[lang]["reused_line"]
            reused.append(line.format(event=name, scenario=r.get("scenario", DASH), reason=r.get("reason", DASH)))
        if isinstance(e.get("mass_balance"), dict):
            balance.append(f"{name}: {format_sci(e['mass_balance'].get('relative_error'), lang)}")
    after = terr.get("sha256_after_measures")
    return {
        "name": run.name,
        "title": run.scenario.get("title") or run.name,
        "version": p.get("twin_version") or DASH,
        "scenario_sha": _hash(scen.get("sha256")),
        "territory_sha": _hash(terr.get("sha256_before_measures")),
        "territory_after": after or "",
        "created": str(p.get("created_utc") or DASH),
        "parameters": params,
        "timings": timings,
        "reused": reused,
        "balance": balance,
    }


def _hash(value) -> dict:
    value = str(value) if value else ""
    return {"short": value[:12] if value else DASH, "full": value}


def _compact(value) -> str:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


# --- figures ----------------------------------------------------------------------------------------------------


def _figure(size: tuple[float, float]):
    """A figure on the Agg canvas (no pyplot, no global backend); axes are placed by hand (no layout engine)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 6})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _rc() -> dict:
    return {"font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8}


def _charts(rows: list[dict], names: list[str], cat: _Catalogue, lang: str) -> list[dict]:
    import matplotlib as mpl

    charts = []
    with mpl.rc_context(_rc()):
        for key in CHART_KEYS:
            for r in rows:
                if r["key"] != key or all(missing(v) for v in r["values"].values()):
                    continue
                title = cat.words(key, lang) + (f" — {r['event']}" if r["event"] else "")
                charts.append({"src": _bar_chart(r, names, cat, lang), "alt": title})
    return charts


def _bar_chart(row: dict, names: list[str], cat: _Catalogue, lang: str) -> str:
    from matplotlib.ticker import FuncFormatter

    key, units = row["key"], cat.unit(row["key"])
    values = [row["values"][n] for n in names]
    scale, label = 1.0, unit_label(key, units, lang)
    if units.startswith("EUR"):
        top = max((abs(v) for v in values if not missing(v)), default=0.0)
        scale, prefix = (1e6, "M€") if top >= 1e6 else (1e3, "k€") if top >= 1e3 else (1.0, "€")
        label = prefix + label[1:] if label.startswith("€") else prefix
    elif is_share(key, units):
        scale = 0.01
    fig = _figure(CHART_SIZE)
    ax = fig.add_axes((0.14, 0.2, 0.83, 0.6))
    heights = [0.0 if missing(v) else v / scale for v in values]
    colours = [COLOURS["baseline"]] + [COLOURS[cat.judge(key, row["deltas"][n], lang)] for n in names[1:]]
    bars = ax.bar(range(len(names)), heights, color=colours, width=0.7)
    for bar, v in zip(bars, values, strict=True):
        ax.annotate(
            format_value(key, units, v, lang),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=7.5,
        )  # fmt: skip
    ax.set_xticks(range(len(names)), names, rotation=25, ha="right")
    digits = 0 if max((abs(h) for h in heights), default=0) >= 10 else 1
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, lang, digits=digits)))
    ax.set_ylabel(label)
    ax.margins(y=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    words = cat.words(key, lang) + (f" — {row['event']}" if row["event"] else "")
    fig.text(0.02, 0.975, "\n".join(textwrap.wrap(words, 75)), va="top")
    return _png(fig)


def _maps(comparison, lang: str) -> list[dict]:
    """Per baseline event: its hazard map, then each other scenario's Δ map on one shared scale."""
    import matplotlib as mpl

    t = TEXT[lang]
    base = comparison.baseline
    background = _background(base)
    buildings = {r.name: _buildings(r) for r in comparison.runs}
    events = []
    with mpl.rc_context(_rc()):
        for e in base.events:
            name, kind = e.get("name"), e.get("kind")
            family = "heatwave" if kind == "heatwave" else "flood"
            var = MAP_VAR[family]
            values = _read(base, name, var)
            depth = var == "max_depth"
            entry = {
                "name": name,
                "kind": t.get(kind, kind),
                "forcing": forcing_words(e.get("forcing") or {}, lang),
                "legend": t["legend_depth"] if depth else t["legend_utci"],
                "note": t["legend_depth_note"] if depth else t["legend_utci_note"],
                "delta_legend": t["legend_d_depth"] if depth else t["legend_d_utci"],
                "base": None,
                "diffs": [],
            }
            if values is not None:
                entry["base"] = {
                    "src": _map_png(values, var, background, buildings[base.name], title=base.name, lang=lang),
                    "alt": f"{entry['legend']} — {name} — {base.name}",
                }
            deltas = {r.name: _delta(comparison, r, name, kind, var) for r in comparison.runs[1:]}
            limit = _delta_limit([d for d in deltas.values() if d is not None], var)
            for r in comparison.runs[1:]:
                d = deltas[r.name]
                src, note = None, t["no_map"]
                if d is not None and not (np.abs(d[np.isfinite(d)]) >= NO_CHANGE[var]).any():
                    note = t["no_change_map"]  # a map of nothing says less than these words
                elif d is not None:
                    shown = buildings[r.name]
                    src = _map_png(d, "delta_" + var, background, shown, title=r.name, lang=lang, limit=limit)
                entry["diffs"].append(
                    {"name": r.name, "src": src, "note": note, "alt": f"{entry['delta_legend']} — {name} — {r.name}"}
                )
            events.append(entry)
    return events


def _read(run, event: str, var: str):
    try:
        values, _units = run.read_map(event, var)
    except (TwinError, OSError, ValueError):
        return None
    return np.asarray(values, dtype=float)


def _delta(comparison, run, event: str, kind: str, var: str):
    """Scenario − baseline for one map: the written Δ map, else computed from both runs; None if not possible."""
    if not any(e.get("name") == event and e.get("kind") == kind for e in run.events):
        return None
    path = (getattr(comparison, "diffs", None) or {}).get((run.name, event, var))
    if path is not None:
        import rasterio

        try:
            with rasterio.open(path) as src:
                return src.read(1, masked=True).astype(float).filled(np.nan)
        except (OSError, ValueError):
            pass
    a, b = _read(run, event, var), _read(comparison.baseline, event, var)
    if a is None or b is None or a.shape != b.shape:
        return None
    return a - b


def _delta_limit(deltas: list, var: str) -> float:
    """Half-range of the shared Δ colour scale: the 99th percentile of the changes, at least a floor."""
    changes = [np.abs(d[np.isfinite(d) & (np.abs(d) >= NO_CHANGE[var])]) for d in deltas]
    changes = [c for c in changes if c.size]
    if not changes:
        return DELTA_FLOOR[var]
    return max(float(np.percentile(np.concatenate(changes), 99)), DELTA_FLOOR[var])


def _territory_map(run, name: str):
    import rasterio

    path = Path(run.folder) / "territory" / f"{name}.tif"
    try:
        with rasterio.open(path) as src:
            return src.read(1, masked=True).astype(float).filled(np.nan), src.bounds, src.res[0]
    except (OSError, ValueError):
        return None


def _background(run) -> dict:
    """Hillshade of the baseline's terrain, the maps' extent and cell size (if the run has its elevation)."""
    from matplotlib.colors import LightSource

    found = _territory_map(run, "elevation")
    if found is None:
        return {"shade": None, "extent": None, "cell": None}
    elevation, bounds, cell = found
    filled = np.where(np.isfinite(elevation), elevation, np.nanmean(elevation) if np.isfinite(elevation).any() else 0)
    shade = LightSource(azdeg=315, altdeg=45).hillshade(filled, vert_exag=2.0, dx=cell, dy=cell)
    extent = (bounds.left, bounds.right, bounds.bottom, bounds.top)
    return {"shade": shade, "extent": extent, "cell": cell}


def _buildings(run):
    found = _territory_map(run, "building_height")
    return None if found is None else np.nan_to_num(found[0]) > 0


def _map_png(values, kind: str, background: dict, buildings, *, title: str, lang: str, limit: float = 1.0) -> str:
    """One map as PNG: pale relief, the values in colour, buildings in dark grey, a colour bar and a scale bar.

    The layers are composed into one RGBA image here (one ``imshow``, fixed axes: no layout engine), which
    keeps a demo report of some thirty maps to a few seconds.
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize, to_rgba
    from matplotlib.ticker import FuncFormatter

    t = TEXT[lang]
    values = np.asarray(values, dtype=float)
    extent = background["extent"]
    if background["shade"] is None or background["shade"].shape != values.shape:
        extent = None  # a map on another grid than the elevation: no relief, no scale bar
    if kind == "max_depth":
        top = max(0.5, float(np.nanpercentile(values, 99.5))) if np.isfinite(values).any() else 0.5
        mapping = ScalarMappable(Normalize(0.0, top), "Blues")
        shown = values >= WET_M
        label, digits, ticks = t["legend_depth"], 1 if top < 5 else 0, None
    elif kind == "utci":
        finite = values[np.isfinite(values)]
        lo = min(float(finite.min()) if finite.size else 20.0, UTCI_BOUNDS[0] - 4)
        hi = max(float(finite.max()) if finite.size else 50.0, UTCI_BOUNDS[-1] + 4)
        bounds = [lo, *UTCI_BOUNDS, hi]
        mapping = ScalarMappable(BoundaryNorm(bounds, len(UTCI_COLOURS)), ListedColormap(UTCI_COLOURS))
        shown = np.isfinite(values)
        label, digits, ticks = t["legend_utci"], 0, list(UTCI_BOUNDS)
    else:
        var = kind.removeprefix("delta_")
        mapping = ScalarMappable(Normalize(-limit, limit), "RdBu_r")
        shown = np.abs(values) >= NO_CHANGE[var]
        label = t["legend_d_depth"] if var == "max_depth" else t["legend_d_utci"]
        digits, ticks = (2 if limit < 1 else 1), None
    if extent is not None:
        grey = 0.78 + 0.22 * np.clip(background["shade"], 0.0, 1.0)  # pale relief under the values
        image = np.dstack([grey, grey, grey, np.ones_like(grey)])
    else:
        image = np.ones((*values.shape, 4))
    image[shown] = mapping.to_rgba(np.where(shown, values, 0.0))[shown]
    if buildings is not None and buildings.shape == values.shape:
        image[buildings] = to_rgba("#4d4d4d")

    fig = _figure(MAP_SIZE)
    ax = fig.add_axes((0.02, 0.27, 0.96, 0.66))
    ax.imshow(image, extent=extent, interpolation="nearest", origin="upper")
    ax.set_axis_off()
    fig.text(0.02, 0.975, title, va="top", fontweight="bold")
    if extent is not None:
        _scale_bar(ax, extent)
    cax = fig.add_axes((0.1, 0.17, 0.8, 0.045))
    bar = fig.colorbar(mapping, cax=cax, orientation="horizontal", ticks=ticks)
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, lang, digits=digits)))
    bar.set_label("\n".join(textwrap.wrap(label, 70)))
    if kind == "utci":
        _utci_class_names(bar, bounds, lang)
    return _png(fig)


def _utci_class_names(bar, bounds: list[float], lang: str) -> None:
    from matplotlib.transforms import blended_transform_factory

    names = TEXT[lang]["utci_classes"].split("|")
    where = blended_transform_factory(bar.ax.transData, bar.ax.transAxes)
    for i, name in enumerate(names):
        colour = "white" if i >= 3 else "black"
        mid = (bounds[i] + bounds[i + 1]) / 2
        bar.ax.text(mid, 0.5, name, transform=where, ha="center", va="center", fontsize=7, color=colour)


def _scale_bar(ax, extent: tuple[float, float, float, float]) -> None:
    """A scale bar of a round length, about a fifth of the map's width, bottom left (white-edged: readable on water)."""
    from matplotlib import patheffects

    width = extent[1] - extent[0]
    length = max((s for s in (10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000) if s <= width / 5), default=0)
    if not length:
        return
    x0 = extent[0] + 0.04 * width
    y0 = extent[2] + 0.05 * (extent[3] - extent[2])
    edge = [patheffects.withStroke(linewidth=3.5, foreground="white")]
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", path_effects=edge)
    text = f"{length // 1000}{NBSP}km" if length >= 1000 else f"{length}{NBSP}m"
    ax.text(x0 + length / 2, y0, text, ha="center", va="bottom", fontsize=8, path_effects=edge)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
