"""QGIS styles of the maps a run writes, in the report's colours: a planner who drags a run folder into QGIS sees
each map as the report and the viewer draw it.

A :class:`MapStyle` is how one map is drawn, made from a ramp of :mod:`twin.colours` (never a copy of its
colours): a class map (land cover, the UTCI class, the PPRI class) by its classes, each with its colour and name;
a continuous map by its output's ramp (:attr:`twin.specs.OutputSpec.ramp`), or, when it has none, by the
``sequential`` ramp stretched from the map's lowest value to its highest. :func:`write_map` writes the map as a
Cloud-Optimized GeoTIFF (the class map with its colour table and class names, see :func:`twin.io.write_cog`) and
its style beside it, ``<map>.qml``, which QGIS applies when it opens the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from .colours import RAMPS, Ramp, land_cover_ramp, measure, stop_label
from .formats import format_number
from .grid import Grid
from .io import write_cog, write_territory
from .landcover import LandCoverTable
from .specs import OutputSpec
from .territory import Territory

QGIS_VERSION = "3.28.0"  # the style format's version: QGIS 3.28 LTR and later read it
LANG = "en"  # the language of the legends in the styles
STRETCHED = "sequential"  # the ramp of a map that has none of its own, from its lowest value to its highest


@dataclass(frozen=True)
class MapStyle:
    """How QGIS draws one map.

    Parameters
    ----------
    ramp : twin.colours.Ramp
        The colours. A ramp of ``"classes"`` of whole codes draws a class map, one colour per code; any other
        ramp is a continuous colour ramp over the map's values.
    labels : tuple of str
        The legend's line of each stop of ``ramp``.
    values : tuple of float
        Where each stop sits in the map's units: the ramp's own values, or (a stretched ramp) the map's range.
    """

    ramp: Ramp
    labels: tuple[str, ...]
    values: tuple[float, ...]

    @property
    def is_classes(self) -> bool:
        """A class map: one colour and one name per code."""
        return self.ramp.kind == "classes"

    @property
    def palette(self) -> dict[int, str]:
        """``"#rrggbb"`` of each class code (empty for a continuous map)."""
        return {int(s.value): s.colour for s in self.ramp.stops} if self.is_classes else {}

    @property
    def categories(self) -> dict[int, str]:
        """The name of each class code (empty for a continuous map)."""
        if not self.is_classes:
            return {}
        return {int(s.value): label for s, label in zip(self.ramp.stops, self.labels, strict=True)}

    def qml(self) -> str:
        """The QGIS style (``.qml``): a paletted renderer for a class map, a pseudocolour one otherwise.

        Returns
        -------
        str
            The style's XML.
        """
        root = ElementTree.Element("qgis", version=QGIS_VERSION, styleCategories="AllStyleCategories")
        pipe = ElementTree.SubElement(root, "pipe")
        renderer = ElementTree.SubElement(pipe, "rasterrenderer", band="1", opacity="1", alphaBand="-1")
        if self.is_classes:
            self._paletted(renderer)
        else:
            self._pseudocolour(renderer)
        ElementTree.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
        ElementTree.SubElement(root, "blendMode").text = "0"
        ElementTree.indent(root)
        return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ElementTree.tostring(
            root, encoding="unicode"
        )

    def _shown(self, value: float) -> bool:
        clear = self.ramp.clear_below
        return clear is None or (abs(value) if self.ramp.diverging else value) >= clear

    def _paletted(self, renderer: ElementTree.Element) -> None:
        renderer.set("type", "paletted")
        ElementTree.SubElement(renderer, "rasterTransparency")
        palette = ElementTree.SubElement(renderer, "colorPalette")
        for stop, label in zip(self.ramp.stops, self.labels, strict=True):
            alpha = "255" if self._shown(float(stop.value)) else "0"
            ElementTree.SubElement(
                palette, "paletteEntry", value=str(int(stop.value)), color=stop.colour, alpha=alpha, label=label
            )

    def _pseudocolour(self, renderer: ElementTree.Element) -> None:
        lo, hi = _text(self.values[0]), _text(self.values[-1])
        renderer.set("type", "singlebandpseudocolor")
        renderer.set("classificationMin", lo)
        renderer.set("classificationMax", hi)
        transparency = ElementTree.SubElement(renderer, "rasterTransparency")
        if self.ramp.clear_below is not None:  # values under it (in magnitude, diverging) are left clear
            pixels = ElementTree.SubElement(transparency, "singleValuePixelList")
            clear = self.ramp.clear_below
            ElementTree.SubElement(
                pixels,
                "pixelListEntry",
                min=_text(-clear if self.ramp.diverging else -np.finfo(np.float32).max),
                max=_text(clear),
                percentTransparent="100",
            )
        origin = ElementTree.SubElement(renderer, "minMaxOrigin")
        ElementTree.SubElement(origin, "limits").text = "None"  # the stops' values, never QGIS's own stretch
        ElementTree.SubElement(origin, "extent").text = "WholeRaster"
        shader = ElementTree.SubElement(ElementTree.SubElement(renderer, "rastershader"), "colorrampshader")
        # a continuous ramp blends between its stops and holds its end colours beyond them (clip 0)
        shader.attrib.update(colorRampType="INTERPOLATED", classificationMode="1", clip="0")
        shader.attrib.update(minimumValue=lo, maximumValue=hi)
        for stop, value, label in zip(self.ramp.stops, self.values, self.labels, strict=True):
            ElementTree.SubElement(shader, "item", value=_text(value), color=stop.colour, alpha="255", label=label)


def _text(value: float) -> str:
    return repr(float(value))


def classes_style(ramp: Ramp, labels: Sequence[str] | None = None) -> MapStyle:
    """The style of a class map coloured by a ramp of whole codes.

    Parameters
    ----------
    ramp : twin.colours.Ramp
        A ``"classes"`` ramp whose stops are the codes (``RAMPS["heat_stress"]``).
    labels : sequence of str, optional
        The name of each class; the ramp's words in English by default.

    Returns
    -------
    MapStyle
    """
    labels = tuple(labels) if labels is not None else tuple(stop_label(ramp, s, LANG) for s in ramp.stops)
    return MapStyle(ramp, labels, tuple(float(s.value) for s in ramp.stops))


def land_cover_style(table: LandCoverTable) -> MapStyle:
    """The style of a land-cover map: a class per code of its table, named as the table names it, in the
    colour :func:`twin.colours.land_cover_ramp` gives that name.

    Parameters
    ----------
    table : twin.landcover.LandCoverTable
        The table the map's codes refer to.

    Returns
    -------
    MapStyle
    """
    return classes_style(land_cover_ramp(table.codes, table.names), table.names)


def ramp_style(ramp: Ramp) -> MapStyle:
    """The style of a continuous map drawn with its own ramp, at the ramp's values, with the report's legend.

    Parameters
    ----------
    ramp : twin.colours.Ramp
        A ramp of :data:`twin.colours.RAMPS`.

    Returns
    -------
    MapStyle
    """
    return MapStyle(ramp, tuple(stop_label(ramp, s, LANG) for s in ramp.stops), tuple(float(v) for v in ramp.values))


def stretched_style(values: np.ndarray, units: str) -> MapStyle:
    """The style of a map with no ramp of its own: the ``sequential`` ramp from its lowest value to its highest.

    Parameters
    ----------
    values : numpy.ndarray
        The map, in ``units``; NaN where no data.
    units : str
        Its units, for the legend.

    Returns
    -------
    MapStyle
        Stops spread evenly over the finite values' range (0 to 1 for a map with no finite value, one unit
        above a constant).
    """
    ramp = RAMPS[STRETCHED]
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    at = tuple(lo + (hi - lo) * f for f in ramp.values)
    return MapStyle(ramp, tuple(_legend(v, units) for v in at), at)


def _legend(value: float, units: str) -> str:
    """A stretched stop's value as people read it, to three significant digits."""
    digits = max(0, 2 - int(np.floor(np.log10(abs(value))))) if value else 0
    rounded = round(value, digits)
    if units in ("1", ""):
        return format_number(rounded, LANG, digits=digits)
    return measure(rounded, units, LANG)


