"""The layers a viewer can show, built from the engines' outputs (:mod:`twin.engines`), the colour table
(:mod:`twin.colours`) and the word tables (:mod:`twin.words`); nothing here lists an output.

Every output with a ramp is a layer of the same id (``max_depth``, ``utci``, ``depth`` for the flood frames); an
output with a ``delta_ramp`` also gives a Δ layer ``<id>_delta`` (the scenario minus its baseline); ``land`` shows
the territory's land cover. An output with a time dimension is shown over time, on a timeline: ``"frames"`` when
its ramp is a surface (the flood's water, a 3D surface for each saved frame), ``"steps"`` otherwise (a map over
the ground for each step, such as the heat engine's hours of the day). The 3D scenes (:mod:`viewer.scene`), the PNG
overlays of the web page and its legends all read this one list, so a colour means the same thing everywhere, the
report included.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twin.colours import RAMPS, Ramp, hex_rgb, rgba, stop_label
from twin.engines import ENGINES, layer_outputs
from twin.errors import DataSourceError, message
from twin.words import LANGS, text

LAND = "land"  # the territory's own layer: land cover, buildings by use
TIME = "time"  # the dimension of an output over time
FRAMES, STEPS = "frames", "steps"  # the timelines: 3D surfaces (the flood's water), maps over the ground (hours)


@dataclass(frozen=True)
class Layer:
    """A map a viewer can show.

    Attributes
    ----------
    id : str
        Name in URLs and on the command line (``utci``, ``max_depth_delta``...).
    family : str
        Which events have it: ``"land"`` (the territory), or the name of the engine whose events do.
    var : str or None
        The map's name in a run (an output of the engine); None for the land cover.
    ramp : Ramp
        Its colours (:data:`twin.colours.RAMPS`).
    buildings : Ramp
        How the 3D scenes colour the buildings with it: by use, or exposed to the engine's hazard.
    delta_of : str or None
        For a Δ layer (a scenario minus its baseline), the id of the layer it differences.
    timeline : {"frames", "steps"} or None
        How a layer with a time dimension is shown over time: ``"frames"``, a 3D surface for each saved frame (the
        flood's water); ``"steps"``, a map over the ground for each step (the hours of a heat event); None for a
        layer without time.
    menu : bool
        Offered in the page's list of layers.
    """

    id: str
    family: str
    var: str | None
    ramp: Ramp
    buildings: Ramp
    delta_of: str | None = None
    timeline: str | None = None
    menu: bool = False

    @property
    def animated(self) -> bool:
        """Whether the layer is shown over time (frames or steps)."""
        return self.timeline is not None

    @property
    def is_delta(self) -> bool:
        """Whether the layer is a difference between two runs."""
        return self.delta_of is not None

    @property
    def units(self) -> str:
        return self.ramp.units

    def title(self, lang: str) -> str:
        return text(f"layer.{self.id}.title", lang)

    def explain(self, lang: str) -> str:
        return text(f"layer.{self.id}.explain", lang)


def _layers() -> dict[str, Layer]:
    out = {LAND: Layer(LAND, LAND, None, RAMPS["land_cover"], RAMPS["building_use"], menu=True)}
    for engine, spec in layer_outputs():
        buildings = RAMPS[engine.buildings]
        ramp = RAMPS[spec.ramp]
        timeline = (FRAMES if ramp.surface else STEPS) if TIME in spec.dims else None
        out[spec.name] = Layer(spec.name, engine.name, spec.name, ramp, buildings, timeline=timeline, menu=spec.menu)
        if spec.delta_ramp is not None:
            delta = f"{spec.name}_delta"
            out[delta] = Layer(delta, engine.name, spec.name, RAMPS[spec.delta_ramp], buildings, delta_of=spec.name)
    return out


LAYERS: Mapping[str, Layer] = _layers()


def get_layer(id: str) -> Layer:
    """The layer named ``id``.

    Raises
    ------
    twin.errors.DataSourceError
        If there is no such layer; the message lists the known ids.
    """
    try:
        return LAYERS[id]
    except (KeyError, TypeError):
        raise DataSourceError(message("viewer", "layer", f"one of {list(LAYERS)}", id)) from None


def colours(layer: Layer, values) -> np.ndarray:
    """RGBA colours of ``values`` (in the layer's units): :func:`twin.colours.rgba` of its ramp."""
    return rgba(layer.ramp, values)


def overlay_png(layer: Layer, values) -> bytes:
    """An RGBA PNG of a 2-D map of ``layer`` (row 0 is north, as in the GeoTIFFs), transparent where no data.

    Parameters
    ----------
    layer : Layer
    values : array_like of shape (rows, columns)
        The map in the layer's units.

    Returns
    -------
    bytes
        The PNG file, one pixel per cell.
    """
    from PIL import Image

    values = np.asarray(values)
    if values.ndim != 2:
        raise DataSourceError(message(f"overlay of {layer.id}", "values", "a 2-D map", f"shape {values.shape}"))
    buf = io.BytesIO()
    Image.fromarray(colours(layer, values), mode="RGBA").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise DataSourceError(message("viewer", "language", f"one of {list(LANGS)}", lang))
    return lang


def legend(layer: Layer, lang: str) -> dict:
    """The legend of ``layer`` in ``lang`` (``"en"`` or ``"fr"``), ready for JSON.

    Returns
    -------
    dict
        ``{"id", "family", "delta", "animated", "timeline", "menu", "title", "explain", "units", "kind", "clear_below",
        "stops": [{"value", "color", "label"}], "buildings": [{"key", "color", "label"}]}``.
    """
    lang = _lang(lang)
    ramp = layer.ramp
    return {
        "id": layer.id,
        "family": layer.family,
        "delta": layer.is_delta,
        "animated": layer.animated,
        "timeline": layer.timeline,
        "menu": layer.menu,
        "title": layer.title(lang),
        "explain": layer.explain(lang),
        "units": layer.units,
        "kind": ramp.kind,
        "clear_below": ramp.clear_below,
        "stops": [{"value": s.value, "color": s.colour, "label": stop_label(ramp, s, lang)} for s in ramp.stops],
        "buildings": [
            {"key": s.value, "color": s.colour, "label": stop_label(layer.buildings, s, lang)}
            for s in layer.buildings.stops
        ],
    }


def engine_of(family: str):
    """The engine of a layer family (None for ``land``)."""
    return ENGINES.get(family)


__all__ = [
    "FRAMES",
    "LAND",
    "LAYERS",
    "STEPS",
    "Layer",
    "colours",
    "engine_of",
    "get_layer",
    "hex_rgb",
    "legend",
    "overlay_png",
]
