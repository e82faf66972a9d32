"""Depth frames streamed to disk (``twin.flood.frames``): what is written is what is read back, lazily, and the
temporary file never outlives the run that needs it."""

from __future__ import annotations

import os

import numpy as np
from conftest import make_event

from twin.flood.frames import FrameFile
from twin.flood.model import FloodParams, simulate
from twin.testing import grid_territory


def test_frames_read_back_as_written_and_their_file_is_gone_once_open():
    """Frames of a grid wider than one chunk of rows, one of them interpolated between two states: read back
    exactly (float32), after the file is unlinked; a discarded file is removed."""
    rng = np.random.default_rng(1)
    before, after = rng.random((700, 600)), rng.random((700, 600))  # 700 rows: two chunks of 436 rows
    frames = FrameFile(before.shape)
    assert frames.rows < before.shape[0]
    frames.add(before)
    frames.add(after, before, 0.25)
    path = frames.path
    stack = frames.frames()
    assert not os.path.exists(path)  # unlinked: its space goes with the reader
    assert stack.shape == (2, 700, 600) and stack.dtype == np.float32
    values = stack.compute(scheduler="synchronous")
    np.testing.assert_array_equal(values[0], before.astype(np.float32))
    np.testing.assert_array_equal(values[1], (before + 0.25 * (after - before)).astype(np.float32))
    failed = FrameFile((3, 4))
    failed.add(np.zeros((3, 4)))
    failed.discard()
    assert not os.path.exists(failed.path)


def test_a_run_s_frames_stay_on_disk_until_read(tmp_path):
    """The result's depth stack is lazy (dask chunks, one frame each) and holds the frames of the run: the last
    one is the final depth."""
    territory = grid_territory(np.zeros((20, 30)), cell_size=5.0)
    series = tmp_path / "rain.csv"
    series.write_text("time_min,intensity_mm_per_h\n0,50\n", encoding="utf-8")
    rain = make_event(kind="rain_series", name="r", series_file=str(series), after_min=0)
    params = FloodParams(duration_s=600.0, frame_interval_s=120.0, infiltration="none", sewer_return_period_years=None)
    ds = simulate(territory, rain, params=params)
    assert ds.depth.chunks is not None and ds.depth.data.chunksize[0] == 1
    assert ds.sizes["time"] == 6  # 0, 120, ..., 600 s
    np.testing.assert_array_equal(ds.depth.isel(time=-1).values, ds.final_depth.values)
    assert float(ds.depth.isel(time=-1).max()) > 0.0
