"""Real GIS files in, standard files out.

Reading: rasters of any CRS and resolution (GeoTIFF, ESRI ASCII grid, anything
GDAL reads) are mosaicked and reprojected onto the analysis :class:`Grid`;
vectors (GeoPackage, GeoJSON, Shapefile) are reprojected to the grid's CRS.
Every step is reported as a note, and every mismatch is an error naming the
file, never a silent shift.

Writing: rasters as Cloud-Optimized GeoTIFF, vectors as GeoPackage, datasets as
NetCDF, all with their CRS so that QGIS places them correctly.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.merge
import rasterio.warp
import rioxarray  # noqa: F401  (registers the .rio accessor)
import shapely
import xarray as xr
from rasterio.crs import CRS
from rasterio.enums import Resampling
from shapely.errors import GEOSException

from .errors import (
    CRSError,
    DataSourceError,
    MissingFileError,
    OutputError,
    OutputExistsError,
    TwinWarning,
    message,
)
from .grid import Grid
from .paths import exists, is_virtual, real_file
from .territory import LAYERS, VECTORS

RESAMPLING = {"bilinear": Resampling.bilinear, "mode": Resampling.mode, "nearest": Resampling.nearest}


def _existing(path: str | Path, role: str) -> Path | str:
    """The path, once its file (or the archive of a GDAL virtual path, kept as the string GDAL reads) exists."""
    if is_virtual(path):
        if not exists(real_file(path)):
            raise MissingFileError(real_file(path), role=role)
        return str(path)
    path = Path(path)
    if not exists(path):
        raise MissingFileError(path, role=role)
    return path


def _name(path: Path | str) -> str:
    """The file name of a path or of a GDAL virtual path, for notes."""
    return Path(str(path)).name


def _open_raster(path: Path):
    """``rasterio.open`` with a clear error for files GDAL cannot read (corrupt, a folder, not a raster)."""
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise DataSourceError(f"{path}: cannot be read as a raster: {exc}") from None


def _source_crs(src_crs: CRS | None, assume_crs: object, path: Path) -> CRS:
    if src_crs is None and assume_crs is None:
        raise CRSError(f'{path}: raster has no CRS; set `crs = "EPSG:..."` for this source in the territory file')
    if src_crs is not None and assume_crs is not None and CRS.from_user_input(assume_crs) != src_crs:
        raise CRSError(message(path, "declared crs", f"the file's own CRS {src_crs.to_string()}", str(assume_crs)))
    return src_crs if src_crs is not None else CRS.from_user_input(assume_crs)


def raster_grid(path: str | Path, *, assume_crs: object = None) -> Grid:
    """The grid of a raster file itself (used as the default analysis grid).

    Parameters
    ----------
    path : str or pathlib.Path
        A raster file GDAL reads, in a projected CRS in metres.
    assume_crs : object, optional
        CRS for a file that carries none (``"EPSG:2154"``); it must agree with the file's own if it has one.

    Returns
    -------
    Grid

    Raises
    ------
    MissingFileError
        No such file.
    DataSourceError
        Not a raster GDAL reads.
    CRSError
        No CRS, a CRS that disagrees with ``assume_crs``, a geographic CRS, or a rotated or non-square grid.
    """
    path = _existing(path, "raster")
    with _open_raster(path) as src:
        crs = _source_crs(src.crs, assume_crs, path)
        return Grid.from_transform(
            crs=crs, transform=src.transform, width=src.width, height=src.height, where=str(path)
        )


def read_raster(
    paths: Sequence[str | Path],
    grid: Grid,
    *,
    resampling: str = "bilinear",
    assume_crs: object = None,
    dtype: str = "float64",
) -> tuple[np.ndarray, list[str]]:
    """Mosaic raster tiles and resample them onto ``grid``.

    Parameters
    ----------
    paths : sequence of path
        One or more raster tiles. Tiles sharing a CRS are mosaicked in their
        own CRS first (no seams), then reprojected once.
    grid : Grid
        The analysis grid.
    resampling : {"bilinear", "mode", "nearest"}
        ``"bilinear"`` for continuous fields, ``"mode"`` for class codes.
    assume_crs : object, optional
        CRS for files that carry none (an ASCII grid without ``.prj``).
    dtype : {"float64", "int32"}
        ``"float64"`` (missing cells are NaN) or ``"int32"`` for class codes (missing cells are -1: the file's
        nodata or NaN, whatever the file's own type).

    Returns
    -------
    values : numpy.ndarray
        The array of ``grid.shape``, in the files' own units.
    notes : list of str
        One line per step taken.

    Raises
    ------
    MissingFileError, CRSError, DataSourceError
        Missing file, no CRS, no overlap with the grid, or (``"int32"``) a value that is not a whole number.
    """
    paths = [_existing(p, "raster") for p in paths]
    if not paths:
        raise DataSourceError(message("raster source", "paths", "at least one file", []))
    fill = np.nan if dtype == "float64" else -1
    out = np.full(grid.shape, fill, dtype=dtype)
    by_crs: dict[str, list[rasterio.DatasetReader]] = {}
    notes = []
    datasets = []
    resampled = False
    try:
        for p in paths:
            ds = _open_raster(p)
            datasets.append(ds)
            crs = _source_crs(ds.crs, assume_crs, p)
            _require_overlap(ds.bounds, crs, grid, p)
            by_crs.setdefault(crs.to_wkt(), []).append(ds)
            notes.append(f"{_name(p)}: {ds.width}x{ds.height} cells of {abs(ds.res[0]):g} m in {crs.to_string()}")
        for wkt, group in by_crs.items():
            crs = CRS.from_wkt(wkt)
            if len(group) > 1:
                mosaic, transform = rasterio.merge.merge(group, dtype=dtype, nodata=fill)
                src_arr, src_nodata = mosaic[0], fill
            else:
                transform = group[0].transform
                src_arr, src_nodata = _read_band(group[0], dtype)
            if crs == grid.crs and transform == grid.transform and src_arr.shape == grid.shape:
                tile = src_arr  # already on the grid: used as is, no resampling (missing cells are already `fill`)
            else:
                tile = np.full(grid.shape, fill, dtype=dtype)
                rasterio.warp.reproject(
                    src_arr,
                    tile,
                    src_transform=transform,
                    src_crs=crs,
                    src_nodata=src_nodata,
                    dst_transform=grid.transform,
                    dst_crs=grid.crs,
                    dst_nodata=fill,
                    resampling=RESAMPLING[resampling],
                )
                resampled = True
            out = np.where(_missing(out, fill), tile, out)
    finally:
        for ds in datasets:
            ds.close()
    notes.append(
        f"resampled ({resampling}) onto the grid: {grid.describe()}"
        if resampled
        else "already on the grid: used as is, no resampling"
    )
    return out, notes


def _read_band(ds: rasterio.DatasetReader, dtype: str) -> tuple[np.ndarray, float | None]:
    """The first band in ``dtype`` and the value that now means no data: NaN for a field (None if the file has no
    nodata), -1 for class codes.

    Class codes are read whatever the file's own type (a float32 file with NaN nodata, as HiPIMS ships its land
    cover), so that GDAL never gets a nodata value the int32 array cannot hold.
    """
    values = ds.read(1)
    if dtype == "float64":
        values = values.astype(dtype)
        if ds.nodata is None:
            return values, None
        values[values == ds.nodata] = np.nan
        return values, np.nan
    missing = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, dtype=bool)
    if ds.nodata is not None and not np.isnan(ds.nodata):
        missing |= values == ds.nodata
    _require_whole_codes(values, missing, ds.transform, ds.name)
    return np.where(missing, -1, values).astype(dtype), -1


def _require_whole_codes(values: np.ndarray, missing: np.ndarray, transform, path: Path | str) -> None:
    """Refuse a class raster whose cells hold a value that is not a whole number (2.5): it is no class code."""
    if values.dtype.kind != "f":
        return
    with np.errstate(invalid="ignore"):
        bad = ~missing & ~((values == np.round(values)) & (np.abs(values) < 2**31))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        x, y = transform @ (col + 0.5, row + 0.5)
        where = f"{path} (band 1, cell at x={x:.1f}, y={y:.1f}; {int(bad.sum())} such cells)"
        raise DataSourceError(message(where, "class code", "a whole number", float(values[row, col])))


def _missing(values: np.ndarray, fill: float) -> np.ndarray:
    return np.isnan(values) if values.dtype.kind == "f" else values == fill


def _require_overlap(bounds: Sequence[float], crs: CRS, grid: Grid, path: Path) -> None:
    gx0, gy0, gx1, gy1 = rasterio.warp.transform_bounds(crs, grid.crs, *bounds)
    if not all(np.isfinite((gx0, gy0, gx1, gy1))):  # e.g. metres read as degrees: the CRS cannot place them
        raise DataSourceError(
            message(
                path, "extent", f"coordinates its CRS ({crs.to_string()}) can place (is it the file's true CRS, or the "
                "one a territory file declares for it?)", tuple(round(float(v), 1) for v in bounds),
            )
        )  # fmt: skip
    x0, y0, x1, y1 = grid.bounds
    if gx0 >= x1 or gx1 <= x0 or gy0 >= y1 or gy1 <= y0:
        raise DataSourceError(
            message(
                path,
                "extent",
                f"overlapping the grid {grid.bounds}",
                tuple(round(float(v), 1) for v in (gx0, gy0, gx1, gy1)),
            )
        )


def _declared_crs(crs: object, path: Path, role: str) -> pyproj.CRS:
    """The CRS a territory file declares for a source, or a CRSError naming the file and the value."""
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise CRSError(message(path, f"{role} crs", 'a CRS such as "EPSG:2154"', crs)) from None


def read_vector(
    path: str | Path,
    grid: Grid,
    *,
    layer: str | None = None,
    assume_crs: object = None,
    role: str = "vector",
    without_geometry: str = "note",
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a vector file, reproject it to the grid's CRS and keep the features touching the grid.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoPackage, GeoJSON, Shapefile or any file GDAL reads as vectors.
    grid : Grid
        The analysis grid.
    layer : str, optional
        The layer to read in a file of several; the first by default.
    assume_crs : object, optional
        CRS for a file that carries none.
    role : str
        What the file is (``"buildings"``...), for the notes and the error messages.
    without_geometry : {"note", "warn", "error"}
        What becomes of a feature whose geometry is null or empty: left out with a note naming the first one's row
        and id (``"note"``), the same note also given as a :class:`~twin.errors.TwinWarning` (``"warn"``), or an
        error naming it (``"error"``: a district without an area would lose its residents).

    Returns
    -------
    gdf : geopandas.GeoDataFrame
        The features in the grid's CRS, features without a geometry and off the grid left out.
    notes : list of str
        One line per step taken (reprojection, features dropped).

    Raises
    ------
    MissingFileError
        No such file.
    DataSourceError
        Not a file of geometries, no feature on the grid, or (``without_geometry="error"``) a feature without one.
    CRSError
        No CRS, or coordinates that cannot be the longitudes and latitudes the file's CRS says.
    """
    path = _existing(path, role)
    gdf, notes, unreadable = _read_features(path, layer, role)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise DataSourceError(
            message(path, role, "a file with geometries (GeoPackage, GeoJSON, Shapefile)", "a table without geometry")
        )
    if gdf.crs is None and assume_crs is None:
        raise CRSError(f'{path}: {role} has no CRS; set `crs = "EPSG:..."` for this source in the territory file')
    if gdf.crs is None:
        gdf = gdf.set_crs(assume_crs)
    elif assume_crs is not None and _declared_crs(assume_crs, path, role) != gdf.crs:
        if Path(str(path)).suffix.lower() not in (".geojson", ".json") or gdf.crs.to_epsg() != 4326:
            expected = f"the file's own ({gdf.crs.to_string()}) or none declared"
            got = f"declared {assume_crs!r}: remove it, or fix the file"
            raise CRSError(message(path, f"{role} crs", expected, got))
        # a GeoJSON without a `crs` member is read as lon/lat (RFC 7946): the declared CRS is what it means
        gdf = gdf.set_crs(assume_crs, allow_override=True)
        notes.append(f"{_name(path)}: read in the declared {assume_crs} (a GeoJSON without `crs` defaults to lon/lat)")
    if gdf.crs.is_geographic and len(gdf):
        x0, y0, x1, y1 = gdf.total_bounds
        if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
            raise CRSError(
                message(
                    path,
                    f"{role} coordinates",
                    "longitudes and latitudes, since the file says "
                    f"{gdf.crs.to_string()} (a GeoJSON without `crs` is read as lon/lat); set the "
                    'file\'s CRS or `crs = "EPSG:..."`',
                    tuple(round(float(v), 1) for v in (x0, y0, x1, y1)),
                )
            )
    if gdf.crs != grid.crs:
        notes.append(
            f"{_name(path)}: reprojected {len(gdf)} features from {gdf.crs.to_string()} to {grid.crs.to_string()}"
        )
        gdf = gdf.to_crs(grid.crs)
    gdf = _with_geometry(gdf, unreadable, path, role, without_geometry, notes)
    inside = gdf.intersects(_grid_box(grid))
    if len(gdf) and not inside.any():
        raise DataSourceError(
            message(
                path,
                "extent",
                f"overlapping the grid {grid.bounds}",
                tuple(round(float(v), 1) for v in gdf.total_bounds),
            )
        )
    if (~inside).any():
        notes.append(f"{_name(path)}: dropped {int((~inside).sum())} of {len(gdf)} features outside the grid")
    kept = gdf[inside]
    numbers = kept.index.to_numpy() + 1  # each feature's number in the file, for errors about it
    kept = kept.reset_index(drop=True)
    kept.attrs["feature_numbers"] = numbers
    return kept, notes


