"""The batch's live progress line: done, failed, skipped, and the time left at the pace so far."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class BatchProgress:
    """Counts of a batch's tasks and a one-line display of them (redrawn in place on a terminal)."""

    total: int
    stream: TextIO | None = field(default_factory=lambda: sys.stderr)  # None: count without showing
    live: bool | None = None  # redraw in place; default: when the stream is a terminal
    counts: dict[str, int] = field(default_factory=lambda: {"done": 0, "failed": 0, "skipped": 0})
    started: float = field(default_factory=time.monotonic)
    _executed: int = 0

    def __post_init__(self) -> None:
        if self.live is None:
            self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    def count(self, status: str, *, executed: bool = True) -> None:
        """Record one task ending with ``status`` (done, failed or skipped) and redraw."""
        self.counts[status] += 1
        self._executed += executed
        self.show()

    def eta_s(self) -> float | None:
        """Seconds left at the pace of the tasks executed so far (None before the first one ends)."""
        if not self._executed:
            return None
        left = self.total - self.finished
        return (time.monotonic() - self.started) / self._executed * left

    def line(self) -> str:
        width = 24
        filled = round(width * self.finished / self.total) if self.total else width
        eta = self.eta_s()
        c = self.counts
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.finished}/{self.total}  "
            f"done {c['done']} · failed {c['failed']} · skipped {c['skipped']}"
            + (f" · ETA {format_seconds(eta)}" if eta is not None and self.finished < self.total else "")
        )

    def show(self) -> None:
        if self.stream is None:
            return
        if self.live:
            self.stream.write("\r" + self.line().ljust(90))
            if self.finished >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


def format_seconds(seconds: float) -> str:
    """``"42 s"``, ``"3 min 20 s"``, ``"2 h 05 min"``."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
