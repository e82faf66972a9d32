"""The territory cache's key and folder, and what ``twin info`` reads from it without loading the territory.

:mod:`twin.territory_cache` keeps a loaded territory under a key: the SHA-256 of

* the territory file's place, each file :func:`twin.territory_file.source_inputs` lists (path and SHA-256 of its
  content: a changed DEM, table or footprint file is another key);
* twin's version and the content of its own modules (a changed loading rule is another key);
* the versions of the libraries that read and reproject the sources (rasterio and the GDAL its wheel bundles,
  pyproj, shapely, ...).

This module computes that key and holds the entry's ``summary.json`` reader (:func:`cached_summary`); it imports the
standard library and the territory file's format only (no geopandas, xarray or rasterio), so that ``twin info`` on a
cached territory starts and answers in a fraction of a full load.

The folder is ``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twin/territories``, else ``~/.cache/twin/territories``.
``TWIN_NO_CACHE=1`` (what ``--no-cache`` sets) turns the cache off.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from . import __version__
from .datasets import resolve_territory
from .territory_file import source_inputs

CACHE_DIR_ENV = "TWIN_CACHE_DIR"
NO_CACHE_ENV = "TWIN_NO_CACHE"
FORMAT = 1  # of an entry: a change of layout is another key
LIBRARIES = ("numpy", "pandas", "xarray", "rasterio", "pyproj", "shapely", "geopandas", "pyogrio", "netCDF4", "pyarrow")
SUMMARY = "summary.json"  # in an entry: what `twin info` prints, and the loading's warnings
_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """The cache folder: ``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twin/territories``, else
    ``~/.cache/twin/territories`` (it need not exist yet)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "twin" / "territories"


def enabled() -> bool:
    """Whether loads go through the cache: unless ``TWIN_NO_CACHE`` is set to something other than ``0`` or empty."""
    return os.environ.get(NO_CACHE_ENV, "") in ("", "0")


def territory_key(territory_file: Path, inputs: Iterable[Mapping[str, str]]) -> str:
    """The cache key of a territory: a hex SHA-256 of its file's place, its source files' paths and contents, twin's
    version and code and the reading libraries' versions.

    Parameters
    ----------
    territory_file : pathlib.Path
        The territory file, as given and resolved (the provenance and the notes name it as given).
    inputs : iterable of mapping
        Every file the territory is read from, as :func:`twin.territory_file.source_inputs` gives them (``path`` and
        ``sha256``).
    """
    where = [str(territory_file), str(Path(territory_file).resolve())]  # as given: the provenance and notes say it
    files = [(f["path"], f["sha256"]) for f in inputs]
    return hashlib.sha256(
        json.dumps([FORMAT, __version__, _code_hash(), _libraries(), where, files]).encode()
    ).hexdigest()


def cached_summary(ref: str | Path) -> dict | None:
    """What the territory cache keeps of a territory for ``twin info``, without loading it (nor importing the
    libraries that would): ``{"summary": Territory.summary(), "grid": Grid.describe(), "warnings": [...]}``, the
    warnings being those its loading gave.

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, a folder holding ``territory.toml``, or a dataset name (``"demo"``).

    Returns
    -------
    dict or None
        None when the cache holds no summary for the territory as its files are now, or one that cannot be read: a
        missing or refused territory file, a missing source, a broken ``summary.json`` (the caller then loads the
        territory, which says what is wrong). Never raises.
    """
    try:
        path = resolve_territory(ref)
        text = (cache_dir() / territory_key(path, source_inputs(path)) / SUMMARY).read_text(encoding="utf-8")
        kept = json.loads(text)
    except Exception:  # no summary is only slower: the full load gives the error, if any
        return None
    shape = isinstance(kept, dict) and isinstance(kept.get("summary"), dict) and isinstance(kept.get("grid"), str)
    warned = kept.get("warnings") if isinstance(kept, dict) else None
    if not shape or not isinstance(warned, list) or not all(isinstance(w, str) for w in warned):
        return None
    return kept


@cache
def _code_hash() -> str:
    """SHA-256 of twin's own modules: a changed rule of loading is another key, whatever the version says."""
    h = hashlib.sha256()
    for p in sorted(_PACKAGE.rglob("*.py")):
        h.update(p.relative_to(_PACKAGE).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@cache
def _libraries() -> dict[str, str]:
    """The versions of the libraries that read, reproject and write the sources, from their installed metadata
    (nothing imported). GDAL is there through rasterio's: a rasterio wheel bundles its GDAL, fixed by its version
    (a rasterio built against a system GDAL that is then upgraded in place is not seen: clear the cache)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions
