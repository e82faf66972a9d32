"""Flood engine speed, side by side with Landlab's OverlandFlow (de Almeida et al. 2012 in numpy).

Case A: 500 x 500 cells of 5 m, 100 mm/h of uniform rain on a noisy tilted plane, 3600 s.
Case B: 2000 x 2000 cells of 2 m, the same rain, `--case-b-seconds` of it (default 300 s, to bound
the run; the speed is per cell-update and does not depend on it).
Reports cell-updates per second (cells x steps / wall seconds) with 1 thread and with 2, medians of
`--runs` runs (case A also with `precision="float32"`, under `case_a_f32_*` keys), twin's speed over
Landlab's on case A with the same number of threads (Landlab once in a fresh process with OMP_NUM_THREADS=1
and once with 2: its compiled parts run on OpenMP), and the depth RMSE between the two (m).
Memory: `bytes_per_cell_f32` and `bytes_per_cell_f64`, the peak resident memory of a case B run (60 s, a frame
every 10 s) minus that of the same process before its territory is built (after the imports and the kernels'
compilation, whose peak is reset through /proc/self/clear_refs; the DEM read from a .npy file after the
baseline), per cell; each precision in a fresh process (Linux).
Landlab is not a dependency of twin: `pip install landlab` into the benchmark environment to compare
(on Python 3.11, with `requireit==0.5.0`). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from twin.flood.model import FloodParams, mass_balance, simulate
from twin.scenario.models import Scenario
from twin.testing import grid_territory

RAIN_MM_H, MANNING = 100.0, 0.03


def _dem(n: int, dx: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n] * dx
    return (0.01 * x + 0.005 * y + rng.normal(0.0, 0.05, (n, n))).astype(np.float32)


def _rain_event(folder: Path, seconds: float):
    path = folder / "rain.csv"
    rows = "".join(f"{m},{RAIN_MM_H}\n" for m in range(0, int(np.ceil(seconds / 60.0))))
    path.write_text("time_min,intensity_mm_per_h\n" + rows, encoding="utf-8")
    return Scenario.model_validate(
        {
            "name": "b",
            "title": "b",
            "events": [{"kind": "rain_series", "name": "rain", "series_file": str(path), "after_min": 0}],
        }
    ).events[0]


def run_twin(z: np.ndarray, dx: float, seconds: float, event, threads: int, precision: str = "float64"):
    numba.set_num_threads(threads)
    territory = grid_territory(z, cell_size=dx, land_cover=4).with_layers(manning_n=np.full(z.shape, MANNING))
    params = FloodParams(
        infiltration="none",
        sewer_return_period_years=None,
        duration_s=seconds,
        frame_interval_s=seconds,
        precision=precision,
    )
    t0 = time.perf_counter()
    ds = simulate(territory, event, params=params)
    wall = time.perf_counter() - t0
    run = json.loads(ds.attrs["run"])
    return {
        "wall_s": wall,
        "steps": run["steps"],
        "cups": z.size * run["steps"] / wall,
        "mass_error": mass_balance(ds)["relative_error"],
    }, ds.final_depth.values


def run_landlab(z: np.ndarray, dx: float, seconds: float):
    from landlab import RasterModelGrid
    from landlab.components import OverlandFlow

    n = z.shape[0]
    grid = RasterModelGrid((n, n), xy_spacing=dx)
    grid.add_field("topographic__elevation", z[::-1].astype(float).ravel(), at="node")  # landlab rows go north
    grid.add_zeros("surface_water__depth", at="node")
    grid.at_node["surface_water__depth"] += 1e-12
    of = OverlandFlow(grid, mannings_n=MANNING, steep_slopes=True, rainfall_intensity=RAIN_MM_H / 3.6e6)
    t0, elapsed, steps = time.perf_counter(), 0.0, 0
    while elapsed < seconds:
        dt = min(of.calc_time_step(), seconds - elapsed)
        of.overland_flow(dt=dt)
        elapsed += dt
        steps += 1
    wall = time.perf_counter() - t0
    depth = grid.at_node["surface_water__depth"].reshape(n, n)[::-1]
    return {"wall_s": wall, "steps": steps, "cups": z.size * steps / wall}, depth


def _case_a(out: dict, z, event, runs: int, precision: str, prefix: str) -> np.ndarray:
    """Case A on 1 and 2 threads: medians into ``out`` under ``prefix``; returns the final depths (m)."""
    for threads in (1, 2):
        results = [run_twin(z, 5.0, 3600.0, event, threads, precision) for _ in range(runs)]
        out[f"{prefix}_cups_{threads}_thread"] = statistics.median(r[0]["cups"] for r in results)
        out[f"{prefix}_wall_s_{threads}_thread"] = statistics.median(r[0]["wall_s"] for r in results)
        out[f"{prefix}_steps"] = results[0][0]["steps"]
        out[f"{prefix}_mass_error"] = max(r[0]["mass_error"] for r in results)
    out[f"{prefix}_2_over_1_thread"] = out[f"{prefix}_cups_2_thread"] / out[f"{prefix}_cups_1_thread"]
    return results[0][1]


def _status_bytes(field: str) -> int:
    """A memory figure of this process from /proc/self/status (Linux): ``VmRSS`` now, ``VmHWM`` its peak, bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(f"{field}:"))


