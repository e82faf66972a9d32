"""The territory cache: a loaded territory kept on disk, keyed on everything its loading depends on.

Loading a territory reads, reprojects and rasterizes every source and allocates its residents: seconds even on a small
tile. :func:`twin.sources.load_territory` keeps what it loads here and reads it back while nothing it depends on has
changed: the key (the territory file's place, the contents of every file it names, twin's version and code, the
reading libraries' versions) and the folder are :mod:`twin.territory_key`'s.

An entry is a folder: ``layers.nc`` (NetCDF, the raster layers as loaded, their attributes and CRS),
``vectors/<name>.parquet`` (GeoParquet, each vector layer with its dtypes, index and CRS), ``territory.json``
(name, grid, land-cover table, provenance and its notes, engine options, rainfall statistics, the vector layers'
attributes and the warnings the loading gave, replayed on each read) and ``summary.json`` (what ``twin info``
prints and those warnings: :func:`twin.territory_key.cached_summary` reads it without loading the territory). It is
written in a hidden sibling folder renamed into place, so parallel processes (test workers, batch workers) never
read half an entry; a territory that cannot be written exactly (a value JSON does not give back equal) is not
cached. An entry that cannot be read is ignored with a warning and loaded again from the sources; one without its
``summary.json`` (written by an older twin, or not writable then) gets it when it is read.

The folder is ``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twin/territories``, else ``~/.cache/twin/territories``.
``TWIN_NO_CACHE=1`` (what ``--no-cache`` sets) turns the cache off. Deleting the folder is always safe.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import xarray as xr
from rasterio.crs import CRS

from .errors import TwinWarning
from .grid import Grid
from .landcover import LandCoverTable
from .territory import Territory
from .territory_key import (  # noqa: F401  (the key and the folder, as importable from here as before)
    CACHE_DIR_ENV,
    FORMAT,
    NO_CACHE_ENV,
    SUMMARY,
    cache_dir,
    enabled,
    territory_key,
)

log = logging.getLogger(__name__)


def read(key: str) -> tuple[Territory, list[str]] | None:
    """The territory kept under ``key`` and the warnings its loading gave, or None when there is none.

    An entry that cannot be read (a truncated or foreign file) gives a :class:`~twin.errors.TwinWarning`, is removed,
    and None is returned: the caller loads from the sources.
    """
    entry = cache_dir() / key
    if not (entry / "territory.json").is_file():
        return None
    try:
        found = _read_entry(entry)
    except Exception as exc:  # a broken cache entry is never fatal: the sources are there
        warnings.warn(
            f"territory cache: {entry} cannot be read ({type(exc).__name__}: {exc}); loading from the sources",
            TwinWarning,
            stacklevel=3,
        )
        _remove(entry)
        return None
    if not (entry / SUMMARY).is_file():  # an entry of an older twin: `twin info` reads it from now on
        _write_summary(entry, *found)
    return found


def write(key: str, territory: Territory, *, warned: list[str]) -> bool:
    """Keep ``territory`` under ``key`` (atomically), with the warnings its loading gave.

    The entry is read back before it is renamed into place: one that does not give back the territory exactly (a
    value that JSON, NetCDF or Parquet changes) is not kept.

    Returns
    -------
    bool
        Whether the entry is there. False, and nothing cached, when the territory would not read back equal or the
        folder cannot be written (logged, never raised).
    """
    meta = _meta(territory, warned)
    if meta is None:
        return False
    root = cache_dir()
    entry = root / key
    tmp = root / f".{key}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        (tmp / "vectors").mkdir(parents=True)
        territory.layers.to_netcdf(tmp / "layers.nc", engine="netcdf4")
        for name, gdf in territory.vectors.items():
            plain = gdf.copy(deep=False)
            plain.attrs = {}
            plain.to_parquet(tmp / "vectors" / f"{name}.parquet")
        (tmp / "territory.json").write_text(meta, encoding="utf-8")
        _write_summary(tmp, territory, warned)
        if not same(_read_entry(tmp)[0], territory):
            log.info("territory cache: %s not cached (it does not read back equal)", territory.name)
            _remove(tmp)
            return False
        try:
            tmp.rename(entry)
        except OSError:  # another process wrote the same entry first: keep theirs
            _remove(tmp)
    except Exception as exc:  # a cache that cannot be written is only slower: never a failed load
        log.info("territory cache: not written to %s (%s: %s)", root, type(exc).__name__, exc)
        _remove(tmp)
        return False
    return True


def same(a: Territory, b: Territory) -> bool:
    """Whether two territories are exactly equal: layers identical (values, dtypes, attributes, coordinates), vectors
    equal (columns, dtypes, index, CRS, geometries as WKB, attributes), and every other field equal.

    Parameters
    ----------
    a, b : Territory
    """
    if not a.layers.identical(b.layers) or list(a.layers.data_vars) != list(b.layers.data_vars):
        return False
    if list(a.vectors) != list(b.vectors) or not all(_same_frame(a.vectors[k], b.vectors[k]) for k in a.vectors):
        return False
    others = [f.name for f in dataclasses.fields(a) if f.name not in ("layers", "vectors")]
    try:
        return all(_equal(_encode(getattr(a, n)), _encode(getattr(b, n))) for n in others)
    except TypeError:  # a value the cache does not know: not provably the same
        return False


def _same_frame(x: gpd.GeoDataFrame, y: gpd.GeoDataFrame) -> bool:
    geometry = x.geometry.name
    return (
        list(x.columns) == list(y.columns)
        and x.dtypes.equals(y.dtypes)
        and type(x.index) is type(y.index)
        and x.index.equals(y.index)
        and x.crs == y.crs
        and x.drop(columns=geometry).equals(y.drop(columns=geometry))
        and list(x.geometry.to_wkb()) == list(y.geometry.to_wkb())
        and _equal(_encode(dict(x.attrs)), _encode(dict(y.attrs)))
    )


def _read_entry(entry: Path) -> tuple[Territory, list[str]]:
    meta = json.loads((entry / "territory.json").read_text(encoding="utf-8"), object_hook=_decode)
    if meta.pop("format") != FORMAT:
        raise ValueError(f"entry format {meta.get('format')!r}")
    with xr.open_dataset(entry / "layers.nc", engine="netcdf4", decode_coords="all") as ds:
        layers = ds.load()
    layers.encoding = {}
    for da in layers.variables.values():  # as built in memory, not as read from a file
        da.encoding = {"grid_mapping": da.encoding["grid_mapping"]} if "grid_mapping" in da.encoding else {}
    vectors = {}
    for name, attrs in meta.pop("vector_attrs").items():
        gdf = gpd.read_parquet(entry / "vectors" / f"{name}.parquet")
        gdf.attrs = attrs
        vectors[name] = gdf
    warned = meta.pop("warned")
    g = meta.pop("grid")
    grid = Grid(CRS.from_wkt(g["crs"]), g["x0"], g["y0"], g["cell_size"], g["width"], g["height"])
    landcover = LandCoverTable(**meta.pop("landcover"))
    return Territory(grid=grid, layers=layers, vectors=vectors, landcover=landcover, **meta), warned


def _meta(territory: Territory, warned: list[str]) -> str | None:
    """``territory.json``'s text: every field of the territory but its layers and vectors, or None when one would
    not read back equal."""
    fields = {f.name: getattr(territory, f.name) for f in dataclasses.fields(territory)}
    del fields["layers"], fields["vectors"]
    grid = fields.pop("grid")
    table = fields.pop("landcover")
    meta = {
        "format": FORMAT,
        **fields,
        "grid": {
            "crs": grid.crs.to_wkt(),
            **{k: getattr(grid, k) for k in ("x0", "y0", "cell_size", "width", "height")},
        },
        "landcover": {f.name: getattr(table, f.name) for f in dataclasses.fields(table)},
        "vector_attrs": {name: dict(gdf.attrs) for name, gdf in territory.vectors.items()},
        "warned": list(warned),
    }
    try:
        text = json.dumps(_encode(meta), allow_nan=True)
    except TypeError as exc:
        log.info("territory cache: %s not cached (%s)", territory.name, exc)
        return None
    back = json.loads(text, object_hook=_decode)
    if not _equal(back, meta) or CRS.from_wkt(back["grid"]["crs"]) != grid.crs:
        log.info("territory cache: %s not cached (its metadata does not read back equal)", territory.name)
        return None
    return text


def _encode(value: Any) -> Any:
    """JSON-ready metadata: arrays, paths and tuples tagged so that :func:`_decode` gives them back; a value of
    another kind raises TypeError (the territory is then not cached)."""
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"a mapping with keys {list(value)[:3]} is not kept by the territory cache")
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"__array__": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Grid | LandCoverTable):
        return {"__" + type(value).__name__: _encode(vars(value))}
    if isinstance(value, CRS):
        return {"__crs__": value.to_wkt()}
    raise TypeError(f"{type(value).__name__} is not kept by the territory cache")


def _decode(obj: dict) -> Any:
    if "__array__" in obj:
        return np.array(obj["__array__"], dtype=np.dtype(obj["dtype"])).reshape(obj["shape"])
    if "__path__" in obj:
        return Path(obj["__path__"])
    if "__tuple__" in obj:
        return tuple(obj["__tuple__"])
    return obj


def _equal(a: Any, b: Any) -> bool:
    """Exact equality of decoded metadata: same types, arrays of the same dtype and values (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and np.isnan(a):
        return bool(np.isnan(b))
    return a == b


def _write_summary(entry: Path, territory: Territory, warned: list[str]) -> bool:
    """Write ``summary.json`` in ``entry`` (through a temporary file replaced into place): what
    :func:`twin.territory_key.cached_summary` gives ``twin info``. Not written, and False, when the summary would
    not print the same once read back (a value JSON does not keep) or the file cannot be written; never raises."""
    try:
        summary = territory.summary()
        kept = {"summary": summary, "grid": territory.grid.describe(), "warnings": list(warned)}
        text = json.dumps(kept, allow_nan=True, ensure_ascii=False)
        as_printed = json.dumps(summary, indent=2, ensure_ascii=False)  # what `twin info --json` prints
        if json.dumps(json.loads(text)["summary"], indent=2, ensure_ascii=False) != as_printed:
            log.info("territory cache: no summary for %s (it does not read back equal)", territory.name)
            return False
        tmp = entry / f".{SUMMARY}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, entry / SUMMARY)
    except Exception as exc:  # no summary is only a slower `twin info`
        log.info("territory cache: no summary for %s (%s: %s)", territory.name, type(exc).__name__, exc)
        return False
    return True


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