_KINDS = {"Polygon": "a polygon", "LineString": "a line", "Point": "a point"}


def _with_geometry(
    gdf: gpd.GeoDataFrame, unreadable: np.ndarray, path: Path | str, role: str, without: str, notes: list[str]
) -> gpd.GeoDataFrame:
    """The features that have a geometry; those whose geometry is null or empty in the file are refused or left out
    with a note naming the first (``without``, see :func:`read_vector`). Those :func:`_read_features` could not
    repair (``unreadable``, rows from 0) are noted there already, or refused here."""
    geometry = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)  # not GeoSeries.notna(): it warns on empties
    if not missing.any():
        return gdf
    first = int(np.flatnonzero(missing)[0])
    if without == "error":
        spec = VECTORS.get(role)
        kinds = [_KINDS[k] for k in spec.geometry if k in _KINDS] if spec is not None else []
        expected = " or ".join(kinds) or "a geometry"
        got = "a geometry that cannot be read or repaired" if first in unreadable else "no geometry"
        count = int(missing.sum())
        more = f" ({count} features without, this the first)" if count > 1 else ""
        raise DataSourceError(f"{feature(gdf, first, path)}: {role} geometry must be {expected}, got {got}{more}")
    blank = missing.copy()
    blank[unreadable] = False
    if blank.any():
        first = int(np.flatnonzero(blank)[0])
        text = f"dropped {int(blank.sum())} features without a geometry, first {feature(gdf, first, path)}"
        notes.append(text)
        if without == "warn":
            warnings.warn(f"{role}: {text}", TwinWarning, stacklevel=3)
    return gdf[~missing]


