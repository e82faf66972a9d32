"""A real river in the tests: the Eden, the Caldew and the Petteril at Carlisle for an hour, from a warm start.

Data: the Carlisle sample of HiPIMS, in the ``hipims==2.1.0`` wheel on PyPI, cropped to 2.2 km × 1.5 km around the
confluences and written as a territory folder and a scenario file by ``tests/carlisle.py`` (its docstring says what
the sample holds and how the crop and the forcing are made). ``.ci/run`` downloads the wheel into a cache
(:mod:`samples`); where the wheel is absent the tests skip, except in CI (``CI=true``), where they fail.

The run goes the way a user's does: ``load_scenario`` and ``load_territory`` on the files, then ``simulate`` with
the scenario's ``[flood]`` options (float64, no infiltration, no sewers). The three rivers enter as discharges per
metre of their edge segments, the sample's 67-zone rain falls on the crop, and the base flow is first run to steady
(``[events.warm_start]``, 1e-3 of the stored water per hour), on the sample's own 5 m cells (440 × 300): about
28 000 steps to warm up and 7 400 for the hour, the slowest test of the suite (about 3 minutes on one core).

What is checked, with the tolerances in the tests: the mass balance closes (1e-9 relative, float64); each river's
volume is the integral of its hydrograph times its segment's width (1e-9 relative); no cold-start artefact (no cell
peaks in the first minute above its warm-state depth, no cell dry in the warm state peaks then, no speed beyond
5 m/s); and the inflow segments lie on the rivers' channels.
"""

from __future__ import annotations

import json
import time
import zipfile
from types import SimpleNamespace

import carlisle
import numpy as np
import pytest
import rasterio
import samples
from rasterio.windows import Window

from twin.flood.boundaries import inflow_cells
from twin.flood.model import FloodParams, simulate
from twin.flood.model import mass_balance as balance_of
from twin.scenario.io import load_scenario
from twin.sources import load_territory

CELL_M = 5.0  # the analysis grid, m: the sample's own cells


@pytest.fixture(scope="module")
def hour(tmp_path_factory):
    """The Carlisle hour, run once for the module: the dataset, the territory, the event, its files and wall time."""
    whl = samples.require("hipims")
    folder = tmp_path_factory.mktemp("carlisle")
    _, scenario_file = carlisle.build(folder, whl, cell_size=CELL_M)
    scenario = load_scenario(scenario_file)
    territory = load_territory(scenario.territory)
    event = scenario.events[0]
    params = FloodParams(**scenario.flood)
    started = time.perf_counter()
    ds = simulate(territory, event, params=params)
    wall_s = time.perf_counter() - started
    return SimpleNamespace(ds=ds, territory=territory, event=event, params=params, folder=folder, wall_s=wall_s)


def test_the_hour_runs_from_a_warm_start_and_its_mass_balance_closes(hour, record_property):
    ds = hour.ds
    mb, run = balance_of(ds), json.loads(ds.attrs["run"])
    print(f"\nCarlisle hour at {CELL_M:g} m, {ds.max_depth.shape}: {hour.wall_s:.1f} s, {run}\n{mb}")
    record_property("wall_s", round(hour.wall_s, 1))
    record_property("relative_error", mb["relative_error"])
    assert hour.params.precision == "float64" and hour.params.infiltration == "none"
    assert run["warm_start_steps"] > 0 and mb["initial_m3"] > 0.0  # the event starts from the warm state
    assert run["duration_s"] == 3600.0
    assert mb["rain_m3"] > 0.0 and mb["outflow_m3"] > 0.0  # the rain fell, and the Eden left by the west edge
    assert mb["relative_error"] < 1e-9  # float64: the budget closes to round-off


def test_the_rain_of_the_hour_falls_on_the_crop(hour):
    """The rain falls as the sample's zones give it: between the driest and the wettest zone's depth of the hour
    (each 5-min intensity held 300 s) over the whole crop. A unit or a time shift would fall outside."""
    times, rates, zones = carlisle.read_zone_rain(carlisle.wheel())
    hour_rows = (times >= carlisle.START_S) & (times < carlisle.END_S)
    assert np.diff(times[hour_rows]).tolist() == [300.0] * 11  # 12 steps of 5 min: the hour
    crop_zones = _zones_on_crop().astype(int)
    depth_m = rates[hour_rows].sum(axis=0) * 300.0 / 3.6e6  # each zone's rain in the hour, m
    depths = np.array([depth_m[zones.index(int(z))] for z in crop_zones])
    area = hour.territory.grid.cell_area * hour.ds.max_depth.size
    rain_m3 = balance_of(hour.ds)["rain_m3"]
    print(f"rain {rain_m3:.1f} m³ over {area / 1e6:.2f} km²: zones {crop_zones.tolist()}, {1000 * depths} mm")
    assert depths.min() * area * (1 - 1e-9) <= rain_m3 <= depths.max() * area * (1 + 1e-9)


