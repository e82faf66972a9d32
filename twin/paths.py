"""File-system checks that answer instead of raising.

``Path.exists()`` raises on a name longer than the system allows; user input
reaches these checks, so they turn any such failure into "not there".
"""

from __future__ import annotations

from pathlib import Path


def exists(path: str | Path) -> bool:
    """True if ``path`` names something that exists; False for any name the system refuses."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def is_file(path: str | Path) -> bool:
    """True if ``path`` is an existing file; False for any name the system refuses."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False
