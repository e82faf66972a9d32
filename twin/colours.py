"""Every colour a map or a scene uses, in one table: the report's matplotlib colour maps and the viewer's ramps are
both built from it, so the same water depth is the same blue on paper and on the meeting screen.

A :class:`Ramp` is a list of stops in increasing value. A ``"classes"`` ramp colours a value with the stop at or
below it (a class runs from its stop up to the next one); a ``"continuous"`` ramp blends linearly between stops
and holds the end colours beyond them. Values under ``clear_below`` (their magnitude, for a diverging ramp) and
NaN are left clear: no water, no change. Stops may carry a note, whose words are ``ramp.<ramp>.<note>`` in
:mod:`twin.words`; a ramp of ``keys`` (land-cover codes, building uses) names each class by its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .formats import NBSP, format_number
from .heat.comfort import UTCI_STRESS_C
from .words import text

NEUTRAL = "#cfcfcf"  # buildings that are neither hot nor flooded, and ground with no value


@dataclass(frozen=True)
class Stop:
    """A colour stop: its value (in the ramp's units) or key, its colour, and an optional note.

    Parameters
    ----------
    value : float or str
        Where the stop sits, in the ramp's units; for a ramp of keys, the key (a land-cover code, a building use).
    colour : str
        ``"#rrggbb"``.
    note : str, optional
        The stop's words are ``ramp.<ramp>.<note>`` in :mod:`twin.words`.
    """

    value: float | str
    colour: str  # "#rrggbb"
    note: str | None = None


@dataclass(frozen=True)
class Ramp:
    """A colour ramp.

    Parameters
    ----------
    name : str
        Its key in :data:`RAMPS` and in the words (``ramp.<name>.<note>``).
    units : str
        Units of the values (``"m"``, ``"degC"``); ``""`` for classes of keys.
    kind : {"classes", "continuous"}
        How values between stops are coloured.
    stops : tuple of Stop
        In increasing value.
    clear_below : float or None
        Values under it (in magnitude when ``diverging``) are left clear, in the ramp's units.
    diverging : bool
        A change scenario − baseline, blue for less and red for more, white at no change.
    surface : bool
        Drawn in 3D as a water surface over the terrain, not as the ground's colour.
    """

    name: str
    units: str
    kind: str
    stops: tuple[Stop, ...]
    clear_below: float | None = None
    diverging: bool = False
    surface: bool = False

    @property
    def values(self) -> np.ndarray:
        """The stops' values as float64, in the ramp's units."""
        return np.array([s.value for s in self.stops], dtype=np.float64)

    @property
    def rgb(self) -> np.ndarray:
        """The stops' colours as an (n, 3) array of 0..255."""
        return np.array([hex_rgb(s.colour) for s in self.stops], dtype=np.float64)


def hex_rgb(colour: str) -> np.ndarray:
    """``"#rrggbb"`` as a ``uint8`` array of three values.

    Parameters
    ----------
    colour : str
        ``"#rrggbb"``.

    Returns
    -------
    numpy.ndarray
        ``(red, green, blue)``, 0..255.
    """
    return np.array((int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)), dtype=np.uint8)


_DIVERGING = ("#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b")


def _change(name: str, units: str, limits: tuple[float, float, float], clear_below: float) -> Ramp:
    """Seven stops from −a to +a, blue (less) to red (more), notes ``less``, ``none`` and ``more``."""
    values = (-limits[2], -limits[1], -limits[0], 0.0, limits[0], limits[1], limits[2])
    notes = ("less", None, None, "none", None, None, "more")
    stops = tuple(Stop(v, c, n) for v, c, n in zip(values, _DIVERGING, notes, strict=True))
    return Ramp(name, units, "continuous", stops, clear_below=clear_below, diverging=True)


def _keys(name: str, pairs: tuple[tuple[float | str, str, str], ...], clear_below: float | None = None) -> Ramp:
    return Ramp(name, "", "classes", tuple(Stop(v, c, n) for v, c, n in pairs), clear_below=clear_below)


