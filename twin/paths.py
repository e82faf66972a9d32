"""File-system checks that answer instead of raising.

``Path.exists()`` raises on a name longer than the system allows; user input
reaches these checks, so they turn any such failure into "not there".
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from pathlib import Path

# A GDAL virtual file system prefix (/vsizip/, /vsitar/, /vsigzip/...) and an archive a source may name.
VIRTUAL = re.compile(r"^/vsi[a-z0-9]+/")
ARCHIVE = re.compile(r"\.(zip|tar|tgz|tar\.gz)(?=$|/)", re.IGNORECASE)


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


def source_path(base: Path, written: str) -> Path | str:
    """Where a source a territory file names lies, relative to the file's folder ``base``.

    A zip archive (``dem.zip``, read whole when it holds one file, or ``dem.zip/dem.tif``) or a GDAL virtual path
    (``/vsizip/dem.zip/dem.tif``, its archive relative to ``base`` unless absolute) is returned as the string GDAL
    reads; any other path as ``base / written``.
    """
    written = str(written)
    prefix = VIRTUAL.match(written)
    if prefix:
        rest = written[prefix.end() :]
        return written if rest.startswith("/") else f"{prefix.group(0)}{base / rest}"
    archive = ARCHIVE.search(written)
    if archive and archive.group(1).lower() == "zip":
        return f"/vsizip/{base / written[: archive.end()]}{written[archive.end() :]}"
    return base / written


def real_file(path: Path | str) -> Path:
    """The file on disk behind a source: the archive of a GDAL virtual path, else the path itself."""
    text = str(path)
    prefix = VIRTUAL.match(text)
    if not prefix:
        return Path(path)
    rest = text[prefix.end() :]
    archive = ARCHIVE.search(rest)
    return Path(rest[: archive.end()] if archive else rest)


def is_virtual(path: Path | str) -> bool:
    """Whether ``path`` is a GDAL virtual path (read through GDAL, not the file system)."""
    return bool(VIRTUAL.match(str(path)))


def with_sidecars(path: Path | str) -> list[Path]:
    """The files on disk a source is read from: the archive behind a GDAL virtual path, and a shapefile's sidecar
    files (``.shx``, ``.dbf``, ``.prj``...: every file of its folder with its stem), sorted; else the file itself."""
    file = real_file(path)
    if file.suffix.lower() == ".shp":
        return sorted(q for q in file.parent.glob(glob.escape(file.stem) + ".*") if q.is_file()) or [file]
    return [file]


_DIGESTS: dict[tuple, str] = {}  # (file, size, modification time, inode) -> SHA-256, for this process


def sha256_file(path: Path | str) -> str:
    """SHA-256 of a file's content, as a hex digest (read in blocks: a large DEM is not held in memory).

    A file asked again in the same process and unchanged since (same size, modification time and inode) is not
    read again: a command that looks for a territory in the cache, misses, and loads it hashes each file once."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _DIGESTS:
        with open(path, "rb") as f:
            _DIGESTS[key] = hashlib.file_digest(f, "sha256").hexdigest()
    return _DIGESTS[key]