def _read_features(path: Path | str, layer: str | None, role: str) -> tuple[gpd.GeoDataFrame, list[str], np.ndarray]:
    """The file's features, in its order (the index is each one's row in the file, from 0), a note on geometries
    that could not be read as they are, and the rows (from 0) of those left without one: a ring left open is closed
    (GEOS's fix, as GDAL's OSM driver warns "Non closed ring"), and a ring of fewer than 3 points, which cannot be
    fixed, leaves its feature without geometry (dropped as empty, the note names the file's rows)."""
    try:
        with warnings.catch_warnings():  # GDAL's warnings about the same rings; the note below says what was done
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
            try:
                return gpd.read_file(path, layer=layer, engine="pyogrio"), [], np.array([], dtype=int)
            except GEOSException:
                frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
                meta, _, wkb, _ = pyogrio.raw.read(path, layer=layer, columns=[])
    except Exception as exc:  # pyogrio raises DataSourceError/DataLayerError with clear text
        raise DataSourceError(f"{path}: cannot read {role}: {exc}") from None
    wkb = np.asarray(wkb, dtype=object)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    broken = np.flatnonzero(pd.isna(geoms) & pd.notna(wkb))
    geoms[broken] = shapely.from_wkb(wkb[broken], on_invalid="fix")
    lost = broken[pd.isna(geoms[broken])]
    notes = []
    if broken.size > lost.size:
        fixed = np.setdiff1d(broken, lost) + 1
        notes.append(f"{_name(path)}: closed {fixed.size} rings left open (the file's rows {_rows(fixed)})")
    if lost.size:
        notes.append(
            f"{_name(path)}: dropped {lost.size} features whose geometry cannot be read or repaired (a ring of "
            f"fewer than 3 points...; the file's rows {_rows(lost + 1)})"
        )
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=meta["crs"]), notes, lost


