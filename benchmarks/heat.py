"""How fast the heat engine runs, stage by stage.

Prints one JSON line:
- sky view factor on a 1000 x 1000 surface model at 1 m with buildings, 32 azimuths, 100 m radius, with 1 and
  2 numba threads (issue 5 target: <= 3 s with 2 threads);
- one hour of shadows on the same surface, sun at 20°, with 1 and 2 threads;
- the full heat run (24 hourly steps: the heat island's day, Tmrt and UTCI at every hour) on the demo territory,
  warm, with each stage's time and cells per second: ``hourly_heat_demo_s`` (issue 17 target: <= 10 s on
  2 cores), and the heat island of the dense centre by night and at 14:00-16:00 (``uhi_night_p95_k``,
  ``uhi_afternoon_p95_k``: the night's must be the larger);
- the Urban Cooling Model on 2000 x 2000 cells of 5 m, day and night together, in both modes (target: <= 3 s);
- numba compilation of the heat kernels, cold and from the cache, each in a fresh process.
Medians of N runs after one warm-up run. The machine may be shared: compare ratios, quote medians.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numba
import numpy as np
from timing import median_seconds

N = 3


def synthetic_city(n: int = 1000, *, cell: float = 1.0, seed: int = 5) -> np.ndarray:
    """A surface model, m: a gentle slope, a street grid of 12-20 m streets, blocks of 6-30 m buildings."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n] * cell
    z = 30.0 + 0.01 * x + 0.005 * y
    pos = 0.0
    edges = []
    while pos < n * cell:
        block = rng.uniform(40.0, 90.0)
        edges.append((pos, pos + block))
        pos += block + rng.uniform(12.0, 20.0)
    for y0, y1 in edges:
        for x0, x1 in edges:
            # each block: buildings along its edge around a courtyard, heights drawn per block
            h = rng.uniform(6.0, 30.0)
            i0, i1, j0, j1 = (int(v / cell) for v in (y0, y1, x0, x1))
            depth = int(rng.uniform(10.0, 15.0) / cell)
            z[i0:i1, j0:j1] += h
            z[i0 + depth : i1 - depth, j0 + depth : j1 - depth] -= h
    return z.astype(np.float32)


def bench_svf() -> dict:
    from twin.heat.geometry import sky_view_factor

    z = synthetic_city()
    out = {}
    for threads in (1, 2):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        out[f"svf_1000x1000_{threads}thread_s"] = round(
            median_seconds(lambda: sky_view_factor(z, cell_size=1.0, n_azimuths=32, radius_m=100.0), N), 3
        )
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    out["svf_1000_s"] = out["svf_1000x1000_2thread_s"]  # issue 17: still <= 3 s
    out["svf_cells_per_s_2threads"] = round(z.size / out["svf_1000x1000_2thread_s"])
    out["svf_ray_steps_per_s_2threads"] = round(z.size * 32 * 100 / out["svf_1000x1000_2thread_s"])
    return out


def bench_shadows() -> dict:
    from twin.heat.sun import sunlit_fraction

    z = synthetic_city()
    out = {}
    for threads in (1, 2):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        out[f"shadow_1000x1000_sun20deg_{threads}thread_s"] = round(
            median_seconds(lambda: sunlit_fraction(z, cell_size=1.0, elevation_deg=20.0, azimuth_deg=250.0), N), 3
        )
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    out["shadow_cells_per_s_2threads"] = round(z.size / out["shadow_1000x1000_sun20deg_2thread_s"])
    return out


