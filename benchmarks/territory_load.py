"""How fast a territory loads: from its sources, and from the territory cache (issue 18: `twin info demo` <= 1.5 s
warm).

Prints one JSON line:
- `twin info demo` in a fresh process, warm (the cache filled by a first run, Python's bytecode cached), and with
  `--no-cache` (loaded from the sources each time): what a user waits;
- `python -c "import twin.sources"` in a fresh process: the imports' share of it, and a bare `python -c pass`;
- `load_territory("demo")` in this process, from the cache and from the sources (imports done).
Medians of N runs after one warm-up run. The cache is a temporary folder of its own. Where the environment forbids
writing bytecode (PYTHONDONTWRITEBYTECODE, a read-only site-packages), the subprocesses keep it in a temporary
PYTHONPYCACHEPREFIX, as a user's installation does in site-packages: otherwise every run compiles every module
and nothing is warm. The machine may be shared: `load_average` says how busy it was; compare medians run together.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 5


def _median(fn, n: int = N) -> float:
    fn()  # warm-up: caches filled
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
        env = {**os.environ, "TWIN_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("TWIN_NO_CACHE", None)
        pycache = None
        if env.pop("PYTHONDONTWRITEBYTECODE", None) or sys.flags.dont_write_bytecode:
            pycache = env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tmp) / "pycache"))
        os.environ.update({"TWIN_CACHE_DIR": env["TWIN_CACHE_DIR"]})
        os.environ.pop("TWIN_NO_CACHE", None)

        def command(*args: str):
            return lambda: subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)

        bare = _median(command("-c", "pass"))
        imports = _median(command("-c", "import twin.sources"))
        warm = _median(command("-m", "twin.cli", "info", "demo"))
        no_cache = _median(command("-m", "twin.cli", "info", "--no-cache", "demo"), n=3)

        from twin.sources import load_territory

        cached = _median(lambda: load_territory("demo"))
        fresh = _median(lambda: load_territory("demo", cache=False), n=3)
    print(
        json.dumps(
            {
                "benchmark": "territory_load",
                "runs": N,
                "twin_info_demo_warm_s": round(warm, 3),
                "twin_info_demo_no_cache_s": round(no_cache, 3),
                "import_twin_sources_s": round(imports, 3),
                "python_bare_s": round(bare, 3),
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
