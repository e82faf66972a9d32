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

from .engines import engine_for
from .errors import TwinError
from .i18n import NBSP, TEXT, forcing_words, format_number, format_value, is_share, missing, unit_label
from .impacts.records import CHART_KEYS

UTCI_BOUNDS = (26.0, 32.0, 38.0, 46.0)  # moderate, strong, very strong, extreme heat stress (Bröde et al. 2012)
UTCI_COLOURS = ("#f1ecd9", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
WET_M = 0.01  # depths below this are left clear on the maps, m
NO_CHANGE = {"max_depth": 0.005, "utci": 0.05}  # |Δ| below this is drawn as no change (m, °C)
DELTA_FLOOR = {"max_depth": 0.05, "utci": 0.5}  # smallest half-range of a Δ colour scale (m, °C)
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
                title = cat.words(key, lang) + (f" — {r['event']}" if r["event"] else "")
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
    words = cat.words(key, lang) + (f" — {row['event']}" if row["event"] else "")
    fig.text(0.02, 0.975, "\n".join(textwrap.wrap(words, 75)), va="top")
    return _png(fig)


def event_maps(comparison, lang: str) -> list[dict]:
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
            var = engine_for(kind).report_map
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
