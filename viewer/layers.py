"""The layers a viewer can show: their colours and plain-language legends, in English and French.

One table serves the 3D scenes (:mod:`viewer.scene`), the PNG overlays of the web page and its legend, so a
colour means the same thing everywhere. The heat colours are the report's (``twin.report_figures``).

A layer of kind ``"classes"`` colours a value with the stop at or below it (a class runs from its stop's value
up to the next one's); a ``"continuous"`` layer blends linearly between the stops and holds the end colours
beyond them. Values under ``clear_below`` (their magnitude, for a Δ layer) and NaN are left transparent.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twin.errors import DataSourceError, message
from twin.report_figures import UTCI_BOUNDS, UTCI_COLOURS, WET_M

LANGS = ("en", "fr")
HOT_C = 32.0  # a building is hot when the UTCI at its door is above this (strong heat stress), °C
FLOODED_M = 0.1  # a building is flooded when the water at its door is this deep or more, m
NEUTRAL = "#cfcfcf"  # buildings that are neither hot nor flooded

Text = Mapping[str, str]
Stop = tuple[float, str, Text]


@dataclass(frozen=True)
class Layer:
    """A map a viewer can show, with its colours and its words.

    Attributes
    ----------
    id : str
        Name in URLs and on the command line (``utci``, ``max_depth_delta``...).
    family : {"land", "heat", "flood"}
        Which events have it: none (the territory), heatwaves, or floods (storms, river floods).
    var : str or None
        The map's name in a run (``events/<event>/<var>.tif``); None for the land cover.
    units : str
        Units of the values (``"°C"``, ``"m"``; ``""`` for class codes).
    title, explain : mapping of str to str
        A short title and one sentence for residents, by language (``"en"``, ``"fr"``).
    stops : tuple of (value, "#rrggbb", labels)
        Colour stops in increasing value, each with a label by language.
    kind : {"classes", "continuous"}
        How values between stops are coloured.
    clear_below : float or None
        Values under it (in magnitude for a Δ layer) are transparent: no water, no change. Units of the layer.
    delta_of : str or None
        For a Δ layer (a scenario minus its baseline), the id of the layer it differences.
    buildings : tuple of (key, "#rrggbb", labels)
        How the 3D scenes colour the buildings with this layer: by use for the land, hot or flooded for events.
    """

    id: str
    family: str
    var: str | None
    units: str
    title: Text
    explain: Text
    stops: tuple[Stop, ...]
    kind: str
    clear_below: float | None = None
    delta_of: str | None = None
    buildings: tuple[Stop, ...] = ()

    @property
    def is_delta(self) -> bool:
        """Whether the layer is a difference between two runs."""
        return self.delta_of is not None


def _t(en: str, fr: str) -> dict[str, str]:
    return {"en": en, "fr": fr}


# Land-cover codes of the shipped table (data/landcover.csv): code -> colour, labels.
LAND_COVER: tuple[Stop, ...] = (
    (1, "#7fb3d5", _t("Water", "Eau")),
    (2, "#8c8681", _t("Building", "Bâtiment")),
    (3, "#6e6e6e", _t("Road", "Route")),
    (4, "#b3ada3", _t("Paved yard or square", "Cour ou place revêtue")),
    (5, "#cdb891", _t("Bare soil", "Sol nu")),
    (6, "#a8d37c", _t("Grass", "Pelouse")),
    (7, "#86bf6a", _t("Garden", "Jardin")),
    (8, "#3f8a3c", _t("Trees", "Arbres")),
    (9, "#c9df95", _t("Meadow or field", "Prairie ou champ")),
)
# Building uses (the ``use`` column of the buildings) -> colour, labels; anything else is "other".
USES: tuple[Stop, ...] = (
    ("residential", "#e6d3b3", _t("Homes", "Logements")),
    ("commercial", "#d9a07a", _t("Shops and offices", "Commerces et bureaux")),
    ("public", "#9fb4d6", _t("Public buildings", "Équipements publics")),
    ("industrial", "#b2a7c2", _t("Industry", "Industrie")),
    ("other", "#c8c8c8", _t("Other buildings", "Autres bâtiments")),
)
HOT_BUILDINGS: tuple[Stop, ...] = (
    ("hot", "#d7301f", _t("Building whose door is above 32 °C felt (strong heat stress or worse)",
                          "Bâtiment dont la porte dépasse 32 °C ressentis (stress thermique fort ou plus)")),
    ("other", NEUTRAL, _t("Other buildings", "Autres bâtiments")),
)  # fmt: skip
FLOODED_BUILDINGS: tuple[Stop, ...] = (
    ("flooded", "#1f5fa8", _t("Building with 10 cm of water or more at its door",
                              "Bâtiment avec 10 cm d'eau ou plus à sa porte")),
    ("other", NEUTRAL, _t("Other buildings", "Autres bâtiments")),
)  # fmt: skip

_UTCI_NAMES = (
    _t("No heat stress (below 26 °C)", "Pas de stress thermique (sous 26 °C)"),
    _t("Moderate heat stress (26 to 32 °C)", "Stress thermique modéré (26 à 32 °C)"),
    _t("Strong heat stress (32 to 38 °C)", "Stress thermique fort (32 à 38 °C)"),
    _t("Very strong heat stress (38 to 46 °C)", "Stress thermique très fort (38 à 46 °C)"),
    _t("Extreme heat stress (above 46 °C)", "Stress thermique extrême (au-dessus de 46 °C)"),
)
_UTCI_STOPS = tuple(zip((9.0, *UTCI_BOUNDS), UTCI_COLOURS, _UTCI_NAMES, strict=True))


def _degrees(value: float, note_en: str = "", note_fr: str = "", *, signed: bool = False) -> dict[str, str]:
    fr = f"{value:g}".replace(".", ",").replace("-", "−")
    en = f"{value:g}".replace("-", "−")
    sign = "+" if signed and value > 0 else ""
    return _t(
        f"{sign}{en} °C" + (f": {note_en}" if note_en else ""), f"{sign}{fr} °C" + (f" : {note_fr}" if note_fr else "")
    )


def _metres(value: float, note_en: str = "", note_fr: str = "", *, signed: bool = False) -> dict[str, str]:
    cm = round(value * 100)
    sign = ("+" if cm > 0 else "−" if cm < 0 else "") if signed else ""
    words = f"{abs(cm)} cm" if abs(cm) < 100 else f"{abs(cm) / 100:g} m"
    return _t(
        sign + words + (f": {note_en}" if note_en else ""),
        sign + words.replace(".", ",") + (f" : {note_fr}" if note_fr else ""),
    )


_DIVERGING = ("#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b")


def _delta_stops(limits: tuple[float, float, float], label, low: Text, high: Text) -> tuple[Stop, ...]:
    """Seven stops from −a to +a, blue (less) to red (more), the ends labelled with words."""
    values = (-limits[2], -limits[1], -limits[0], 0.0, limits[0], limits[1], limits[2])
    stops = []
    for v, colour in zip(values, _DIVERGING, strict=True):
        words = label(v, signed=True)
        if v == values[0]:
            words = {k: f"{words[k]} ({low[k]})" for k in LANGS}
        elif v == values[-1]:
            words = {k: f"{words[k]} ({high[k]})" for k in LANGS}
        elif v == 0.0:
            words = _t("No change", "Pas de changement")
        stops.append((v, colour, words))
    return tuple(stops)


_LAYERS = (
    Layer(
        "land", "land", None, "",
        _t("The town today: land cover and buildings", "La ville : occupation du sol et bâtiments"),
        _t("What covers the ground (trees, grass, roads, water) and what each building is used for.",
           "Ce qui couvre le sol (arbres, pelouses, routes, eau) et à quoi sert chaque bâtiment."),
        LAND_COVER, "classes", clear_below=1.0, buildings=USES,
    ),
    Layer(
        "utci", "heat", "utci", "°C",
        _t("Felt temperature at 3 pm (UTCI)", "Température ressentie à 15 h (UTCI)"),
        _t("How hot it feels at 3 pm in the shade or sun, taking sun, wind and humidity into account (UTCI).",
           "La chaleur ressentie à 15 h, à l'ombre ou au soleil, en tenant compte du soleil, du vent et de "
           "l'humidité (UTCI)."),
        _UTCI_STOPS, "classes", buildings=HOT_BUILDINGS,
    ),
    Layer(
        "t_air_day", "heat", "t_air_day", "°C",
        _t("Air temperature in the afternoon", "Température de l'air l'après-midi"),
        _t("The temperature of the air in the hottest hour of the day, as a weather station in the shade measures it.",
           "La température de l'air à l'heure la plus chaude, comme la mesure une station météo à l'ombre."),
        tuple((v, c, _degrees(v)) for v, c in ((20, "#ffffcc"), (25, "#ffeda0"), (30, "#feb24c"), (35, "#fd8d3c"),
                                               (40, "#e31a1c"), (45, "#800026"))),
        "continuous", buildings=HOT_BUILDINGS,
    ),
    Layer(
        "t_air_night", "heat", "t_air_night", "°C",
        _t("Air temperature at night", "Température de l'air la nuit"),
        _t("The lowest temperature of the air at night: above 20 °C the night is tropical and sleep is hard.",
           "La température de l'air la plus basse de la nuit : au-dessus de 20 °C la nuit est tropicale et "
           "le sommeil difficile."),
        ((14, "#ffffcc", _degrees(14)), (17, "#fed976", _degrees(17)),
         (20, "#feb24c", _degrees(20, "a tropical night", "une nuit tropicale")), (22, "#fd8d3c", _degrees(22)),
         (25, "#e31a1c", _degrees(25)), (28, "#800026", _degrees(28))),
        "continuous", buildings=HOT_BUILDINGS,
    ),
    Layer(
        "max_depth", "flood", "max_depth", "m",
        _t("Highest water depth", "Hauteur d'eau maximale"),
        _t("The deepest the water gets on the ground during the whole event.",
           "La plus grande hauteur d'eau au sol pendant tout l'événement."),
        ((WET_M, "#deebf7", _metres(WET_M, "wet ground", "sol mouillé")),
         (0.1, "#9ecae1", _metres(0.1, "water reaches doorsteps", "l'eau atteint les seuils")),
         (0.3, "#4292c6", _metres(0.3, "a car can float", "une voiture peut flotter")),
         (0.5, "#2171b5", _metres(0.5, "hard to walk in", "difficile d'y marcher")),
         (1.0, "#08519c", _metres(1.0, "dangerous for everyone", "dangereux pour tous")),
         (2.0, "#08306b", _metres(2.0))),
        "continuous", clear_below=WET_M, buildings=FLOODED_BUILDINGS,
    ),
    Layer(
        "utci_delta", "heat", "utci", "°C",
        _t("Change in felt temperature at 3 pm", "Écart de température ressentie à 15 h"),
        _t("How much cooler (blue) or hotter (red) it feels at 3 pm with this project than today.",
           "De combien il fait plus frais (bleu) ou plus chaud (rouge) à 15 h avec ce projet qu'aujourd'hui."),
        _delta_stops((1.0, 3.0, 6.0), _degrees, _t("cooler", "plus frais"), _t("hotter", "plus chaud")),
        "continuous", clear_below=0.05, delta_of="utci", buildings=HOT_BUILDINGS,
    ),
    Layer(
        "t_air_night_delta", "heat", "t_air_night", "°C",
        _t("Change in night air temperature", "Écart de température de l'air la nuit"),
        _t("How much cooler (blue) or warmer (red) the night is with this project than today.",
           "De combien la nuit est plus fraîche (bleu) ou plus chaude (rouge) avec ce projet qu'aujourd'hui."),
        _delta_stops((0.3, 1.0, 3.0), _degrees, _t("cooler", "plus frais"), _t("warmer", "plus chaud")),
        "continuous", clear_below=0.05, delta_of="t_air_night", buildings=HOT_BUILDINGS,
    ),
    Layer(
        "max_depth_delta", "flood", "max_depth", "m",
        _t("Change in highest water depth", "Écart de hauteur d'eau maximale"),
        _t("How much less (blue) or more (red) water there is at its highest with this project than today.",
           "De combien il y a moins (bleu) ou plus (rouge) d'eau au plus haut avec ce projet qu'aujourd'hui."),
        _delta_stops((0.05, 0.2, 0.5), _metres, _t("less water", "moins d'eau"), _t("more water", "plus d'eau")),
        "continuous", clear_below=0.005, delta_of="max_depth", buildings=FLOODED_BUILDINGS,
    ),
)  # fmt: skip
LAYERS: Mapping[str, Layer] = {layer.id: layer for layer in _LAYERS}


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


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def colours(layer: Layer, values) -> np.ndarray:
    """RGBA colours of ``values`` (in the layer's units) as ``uint8`` of shape ``values.shape + (4,)``.

    Alpha is 0 for NaN and for values under ``layer.clear_below`` (their magnitude, for a Δ layer), 255 elsewhere.
    """
    v = np.asarray(values, dtype=np.float64)
    at = np.array([s[0] for s in layer.stops], dtype=np.float64)
    rgb = np.array([_rgb(s[1]) for s in layer.stops], dtype=np.float64)
    out = np.zeros((*v.shape, 4), dtype=np.uint8)
    finite = np.isfinite(v)
    shown = finite.copy()
    if layer.clear_below is not None:
        size = np.abs(v) if layer.is_delta else v
        shown &= np.where(finite, size, -np.inf) >= layer.clear_below
    x = np.where(finite, v, at[0])
    if layer.kind == "classes":
        idx = np.clip(np.searchsorted(at, x, side="right") - 1, 0, len(at) - 1)
        out[..., :3] = rgb[idx].astype(np.uint8)
    else:
        for c in range(3):
            out[..., c] = np.rint(np.interp(x, at, rgb[:, c])).astype(np.uint8)
    out[..., 3] = np.where(shown, 255, 0).astype(np.uint8)
    return out


def hex_rgb(colour: str) -> np.ndarray:
    """``"#rrggbb"`` as a ``uint8`` array of three values."""
    return np.array(_rgb(colour), dtype=np.uint8)


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
        ``{"id", "family", "delta", "title", "explain", "units", "kind", "clear_below", "stops": [{"value", "color",
        "label"}], "buildings": [{"key", "color", "label"}]}``.
    """
    lang = _lang(lang)
    return {
        "id": layer.id,
        "family": layer.family,
        "delta": layer.is_delta,
        "title": layer.title[lang],
        "explain": layer.explain[lang],
        "units": layer.units,
        "kind": layer.kind,
        "clear_below": layer.clear_below,
        "stops": [{"value": v, "color": c, "label": words[lang]} for v, c, words in layer.stops],
        "buildings": [{"key": k, "color": c, "label": words[lang]} for k, c, words in layer.buildings],
    }
