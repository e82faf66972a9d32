"""What the app holds between requests: settings, the run catalogue, the job queue and the scene cache."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from .catalogue import Catalogue
from .jobs import JobQueue
from .settings import Settings


class FileCache:
    """Files built once per key (GLB scenes, PNG maps), written atomically; a second request waits."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, suffix: str, build: Callable[[Path], object]) -> Path:
        """The file of ``key``, made by ``build(path)`` the first time."""
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        path = self.folder / f"{digest}{suffix}"
        if path.is_file():
            return path
        with self._guard:
            lock = self._locks.setdefault(digest, threading.Lock())
        with lock:
            if path.is_file():
                return path
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{digest}.{os.getpid()}.{threading.get_ident()}{suffix}"
            try:
                build(tmp)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        return path


@dataclass
class AppState:
    settings: Settings
    catalogue: Catalogue
    jobs: JobQueue
    cache: FileCache
    redact: Callable[[str], str] = str  # the server's folders out of a text for clients (errors.redactor)
    sessions: Callable = None  # consultation database sessions (consultation.database.sessions)
    store_lock: object = None  # held by writers on SQLite (consultation.database.write_lock)
    store_inline: bool = False  # writes run in the event loop (consultation.database.inline_writes)
    write_limit: object = None  # consultation.limits.RateLimit per participant
    join_limit: object = None  # consultation.limits.RateLimit per client address
    places: object = None  # consultation.places.Places
    memo: dict = field(default_factory=dict)  # small computed answers (comparisons) by key
    ready: threading.Event = field(default_factory=threading.Event)  # set once the first view is prepared


MEMO_SIZE = 512  # answers kept; all are forgotten beyond this (they are cheap to make again)


def remember(app: AppState, key: tuple, compute: Callable[[], object]):
    """``compute()`` once per key (keys hold the runs' stamps, so a replaced run is computed again)."""
    if key not in app.memo:
        if len(app.memo) >= MEMO_SIZE:
            app.memo.clear()
        app.memo[key] = compute()
    return app.memo[key]


async def state(request: Request) -> AppState:
    """The app's :class:`AppState` (a FastAPI dependency; ``async`` so that it runs in the event loop, where a
    plain function would cost every request a hop to a worker thread)."""
    return request.app.state.twin