def _colour(ramp: Ramp, note: str) -> str:
    """The colour of the stop of ``ramp`` with this note."""
    return next(s.colour for s in ramp.stops if s.note == note)


def _classes_of(name: str, ramp: Ramp, notes: tuple[str, ...], clear_below: float | None = None) -> Ramp:
    """Class codes 0, 1... coloured as the stops of ``ramp`` with those notes: a class map (the UTCI class) in
    the colours of the continuous map it classifies (the felt temperature), never a second copy of them."""
    return _keys(name, tuple((code, _colour(ramp, note), note) for code, note in enumerate(notes)), clear_below)


# the UTCI felt temperature, graded within the heat-stress classes of Bröde et al. (2012) so that 38 °C and 46 °C
# differ on a heatwave's map: a stop at each class boundary (the heat engine's), one between the upper two
_FELT = Ramp("felt_temperature", "degC", "continuous", tuple(
    Stop(v, c, n) for v, c, n in zip(
        (9.0, *UTCI_STRESS_C[:3], (UTCI_STRESS_C[2] + UTCI_STRESS_C[3]) / 2, UTCI_STRESS_C[3], 52.0),
        ("#f1ecd9", "#fdd49e", "#fc8d59", "#d7301f", "#a50f15", "#67000d", "#2d0006"),
        ("none", "moderate", "strong", "very_strong", None, "extreme", None), strict=True)))  # fmt: skip
_NIGHT = Ramp("air_temperature_night", "degC", "continuous", (
    Stop(14, "#ffffcc"), Stop(17, "#fed976"), Stop(20, "#feb24c", "tropical"), Stop(22, "#fd8d3c"),
    Stop(25, "#e31a1c"), Stop(28, "#800026")))  # fmt: skip
WET_M = 0.01  # depths below this are left clear on every map, m
_RAMPS = (
    # land-cover codes of the shipped table (data/landcover.csv)
    _keys("land_cover", ((1, "#7fb3d5", "water"), (2, "#8c8681", "building"), (3, "#6e6e6e", "road"),
                         (4, "#b3ada3", "paved"), (5, "#cdb891", "bare_soil"), (6, "#a8d37c", "grass"),
                         (7, "#86bf6a", "garden"), (8, "#3f8a3c", "trees"), (9, "#c9df95", "meadow"))),
    _keys("building_use", (("residential", "#e6d3b3", "residential"), ("commercial", "#d9a07a", "commercial"),
                           ("public", "#9fb4d6", "public"), ("industrial", "#b2a7c2", "industrial"),
                           ("other", "#c8c8c8", "other"))),
    # exposed buildings in colours that no ground layer uses (not a heat-stress red, not a water blue)
    _keys("hot_buildings", (("exposed", "#c51b7d", "exposed"), ("other", NEUTRAL, "other"))),
    _keys("flooded_buildings", (("exposed", "#6a3d9a", "exposed"), ("other", NEUTRAL, "other"))),
    _FELT,
    Ramp("air_temperature_day", "degC", "continuous", tuple(
        Stop(v, c) for v, c in ((20, "#ffffcc"), (25, "#ffeda0"), (30, "#feb24c"), (35, "#fd8d3c"), (40, "#e31a1c"),
                                (45, "#800026")))),
    _NIGHT,
    Ramp("water_depth", "m", "continuous", (
        Stop(WET_M, "#deebf7", "wet"), Stop(0.1, "#9ecae1", "doorsteps"), Stop(0.3, "#4292c6", "cars_float"),
        Stop(0.5, "#2171b5", "hard_to_walk"), Stop(1.0, "#08519c", "dangerous"), Stop(2.0, "#08306b")),
        clear_below=WET_M, surface=True),
    # hours of the day in heat stress (clear under half an hour), and the legal hour of the day's hottest felt
    # temperature (morning yellow, afternoon orange to brown, evening purple)
    Ramp("stress_hours", "h", "continuous", (
        Stop(1, "#fee0d2"), Stop(3, "#fcbba1"), Stop(6, "#fb6a4a"), Stop(9, "#cb181d"), Stop(12, "#67000d")),
        clear_below=0.5),
    Ramp("hour_of_day", "h", "continuous", (
        Stop(9, "#fff7bc"), Stop(12, "#fec44f"), Stop(15, "#ec7014"), Stop(18, "#993404"), Stop(21, "#54278f"))),
    _change("utci_change", "degC", (1.0, 3.0, 6.0), clear_below=0.05),
    _change("air_temperature_night_change", "degC", (0.3, 1.0, 3.0), clear_below=0.05),
    _change("water_depth_change", "m", (0.05, 0.2, 0.5), clear_below=0.005),
    # class maps (their codes' colours, the files' colour tables and QGIS styles), in the colours of the map each
    # classifies: the UTCI heat-stress class of the felt temperature, the tropical night of the night's air (the
    # cooler night left clear)
    _classes_of("heat_stress", _FELT, ("none", "moderate", "strong", "very_strong", "extreme")),
    _keys("night", ((0, _NIGHT.stops[0].colour, "cooler"), (1, _colour(_NIGHT, "tropical"), "tropical")),
          clear_below=1),
    # the French PPRI hazard class of the flood (0 not flooded, left clear): low, medium, high
    _keys("ppri_hazard", ((0, "#ffffff", "none"), (1, "#fed976", "low"), (2, "#fd8d3c", "medium"),
                         (3, "#bd0026", "high")), clear_below=1),
    # a map without a ramp of its own (a sky view factor, an arrival time) is drawn from its lowest value (0) to its
    # highest (1) in these colours (viridis), in the QGIS style beside its file
    Ramp("sequential", "1", "continuous", (
        Stop(0.0, "#440154"), Stop(0.25, "#3b528b"), Stop(0.5, "#21918c"), Stop(0.75, "#5ec962"),
        Stop(1.0, "#fde725"))),
)  # fmt: skip
RAMPS: Mapping[str, Ramp] = {r.name: r for r in _RAMPS}


