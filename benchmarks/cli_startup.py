"""How fast the CLI answers, and how long the demo territory takes to load.

Prints one JSON line. Peers run side by side in the same process:
- `twin --help` against a bare `python -c pass` (the floor any Python CLI pays);
- `twin info demo` (loads, reprojects-if-needed and validates the demo) against `--help`.
Medians of N runs; ratios are what to compare between machines.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

N = 7


def _median_seconds(cmd: list[str], n: int = N) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    python = _median_seconds([sys.executable, "-c", "pass"])
    help_ = _median_seconds([sys.executable, "-m", "twin.cli", "--help"])
    info = _median_seconds([sys.executable, "-m", "twin.cli", "info", "demo"], n=3)
    print(
        json.dumps(
            {
                "benchmark": "cli_startup",
                "runs": N,
                "python_bare_s": round(python, 4),
                "twin_help_s": round(help_, 4),
                "twin_help_over_bare_python": round(help_ / python, 2),
                "twin_info_demo_s": round(info, 3),
                "twin_info_demo_over_help": round(info / help_, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
