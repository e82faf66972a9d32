"""The report's figures: bar charts of the indicators and maps of each event with their Δ.

Matplotlib draws on the Agg canvas (no pyplot, no global backend); each figure
becomes an inline ``data:image/png;base64,...`` so the report stays one file.
"""

from __future__ import annotations

import base64
import io
import textwrap
from pathlib import Path

import numpy as np

from .colours import RAMPS, Ramp, hex_rgb, rgba
from .engines import engine_for
from .errors import TwinError
from .formats import NBSP, forcing_words, format_number, format_value, is_share, missing, unit_label
from .impacts.records import CHART_KEYS
from .words import text

BUILDINGS = "#4d4d4d"  # buildings on the report's maps
DPI = 90
MAP_SIZE = (5.0, 4.2)  # inches
CHART_SIZE = (5.0, 3.2)
COLOURS = {"baseline": "#8c8c8c", "better": "#1a9850", "worse": "#d73027", "same": "#bdbdbd"}


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


def bar_charts(rows: list[dict], names: list[str], cat, lang: str) -> list[dict]:
    import matplotlib as mpl

    charts = []
    with mpl.rc_context(_rc()):
        for key in CHART_KEYS:
            for r in rows:
                if r["key"] != key or all(missing(v) for v in r["values"].values()):
                    continue
                title = cat.words(key, lang) + (f" — {r['event_title']}" if r["event"] else "")
                charts.append({"src": _bar_chart(r, names, cat, lang), "alt": title})
    return charts


def _bar_chart(row: dict, names: list[str], cat, lang: str) -> str:
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
    words = cat.words(key, lang) + (f" — {row['event_title']}" if row["event"] else "")
    fig.text(0.02, 0.975, "\n".join(textwrap.wrap(words, 75)), va="top")
    return _png(fig)


def map_anchor(event: str, scenario: str) -> str:
    """The id of a scenario's Δ map of an event in the report (headlines link to it)."""
    return f"map-{event}-{scenario}"


def event_maps(comparison, lang: str) -> list[dict]:
    """Per baseline event: the map of its engine's report output, then each other scenario's Δ map, all in the
    colours of :mod:`twin.colours` (the viewer's)."""
    import matplotlib as mpl

    base = comparison.baseline
    background = _background(base)
    buildings = {r.name: _buildings(r) for r in comparison.runs}
    events = []
    with mpl.rc_context(_rc()):
        for e in base.events:
            name, kind = e.get("name"), e.get("kind")
            engine = engine_for(kind)
            spec = engine.output(engine.report_map)
            entry = {
                "name": name,
                "title": base.event_title(name, lang),
                "kind": text(f"event.{kind}", lang),
                "forcing": forcing_words(e.get("forcing") or {}, lang),
                "legend": text(f"map.{spec.name}.legend", lang),
                "note": text(f"map.{spec.name}.note", lang),
                "delta_legend": text(f"map.{spec.name}.delta_legend", lang),
                "base": None,
                "extras": [],
                "diffs": [],
            }
            values = _read(base, name, spec.name)
            if values is not None:
                picture = _map_png(values, RAMPS[spec.ramp], background, buildings[base.name], title=base.title(lang),
                                   label=entry["legend"], lang=lang)  # fmt: skip
                entry["base"] = {"src": picture, "alt": f"{entry['legend']} — {entry['title']} — {base.title(lang)}"}
            for extra in engine.report_maps[1:]:  # the baseline's other maps (hours in heat stress, hour of the peak)
                entry["extras"] += _extra_map(base, name, engine.output(extra), background, buildings[base.name],
                                              entry["title"], lang)  # fmt: skip
            ramp = RAMPS[spec.delta_ramp]
            for r in comparison.runs[1:]:
                d = _delta(comparison, r, name, kind, spec.name)
                src, note = None, text("report.no_map", lang)
                if d is not None and _unchanged(d, ramp):
                    note = text("report.no_change_map", lang)  # a map of nothing says less than these words
                elif d is not None:
                    src = _map_png(d, ramp, background, buildings[r.name], title=r.title(lang),
                                   label=entry["delta_legend"], lang=lang)  # fmt: skip
                entry["diffs"].append(
                    {
                        "name": r.name,
                        "title": r.title(lang),
                        "src": src,
                        "note": note,
                        "id": map_anchor(name, r.name),
                        "alt": f"{entry['delta_legend']} — {entry['title']} — {r.title(lang)}",
                    }
                )
            events.append(entry)
    return events


def _extra_map(run, event: str, spec, background: dict, buildings, event_title: str, lang: str) -> list[dict]:
    """One more map of the baseline for an event (none if the run lacks it)."""
    values = _read(run, event, spec.name)
    if values is None:
        return []
    legend = text(f"map.{spec.name}.legend", lang)
    src = _map_png(values, RAMPS[spec.ramp], background, buildings, title=run.title(lang), label=legend, lang=lang)
    return [
        {"src": src, "legend": legend, "note": text(f"map.{spec.name}.note", lang),
         "alt": f"{legend} — {event_title} — {run.title(lang)}"}
    ]  # fmt: skip


