"""Flood results reused across territories: only when the run would be identical, and then it is."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from conftest import make_event
from scipy import ndimage

from twin.flood.model import FloodParams, simulate
from twin.flood.reuse import MARGIN_CELLS, changed_inputs, reuse_reason
from twin.testing import tiny_territory

PARAMS = FloodParams(frame_interval_s=120.0)


@pytest.fixture(scope="module")
def river(tiny):
    """A small flood wave entering mid-west of the tiny plane (which falls to the east) and its result."""
    g = tiny.grid
    event = make_event(
        kind="river_flood",
        name="wave",
        inflow_location=[float(g.x[1]), float(g.y[13])],
        hydrograph={"peak_discharge_m3_s": 0.6, "time_to_peak_h": 0.05, "time_base_h": 0.15},
        duration_h=0.2,
    )
    return event, simulate(tiny, event, params=PARAMS)


def _rougher(territory, rows: slice, cols: slice):
    n = territory["manning_n"].copy()
    n[rows, cols] *= 3.0
    return territory.with_layers(manning_n=n)


def test_a_change_the_water_never_reaches_gives_the_very_same_run_and_is_reused(tiny, river):
    event, before = river
    far = _rougher(tiny, slice(0, 2), slice(0, 5))  # the north-west corner, uphill and aside
    wet = before["max_depth"].values > 0
    assert wet.any() and not wet[:4, :7].any()  # precondition: the corner and its margin stayed dry
    reason = reuse_reason(tiny, before, far, event=event)
    assert reason is not None and "away from where the water went" in reason
    after = simulate(far, event, params=PARAMS)
    for var in ("max_depth", "max_velocity", "arrival_time", "final_depth", "depth"):
        np.testing.assert_array_equal(after[var].values, before[var].values)


def test_a_change_where_the_water_goes_is_not_reused_and_would_differ(tiny, river):
    event, before = river
    wet = before["max_depth"].values > 0.005
    rows, cols = np.nonzero(wet)
    r, c = int(rows.mean()), int(cols.mean())
    near = _rougher(tiny, slice(r - 1, r + 2), slice(c - 1, c + 2))
    assert reuse_reason(tiny, before, near, event=event) is None
    after = simulate(near, event, params=PARAMS)
    assert not np.array_equal(after["max_depth"].values, before["max_depth"].values)


def test_the_margin_is_counted_in_cells_around_the_wetted_area(tiny, river):
    event, before = river
    wet = (before["max_depth"].values > 0) | (before["final_depth"].values > 0)
    ring = ndimage.binary_dilation(wet, np.ones((3, 3), bool), iterations=MARGIN_CELLS) & ~wet
    r, c = np.argwhere(ring)[0]
    edge = _rougher(tiny, slice(r, r + 1), slice(c, c + 1))
    assert reuse_reason(tiny, before, edge, event=event) is None


def test_rain_wets_every_cell_so_any_change_blocks_reuse_but_no_change_allows_it(tiny, river):
    _, before = river
    storm = make_event(kind="design_storm", name="storm", return_period_years=10, duration_min=30)
    far = _rougher(tiny, slice(0, 2), slice(28, 30))
    assert reuse_reason(tiny, before, far, event=storm) is None
    assert reuse_reason(tiny, before, tiny, event=storm) == "the measures change none of the flood inputs"


def test_buildings_count_by_blockage_not_by_their_row_number(tiny):
    renumbered = tiny.with_layers(building_index=np.where(tiny["building_index"] >= 0, 0, -1))
    assert not changed_inputs(tiny, renumbered).any()
    assert changed_inputs(tiny, tiny.with_layers(albedo=tiny["albedo"] * 0.5)).sum() == 0  # heat-only layer


def test_a_river_flood_with_rain_is_never_reused_across_changed_inputs(tmp_path):
    """A compound river flood's rain wets every cell: like a storm, any changed input means computing again; and
    territories with other rainfall statistics never share a result (their sewers differ)."""
    before = tiny_territory()
    after = before.with_layers(manning_n=before["manning_n"] * np.where(np.arange(30) < 2, 2.0, 1.0)[None, :])
    rain = tmp_path / "rain.csv"
    rain.write_text("time_min,intensity_mm_per_h\n0,10\n", encoding="utf-8")
    event = make_event(kind="river_flood", name="r", downstream_level_m=1.0, rain={"series_file": str(rain)})
    dry = xr.Dataset({"max_depth": (("y", "x"), np.zeros((20, 30))), "final_depth": (("y", "x"), np.zeros((20, 30)))})
    assert reuse_reason(before, dry, after, event=event) is None
    assert reuse_reason(before, dry, replace(before, rainfall_statistics=None), event=event) is None
