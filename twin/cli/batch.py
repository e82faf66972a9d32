"""``twin batch``: a sweep run on local processes or a Dask cluster, with its summary table."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import main, no_cache_option
from .console import Progress, print_table


@main.command()
@click.argument("sweep", type=click.Path(path_type=Path))
@no_cache_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Batch folder (default: the sweep's).")
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: one per core).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="A running Dask scheduler to send the tasks to.")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="Tries again of a task that crashed.")  # fmt: skip
@click.option("--threads", type=click.IntRange(min=1), help="Numba threads per task (default: cores / workers).")
@click.pass_obj
def batch(obj, sweep: Path, out: Path | None, workers: int | None, scheduler: str | None, retries: int,
          threads: int | None) -> None:  # fmt: skip
    """Run a sweep (scenarios x events x climates x parameters) on local processes or a Dask cluster.

    Finished tasks are skipped, so running the same sweep again resumes a batch that was stopped."""
    from ..batch import run_batch

    progress = Progress(quiet=obj["quiet"])
    result = run_batch(sweep, out=out, workers=workers, scheduler=scheduler, retries=retries, threads=threads,
                       progress=progress.tasks())  # fmt: skip
    print_batch(result.tasks)
    c = result.counts
    click.echo(
        f"{c['done']} done, {c['skipped']} skipped (finished before), {c['failed']} failed"
        + (f", {c['pending']} not run" if c["pending"] else "")
        + f". Results: {result.folder} (batch.json, indicators.parquet, indicators.csv, ead.csv)"
    )
    if c["failed"] or c["pending"]:
        sys.exit(1)


def print_batch(tasks: list[dict], *, limit: int = 40) -> None:
    """The summary table: each task (or, for a large batch, each scenario) with its status and time; then the
    errors of the failed tasks."""
    if len(tasks) <= limit:
        rows = [
            (t["scenario"], t["event"], t.get("climate") or "", _params(t["parameters"]), t["status"],
             f"{t['seconds']:.1f} s" if t.get("seconds") is not None else "")
            for t in tasks
        ]  # fmt: skip
        print_table(None, ("scenario", "event", "climate", "parameters", "status", "time"), rows, right=(5,))
    else:
        by: dict[str, dict[str, int]] = {}
        for t in tasks:
            by.setdefault(t["scenario"], {}).setdefault(t["status"], 0)
            by[t["scenario"]][t["status"]] += 1
        rows = [(s, *(str(c.get(k, 0)) for k in ("done", "skipped", "failed", "pending"))) for s, c in by.items()]
        print_table(None, ("scenario", "done", "skipped", "failed", "not run"), rows, right=(1, 2, 3, 4))
    failed = [f"  {t['id']}: {t['error']}" for t in tasks if t["status"] == "failed"]
    if failed:
        click.echo("\n".join(["failed:", *failed]))


def _params(parameters: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in parameters.items())
