"""Flood engine on mostly dry grids: the demo's river flood with the dry cells skipped and with every step
sweeping the whole grid, side by side in one process.

The demo territory and events of `scenarios/baseline.toml` (as `twin demo` runs them: float32, the default
FloodParams otherwise): `river-flood` (no rain; the river wets about a quarter of the grid) and, to check
that rain (every cell swept) is not slower, `storm-100y-1h`. Each event is compiled once (a short run),
then run `--runs` times with skipping on and off in turn (so that a busy machine slows both alike).
Reports the median wall times (s), off over on (the speed-up), the steps, and whether the two give the
same results bit for bit. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numba
import numpy as np

from twin.flood import model
from twin.flood.model import FloodParams, mass_balance, simulate
from twin.hazards import effective_climate
from twin.runner import scenario_territory
from twin.scenario import load_scenario

OUTPUTS = ("max_depth", "arrival_time", "max_velocity", "max_depth_velocity", "final_depth")


def _run(territory, event, climate, params: FloodParams, skip: bool):
    model._SKIP_DRY = skip
    try:
        t0 = time.perf_counter()
        ds = simulate(territory, event, params=params, climate=climate)
        return time.perf_counter() - t0, ds
    finally:
        model._SKIP_DRY = True


def _same(a, b) -> bool:
    return all(np.array_equal(a[v].values, b[v].values, equal_nan=True) for v in OUTPUTS) and (
        mass_balance(a) == mass_balance(b)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    parser.add_argument("--events", default="river-flood,storm-100y-1h")
    args = parser.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    scenario = load_scenario("scenarios/baseline.toml")
    territory = scenario_territory(scenario, where="benchmark")
    params = FloodParams(precision="float32")
    out = {"benchmark": "flood_dry", "runs": args.runs, "threads": numba.get_num_threads()}
    out["grid"] = list(territory.grid.shape)
    for name in args.events.split(","):
        event = next(e for e in scenario.events if e.name == name)
        climate = effective_climate(scenario, event)
        for skip in (True, False):  # compile (or load the cached kernels) outside the timings
            _run(territory, event, climate, params.model_copy(update={"duration_s": 120.0}), skip)
        walls = {True: [], False: []}
        results = {}
        for _ in range(args.runs):
            for skip in (True, False):
                wall, results[skip] = _run(territory, event, climate, params, skip)
                walls[skip].append(wall)
        on, off = statistics.median(walls[True]), statistics.median(walls[False])
        out[f"{name}_skip_wall_s"] = on
        out[f"{name}_full_wall_s"] = off
        out[f"{name}_full_over_skip"] = off / on
        out[f"{name}_steps"] = json.loads(results[True].attrs["run"])["steps"]
        out[f"{name}_wet_fraction"] = float((results[True].max_depth.values > 0).mean())
        out[f"{name}_identical"] = _same(results[True], results[False])
    print(json.dumps({k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in out.items()}))


if __name__ == "__main__":
    main()
