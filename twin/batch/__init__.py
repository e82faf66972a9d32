"""Batch sweeps: many runs of :func:`twin.runner.run` on a local or remote Dask cluster, resumable.

* :mod:`.sweep` reads and validates sweep files;
* :mod:`.task` expands a sweep into tasks keyed by content hash, and runs one task on a worker;
* :mod:`.execution` schedules the unfinished tasks on ``dask.distributed``;
* :mod:`.record` writes and reads ``batch.json``;
* :mod:`.table` gathers the indicators (Parquet, CSV), the expected annual damage, and run records for
  ``twin compare``;
"""

from .execution import BatchResult, run_batch
from .record import read_batch_json
from .sweep import Sweep, load_sweep
from .table import batch_runs, ead_table, indicator_table

__all__ = [
    "BatchResult",
    "Sweep",
    "batch_runs",
    "ead_table",
    "indicator_table",
    "load_sweep",
    "read_batch_json",
    "run_batch",
]
