"""How fast a territory loads: from its sources, and from the territory cache (issue 18: `twin info demo` <= 1.5 s
warm).

Prints one JSON line:
- `twin info demo` in a fresh process, warm (the cache filled by a first run, Python's bytecode cached), and with
  `--no-cache` (loaded from the sources each time): what a user waits;
- `python -c "import twin.sources"` in a fresh process: what a load imports (the GIS stack), and
  `python -c "import twin.territory_key"`: what `twin info` imports when the cache holds the territory's summary
  (`twin.territory_key.cached_summary`), and a bare `python -c pass`;
- `load_territory("demo")` in this process, from the cache and from the sources (imports done).
The subprocesses' CPU time (user + system, `*_cpu_s`) is given beside their wall time: on a busy machine it is what
stays comparable (on an idle one the two are close, the imports running on one core).
Medians of N runs after one warm-up run. The cache is a temporary folder of its own. Where the environment forbids
writing bytecode (PYTHONDONTWRITEBYTECODE, a read-only site-packages), the subprocesses keep it in a temporary
PYTHONPYCACHEPREFIX, as a user's installation does in site-packages: otherwise every run compiles every module
and nothing is warm. The machine may be shared: `load_average` says how busy it was; compare medians run together.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import median_seconds

N = 5


def _medians(cmd: list[str], env: dict, n: int = N) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of a command in a fresh process, s."""
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm-up: caches filled
    wall, cpu = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        wall.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
        env = {**os.environ, "TWIN_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("TWIN_NO_CACHE", None)
        pycache = None
        if env.pop("PYTHONDONTWRITEBYTECODE", None) or sys.flags.dont_write_bytecode:
            pycache = env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tmp) / "pycache"))
        os.environ.update({"TWIN_CACHE_DIR": env["TWIN_CACHE_DIR"]})
        os.environ.pop("TWIN_NO_CACHE", None)

        bare, bare_cpu = _medians([sys.executable, "-c", "pass"], env)
        imports, imports_cpu = _medians([sys.executable, "-c", "import twin.sources"], env)
        lean, lean_cpu = _medians([sys.executable, "-c", "import twin.territory_key"], env)
        warm, warm_cpu = _medians([sys.executable, "-m", "twin.cli", "info", "demo"], env)
        no_cache, no_cache_cpu = _medians([sys.executable, "-m", "twin.cli", "info", "--no-cache", "demo"], env, n=3)

        from twin.sources import load_territory

        cached = median_seconds(lambda: load_territory("demo"), N)
        fresh = median_seconds(lambda: load_territory("demo", cache=False), 3)
    print(
        json.dumps(
            {
                "benchmark": "territory_load",
                "runs": N,
                "twin_info_demo_warm_s": round(warm, 3),
                "twin_info_demo_no_cache_s": round(no_cache, 3),
                "import_twin_sources_s": round(imports, 3),
                "import_twin_territory_key_s": round(lean, 3),
                "python_bare_s": round(bare, 3),
                "twin_info_demo_warm_cpu_s": round(warm_cpu, 3),
                "twin_info_demo_no_cache_cpu_s": round(no_cache_cpu, 3),
                "import_twin_sources_cpu_s": round(imports_cpu, 3),
                "import_twin_territory_key_cpu_s": round(lean_cpu, 3),
                "python_bare_cpu_s": round(bare_cpu, 3),
                "load_territory_demo_cached_s": round(cached, 3),
                "load_territory_demo_fresh_s": round(fresh, 3),
                "fresh_over_cached": round(fresh / cached, 1),
                "cpus": os.cpu_count(),
                "load_average": round(os.getloadavg()[0], 2),
                "pycache_prefix_set": pycache is not None,
            }
        )
    )


if __name__ == "__main__":
    main()
