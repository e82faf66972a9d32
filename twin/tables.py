"""Small numeric CSV tables that scenarios point to: rain series, zone rain series, hydrographs, Montana coefficients.

One reader, so that every such file gets the same manners: lines starting with ``#`` are comments, a byte-order
mark is ignored, and a missing file, an unreadable one, a file with no rows, a missing column or a cell that is not
a number is a :class:`~twin.errors.ScenarioError` naming the file (and the line, the column and the value).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ScenarioError, message


@dataclass(frozen=True)
class Table:
    """A CSV's numeric columns, float64 in file order, and the line of the file each row is on (1 for the first)."""

    columns: dict[str, np.ndarray]
    lines: np.ndarray


def read_columns(path: str | Path, columns: Sequence[str], *, role: str) -> dict[str, np.ndarray]:
    """The named numeric columns of a CSV file, as float64 arrays in file order (see :func:`read_table`)."""
    return read_table(path, columns, role=role).columns


def read_table(path: str | Path, columns: Sequence[str], *, role: str) -> Table:
    """The named numeric columns of a CSV file and the file's line of each row.

    Raises
    ------
    twin.errors.ScenarioError
        The file missing or not UTF-8 text, without a header holding ``columns`` (the header found is named, and a
        ``;``-separated one is told apart), without any row, or a row whose cell is missing or not a number (its
        line, column and value named).
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            numbered = [(n, line) for n, line in enumerate(f, start=1) if not line.startswith("#") and line.strip()]
    except FileNotFoundError:
        raise ScenarioError(f"{path}: {role} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: {role} cannot be read as UTF-8 text ({type(exc).__name__}: {exc})") from None
    rows = list(csv.reader(line for _, line in numbered))
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [c for c in columns if c not in header]
    if missing:
        hint = " (this file separates them with ';': twin reads commas)" if any(";" in h for h in header) else ""
        expected = f"a line naming the columns {list(columns)}{hint}"
        raise ScenarioError(message(f"{path}: {role}", "header", expected, header))
    if len(rows) < 2:
        raise ScenarioError(message(f"{path}: {role}", "rows", "at least one row under the header", "none"))
    at = {c: header.index(c) for c in columns}
    values = {c: np.empty(len(rows) - 1) for c in columns}
    for k, row in enumerate(rows[1:]):
        for c, i in at.items():
            cell = row[i].strip() if i < len(row) else ""
            try:
                values[c][k] = number = float(cell)
            except ValueError:
                number = None
            if number is None or not math.isfinite(number):
                where = f"{path} line {numbered[k + 1][0]}: {role}"
                raise ScenarioError(message(where, c, "a finite number", cell or "nothing"))
    return Table(values, np.array([n for n, _ in numbered[1:]]))