def _rows(numbers: np.ndarray, most: int = 10) -> str:
    """Row numbers for a note: the first ``most``, then how many more."""
    shown = ", ".join(str(int(n)) for n in numbers[:most])
    return shown + (f" and {numbers.size - most} more" if numbers.size > most else "")


ROW = "file_row"  # each feature's row in its file (1 for the first), kept while a layer is prepared


def feature_number(gdf: gpd.GeoDataFrame, row: int) -> int:
    """The number in its file (1 for the first) of row ``row`` of a layer :func:`read_vector` read, whatever
    features were dropped (empty, off the grid) before it."""
    numbers = gdf.attrs.get("feature_numbers")
    return int(numbers[row]) if numbers is not None and row < len(numbers) else row + 1


def feature(gdf: gpd.GeoDataFrame, i: int, path: Path | str) -> str:
    """The file, the row in it and the id (or name) of the feature at position ``i``, for an error about it:
    ``"buildings.gpkg row 8 (id 'BATIMENT0000000240851632')"``."""
    row = int(gdf[ROW].iloc[i]) if ROW in gdf.columns else feature_number(gdf, i)
    ident = next(
        (f" ({c} {gdf[c].iloc[i]!r})" for c in ("id", "name") if c in gdf.columns and pd.notna(gdf[c].iloc[i])), ""
    )
    return f"{path} row {row}{ident}"


