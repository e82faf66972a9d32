"""The runs and scenarios a server shows, found by name in its folders, never by a path from a request."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from twin.errors import TwinError
from twin.results import RunRecord, load_run

from .errors import NotFoundError

NAME = r"^[A-Za-z0-9_-]{1,64}$"  # names of runs, events, scenarios and layers in URLs
_NAME = re.compile(NAME)


def check_name(value: str, *, what: str) -> str:
    """``value`` if it is a plain name (no slash, no dot), else :class:`NotFoundError`."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise NotFoundError(f"{what}: name must be letters, digits, '-' or '_' (at most 64), got {value!r}")
    return value


class Catalogue:
    """Run folders under ``runs_dir`` by name, read once and read again when their files change."""

    def __init__(self, runs_dir: Path, *, baseline: str) -> None:
        self.runs_dir = runs_dir
        self.baseline_name = baseline
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, RunRecord]] = {}

    def names(self) -> list[str]:
        """Names of the complete runs, the baseline first."""
        if not self.runs_dir.is_dir():
            return []
        names = [
            p.name
            for p in self.runs_dir.iterdir()
            if p.is_dir() and _NAME.fullmatch(p.name) and (p / "provenance.json").is_file()
        ]
        return sorted(names, key=lambda n: (n != self.baseline_name, n))

    def run(self, name: str) -> RunRecord:
        """The run called ``name``; :class:`NotFoundError` if there is none."""
        check_name(name, what="run")
        folder = self.runs_dir / name
        marker = folder / "provenance.json"
        try:
            stamp = marker.stat().st_mtime_ns
        except OSError:
            raise NotFoundError(f"run: must be one of {self.names()}, got {name!r}") from None
        with self._lock:
            cached = self._cache.get(name)
            if cached and cached[0] == stamp:
                return cached[1]
        record = load_run(folder)
        with self._lock:
            self._cache[name] = (stamp, record)
        return record

    def runs(self) -> list[RunRecord]:
        """Every run that can be read; a broken folder is left out rather than hiding the others."""
        out = []
        for name in self.names():
            try:
                out.append(self.run(name))
            except TwinError:
                continue
        return out

    def baseline(self) -> RunRecord:
        return self.run(self.baseline_name)

    def event(self, run: RunRecord, event: str) -> dict:
        """The event record called ``event`` of ``run``."""
        check_name(event, what="event")
        for e in run.events:
            if e["name"] == event:
                return e
        raise NotFoundError(f"{run.folder.name}: event must be one of {[e['name'] for e in run.events]}, got {event!r}")

    def stamp(self, name: str) -> str:
        """A token that changes when the run is replaced (for caches of what is built from it)."""
        record = self.run(name)
        return f"{name}-{record.provenance.get('created_utc', '')}-{record.provenance['scenario'].get('sha256', '')}"
