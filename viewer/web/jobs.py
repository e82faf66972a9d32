"""Runs asked for from the page: queued, run by ``twin.runner.run`` in worker processes, polled.

A request handler never simulates (docs/architecture.md): it validates the scenario, writes
it in the job's folder and queues the job. The worker writes the job's state to
``job.json`` (replaced atomically) as the run goes; the page polls it. The run
folder is written by the runner, whole or not at all, into the served runs.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from twin.errors import TwinError
from twin.results import remove_partial
from twin.runner import run

from .errors import ConflictError, NotFoundError, TooManyJobsError

ACTIVE = ("queued", "running")
MAX_ACTIVE = 8  # jobs queued or running at once; more are refused (429) rather than piling up
STOPPED = "cancelled: the server stopped"
MAX_KEPT = 200  # job folders kept; the oldest finished ones are removed beyond this


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write(path: Path, state: dict) -> None:
    """Replace ``path`` with ``state`` at once, through a temporary file of this process and thread: the server's
    threads write a job's state too (two writers sharing one temporary name lost a rename, seen in CI)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


class JobQueue:
    """Jobs in ``jobs_dir``, executed by a pool of ``workers`` processes, writing runs into ``runs_dir``."""

    def __init__(self, jobs_dir: Path, runs_dir: Path, *, workers: int = 1, redact=lambda text: text) -> None:
        self.jobs_dir = jobs_dir
        self.runs_dir = runs_dir
        self.workers = workers
        self.redact = redact  # takes the server's folders out of the errors a client reads
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closing = False  # set by close(): what fails from then on was stopped with the server
        jobs_dir.mkdir(parents=True, exist_ok=True)
        self._fail_interrupted()

    def _fail_interrupted(self, error: str = "interrupted: the server stopped") -> list[dict]:
        """Jobs left queued or running by a server that stopped are failed, not left hanging; returns them."""
        failed = []
        for path in self.jobs_dir.glob("*/job.json"):
            state = self._read(path)
            if state and state["state"] in ACTIVE:
                failed.append(state)
                _write(path, state | {"state": "failed", "error": error, "finished_utc": _now()})
        return failed

    def check(self, name: str) -> None:
        """Refuse, before anything is written, a job whose run exists or is coming, or one job too many."""
        active = [j for j in self.jobs() if j["state"] in ACTIVE]
        if (self.runs_dir / name).exists() or any(j["scenario"] == name for j in active):
            raise ConflictError(f"scenario: name must not be that of an existing run or job, got {name!r}")
        if len(active) >= MAX_ACTIVE:
            raise TooManyJobsError(f"jobs: at most {MAX_ACTIVE} may wait or run at once, got {len(active)}")

    def submit(self, scenario_file: Path, *, job_id: str, name: str) -> dict:
        """Queue a run of the scenario file ``scenario_file`` (already validated) as run ``name``."""
        out = self.runs_dir / name
        with self._lock:
            self.check(name)
            self._prune()
            state = {"id": job_id, "state": "queued", "scenario": name, "stage": "", "progress": 0.0,
                     "run": None, "error": None, "submitted_utc": _now(), "finished_utc": None}  # fmt: skip
            path = self.jobs_dir / job_id / "job.json"
            _write(path, state)
            args = (_execute, str(path), str(scenario_file), str(out))
            try:
                future = self._executor().submit(*args)
            except BrokenProcessPool:  # a worker died (killed, out of memory): start a new pool once
                self._pool = None
                future = self._executor().submit(*args)
        future.add_done_callback(lambda f, p=path: self._settle(f, p))
        return state

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded server
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    def _prune(self) -> None:
        """Keep at most :data:`MAX_KEPT` job folders: the oldest finished ones go first."""
        done = [j for j in self.jobs() if j["state"] not in ACTIVE]
        for job in done[MAX_KEPT - 1 :]:
            shutil.rmtree(self.jobs_dir / job["id"], ignore_errors=True)

    def _settle(self, future: Future, path: Path) -> None:
        """A worker that died (killed, out of memory) or a job cancelled at shutdown leaves its job failed, not
        queued or running forever; a dead pool is replaced at the next job."""
        if future.cancelled() or self._closing:
            error = STOPPED
        else:
            exc = future.exception()
            if exc is None:
                return
            if isinstance(exc, BrokenProcessPool):
                self._pool = None
            error = self.redact(f"the worker stopped: {type(exc).__name__}: {exc}")
        state = self._read(path)
        if state and state["state"] in ACTIVE:
            _write(path, state | {"state": "failed", "error": error, "finished_utc": _now()})

    @staticmethod
    def new_id() -> str:
        """A new job id: 16 hexadecimal digits."""
        return uuid.uuid4().hex[:16]

    def folder(self, job_id: str) -> Path:
        """The folder of a job's files (its scenario, its state)."""
        return self.jobs_dir / job_id

    def get(self, job_id: str) -> dict:
        """A job's state as the client reads it."""
        state = self._read(self.jobs_dir / job_id / "job.json") if job_id.isalnum() else None
        if state is None:
            raise NotFoundError(f"job: id must be that of a submitted job, got {job_id!r}")
        return self._public(state)

    def _public(self, state: dict) -> dict:
        return state | {"error": self.redact(state["error"])} if state.get("error") else state

    def jobs(self) -> list[dict]:
        """Every job's state, newest first."""
        states = [self._read(p) for p in self.jobs_dir.glob("*/job.json")]
        return sorted((self._public(s) for s in states if s), key=lambda s: s["submitted_utc"], reverse=True)

    @staticmethod
    def _read(path: Path) -> dict | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def close(self, grace_s: float = 5.0) -> None:
        """Stop the workers now: a running job is killed (its worker terminated, then killed after ``grace_s``),
        every job queued or running is failed, and the half-written folders of their runs are removed, so that
        nothing is written into the runs folder after the server has stopped."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._closing = True
        if pool is None:
            return
        workers = list((pool._processes or {}).values())  # the executor has no public way to stop a running task
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(grace_s)
            if worker.is_alive():
                worker.kill()
                worker.join(grace_s)
        for job in self._fail_interrupted(STOPPED):
            remove_partial(self.runs_dir / job["scenario"])


def _execute(job_file: str, scenario_file: str, out: str) -> None:
    """In a worker process: run the scenario into ``out``, reporting to ``job_file``."""
    path = Path(job_file)
    state = json.loads(path.read_text(encoding="utf-8")) | {"state": "running", "stage": "starting"}
    _write(path, state)
    last = [0.0]

    def progress(stage: str, fraction: float | None) -> None:
        now = time.monotonic()
        if stage == state["stage"] and now - last[0] < 0.5 and fraction not in (None, 1.0):
            return  # at most two writes a second within a stage
        last[0] = now
        state.update(stage=stage, progress=0.0 if fraction is None else round(float(fraction), 3))
        _write(path, state)

    try:
        run(scenario_file, out=out, progress=progress)
    except TwinError as exc:
        _write(path, state | {"state": "failed", "error": str(exc), "finished_utc": _now()})
        return
    except Exception as exc:
        _write(path, state | {"state": "failed", "error": f"internal error: {type(exc).__name__}: {exc}",
                              "finished_utc": _now()})  # fmt: skip
        raise
    _write(path, state | {"state": "done", "stage": "done", "progress": 1.0, "run": Path(out).name,
                          "finished_utc": _now()})  # fmt: skip
