"""Compile the flood kernels in a second process while the first one starts on the heat.

On a fresh checkout numba compiles every kernel once (then caches it in
``__pycache__``): about 35 s for the flood engine, 20 s for the heat engine and
pythermalcomfort, one after the other in one process. ``twin demo`` starts this
module as a subprocess that runs two tiny floods, compiling and caching the
flood kernels on the second core, and waits for it just before its first flood,
which then loads them from the cache. When the cache is warm the subprocess
only costs its imports.

``python -m twin.flood.warmup float32`` runs it by hand.
"""

from __future__ import annotations

import subprocess
import sys

# nothing heavy at import: twin demo starts the process before it imports the engines


def start(precision: str) -> subprocess.Popen | None:
    """Start the warm-up process (``None`` if it cannot start: the run then compiles for itself).

    Parameters
    ----------
    precision : {"float32", "float64"}
        The flood engine's precision (:class:`~twin.flood.model.FloodParams`), whose kernels get compiled.

    Returns
    -------
    subprocess.Popen or None
        The process, or ``None`` if it could not start.
    """
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "twin.flood.warmup", precision],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def waiter(process: subprocess.Popen | None, *, timeout_s: float = 300.0):
    """A callable that waits (once) for the warm-up to finish; a failed or slow warm-up is simply ignored.

    Parameters
    ----------
    process : subprocess.Popen or None
        From :func:`start`; ``None``: nothing to wait for.
    timeout_s : float
        Longest wait, s; the process is then killed.

    Returns
    -------
    callable
        ``wait()``, to call before the first flood (from the ``before_simulate`` of :func:`twin.runner.run`).
    """

    def wait() -> None:
        if process is not None and process.poll() is None:
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()

    return wait


def compile_flood(precision: str) -> None:
    """Run a rain storm and a river inflow on the tiny territory: every kernel a demo flood calls gets compiled.

    Parameters
    ----------
    precision : {"float32", "float64"}
        The flood engine's precision, whose kernels get compiled.
    """
    from ..testing import tiny_territory
    from .events import DesignStorm, RiverFlood
    from .model import FloodParams, simulate

    territory = tiny_territory()
    x, y = float(territory.grid.x[1]), float(territory.grid.y[10])
    events = [
        DesignStorm.model_validate(
            {"kind": "design_storm", "name": "storm", "return_period_years": 10, "duration_min": 10, "after_min": 1}
        ),
        RiverFlood.model_validate(
            {
                "kind": "river_flood",
                "name": "river",
                "inflow_location": [x, y],
                "hydrograph": {"peak_discharge_m3_s": 1.0, "time_to_peak_h": 0.02, "time_base_h": 0.05},
                "downstream_level_m": 90.0,
            }
        ),
    ]
    for event in events:
        simulate(territory, event, params=FloodParams(precision=precision, duration_s=240.0, frame_interval_s=60.0))


if __name__ == "__main__":
    compile_flood(sys.argv[1] if len(sys.argv) > 1 else "float64")