def output_style(spec: OutputSpec, values: np.ndarray) -> MapStyle:
    """The style of an engine's map: its ramp (its classes for a class map), else stretched over its values.

    Parameters
    ----------
    spec : twin.specs.OutputSpec
        What the map is.
    values : numpy.ndarray
        The map, in the spec's units.

    Returns
    -------
    MapStyle
    """
    if spec.colours is None:
        return stretched_style(values, spec.units)
    ramp = RAMPS[spec.colours]
    return classes_style(ramp) if ramp.kind == "classes" else ramp_style(ramp)


def delta_style(spec: OutputSpec, values: np.ndarray) -> MapStyle:
    """The style of a map's difference scenario − baseline: its Δ ramp, else stretched over its values.

    Parameters
    ----------
    spec : twin.specs.OutputSpec
        What the map is.
    values : numpy.ndarray
        The difference, in the spec's units.

    Returns
    -------
    MapStyle
    """
    return ramp_style(RAMPS[spec.delta_ramp]) if spec.delta_ramp else stretched_style(values, spec.units)


def territory_style(name: str, values: np.ndarray, units: str, table: LandCoverTable) -> MapStyle:
    """The style of a territory layer: the land cover by its table's classes, any other stretched.

    Parameters
    ----------
    name : str
        The layer's name (``"land_cover"``, ``"elevation"``...).
    values : numpy.ndarray
        The layer, in ``units``.
    units : str
        Its units.
    table : twin.landcover.LandCoverTable
        The territory's land-cover table.

    Returns
    -------
    MapStyle
    """
    return land_cover_style(table) if name == "land_cover" else stretched_style(values, units)