def _grid_box(grid: Grid):
    from shapely.geometry import box

    return box(*grid.bounds)


def _prepare_output(path: Path, overwrite: bool) -> Path:
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    return path


def write_cog(
    values: np.ndarray,
    path: str | Path,
    grid: Grid,
    *,
    units: str,
    nodata: float | None = None,
    description: str = "",
    overwrite: bool = False,
    palette: Mapping[int, str] | None = None,
    categories: Mapping[int, str] | None = None,
) -> Path:
    """Write one layer as a Cloud-Optimized GeoTIFF (deflate) with CRS, units and description; a class map with
    its colour table and class names.

    The units are the band's unit (what QGIS and ``gdalinfo`` show) and a ``units`` tag, the description the
    band's description and a ``long_name`` tag. The class names go to the GDAL sidecar ``<file>.tif.aux.xml``
    (GeoTIFF has no place for them in the file; GDAL and QGIS read them there).

    Parameters
    ----------
    values : numpy.ndarray
        The layer, of ``grid.shape``, in ``units`` (a boolean layer, the ``domain``, is written as 0 and 1).
    path : str or pathlib.Path
        The file to write; its folder is created.
    grid : Grid
        The grid the values lie on.
    units : str
        UDUNITS/CF units of the values (``"m"``, ``"degC"``, ``"1"``), kept as the band's unit.
    nodata : float, optional
        The value that means no data (NaN for float maps).
    description : str
        What the layer is, kept as the band's description and ``long_name``.
    overwrite : bool
        Replace an existing file (and its sidecar).
    palette : mapping of int to str, optional
        ``"#rrggbb"`` of each class code of an integer map, written as the band's colour table (a GeoTIFF colour
        table has no transparency: the QGIS style beside the file clears what the map leaves clear). A map of
        another integer type is written as Byte (or UInt16), the only types whose colour table GeoTIFF keeps.
    categories : mapping of int to str, optional
        The name of each class code of an integer map (GDAL category names).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputExistsError
        The file exists and ``overwrite`` is false.
    OutputError
        A ``palette`` for a map whose values are no codes in 0..65535.
    """
    path = _prepare_output(Path(path), overwrite)
    sidecar = _aux_path(path)
    if sidecar.exists():
        sidecar.unlink()  # another map's class names, or GDAL's statistics of the file replaced
    values = np.asarray(values)
    values = values.astype(np.uint8) if values.dtype == bool else values  # GeoTIFF has no boolean type: 0 and 1
    if palette:
        values = _palette_dtype(values, nodata, path)
    profile = {
        "driver": "COG",
        "width": grid.shape[1],
        "height": grid.shape[0],
        "count": 1,
        "dtype": values.dtype,
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": nodata,
        "compress": "DEFLATE",
        "predictor": 3 if values.dtype.kind == "f" else 2,
    }
    tags = {"units": units, "long_name": description} if description else {"units": units}
    # GDAL makes a COG as a copy of the dataset written here, colour table and band metadata included
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
        dst.update_tags(AREA_OR_POINT="Area", **tags)
        dst.set_band_unit(1, units)
        if description:
            dst.set_band_description(1, description)
        if palette:
            dst.write_colormap(1, {int(code): _rgb(colour) for code, colour in palette.items()})
    if categories:
        _write_category_names(sidecar, categories)
    return path


