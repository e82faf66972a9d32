"""Small numeric CSV tables that scenarios point to: rain series, hydrographs, weather, Montana coefficients.

One reader, so that every such file gets the same manners: lines starting with ``#`` are comments, and a
missing file, an unreadable one, a missing column or a value that is not a number is a
:class:`~twin.errors.ScenarioError` naming the file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ScenarioError


def read_columns(path: str | Path, columns: Sequence[str], *, role: str) -> dict[str, np.ndarray]:
    """The named numeric columns of a CSV file, as float64 arrays in file order."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
        return {c: np.array([float(r[c]) for r in rows], dtype=np.float64) for c in columns}
    except FileNotFoundError:
        raise ScenarioError(f"{path}: {role} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: {role} cannot be read as UTF-8 text ({type(exc).__name__}: {exc})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(
            f"{path}: {role} must have numeric columns {', '.join(columns)} ({type(exc).__name__}: {exc})"
        ) from None
