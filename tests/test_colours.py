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
    ramp = RAMPS["utci_classes"]
    bounds = ramp.values
    mids = np.r_[(bounds[1:-1] + bounds[2:]) / 2, bounds[1] - 1.0, bounds[-1] + 3.0]
    viewer = rgba(ramp, mids)[..., :3]
    assert np.array_equal(viewer, _report_rgb(ramp, mids))
    assert [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in viewer[:-2]] == [s.colour for s in ramp.stops[1:-1]]


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