def _palette_dtype(values: np.ndarray, nodata: float | None, path: Path) -> np.ndarray:
    """A class map in the unsigned type that holds its codes: GeoTIFF keeps colour tables of Byte and UInt16
    bands only (the flood's int8 PPRI class is written as Byte)."""
    if values.dtype in (np.uint8, np.uint16):
        return values
    codes = values if nodata is None else np.append(values.ravel(), nodata)
    for dtype in (np.uint8, np.uint16):
        info = np.iinfo(dtype)
        if values.dtype.kind in "iu" and codes.min() >= info.min and codes.max() <= info.max:
            return values.astype(dtype)
    raise OutputError(message(path, "class map", "whole codes in 0..65535, for a colour table", str(values.dtype)))


def _aux_path(path: Path) -> Path:
    """GDAL's sidecar of a raster (its PAM file): ``map.tif.aux.xml``."""
    return path.with_name(path.name + ".aux.xml")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _write_category_names(sidecar: Path, categories: Mapping[int, str]) -> None:
    """The class names of band 1 in GDAL's sidecar: a list indexed by code, empty for codes that are no class."""
    root = ElementTree.Element("PAMDataset")
    band = ElementTree.SubElement(root, "PAMRasterBand", band="1")
    names = ElementTree.SubElement(band, "CategoryNames")
    for code in range(max(categories) + 1):
        ElementTree.SubElement(names, "Category").text = categories.get(code, "")
    ElementTree.indent(root)
    ElementTree.ElementTree(root).write(sidecar, encoding="UTF-8", xml_declaration=False)


def category_names(path: str | Path) -> dict[int, str]:
    """The class names GDAL keeps for band 1 of a raster in its sidecar, by code (empty if it has none).

    Parameters
    ----------
    path : str or pathlib.Path
        A raster written by :func:`write_cog`.

    Returns
    -------
    dict of int to str
        Each named code's name.
    """
    sidecar = _aux_path(Path(path))
    if not sidecar.is_file():
        return {}
    band = ElementTree.parse(sidecar).getroot().find("PAMRasterBand[@band='1']")
    names = band.find("CategoryNames") if band is not None else None
    if names is None:
        return {}
    return {code: c.text for code, c in enumerate(names.findall("Category")) if c.text}


def write_vector(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    overwrite: bool = False,
    timestamp: str | None = None,
    add_layer: bool = False,
) -> Path:
    """Write a GeoDataFrame as a GeoPackage layer (named after the file by default).

    ``add_layer`` adds the layer to an existing GeoPackage (a layer of the same name is replaced).

    ``timestamp`` (ISO 8601) replaces the write time GeoPackage records, so that
    the same data give the same bytes (used for the committed demo).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The features, with their CRS.
    path : str or pathlib.Path
        The GeoPackage; its folder is created.
    layer : str, optional
        The layer's name; the file's stem by default.
    overwrite : bool
        Replace an existing file (not needed with ``add_layer``).
    timestamp : str, optional
        The write time to record, ISO 8601.
    add_layer : bool
        Add the layer to an existing GeoPackage.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputExistsError
        The file exists, and neither ``overwrite`` nor ``add_layer`` is set.
    """
    import pyogrio

    path = Path(path) if add_layer and Path(path).is_file() else _prepare_output(Path(path), overwrite)
    if timestamp:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp})
    try:
        gdf.to_file(path, layer=layer or path.stem, driver="GPKG", engine="pyogrio")
    finally:
        if timestamp:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return path