# words in a land-cover class's name (any table: OSO, CORINE, UMEP...) -> the class of the shipped table whose
# colour it takes, first match first
_LAND_COVER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("water", ("water", "river", "lake", "sea", "pond", "canal", "estuar", "marsh", "wetland")),
    ("building", ("building", "roof", "built")),
    ("road", ("road", "street", "rail", "motorway", "highway")),
    ("garden", ("garden",)),
    ("trees", ("tree", "forest", "wood", "conifer", "broadleaf", "deciduous", "evergreen", "orchard")),
    ("meadow", ("meadow", "crop", "arable", "pasture", "vine", "agri", "field", "cereal")),
    ("grass", ("grass", "lawn", "green", "herb", "shrub", "heath", "moor")),
    ("bare_soil", ("bare", "soil", "sand", "rock", "beach", "dune", "mineral")),
    ("paved", ("paved", "asphalt", "sealed", "imperv", "urban", "artificial", "concrete", "industrial", "car_park")),
)


def land_cover_ramp(codes, names) -> Ramp:
    """The colours of a land-cover table's classes (any table), keyed by code: the shipped table's colour of the
    class whose name it has or whose words it contains (``"evergreen trees"`` takes the trees' green), else
    :data:`NEUTRAL`. The shipped table's own classes keep their colours exactly.

    Parameters
    ----------
    codes : sequence of int
        The table's class codes.
    names : sequence of str
        Their names, aligned with ``codes``; each stop's note.

    Returns
    -------
    Ramp
        A ramp of keys named ``"land_cover"``, one stop per code in the order given, noted with the class's name.
    """
    shipped = {s.note: s.colour for s in RAMPS["land_cover"].stops}

    def colour(name: str) -> str:
        key = "_".join(str(name).lower().replace("-", " ").split())
        if key in shipped:
            return shipped[key]
        return next((shipped[c] for c, words in _LAND_COVER_WORDS if any(w in key for w in words)), NEUTRAL)

    return Ramp(
        "land_cover", "", "classes", tuple(Stop(int(c), colour(n), n) for c, n in zip(codes, names, strict=True))
    )