def bench_demo() -> dict:
    from twin.heat.event import Heatwave
    from twin.heat.model import HeatParams, simulate
    from twin.sources import load_territory
    from twin.testing import demo_park_and_dense_centre, heat_island_p95

    territory = load_territory("demo")
    event = Heatwave(
        kind="heatwave",
        name="heatwave-2019",
        date=dt.date(2019, 7, 25),
        max_air_temperature_c=40.0,
        min_air_temperature_c=22.0,
        relative_humidity_pct=35.0,
        wind_speed_m_s=2.0,
    )
    cells = territory.grid.width * territory.grid.height
    out = {"demo_cells": cells}
    for mode in ("default", "invest"):
        stages: list[dict] = []

        results = []

        def run(mode=mode, stages=stages, results=results):
            ds = simulate(territory, event, params=HeatParams(mode=mode))
            stages.append(json.loads(ds.attrs["timings_s"]))
            results[:] = [ds]

        total = median_seconds(run, N)
        if mode == "default":
            out["hourly_heat_demo_s"] = round(total, 3)
            p95 = heat_island_p95(results[0], demo_park_and_dense_centre(territory)[1])
            out["uhi_night_p95_k"], out["uhi_afternoon_p95_k"] = round(p95["night"], 3), round(p95["afternoon"], 3)
        out[f"demo_full_run_{mode}_s"] = round(total, 3)
        out[f"demo_cells_per_s_{mode}"] = round(cells / total)
        for stage in stages[0]:
            t = statistics.median(s[stage] for s in stages[1:])
            out[f"demo_{mode}_{stage}_s"] = round(t, 4)
            out[f"demo_{mode}_{stage}_cells_per_s"] = round(cells / t) if t > 0 else None
    return out


def bench_ucm() -> dict:
    from twin.heat import cooling

    n, cell = 2000, 5.0
    rng = np.random.default_rng(3)
    green = (rng.random((n, n)) < 0.3).astype(float)
    cc = rng.random((n, n))
    height = np.where(rng.random((n, n)) < 0.3, rng.uniform(3.0, 25.0, (n, n)), 0.0)
    svf, f_veg = rng.random((n, n)), rng.random((n, n))
    out = {}
    for mode in ("default", "invest"):

        def run(mode=mode):
            kernels = cooling.cooling_kernels((n, n), cell_size=cell, d_cool_m=450.0, r_mix_m=600.0, mode=mode)
            if mode == "invest":
                uhi = 3.0
            else:
                uhi = cooling.geometric_uhi_max(svf, f_veg, meteorology_k=4.0, cell_size=cell, window_m=100.0)
            intensity = cooling.building_intensity(
                height, cell_size=cell, storey_height_m=3.0, window_m=50.0, far_max=3.0
            )
            cooling.urban_cooling(
                np.stack([cc, 1.0 - intensity]),
                green,
                t_ref_c=[35.0, 20.0],
                uhi_max_k=uhi,
                cell_size=cell,
                kernels=kernels,
            )

        t = median_seconds(run, N)
        out[f"ucm_2000x2000_day_night_{mode}_s"] = round(t, 3)
        out[f"ucm_cells_per_s_{mode}"] = round(n * n / t)
    return out


_COMPILE = """
import time
t0 = time.perf_counter()
import numpy as np
from twin.heat import geometry, sun
z = np.random.default_rng(0).random((20, 20)) * 10
geometry.sky_view_factor(z, cell_size=1.0, n_azimuths=8, radius_m=5.0)
geometry.walls(z, cell_size=1.0)
sun.sunlit_fraction(z, cell_size=1.0, elevation_deg=30.0, azimuth_deg=200.0)
print(time.perf_counter() - t0)
"""


def bench_compile() -> dict:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}

        def once() -> float:
            done = subprocess.run([sys.executable, "-c", _COMPILE], env=env, check=True, capture_output=True, text=True)
            return float(done.stdout.strip())

        cold = once()
        cached = statistics.median(once() for _ in range(N))
    return {"compile_cold_s": round(cold, 3), "compile_cached_s": round(cached, 3)}


def main() -> None:
    figures = {
        "benchmark": "heat",
        "runs": N,
        "cpus": os.cpu_count(),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    figures |= bench_compile()
    figures |= bench_svf()
    figures |= bench_shadows()
    figures |= bench_ucm()
    figures |= bench_demo()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