def _zones_on_crop() -> np.ndarray:
    """The rain zones of the 5 m crop, read from the sample."""
    with zipfile.ZipFile(carlisle.wheel()) as z:
        data = z.read(f"{carlisle.SAMPLE}/rainMask.tif")
    with rasterio.MemoryFile(data) as memory, memory.open() as src:
        return np.unique(src.read(1, window=Window(*carlisle.WINDOW)))


def test_each_river_brings_the_integral_of_its_hydrograph(hour, record_property):
    """Each inflow's volume is ∫q dt over the hour (trapezoids: the series is linear between its points) times its
    segment's width, the number of cell centres in the segment × the cell size (the crop has no buildings)."""
    records = carlisle.read_hydrographs(carlisle.wheel())
    volumes = balance_of(hour.ds)["inflows_m3"]
    assert sorted(volumes) == sorted(inflow.name for inflow in carlisle.INFLOWS)
    for inflow in carlisle.INFLOWS:
        t, q = records[inflow.sheet].T
        keep = (t >= carlisle.START_S) & (t <= carlisle.END_S)
        assert t[keep].tolist() == [1800.0, 3600.0, 5400.0]  # the hour, every 30 min
        per_metre = float(np.sum(np.diff(t[keep]) * (q[keep][1:] + q[keep][:-1]) / 2.0))  # m³ per metre
        a, b = inflow.segment_m
        centres = CELL_M / 2.0 + CELL_M * np.arange(int(b // CELL_M) + 1)
        width = CELL_M * int(((centres >= a) & (centres <= b)).sum())
        print(f"{inflow.name}: {volumes[inflow.name]:.3f} m³ over {width:g} m; hydrograph {per_metre * width:.3f} m³")
        record_property(f"{inflow.name}_m3", round(volumes[inflow.name], 3))
        assert volumes[inflow.name] == pytest.approx(per_metre * width, rel=1e-9)


def test_no_cell_peaks_in_the_first_minute_from_a_cold_start(hour, record_property):
    """A cold start fills a dry channel in the first minutes: depths jump by the channel's depth (metres here) and the
    front runs fast. From the warm state, a cell whose depth peaks in the first 60 s is one already at that depth:
    within 5 cm of its warm-state depth (the first minute's rain adds under 0.1 mm; the rest is the base flow's own
    ripple, well under a cold fill), and wet in the warm state. The wet area grows by under 1 % in the hour (the
    rivers fall slowly through it and its rain is about half a millimetre; a cold start begins from none). No speed
    anywhere exceeds 5 m/s: lowland rivers in flood run at 1 to 3 m/s, and the local-inertia scheme is not meant
    for faster flow."""
    ds, threshold = hour.ds, hour.params.wet_threshold_m
    assert float(ds.time[0]) == 0.0
    warm = ds.depth.isel(time=0).values  # the warm state: the event's first frame
    peak, when = ds.max_depth.values, ds.time_of_max_depth.values
    wet = peak > threshold
    early = wet & (when <= 60.0)
    rise = peak - warm
    speed = float(ds.max_velocity.max())
    print(f"warm-state wet cells {(warm > threshold).sum()}, wet in the hour {wet.sum()}; peaking in the first "
          f"minute {early.sum()}, at most {rise[early].max():.4f} m above the warm state; largest rise "
          f"{rise.max():.3f} m, deepest {peak.max():.2f} m, fastest {speed:.2f} m/s")  # fmt: skip
    record_property("early_peak_rise_m", round(float(rise[early].max()), 4))
    record_property("max_velocity_m_s", round(speed, 3))
    assert (warm[early] > threshold).all()  # no cell dry in the warm state peaks in the first minute
    assert (rise[early] <= 0.05).all()
    assert (ds.arrival_time.values[warm >= threshold] == 0.0).all()  # wet from the start: arrived at 0 s
    assert wet.sum() <= 1.01 * (warm > threshold).sum()
    assert speed <= 5.0


def test_the_inflow_segments_lie_on_the_channels(hour):
    """Each segment's cells are of the water class and lie lower than the edge around them: a river's bed, not the
    floodplain (its lowest ground at least 1 m below the edge's median)."""
    t = hour.territory
    water = t.landcover.code_of("water")
    z, cover = np.asarray(t["elevation"]), np.asarray(t["land_cover"])
    edges = {"east": z[:, -1], "west": z[:, 0], "north": z[0, :], "south": z[-1, :]}
    for inflow in carlisle.INFLOWS:
        rows, cols, edge = inflow_cells(t, inflow.edge, open_cells=np.ones(z.shape, bool), where=inflow.name,
                                        segment=inflow.segment_m)  # fmt: skip
        assert edge == inflow.edge and rows.size >= 2
        assert (cover[rows, cols] == water).all(), inflow.name
        assert z[rows, cols].min() <= np.median(edges[edge]) - 1.0, inflow.name
