"""Batch throughput on the demo town with 1 and with 2 worker processes (issue 7 target: >= 1.7x with 2).

Eight demo-sized tasks: the baseline and station-greening scenarios, each on its four events (two heat days,
the 100-year storm, the river flood), in float32 as `twin demo` runs them. Each configuration runs the eight
tasks from an empty folder (so nothing is skipped), on a fresh local cluster, after one warm-up batch that
fills numba's cache (and starts the fork server the local workers of every batch of this process are forked
from, with twin imported: see twin.batch.execution). Configurations, alternated in each round:

- ``1x1``: 1 worker, 1 numba thread per task (the batch layer alone, no parallelism at all);
- ``1x2``: 1 worker, 2 numba threads per task (the kernels' own parallelism on both cores);
- ``2x1``: 2 workers, 1 numba thread each (what `twin batch` does on 2 cores: workers x threads = cores).

Prints one JSON line with the median wall time of each, the tasks per minute, and the ratios
``2x1`` over ``1x1`` (the batch's scaling) and ``2x1`` over ``1x2`` (against the kernels' threads).
The machine may be shared: compare ratios, quote medians. Usage: ``python benchmarks/batch.py [ROUNDS]``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from twin.batch import run_batch
from twin.datasets import scenarios_dir

CONFIGS = {"1x1": (1, 1), "1x2": (1, 2), "2x1": (2, 1)}


def sweep_file(folder: Path) -> Path:
    scenarios = [(scenarios_dir() / f"{s}.toml").as_posix() for s in ("baseline", "station-greening")]
    path = folder / "bench.sweep.toml"
    path.write_text(
        f'schema_version = 1\nname = "bench"\nscenarios = {json.dumps(scenarios)}\n'
        '[parameters]\n"flood.precision" = ["float32"]\n',
        encoding="utf-8",
    )
    return path


def timed(sweep: Path, out: Path, workers: int, threads: int) -> float:
    start = time.perf_counter()
    result = run_batch(sweep, out=out, workers=workers, threads=threads)
    elapsed = time.perf_counter() - start
    assert result.counts["done"] == 8 and result.executed == 8, result.counts
    return elapsed


def main(rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = sweep_file(tmp)
        timed(sweep, tmp / "warm-up", 2, 1)  # compiles the kernels once in each worker; numba caches them
        times: dict[str, list[float]] = {k: [] for k in CONFIGS}
        for r in range(rounds):
            for name, (workers, threads) in CONFIGS.items():
                times[name].append(timed(sweep, tmp / f"{name}-{r}", workers, threads))
    median = {k: statistics.median(v) for k, v in times.items()}
    print(
        json.dumps(
            {
                "benchmark": "batch",
                "tasks": 8,
                "cores": os.cpu_count(),
                "rounds": rounds,
                "median_s": {k: round(v, 2) for k, v in median.items()},
                "tasks_per_min": {k: round(8 * 60 / v, 1) for k, v in median.items()},
                "ratio_2_workers_vs_1_worker_1_thread": round(median["1x1"] / median["2x1"], 2),
                "ratio_2_workers_vs_1_worker_2_threads": round(median["1x2"] / median["2x1"], 2),
                "runs_s": {k: [round(x, 2) for x in v] for k, v in times.items()},
                # each round's 1x1 and 2x1 ran one after the other: their ratio is less exposed to a machine
                # whose speed drifts between rounds than the ratio of the medians
                "ratio_per_round": [round(a / b, 2) for a, b in zip(times["1x1"], times["2x1"], strict=True)],
                "median_ratio_per_round": round(
                    statistics.median(a / b for a, b in zip(times["1x1"], times["2x1"], strict=True)), 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