def measure_memory(precision: str, dem_file: Path) -> dict:
    """Case B's peak memory per cell in this process: peak RSS minus the RSS before the territory is built."""
    event = _rain_event(dem_file.parent, 60.0)
    params = FloodParams(infiltration="none", sewer_return_period_years=None, duration_s=60.0,
                         frame_interval_s=10.0, precision=precision)  # fmt: skip
    small = grid_territory(_dem(50, 2.0), cell_size=2.0, land_cover=4)
    simulate(small.with_layers(manning_n=np.full((50, 50), MANNING)), event, params=params)  # compiled before
    del small
    baseline = _status_bytes("VmRSS")
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # the peak starts again from now: the imports' and the compilation's peaks do not count
    dem = np.load(dem_file)  # the DEM as a reader gives it (float32), read after the baseline
    manning = np.full(dem.shape, MANNING, np.float32)
    territory = grid_territory(dem, cell_size=2.0, land_cover=4).with_layers(manning_n=manning)
    del manning
    ds = simulate(territory, event, params=params)
    peak = _status_bytes("VmHWM")
    return {"bytes_per_cell": (peak - baseline) / dem.size, "cells": dem.size, "frames": ds.sizes["time"]}


def _memory_in_fresh_process(precision: str, dem_file: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--memory", precision, "--dem", str(dem_file)],
                          check=True, capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _landlab_in_fresh_process(threads: int, dem_file: Path) -> tuple[dict, np.ndarray]:
    """Landlab on case A in a fresh process whose OpenMP runtime has ``threads`` threads: its compiled parts run
    in parallel (landlab bundles libgomp: 173 % of a CPU on 2 cores), so that twin on one thread is compared with
    Landlab on one. Raises ImportError without Landlab."""
    depth_file = dem_file.with_name(f"landlab_depth_{threads}.npy")
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}  # read when the runtime loads: a fresh process
    done = subprocess.run([sys.executable, __file__, "--landlab", "--dem", str(dem_file), "--depth-out",
                           str(depth_file)], capture_output=True, text=True, env=env)  # fmt: skip
    if done.returncode == 3:
        raise ImportError("landlab is not installed")
    done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1]), np.load(depth_file)