def write_netcdf(ds: xr.Dataset, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a dataset as CF NetCDF-4 with a ``spatial_ref`` grid mapping (QGIS and GDAL read it).

    Parameters
    ----------
    ds : xarray.Dataset
        Variables on ``x`` and ``y`` coordinates in m, with their CRS written (rioxarray).
    path : str or pathlib.Path
        The file to write; its folder is created.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputExistsError
        The file exists and ``overwrite`` is false.
    """
    path = _prepare_output(Path(path), overwrite)
    ds = ds.copy()
    for axis in ("x", "y"):
        ds[axis].attrs.update(units="m", axis=axis.upper(), standard_name=f"projection_{axis}_coordinate")
    # maps compress well at level 4; stacks over time (flood frames, the heat's hours) at level 1, which is twice as
    # fast to write and as small within 5 %
    encoding = {name: {"zlib": True, "complevel": 4 if ds[name].ndim < 3 else 1} for name in ds.data_vars}
    for name in ds.data_vars:
        packing = {k: ds[name].encoding[k] for k in ("dtype", "scale_factor", "_FillValue") if k in ds[name].encoding}
        if "scale_factor" in packing:  # CF packing declared by the output (twin.specs.OutputSpec.packed_step)
            encoding[name].update(packing, shuffle=True)
        if ds[name].ndim == 3:  # one chunk per step: a viewer reads one hour or one frame without the others
            encoding[name]["chunksizes"] = (1, *ds[name].shape[1:])
        grid_mapping = ds[name].encoding.get("grid_mapping") or ds[name].attrs.pop("grid_mapping", None)
        if grid_mapping:
            encoding[name]["grid_mapping"] = grid_mapping
    encoding.update({axis: {"_FillValue": None} for axis in ("x", "y")})
    if any(ds[name].chunks for name in ds.data_vars):  # read lazily (a flood's frames): copied one chunk at a time,
        # in this thread (never handed to a Dask cluster this process may be a worker of)
        ds.to_netcdf(path, engine="netcdf4", encoding=encoding, compute=False).compute(scheduler="synchronous")
    else:
        ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path


def _class_names(territory) -> dict[int, str]:
    """The land-cover table's class names by code."""
    table = territory.landcover
    return {int(code): name for code, name in zip(table.codes, table.names, strict=True)}


def write_territory(
    territory, folder: str | Path, *, overwrite: bool = False, palettes: Mapping[str, Mapping[int, str]] | None = None
) -> list[Path]:
    """Export every layer of a territory in standard files that QGIS opens.

    Writes ``layers/<name>.tif`` (one COG per raster layer, units as the band's unit; the land cover with its
    table's class names), ``territory.nc`` (all layers, CF NetCDF) and ``vectors.gpkg`` (one GeoPackage layer per
    vector layer). Refuses to replace existing files unless ``overwrite``. :func:`twin.styles.export_territory`
    adds the colours.

    Parameters
    ----------
    territory : Territory
        The territory.
    folder : str or pathlib.Path
        Where the files go; created if needed.
    overwrite : bool
        Replace existing files.
    palettes : mapping of str to mapping, optional
        The colour table (``{code: "#rrggbb"}``) of each class layer, by layer name.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    OutputExistsError
        A file exists and ``overwrite`` is false.
    """

    folder = Path(folder)
    targets = [folder / "territory.nc", folder / "vectors.gpkg"]
    targets += [folder / "layers" / f"{name}.tif" for name in territory.layers.data_vars]
    if not overwrite:
        for target in targets:
            if target.exists():
                raise OutputExistsError(target)
    written = [
        write_cog(
            territory[name],
            folder / "layers" / f"{name}.tif",
            territory.grid,
            units=LAYERS[name].units,
            description=LAYERS[name].doc,
            overwrite=overwrite,
            palette=(palettes or {}).get(name),
            categories=_class_names(territory) if name == "land_cover" else None,
        )
        for name in territory.layers.data_vars
    ]
    written.append(write_netcdf(territory.layers, folder / "territory.nc", overwrite=overwrite))
    gpkg = _prepare_output(folder / "vectors.gpkg", overwrite)
    for name, gdf in territory.vectors.items():
        if len(gdf):
            gdf.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    written.append(gpkg)
    return written
