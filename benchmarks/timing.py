"""What the benchmarks share: the median time of a call repeated after a warm-up (machines are noisy)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], n: int) -> float:
    """The median wall time of ``n`` calls of ``fn``, s, after one call that is not timed (numba's compilation,
    caches filled)."""
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
