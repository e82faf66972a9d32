"""What the command line shows: rich tables, the one progress display of ``run``, ``demo`` and ``batch``, and the
log.

Tables go to standard output; progress, notes and warnings to standard error. Out of a terminal (a pipe, a CI
log) nothing is redrawn in place: the progress display prints a line per stage and per quarter of a long stage,
and tables are as wide as their contents, never cut.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

LOGGER = "twin"  # the core logs under twin.<module>


def _console(*, stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    # out of a terminal, a table must not wrap at 80 columns: as wide as its contents
    return Console(file=stream, width=None if terminal else 10_000, highlight=False, soft_wrap=not terminal)


def print_table(title: str | None, head: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()):
    """A table on standard output: ``head`` then ``rows`` of text, columns ``right`` aligned right (numbers)."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left")
    for i, name in enumerate(head):
        table.add_column(name, justify="right" if i in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*row)
    _console().print(table)


def configure_logging(*, verbose: int = 0, quiet: bool = False) -> None:
    """The core's log on standard error: warnings by default, what is done with ``-v``, everything with ``-vv``,
    errors only with ``--quiet``."""
    from rich.logging import RichHandler

    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logger = logging.getLogger(LOGGER)
    logger.handlers.clear()
    if sys.stderr.isatty():
        handler = RichHandler(console=_console(stderr=True), show_time=verbose > 1, show_path=verbose > 1,
                              markup=False, rich_tracebacks=False)  # fmt: skip
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:  # a log file or a pipe: one plain line per record
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


class Progress:
    """The progress of a run, a demo or a batch: ``progress(stage, fraction)`` as :func:`twin.runner.run` calls it.

    ``fraction`` None is a stage without measure (a line); a number from 0 to 1 is how far a stage is (a bar in
    a terminal, lines at 0, 25, 50, 75 and 100 % elsewhere). :meth:`tasks` counts a batch's tasks with the time
    left. Quiet, it shows nothing.
    """

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.console = _console(stderr=True)
        self.live = self.console.is_terminal
        self._bar = None
        self._task = None
        self._stage: str | None = None
        self._shown = -1.0

    def __call__(self, stage: str, fraction: float | None) -> None:
        self.show(stage, fraction)

    def show(self, stage: str, fraction: float | None, label: str | None = None) -> None:
        """Show how far ``stage`` is; ``label`` (default the stage) is the words shown for it."""
        if self.quiet:
            return
        label = label or stage
        if fraction is None:
            self._close()
            self.console.print(f"  {label}", highlight=False)
            return
        if self.live:
            self._bar_to(stage, fraction, label)
        elif stage != self._stage or fraction >= self._shown + 0.25 or fraction >= 1.0 > self._shown:
            if stage != self._stage:
                self._stage, self._shown = stage, -1.0
            self.console.print(f"  {label} {100 * fraction:3.0f} %", highlight=False)
            self._shown = fraction

    def _bar_to(self, stage: str, fraction: float, label: str) -> None:
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        if stage != self._stage:
            self._close()
            self._bar = Bar(TextColumn("  {task.description}"), BarColumn(), TaskProgressColumn(),
                            TimeRemainingColumn(), console=self.console, transient=False)  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task(label, total=1.0)
            self._stage = stage
        self._bar.update(self._task, completed=fraction, description=label)
        if fraction >= 1.0:
            self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar = self._task = None
        self._stage = None

    def tasks(self):
        """A counter of a batch's tasks, as :func:`twin.batch.run_batch` reports them: ``counter(record, total)``
        as each task ends (done, failed or skipped); the bar shows the counts, and the time left at the pace so
        far."""
        return _TaskCounter(self)


class _TaskCounter:
    """Tasks done, failed and skipped, on the progress display."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.counts = {"done": 0, "failed": 0, "skipped": 0}

    def __call__(self, record: dict, total: int) -> None:
        self.total = total
        status = record.get("status", "failed")
        self.counts[status] = self.counts.get(status, 0) + 1
        c = self.counts
        finished = sum(c.values())
        label = f"{finished}/{self.total} tasks: done {c['done']} · failed {c['failed']} · skipped {c['skipped']}"
        self.progress.show("tasks", finished / self.total if self.total else 1.0, label)