def export_territory(territory: Territory, folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """:func:`twin.io.write_territory` with the colours: the land cover's colour table, and each layer's QGIS
    style beside it (``layers/<name>.qml``), as a run's territory maps have them.

    Parameters
    ----------
    territory : twin.territory.Territory
        The territory.
    folder : str or pathlib.Path
        Where the files go; created if needed.
    overwrite : bool
        Replace existing files.

    Returns
    -------
    list of pathlib.Path
        The files written, styles included.

    Raises
    ------
    twin.errors.OutputExistsError
        A file exists and ``overwrite`` is false.
    """
    styles = {
        name: territory_style(name, layer.values, layer.attrs.get("units", ""), territory.landcover)
        for name, layer in territory.layers.data_vars.items()
    }
    palettes = {name: style.palette for name, style in styles.items() if style.palette}
    written = write_territory(territory, folder, overwrite=overwrite, palettes=palettes)
    return written + [write_style(style, Path(folder) / "layers" / f"{name}.tif") for name, style in styles.items()]


def write_map(
    values: np.ndarray,
    path: str | Path,
    grid: Grid,
    style: MapStyle,
    *,
    units: str,
    description: str = "",
    nodata: float | None = None,
) -> Path:
    """Write a map as a Cloud-Optimized GeoTIFF with its units, its classes (a class map) and its QGIS style.

    Parameters
    ----------
    values : numpy.ndarray
        The map, of ``grid.shape``, in ``units``.
    path : str or pathlib.Path
        The ``.tif`` to write; the style goes beside it with the suffix ``.qml``.
    grid : Grid
        The grid the values lie on.
    style : MapStyle
        How it is drawn.
    units : str
        UDUNITS/CF units of the values, the band's unit.
    description : str
        What it is, the band's description.
    nodata : float, optional
        The value that means no data.

    Returns
    -------
    pathlib.Path
        The GeoTIFF written.
    """
    path = write_cog(
        values,
        path,
        grid,
        units=units,
        description=description,
        nodata=nodata,
        palette=style.palette or None,
        categories=style.categories or None,
    )
    write_style(style, path)
    return path


def write_style(style: MapStyle, path: str | Path) -> Path:
    """Write ``style`` beside the raster ``path`` as ``<stem>.qml``, which QGIS applies when it opens the raster.

    Parameters
    ----------
    style : MapStyle
        The style.
    path : str or pathlib.Path
        The raster it styles.

    Returns
    -------
    pathlib.Path
        The ``.qml`` written.
    """
    qml = Path(path).with_suffix(".qml")
    qml.write_text(style.qml() + "\n", encoding="utf-8")
    return qml