MAP_CHANGED_SHARE = 0.002  # a Δ map shows a change where more cells than this share change beyond twice its clear band


def _unchanged(d, ramp) -> bool:
    """Whether a Δ map has nothing to show: fewer than :data:`MAP_CHANGED_SHARE` of its cells change by more than
    twice the ramp's clear band (0.1 °C, 1 cm of water: what the models tell apart), so that a page of grey with a
    few specks collapses into one line."""
    values = np.asarray(d, dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return True
    changed = np.abs(values[finite]) >= 2 * ramp.clear_below
    return changed.mean() < MAP_CHANGED_SHARE


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


def colormap(ramp: Ramp, values=None):
    """A matplotlib ``ScalarMappable`` of ``ramp`` (the colour bar of a map): a continuous ramp is a linear colour map
    through its stops at their values; a ramp of classes a listed one bounded at its stops (the first and last
    bounds reach the ``values`` shown, if given)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap, Normalize

    at = ramp.values
    colours = [s.colour for s in ramp.stops]
    if ramp.kind == "classes":
        finite = np.asarray(values, dtype=float)[np.isfinite(values)] if values is not None else np.zeros(0)
        step = float(at[-1] - at[1]) / max(len(at) - 2, 1) if len(at) > 2 else 1.0
        lo = min(float(finite.min()) if finite.size else at[0], float(at[1]) - step)
        hi = max(float(finite.max()) if finite.size else at[-1] + step, float(at[-1]) + step)
        return ScalarMappable(BoundaryNorm([lo, *at[1:], hi], len(colours)), ListedColormap(colours))
    positions = (at - at[0]) / (at[-1] - at[0])
    cmap = LinearSegmentedColormap.from_list(ramp.name, list(zip(positions, colours, strict=True)), N=4096)
    return ScalarMappable(Normalize(float(at[0]), float(at[-1])), cmap)


def _map_png(values, ramp: Ramp, background: dict, buildings, *, title: str, label: str, lang: str) -> str:
    """One map as PNG: pale relief, the values in the ramp's colours (:func:`twin.colours.rgba`, as the viewer
    draws them), buildings in dark grey, a colour bar and a scale bar.

    The layers are composed into one RGBA image here (one ``imshow``, fixed axes: no layout engine), which
    keeps a demo report of some thirty maps to a few seconds.
    """
    from matplotlib.colors import to_rgba
    from matplotlib.ticker import FuncFormatter

    values = np.asarray(values, dtype=float)
    extent = background["extent"]
    if background["shade"] is None or background["shade"].shape != values.shape:
        extent = None  # a map on another grid than the elevation: no relief, no scale bar
    if extent is not None:
        grey = 0.78 + 0.22 * np.clip(background["shade"], 0.0, 1.0)  # pale relief under the values
        image = np.dstack([grey, grey, grey, np.ones_like(grey)])
    else:
        image = np.ones((*values.shape, 4))
    colours = rgba(ramp, values)
    shown = colours[..., 3] > 0
    image[shown] = colours[shown] / 255.0
    if buildings is not None and buildings.shape == values.shape:
        image[buildings] = to_rgba(BUILDINGS)

    fig = _figure(MAP_SIZE)
    ax = fig.add_axes((0.02, 0.27, 0.96, 0.66))
    ax.imshow(image, extent=extent, interpolation="nearest", origin="upper")
    ax.set_axis_off()
    fig.text(0.02, 0.975, title, va="top", fontweight="bold")
    if extent is not None:
        _scale_bar(ax, extent)
    cax = fig.add_axes((0.1, 0.17, 0.8, 0.045))
    mapping = colormap(ramp, values)
    inner = list(ramp.values[1:]) if ramp.kind == "classes" else list(ramp.values)
    bar = fig.colorbar(mapping, cax=cax, orientation="horizontal", ticks=inner)
    digits = 0 if all(float(v).is_integer() for v in inner) else 2 if min(abs(v) for v in inner if v) < 0.1 else 1
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, lang, digits=digits)))
    bar.ax.tick_params(labelsize=6.5)
    bar.set_label("\n".join(textwrap.wrap(label, 70)))
    if ramp.kind == "classes":
        _class_names(bar, ramp, mapping, lang)
    return _png(fig)


def _class_names(bar, ramp: Ramp, mapping, lang: str) -> None:
    """Each class's words inside its box of the colour bar (short forms: the legend says the ranges)."""
    from matplotlib.transforms import blended_transform_factory

    bounds = mapping.norm.boundaries
    where = blended_transform_factory(bar.ax.transData, bar.ax.transAxes)
    for i, stop in enumerate(ramp.stops):
        dark = sum(int(c) for c in hex_rgb(stop.colour)) < 3 * 128
        mid = (bounds[i] + bounds[i + 1]) / 2
        name = text(f"ramp.{ramp.name}.{stop.note}.short", lang)
        bar.ax.text(mid, 0.5, name, transform=where, ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")  # fmt: skip


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
