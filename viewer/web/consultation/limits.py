"""How fast one participant (or one address) may write: a sliding window per key, in memory."""

from __future__ import annotations

import threading
import time
from collections import deque

from ..errors import TooFastError


class RateLimit:
    """At most ``per_minute`` hits per key in any 60 s; the next one raises :class:`TooFastError`."""

    def __init__(self, per_minute: int, *, what: str) -> None:
        self.per_minute = per_minute
        self.what = what
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 100_000:  # forget idle keys rather than grow without end
                self._hits = {k: q for k, q in self._hits.items() if q and now - q[-1] < 60}
            window = self._hits.setdefault(key, deque())
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= self.per_minute:
                wait = 60 - (now - window[0])
                raise TooFastError(f"{self.what}: at most {self.per_minute} a minute; try again in {wait:.0f} s")
            window.append(now)