def _landlab_child(dem_file: Path, depth_file: Path) -> None:
    try:
        import landlab  # noqa: F401
    except ImportError:
        sys.exit(3)
    z = np.load(dem_file)
    cpu = time.process_time()
    run, depth = run_landlab(z, 5.0, 3600.0)
    run["cpu_s"] = time.process_time() - cpu  # over wall_s: the CPUs its threads used
    np.save(depth_file, depth)
    print(json.dumps(run))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case-b-seconds", type=float, default=300.0)
    parser.add_argument("--skip-b", action="store_true")
    parser.add_argument("--memory", choices=("float32", "float64"), help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--dem", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--landlab", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--depth-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.landlab:
        _landlab_child(args.dem, args.depth_out)
        return
    if args.memory:
        print(json.dumps(measure_memory(args.memory, args.dem)))
        return
    out = {"benchmark": "flood", "runs": args.runs}
    with tempfile.TemporaryDirectory() as folder:
        event_a = _rain_event(Path(folder), 3600.0)
        z_a = _dem(500, 5.0)
        for precision in ("float64", "float32"):  # compile (cached kernels load) outside the timings
            run_twin(z_a[:50, :50], 5.0, 60.0, event_a, 2, precision)
        depth_twin = _case_a(out, z_a, event_a, args.runs, "float64", "case_a")
        depth_f32 = _case_a(out, z_a, event_a, args.runs, "float32", "case_a_f32")
        out["case_a_f32_over_f64_1_thread"] = out["case_a_f32_cups_1_thread"] / out["case_a_cups_1_thread"]
        out["case_a_f32_vs_f64_depth_max_abs_m"] = float(np.abs(depth_f32 - depth_twin).max())
        z_file = Path(folder) / "case_a_dem.npy"
        np.save(z_file, z_a.astype(float))
        try:
            landlab = {t: _landlab_in_fresh_process(t, z_file) for t in (1, 2)}
        except ImportError:
            out["landlab"] = None
        else:
            inner = (slice(5, -5), slice(5, -5))
            for threads, (run, _) in landlab.items():
                out[f"landlab_cups_{threads}_thread"] = run["cups"]
                out[f"landlab_wall_s_{threads}_thread"] = run["wall_s"]
                out[f"landlab_cpu_s_{threads}_thread"] = run["cpu_s"]
                out["landlab_steps"] = run["steps"]
            depth_ll = landlab[1][1]
            out["twin_1_thread_over_landlab_cups"] = out["case_a_cups_1_thread"] / out["landlab_cups_1_thread"]
            for threads in (1, 2):  # the ratio: twin in float32 over Landlab, per cell-update, same threads
                key = f"twin_f32_{threads}_thread_over_landlab_cups"
                out[key] = out[f"case_a_f32_cups_{threads}_thread"] / out[f"landlab_cups_{threads}_thread"]
            out["twin_1_thread_over_landlab_wall"] = out["landlab_wall_s_1_thread"] / out["case_a_wall_s_1_thread"]
            out["depth_rmse_vs_landlab_m"] = float(np.sqrt(np.mean((depth_twin[inner] - depth_ll[inner]) ** 2)))
            out["mean_depth_m"] = float(depth_twin[inner].mean())
        if not args.skip_b:
            event_b = _rain_event(Path(folder), args.case_b_seconds)
            z_b = _dem(2000, 2.0, seed=1)
            for threads in (1, 2):
                r, _ = run_twin(z_b, 2.0, args.case_b_seconds, event_b, threads)
                out[f"case_b_cups_{threads}_thread"] = r["cups"]
                out["case_b_seconds_simulated"] = args.case_b_seconds
            dem_file = Path(folder) / "case_b_dem.npy"
            np.save(dem_file, z_b)
            for precision, key in (("float32", "f32"), ("float64", "f64")):
                memory = _memory_in_fresh_process(precision, dem_file)
                out[f"bytes_per_cell_{key}"] = memory["bytes_per_cell"]
                out["memory_cells"], out["memory_frames"] = memory["cells"], memory["frames"]
    print(json.dumps({k: (float(f"{v:.6g}") if isinstance(v, float) else v) for k, v in out.items()}))  # mass errors


if __name__ == "__main__":
    main()