def rgba(ramp: Ramp, values) -> np.ndarray:
    """RGBA colours of ``values`` (in the ramp's units) as ``uint8`` of shape ``values.shape + (4,)``.

    Alpha is 0 for NaN and for values under ``clear_below`` (their magnitude, for a diverging ramp), 255 elsewhere.

    Parameters
    ----------
    ramp : Ramp
        The colour ramp.
    values : array_like of float
        Values in the ramp's units (``ramp.units``); NaN for none.

    Returns
    -------
    numpy.ndarray
        ``uint8`` of shape ``values.shape + (4,)``, 0..255.
    """
    v = np.asarray(values, dtype=np.float64)
    at, rgb = ramp.values, ramp.rgb
    out = np.zeros((*v.shape, 4), dtype=np.uint8)
    finite = np.isfinite(v)
    shown = finite.copy()
    if ramp.clear_below is not None:
        size = np.abs(v) if ramp.diverging else v
        shown &= np.where(finite, size, -np.inf) >= ramp.clear_below
    x = np.where(finite, v, at[0])
    if ramp.kind == "classes":
        idx = np.clip(np.searchsorted(at, x, side="right") - 1, 0, len(at) - 1)
        out[..., :3] = rgb[idx].astype(np.uint8)
    else:
        for c in range(3):
            out[..., c] = np.rint(np.interp(x, at, rgb[:, c])).astype(np.uint8)
    out[..., 3] = np.where(shown, 255, 0).astype(np.uint8)
    return out


def key_colours(ramp: Ramp, keys) -> np.ndarray:
    """RGB colours (uint8, shape (n, 3)) of class keys (building uses...); an unknown key takes the last stop's.

    Parameters
    ----------
    ramp : Ramp
        A ramp of keys (``"building_use"``, ``"hot_buildings"``...).
    keys : sequence
        One key per item (building, cell).

    Returns
    -------
    numpy.ndarray
        ``uint8`` of shape ``(len(keys), 3)``, 0..255.
    """
    table = {s.value: hex_rgb(s.colour) for s in ramp.stops}
    other = hex_rgb(ramp.stops[-1].colour)
    return np.array([table.get(k, other) for k in keys], dtype=np.uint8).reshape(len(keys), 3)


def measure(value: float, units: str, lang: str, *, signed: bool = False) -> str:
    """A stop's value as people read it: ``"10 cm"``, ``"2 m"``, ``"+1 °C"`` (CLDR numbers).

    Parameters
    ----------
    value : float
        The value, in ``units``.
    units : str
        ``"m"`` (shown in cm under 1 m), ``"degC"`` or ``"K"`` (shown as °C), or any other units, shown as given.
    lang : {"en", "fr"}
        Language of the number.
    signed : bool
        Write ``+`` before positive values (a change).

    Returns
    -------
    str
        The number, a no-break space, and its units.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown ``lang``.
    """
    if units == "m" and abs(value) < 1.0:
        return format_number(round(value * 100), lang, sign=signed) + NBSP + "cm"
    digits = 0 if float(value).is_integer() else 1
    unit = "°C" if units in ("degC", "K") else units
    return format_number(value, lang, digits=digits, sign=signed) + NBSP + unit


def stop_label(ramp: Ramp, stop: Stop, lang: str) -> str:
    """A legend's line for a stop: a class's words, else its value with its note.

    Parameters
    ----------
    ramp : Ramp
        The ramp the stop belongs to.
    stop : Stop
        One of its stops.
    lang : {"en", "fr"}
        Language of the words and the number.

    Returns
    -------
    str
        The legend's text for the stop.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown ``lang``.
    """
    if ramp.kind == "classes":
        return text(f"ramp.{ramp.name}.{stop.note}", lang)
    label = measure(float(stop.value), ramp.units, lang, signed=ramp.diverging)
    if stop.note is None:
        return label
    note = text(f"ramp.{ramp.name}.{stop.note}", lang)
    if ramp.diverging and stop.note == "none":
        return note
    return label + text("punct.colon", lang) + note if not ramp.diverging else f"{label} ({note})"
