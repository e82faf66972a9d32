"""One colour table: the report's maps and the viewer's layers draw a value in the same colour."""

from __future__ import annotations

import numpy as np
import pytest

from twin.colours import RAMPS, rgba, stop_label
from twin.engines import ENGINES
from twin.report_figures import colormap
from twin.words import LANGS, has
from viewer.layers import LAYERS, colours

CONTINUOUS = [name for name, ramp in RAMPS.items() if ramp.kind == "continuous"]
TOLERANCE = 1  # of 255 per channel: matplotlib samples its colour map in 4096 steps, the viewer interpolates


def _report_rgb(ramp, values) -> np.ndarray:
    """The colours the report's colour bar gives ``values`` (0..255)."""
    return np.rint(colormap(ramp, values).to_rgba(values)[..., :3] * 255.0)


def test_the_report_and_the_viewer_show_the_same_water_depth_in_the_same_colour():
    flood = ENGINES["flood"]
    spec = flood.output(flood.report_map)
    ramp = RAMPS[spec.ramp]
    assert LAYERS[spec.name].ramp is ramp  # the viewer's layer of the report's map: the same ramp
    depth = np.concatenate([np.linspace(0.01, 3.0, 2000), ramp.values])  # every stop, and beyond the last
    viewer = colours(LAYERS[spec.name], depth)[..., :3].astype(float)
    report = _report_rgb(ramp, depth)
    assert np.abs(viewer - report).max() <= TOLERANCE
    assert (colours(LAYERS[spec.name], np.array([0.0, 0.005]))[..., 3] == 0).all()  # dry ground left clear


@pytest.mark.parametrize("name", CONTINUOUS)
def test_every_continuous_ramp_is_the_same_in_both(name):
    ramp = RAMPS[name]
    lo, hi = ramp.values[0], ramp.values[-1]
    values = np.linspace(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), 3001)
    assert np.abs(rgba(ramp, values)[..., :3] - _report_rgb(ramp, values)).max() <= TOLERANCE


def test_classes_take_the_colour_of_their_class_in_both():
    ramp = RAMPS["land_cover"]
    codes = np.array([s.value for s in ramp.stops], dtype=float)
    viewer = rgba(ramp, codes)[..., :3]
    assert np.array_equal(viewer, _report_rgb(ramp, codes))
    assert [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in viewer] == [s.colour for s in ramp.stops]


def test_the_utci_scale_tells_the_hot_classes_apart_and_keeps_their_boundaries():
    """On a 40 °C day every street is in very strong heat stress: the scale grades within the class, so that 38,
    42 and 46 °C are three colours (issue 20, item 13), and each class boundary keeps its class colour."""
    from twin.heat.comfort import UTCI_STRESS_C

    ramp = RAMPS["felt_temperature"]
    at = {s.value: s.colour for s in ramp.stops}
    boundaries = rgba(ramp, np.array(UTCI_STRESS_C))[..., :3]
    assert [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in boundaries] == [at[v] for v in UTCI_STRESS_C]
    hot = rgba(ramp, np.array([38.0, 40.0, 42.0, 44.0, 46.0]))[..., :3].astype(int)
    steps = np.abs(np.diff(hot, axis=0)).sum(axis=1)
    assert (steps >= 24).all(), steps  # each 2 K step is visibly another colour
    exposed = {RAMPS[name].stops[0].colour for name in ("hot_buildings", "flooded_buildings")}
    ground = {s.colour for name in ("felt_temperature", "water_depth", "land_cover") for s in RAMPS[name].stops}
    assert not exposed & ground  # a building's colour is never a ground's class or depth


@pytest.mark.parametrize("lang", LANGS)
def test_every_stop_has_words_in_every_language(lang):
    for ramp in RAMPS.values():
        for stop in ramp.stops:
            if stop.note is not None:
                assert has(f"ramp.{ramp.name}.{stop.note}"), f"{ramp.name}.{stop.note}"
            assert stop_label(ramp, stop, lang)
    water, change = RAMPS["water_depth"], RAMPS["utci_change"]
    assert stop_label(water, water.stops[1], "en") == "10\u00a0cm: water reaches doorsteps"
    assert stop_label(change, change.stops[0], "fr") == "-6\u00a0°C (plus frais)"
