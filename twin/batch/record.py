"""``batch.json``, the record of a batch: every task with its status, error and timings, written atomically as
each task ends, read back by ``twin compare`` and by a batch that resumes. The one module that writes or reads it.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..errors import DataSourceError, OutputError, message

FORMAT_VERSION = 1


def write_batch_json(out: Path, header: dict[str, Any], records: dict[str, dict[str, Any]]) -> None:
    """``batch.json``: the header and every task, replaced atomically (never read half written).

    Parameters
    ----------
    out : pathlib.Path
        The batch folder.
    header : dict
        What the batch is (sweep, started, workers...), written before the counts and the tasks.
    records : dict of str to dict
        Task id -> its record (status, error, timings); the counts per status are computed from them.

    Raises
    ------
    twin.errors.OutputError
        The file could not be written.
    """
    counts = {s: sum(r["status"] == s for r in records.values()) for s in ("done", "skipped", "failed", "pending")}
    data = {"format_version": FORMAT_VERSION} | header | {"counts": counts, "tasks": list(records.values())}
    tmp = out / f".batch.json.{os.getpid()}"
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, out / "batch.json")
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise OutputError(f"{out / 'batch.json'}: could not be written: {exc.strerror or exc}") from None


def read_batch_json(folder: str | Path) -> dict[str, Any]:
    """Read ``batch.json`` back; a clear error names the folder if it is missing or corrupt.

    Parameters
    ----------
    folder : str or pathlib.Path
        The batch folder.

    Returns
    -------
    dict
        The record: format version, header, counts and ``tasks`` (a list of task records).

    Raises
    ------
    twin.errors.DataSourceError
        No ``batch.json``, or one that is not a twin batch record of this format version.
    """
    path = Path(folder) / "batch.json"
    if not path.is_file():
        raise DataSourceError(
            message(folder, "batch.json", "present in a batch folder (written by `twin batch`)", "missing")
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tasks = data["tasks"]
        if data.get("format_version") != FORMAT_VERSION or not isinstance(tasks, list):
            raise ValueError(f"format_version {data.get('format_version')!r}")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise DataSourceError(message(path, "content", "a twin batch record", str(exc))) from None
    return data
