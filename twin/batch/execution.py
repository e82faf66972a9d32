"""Running a sweep on ``dask.distributed``: a local cluster of processes, or a remote scheduler.

::

    OUT/
      batch.json            every task: scenario, event, climate, parameters, status, error, timings, folder
      sweep.toml            the sweep file as it was run
      tasks/<task id>/      one run folder per task (see twin.results), appearing only when complete
      indicators.parquet    one row per task: scenario, event, parameters and the territory-wide indicators
      indicators.csv        the same table, for a spreadsheet
      ead.csv               expected annual damage per scenario (climate, flood options) from the storms

``batch.json`` is rewritten (atomically) as each task ends, so a killed batch
leaves an accurate record; rerunning the same sweep skips every finished task.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import OutputError, ScenarioError, TwinError, message
from ..scenario.models import EVENT_KINDS
from .record import read_batch_json, write_batch_json
from .sweep import load_sweep
from .table import write_tables
from .task import Task, execute, expand, finished

log = logging.getLogger(__name__)
LOCK = ".batch.lock"
TIMINGS = ("started_utc", "seconds", "worker", "numba_threads")  # kept from the earlier batch for a task it finished


@dataclass(frozen=True)
class BatchResult:
    """A finished (or interrupted) batch: its folder, one record per task, and the counts by status.

    Parameters
    ----------
    folder : pathlib.Path
        The batch folder.
    tasks : list of dict
        Every task's record, as in ``batch.json``.
    counts : dict of str to int
        Number of tasks ``done``, ``skipped`` (finished before), ``failed`` and ``pending``.
    executed : int
        Tasks run by this call (the others were finished before, or could not run).
    """

    folder: Path
    tasks: list[dict[str, Any]]
    counts: dict[str, int]
    executed: int  # tasks run by this call (the others were finished before, or could not run)


def run_batch(
    sweep_file: str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    retries: int = 2,
    threads: int | None = None,
    progress: Callable[[dict[str, Any], int], None] | None = None,
) -> BatchResult:
    """Run every task of a sweep that is not finished yet, then aggregate the results.

    Parameters
    ----------
    sweep_file : path
        The sweep (see :mod:`twin.batch.sweep`).
    out : path, optional
        Results folder (default: the sweep's ``out``, else its name, beside the sweep file).
    workers : int, optional
        Worker processes of the local cluster (default: one per core, at most one per task).
    scheduler : str, optional
        Address of a running Dask scheduler, ``tcp://host:8786``; its workers must see the same files.
    retries : int
        Times a task that crashed (not an input error) is tried again before it is recorded failed.
    threads : int, optional
        Numba threads per task (default: a host's cores shared among the worker threads running there).
    progress : callable, optional
        Called as ``progress(record, total)`` with a task's batch.json record when its status is known (as it
        ends, or at once for a task finished before, skipped, or that cannot run, failed) and the number of tasks
        of the batch. Each end is also logged (``twin.batch``).

    Returns
    -------
    BatchResult
        The batch's folder, its task records and their counts.

    Raises
    ------
    twin.errors.ScenarioError
        Options out of range, a sweep file :func:`twin.batch.sweep.load_sweep` refuses, or two scenario files
        with one name.
    twin.errors.OutputError
        ``out`` holds other files, is in use by another batch, or cannot be written.
    twin.errors.TwinError
        The Dask scheduler cannot be reached.
    """
    if retries < 0:
        raise ScenarioError(message("--retries", "value", "0 or more", retries))
    if threads is not None and threads < 1:
        raise ScenarioError(message("--threads", "value", "1 or more", threads))
    if workers is not None and workers < 1:
        raise ScenarioError(message("--workers", "value", "1 or more", workers))
    if scheduler is None:
        _start_fork_server()  # its imports overlap with reading the sweep
    sweep, base = load_sweep(sweep_file)
    out = Path(out) if out is not None else (base / (sweep.out or sweep.name)).resolve()
    _check_folder(out)
    tasks = _unique(expand(sweep, base, where=sweep_file))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: the batch folder could not be made: {exc.strerror or exc}") from None
    records = {t.id: t.describe() | {"status": "pending"} for t in tasks}
    earlier = _earlier_records(out)
    with _locked(out):
        _clean_partials(out)
        shutil.copyfile(sweep_file, out / "sweep.toml")
        todo = []
        for t in tasks:
            if finished(out, t):
                records[t.id] |= {k: v for k, v in earlier.get(t.id, {}).items() if k in TIMINGS} | {
                    "status": "skipped"
                }
            elif t.error is not None:
                records[t.id] |= {"status": "failed", "error": t.error}
            else:
                todo.append(t)
        report = _reporter(progress, len(tasks))
        for r in records.values():
            if r["status"] != "pending":
                report(r)
        header = {
            "twin_version": __version__,
            "sweep": sweep.model_dump(mode="json"),
            "sweep_file": str(Path(sweep_file).resolve()),
            "started_utc": _utc(),
        }
        write_batch_json(out, header, records)
        try:
            if todo:
                _run_on_dask(todo, out, records, header, _Plan(workers, scheduler, retries, threads), report)
        finally:
            _clean_partials(out)
            write_batch_json(out, header | {"finished_utc": _utc()}, records)
        write_tables(out, list(records.values()))
    counts = {s: sum(r["status"] == s for r in records.values()) for s in ("done", "skipped", "failed", "pending")}
    return BatchResult(out, list(records.values()), counts, executed=len(todo))


@dataclass(frozen=True)
class _Plan:
    """Where and how the tasks run: the ``run_batch`` options for Dask."""

    workers: int | None
    scheduler: str | None
    retries: int
    threads: int | None


def _reporter(progress, total: int) -> Callable[[dict[str, Any]], None]:
    """Log a task's end, and tell ``progress``."""

    def report(record: dict[str, Any]) -> None:
        level = logging.WARNING if record["status"] == "failed" else logging.INFO
        log.log(level, "task %s: %s%s", record["id"], record["status"],
                f" ({record['error']})" if record.get("error") else "")  # fmt: skip
        if progress is not None:
            progress(record, total)

    return report


def _run_on_dask(todo: list[Task], out: Path, records, header, plan: _Plan, report) -> None:
    from distributed import as_completed

    with _client(plan.scheduler, plan.workers or min(os.cpu_count() or 1, len(todo))) as client:
        threads = plan.threads or _threads_per_host(client)
        futures = {
            client.submit(
                execute, t, str(out), threads, key=f"twin-task-{t.key}", retries=plan.retries, pure=False,
                priority=_cost(t.kind),
            ): t
            for t in todo
        }  # fmt: skip
        for future in as_completed(futures):
            task = futures[future]
            try:
                status = future.result()
            except Exception as exc:  # a crash of one task (after its retries) never stops the others
                status = _lost(task, out, exc)
            records[task.id] |= status
            report(records[task.id])
            write_batch_json(out, header, records)


def _cost(kind: str) -> int:
    """A task's Dask priority: the relative cost of its event kind (``batch_cost``), so that the longest start
    first and the batch does not end on one long task while the other workers idle (longest-processing-time
    first)."""
    return EVENT_KINDS[kind].batch_cost if kind in EVENT_KINDS else 1


def _lost(task: Task, out: Path, exc: Exception) -> dict[str, Any]:
    """The status of a task whose future failed: done if its folder is there (the folder is the truth: a result
    can be written and its worker lost before the scheduler heard of it), else failed with the error."""
    error = f"{type(exc).__name__}: {exc}".strip()
    if finished(out, task):
        try:  # the run's own stages, from its provenance
            seconds = round(
                sum(json.loads((out / task.folder / "provenance.json").read_bytes())["timings_s"].values()), 3
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            seconds = None
        return {"status": "done", "seconds": seconds, "note": f"its result was found complete after: {error}"}
    return {"status": "failed", "error": error}


@contextmanager
def _client(scheduler: str | None, workers: int):
    """A Dask client on the given scheduler, or on a local cluster of single-threaded worker processes."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise TwinError(f"--scheduler: cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    method = "forkserver" if _start_fork_server() else "spawn"  # started already by run_batch: returns at once
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": method}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,  # fmt: skip
        Client(cluster) as client,
    ):
        yield client


# What a local worker needs for its tasks (a task's parameters alone import the numba kernels, scipy and xarray):
# imported once in the fork server, which outlives the cluster, instead of once per worker and per batch.
PRELOAD = ["distributed", "twin.batch.task", "twin.runner"]  # the runner imports the engines, impacts and results


def _start_fork_server() -> bool:
    """Start the server that local workers are forked from (where the system has one: not Windows), importing
    twin and its numba, xarray, geopandas and rasterio in the background while the sweep is read. Workers then
    start with all that imported, where each would otherwise import it itself before its first task (seconds
    of CPU each, all at once on a small machine); the server stays up for the next batches of this process.
    Returns whether local workers are forked from it."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    import dask
    import distributed  # noqa: F401  (its configuration: the variables workers must start with)

    # What a Dask nanny sets before spawning a worker (OMP_NUM_THREADS=1, MALLOC_TRIM_THRESHOLD_...) must be in
    # the server's environment: forked workers inherit it, and numpy reads some of it when imported there.
    # As in Dask, variables already set win.
    wanted = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    added = {k: str(v) for k, v in wanted.items() if v is not None and k not in os.environ}
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)  # used when it starts (now)
    os.environ.update(added)
    try:
        forkserver.ensure_running()  # returns at once if it runs already
    finally:
        for k in added:
            os.environ.pop(k, None)
    return True


def _host_cores() -> tuple[str, int]:
    return os.uname().nodename, os.cpu_count() or 1


def _threads_per_host(client) -> dict[str, int]:
    """Numba threads per task on each host: its cores shared among the worker threads running there."""
    cores = client.run(_host_cores)
    workers = client.scheduler_info(n_workers=-1)["workers"]
    slots: dict[str, int] = {}
    total: dict[str, int] = {}
    for address, (host, n) in cores.items():
        slots[host] = slots.get(host, 0) + int(workers.get(address, {}).get("nthreads", 1))
        total[host] = n
    return {host: max(1, total[host] // slots[host]) for host in slots}


def _earlier_records(out: Path) -> dict[str, dict[str, Any]]:
    """The tasks of the batch.json an earlier run left in ``out`` (none if there is none, or it is unreadable)."""
    try:
        return {t["id"]: t for t in read_batch_json(out)["tasks"]}
    except (TwinError, KeyError, TypeError):
        return {}


def _unique(tasks: list[Task]) -> list[Task]:
    """Tasks by id; two different tasks with one id (two scenario files with one name) are an error."""
    seen: dict[str, Task] = {}
    for t in tasks:
        if t.id in seen and seen[t.id].source != t.source:
            raise ScenarioError(
                message(t.source, "name", f"unique in the sweep (also in {seen[t.id].source})", t.scenario)
            )
        seen.setdefault(t.id, t)
    return list(seen.values())


def _check_folder(out: Path) -> None:
    """A batch writes into a new folder, an empty one, or the folder of an earlier run of a batch (to resume)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "batch.json").is_file())):
        raise OutputError(
            message(out, "batch folder", "new, empty, or an earlier batch's (with batch.json)", "other files")
        )


@contextmanager
def _locked(out: Path):
    """One batch at a time in a folder: a second one would clean up the first one's work in progress."""
    lock = out / LOCK
    host = os.uname().nodename
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        other_host, _, pid = lock.read_text(encoding="utf-8").partition(" ")
        if other_host == host and pid.isdigit() and _alive(int(pid)):
            raise OutputError(message(out, "batch folder", "free", f"in use by twin batch pid {pid}")) from None
        lock.unlink(missing_ok=True)  # left by a batch that was killed
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{host} {os.getpid()}")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_partials(out: Path) -> None:
    """Remove what killed tasks left half-written (hidden ``.<id>.partial-<pid>`` folders; never a result)."""
    tasks = out / "tasks"
    if tasks.is_dir():
        for p in tasks.glob(".*.partial-*"):
            shutil.rmtree(p, ignore_errors=True)
        for p in tasks.glob(".*.old-*"):
            shutil.rmtree(p, ignore_errors=True)


def _utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
