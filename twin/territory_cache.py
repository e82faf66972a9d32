"""The territory cache: a loaded territory kept on disk, keyed on everything its loading depends on.

Loading a territory reads, reprojects and rasterizes every source and allocates its residents: seconds even on a small
tile. :func:`twin.sources.load_territory` keeps what it loads here and reads it back while nothing it depends on has
changed. The key is the SHA-256 of

* the territory file's place, each file :func:`twin.sources.source_files` lists (path and SHA-256 of its content:
  a changed DEM, table or footprint file is another key);
* twin's version and the content of its own modules (a changed loading rule is another key);
* the versions of the libraries that read and reproject the sources (GDAL, rasterio, pyproj, shapely, ...).

An entry is a folder: ``layers.nc`` (NetCDF, the raster layers as loaded, their attributes and CRS),
``vectors/<name>.parquet`` (GeoParquet, each vector layer with its dtypes, index and CRS) and ``territory.json``
(name, grid, land-cover table, provenance and its notes, engine options, rainfall statistics, the vector layers'
attributes and the warnings the loading gave, replayed on each read). It is written in a hidden sibling folder
renamed into place, so parallel processes (test workers, batch workers) never read half an entry; a territory that
cannot be written exactly (a value JSON does not give back equal) is not cached. An entry that cannot be read is
ignored with a warning and loaded again from the sources.

The folder is ``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twin/territories``, else ``~/.cache/twin/territories``.
``TWIN_NO_CACHE=1`` (what ``--no-cache`` sets) turns the cache off. Deleting the folder is always safe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import xarray as xr
from rasterio.crs import CRS

from . import __version__
from .errors import TwinWarning
from .grid import Grid
from .landcover import LandCoverTable
from .territory import Territory

log = logging.getLogger(__name__)
CACHE_DIR_ENV = "TWIN_CACHE_DIR"
NO_CACHE_ENV = "TWIN_NO_CACHE"
FORMAT = 1  # of an entry: a change of layout is another key
LIBRARIES = ("numpy", "pandas", "xarray", "rasterio", "pyproj", "shapely", "geopandas", "pyogrio", "netCDF4", "pyarrow")
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
        Every file the territory is read from, as :func:`twin.sources.source_inputs` gives them (``path`` and
        ``sha256``).
    """
    where = [str(territory_file), str(Path(territory_file).resolve())]  # as given: the provenance and notes say it
    files = [(f["path"], f["sha256"]) for f in inputs]
    return hashlib.sha256(
        json.dumps([FORMAT, __version__, _code_hash(), _libraries(), where, files]).encode()
    ).hexdigest()


def read(key: str) -> tuple[Territory, list[str]] | None:
    """The territory kept under ``key`` and the warnings its loading gave, or None when there is none.

    An entry that cannot be read (a truncated or foreign file) gives a :class:`~twin.errors.TwinWarning`, is removed,
    and None is returned: the caller loads from the sources.
    """
    entry = cache_dir() / key
    if not (entry / "territory.json").is_file():
        return None
    try:
        return _read_entry(entry)
    except Exception as exc:  # a broken cache entry is never fatal: the sources are there
        warnings.warn(
            f"territory cache: {entry} cannot be read ({type(exc).__name__}: {exc}); loading from the sources",
            TwinWarning,
            stacklevel=3,
        )
        _remove(entry)
        return None


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
    """The versions of the libraries that read, reproject and write the sources (GDAL's through rasterio's)."""
    versions = {"gdal": rasterio.__gdal_version__}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
