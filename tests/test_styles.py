"""Outputs that QGIS opens styled (issue 18, item 10): every map of a run carries its units as the band's unit and
a QGIS style beside it in the report's colours; class maps carry a colour table and their class names."""

from __future__ import annotations

from xml.etree import ElementTree

import numpy as np
import pytest
import rasterio
import xarray as xr
from conftest import HEATWAVE_2019

from twin.colours import NEUTRAL, RAMPS, hex_rgb, land_cover_ramp, rgba, stop_label
from twin.engines import ENGINES
from twin.errors import OutputError
from twin.flood.model import FloodParams
from twin.heat.comfort import UTCI_STRESS_C
from twin.io import category_names, write_cog
from twin.results import TERRITORY_MAPS
from twin.runner import run
from twin.scenario.models import Scenario
from twin.styles import export_territory
from twin.territory import LAYERS

STORM = {"kind": "design_storm", "name": "storm", "return_period_years": 100, "duration_min": 15, "after_min": 5}
EVENTS = {"heatwave-2019": ENGINES["heat"], "storm": ENGINES["flood"]}


@pytest.fixture(scope="module")
def folder(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("styled") / "baseline"
    scenario = Scenario.model_validate({"name": "baseline", "title": "b", "events": [HEATWAVE_2019, STORM]})
    run(scenario, out=out, territory=tiny, params={"flood": FloodParams(frame_interval_s=300.0)})
    return out


def _maps(folder):
    """Every map of the run: (path, its units as declared, the ramp it is drawn with or None)."""
    for name in TERRITORY_MAPS:
        yield folder / "territory" / f"{name}.tif", LAYERS[name].units, None
    for event, engine in EVENTS.items():
        for var in engine.key_maps:
            spec = engine.output(var)
            yield folder / "events" / event / f"{var}.tif", spec.units, spec.colours


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def _sidecar_names(tif) -> dict[int, str]:
    """The class names of band 1 in GDAL's sidecar, parsed here without twin."""
    root = ElementTree.parse(tif.with_name(tif.name + ".aux.xml")).getroot()
    names = root.find("PAMRasterBand[@band='1']/CategoryNames")
    return {code: c.text for code, c in enumerate(names.findall("Category")) if c.text}


def _renderer(tif) -> ElementTree.Element:
    qml = ElementTree.parse(tif.with_suffix(".qml")).getroot()
    assert qml.tag == "qgis"
    return qml.find("pipe/rasterrenderer")


def test_every_map_has_its_units_as_the_band_unit_and_a_style_beside_it(folder):
    maps = list(_maps(folder))
    assert len(maps) == len(TERRITORY_MAPS) + sum(len(e.key_maps) for e in EVENTS.values())
    for tif, units, _ in maps:
        with rasterio.open(tif) as src:
            assert src.units == (units,), tif
            assert src.tags()["units"] == units  # the tag the run's readers have always read
            assert src.descriptions[0]
            assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert _renderer(tif).get("band") == "1", tif


def test_class_maps_carry_the_colours_and_names_of_their_classes(folder):
    classes = [(tif, RAMPS[ramp]) for tif, _, ramp in _maps(folder) if ramp and RAMPS[ramp].kind == "classes"]
    assert {tif.stem for tif, _ in classes} == {"utci_class", "tropical_night", "ppri_class"}
    for tif, ramp in classes:
        with rasterio.open(tif) as src:
            table = src.colormap(1)
        assert {s.value: _hex(table[s.value]) for s in ramp.stops} == {s.value: s.colour for s in ramp.stops}, tif
        words = {s.value: stop_label(ramp, s, "en") for s in ramp.stops}
        assert _sidecar_names(tif) == words == category_names(tif)
        renderer = _renderer(tif)
        assert renderer.get("type") == "paletted"
        entries = renderer.findall("colorPalette/paletteEntry")
        got = [(int(e.get("value")), e.get("color"), e.get("label"), int(e.get("alpha"))) for e in entries]
        clear = ramp.clear_below if ramp.clear_below is not None else -np.inf
        assert got == [(s.value, s.colour, words[s.value], 0 if s.value < clear else 255) for s in ramp.stops]


def test_the_ppri_class_is_written_as_bytes_with_the_engine_values(folder, tiny):
    """GeoTIFF keeps colour tables of Byte bands: the int8 class is written as uint8, values unchanged."""
    with rasterio.open(folder / "events" / "storm" / "ppri_class.tif") as src:
        assert src.dtypes == ("uint8",)
        values = src.read(1)
    with xr.open_dataset(folder / "events" / "storm" / "hazard.nc") as ds:
        np.testing.assert_array_equal(values, ds["ppri_class"].values)


def test_the_land_cover_names_its_tables_classes_in_the_shipped_colours(folder, tiny):
    tif = folder / "territory" / "land_cover.tif"
    with rasterio.open(tif) as src:
        table = src.colormap(1)
    shipped = RAMPS["land_cover"]  # the tiny territory uses the shipped table: its classes keep their colours
    assert [int(c) for c in tiny.landcover.codes] == [s.value for s in shipped.stops]
    assert {s.value: _hex(table[s.value]) for s in shipped.stops} == {s.value: s.colour for s in shipped.stops}
    assert _sidecar_names(tif) == dict(zip(map(int, tiny.landcover.codes), tiny.landcover.names, strict=True))
    labels = {int(e.get("value")): e.get("label") for e in _renderer(tif).findall("colorPalette/paletteEntry")}
    assert labels == _sidecar_names(tif)


def test_continuous_maps_are_drawn_with_the_reports_ramp_or_stretched_over_their_values(folder):
    drawn = 0
    for tif, _, ramp_name in _maps(folder):
        if (ramp_name is not None and RAMPS[ramp_name].kind == "classes") or tif.stem == "land_cover":
            continue
        renderer = _renderer(tif)
        assert renderer.get("type") == "singlebandpseudocolor", tif
        shader = renderer.find("rastershader/colorrampshader")
        assert shader.get("colorRampType") == "INTERPOLATED"
        items = [(float(i.get("value")), i.get("color")) for i in shader.findall("item")]
        if ramp_name is not None:  # the report's ramp of the output, at its own values
            ramp = RAMPS[ramp_name]
            assert items == [(float(s.value), s.colour) for s in ramp.stops], tif
            clear = renderer.find("rasterTransparency/singleValuePixelList/pixelListEntry")
            assert (clear is None) == (ramp.clear_below is None)
            if clear is not None:
                assert float(clear.get("max")) == ramp.clear_below
            drawn += 1
        else:  # no ramp of its own: the sequential ramp from the map's lowest value to its highest
            with rasterio.open(tif) as src:
                values = src.read(1, masked=True).astype(float).filled(np.nan)
            ramp = RAMPS["sequential"]
            assert [c for _, c in items] == [s.colour for s in ramp.stops], tif
            lo, hi = np.nanmin(values), np.nanmax(values)
            hi = hi if hi > lo else lo + 1.0
            np.testing.assert_allclose([v for v, _ in items], lo + (hi - lo) * ramp.values, rtol=1e-6, atol=1e-6)
    assert drawn >= 4  # max_depth, utci, utci_max, t_air_night...


def test_the_netcdf_keeps_each_outputs_units(folder):
    for event, engine in EVENTS.items():
        with xr.open_dataset(folder / "events" / event / "hazard.nc", decode_timedelta=False) as ds:
            for spec in engine.outputs:
                if spec.name in ds:
                    assert ds[spec.name].attrs["units"] == spec.units, (event, spec.name)


def test_a_table_of_other_names_takes_the_colours_of_the_classes_it_names():
    """UMEP's seven classes: named words find the shipped class's colour; an unknown class is neutral grey."""
    names = ["paved", "buildings", "evergreen trees", "deciduous trees", "grass", "bare soil", "water", "quarry"]
    ramp = land_cover_ramp(range(1, 9), names)
    shipped = {s.note: s.colour for s in RAMPS["land_cover"].stops}
    expected = ["paved", "building", "trees", "trees", "grass", "bare_soil", "water"]
    assert [s.colour for s in ramp.stops] == [shipped[n] for n in expected] + [NEUTRAL]
    assert [s.note for s in ramp.stops] == names


def test_a_class_map_of_another_integer_type_keeps_its_colour_table(tmp_path, tiny):
    codes = np.indices(tiny.grid.shape).sum(axis=0) % 3
    palette = {0: "#102030", 1: "#405060", 2: "#708090"}
    tif = write_cog(codes.astype(np.int16), tmp_path / "c.tif", tiny.grid, units="1", palette=palette,
                    categories={0: "a", 2: "c"})  # fmt: skip
    with rasterio.open(tif) as src:
        assert src.dtypes == ("uint8",)
        np.testing.assert_array_equal(src.read(1), codes)
        assert {c: _hex(src.colormap(1)[c]) for c in palette} == palette
    assert category_names(tif) == {0: "a", 2: "c"}
    write_cog(codes.astype(np.float32), tif, tiny.grid, units="m", overwrite=True)  # no classes: no stale names
    assert category_names(tif) == {}
    with pytest.raises(OutputError, match="class map"):
        write_cog(codes - 1, tmp_path / "negative.tif", tiny.grid, units="1", palette=palette)


def test_every_colour_comes_from_the_one_table():
    """The class ramps reuse the colours of the maps they classify: the UTCI class its felt temperature's at each
    class's lower bound, the tropical night the night air's at 20 degC."""
    felt = RAMPS["felt_temperature"]
    lower = (felt.values[0], *UTCI_STRESS_C)
    assert [tuple(hex_rgb(s.colour)) for s in RAMPS["heat_stress"].stops] == [
        tuple(c) for c in rgba(felt, np.array(lower))[:, :3]
    ]
    night = RAMPS["air_temperature_night"]
    assert hex_rgb(RAMPS["night"].stops[1].colour).tolist() == rgba(night, np.array([20.0]))[0, :3].tolist()


def test_an_exported_territory_opens_styled_too(tiny, tmp_path):
    written = export_territory(tiny, tmp_path)
    for name in tiny.layers.data_vars:
        tif = tmp_path / "layers" / f"{name}.tif"
        assert tif in written and tif.with_suffix(".qml") in written
        with rasterio.open(tif) as src:
            assert src.units == (LAYERS[name].units,), name
        assert _renderer(tif).get("type") == ("paletted" if name == "land_cover" else "singlebandpseudocolor")
    tif = tmp_path / "layers" / "land_cover.tif"
    with rasterio.open(tif) as src:
        table = src.colormap(1)
    assert {s.value: _hex(table[s.value]) for s in RAMPS["land_cover"].stops} == {
        s.value: s.colour for s in RAMPS["land_cover"].stops
    }
    assert list(_sidecar_names(tif).values()) == list(tiny.landcover.names)


@pytest.mark.parametrize("spec", [s for e in ENGINES.values() for s in e.outputs if s.style], ids=lambda s: s.name)
def test_each_class_maps_codes_are_its_ramps_classes(spec):
    """The codes an output declares (CF flag_values) are the codes its style colours, each named."""
    ramp = RAMPS[spec.style]
    assert ramp.kind == "classes" and spec.ramp is None
    assert [s.value for s in ramp.stops] == [int(v) for v in spec.attrs["flag_values"]]
    assert len(spec.attrs["flag_meanings"].split()) == len(ramp.stops)
