"""Loading a territory: every source a territory file names, read, put on the grid and checked.

:func:`load_territory` reads a territory file (its format: :mod:`twin.territory_file`, whose names are also
importable from here), puts each source on the analysis grid and returns a validated
:class:`~twin.territory.Territory`, kept in and read back from the territory cache (:mod:`twin.territory_cache`).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
from rasterio.features import geometry_mask
from rasterio.fill import fillnodata
from scipy import ndimage

from . import territory_cache
from .datasets import resolve_territory
from .errors import DataSourceError, MissingFileError, TwinError, TwinWarning, message
from .grid import Grid
from .io import raster_grid, read_raster, read_vector
from .landcover import LandCoverTable
from .paths import is_file, source_path
from .population import area_shares, land_share, residential_land
from .rasterize import rasterize_classes
from .surface import building_heights, canopy, with_canopy
from .territory import LAYERS, Territory, assemble
from .territory_file import (  # noqa: F401  (the territory file's names, as importable from here as before)
    DWELLING_AREA_M2,
    SCHEMA_VERSION,
    BuildingSource,
    DistrictSource,
    DomainSource,
    ElevationSource,
    GridSpec,
    LandCoverSource,
    SurfaceSource,
    TerritoryFile,
    VectorSource,
    _domain_source,
    _Model,
    read_territory_file,
    source_files,
    source_hash,
    source_inputs,
    source_roles,
)
from .vectors import land_cover_polygons, prepare_vectors

log = logging.getLogger(__name__)
MAX_FILLED_SHARE = 0.25  # more of the grid than this without elevation is refused, not filled
#: A loaded territory's layers, bytes a cell (measured: docs/flood.md, 73 B beside a float32 flood's 80 B): a grid
#: of more cells than memory holds at this rate is refused before anything is read.
BYTES_PER_CELL = 73
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}


def load_territory(ref: str | Path, *, cache: bool | None = None) -> Territory:
    """Load a territory from a territory file, or ``"demo"`` for the embedded demo.

    Returns a validated :class:`~twin.territory.Territory` whose ``provenance``
    records the file, each source file with its role and SHA-256 (``sources``, :func:`source_inputs`) and one
    note per reprojection, fill or assumption made (each also logged).
    A territory loaded before from the same files (same contents, same twin) is read back from the territory
    cache (:mod:`twin.territory_cache`), its warnings given again: the same territory, in a fraction of the time.

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, a folder holding ``territory.toml``, or a dataset name (``"demo"``).
    cache : bool, optional
        Read from and write to the territory cache; None (the default): unless ``TWIN_NO_CACHE`` is set (what the
        commands' ``--no-cache`` does).

    Returns
    -------
    Territory
        The territory on its analysis grid, checked.

    Raises
    ------
    MissingFileError
        The territory file or a file it names does not exist.
    TerritoryFileError
        An unknown dataset name, or a territory file :func:`read_territory_file` refuses.
    twin.errors.CRSError
        A source without a CRS, or a grid that is not projected in metres.
    DataSourceError
        A source that cannot be used: unreadable, off the grid, with too many holes, missing columns or unknown
        codes.
    twin.errors.TerritoryError
        The assembled territory breaks its contract (every problem listed).
    """
    path = resolve_territory(ref)
    try:
        inputs = source_inputs(path)
    except TwinError:  # a missing or refused file: the loading says so in its own words
        return _load(path)
    if not (territory_cache.enabled() if cache is None else cache):
        return _with_inputs(_load(path), inputs)
    key = territory_cache.territory_key(path, inputs)
    found = territory_cache.read(key)
    if found is not None:
        territory, warned = found
        for note in territory.provenance.get("notes", []):
            log.info("%s: %s", path.name, note)
        for text in warned:
            warnings.warn(text, TwinWarning, stacklevel=2)
        return territory
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            territory = _with_inputs(_load(path), inputs)
        warned = [str(w.message) for w in caught if issubclass(w.category, TwinWarning)]
        territory_cache.write(key, territory, warned=warned)
    finally:  # given again as they came, for the caller's filters
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return territory


def _with_inputs(territory: Territory, inputs: list[dict[str, str]]) -> Territory:
    return replace(territory, provenance={**territory.provenance, "sources": inputs})


def _load(path: Path) -> Territory:
    """:func:`load_territory` from the sources, without the cache."""
    spec = read_territory_file(path)
    base = path.parent
    notes: list[str] = []
    grid = _fitting(_grid(spec, base, where=f"{path} [grid]"), where=f"{path} [grid]")
    for note in _snapped(spec.grid.bounds, grid):  # a warning: a source's missing strip is blamed on it next
        notes.append(note)
        warnings.warn(note, TwinWarning, stacklevel=3)
    outline = _outline(spec.grid, base, grid, notes)
    elevation, domain = _elevation(spec.elevation, base, grid, notes, outline)
    if not domain.all():
        notes.append(_domain_note(spec.grid, spec.elevation, domain))
    table = spec.land_cover.read_table(base)
    if table.missing_columns():
        notes.append(
            f"land cover: the table {Path(table.source).name} has no {table.missing_columns()}: their layers are "
            "unknown (NaN), and a run of an engine that reads them is refused"
        )
    if table.roles is None:
        notes.append(
            f"land cover: the table {Path(table.source).name} has no 'role' column: it does not say which classes are "
            "water, buildings or grass, and a run is refused until it does"
        )
    land_cover = _land_cover(spec.land_cover, base, grid, table, notes, domain)

    vectors = prepare_vectors(spec, base, grid, notes, heights=_dsm_heights(spec, base, notes))
    trees = _cdsm_canopy(spec, base, grid, notes)
    if "districts" in vectors:
        vectors["districts"] = _grid_shares(vectors["districts"], spec.land_cover, base, grid, table, notes)
    territory = assemble(
        name=spec.name,
        grid=grid,
        elevation=elevation,
        land_cover=land_cover,
        vectors=vectors,
        landcover=table,
        provenance={"territory_file": str(path), "description": spec.description, "notes": notes},
        domain=domain,
    )
    if trees is not None:
        territory = with_canopy(territory, *trees)
    for note in notes:
        log.info("%s: %s", path.name, note)
    return replace(territory, options=spec.engine_options(), rainfall_statistics=_rainfall(spec, path)).check()


def rainfall_statistics(ref: str | Path) -> Path | None:
    """The rainfall statistics (Montana table) a territory file names, or None.

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, its folder, or a dataset name (``"demo"``).

    Raises
    ------
    TerritoryFileError
        An unknown dataset name, or a territory file :func:`read_territory_file` refuses.
    MissingFileError
        The table it names does not exist.
    """
    path = resolve_territory(ref)
    return _rainfall(read_territory_file(path), path)


def _rainfall(spec: TerritoryFile, path: Path) -> Path | None:
    if spec.rainfall is None:
        return None
    table = path.parent / spec.rainfall
    if not is_file(table):
        raise MissingFileError(table, role=f"rainfall statistics named by {path}")
    return table


def _grid(spec: TerritoryFile, base: Path, *, where: str) -> Grid:
    g = spec.grid
    if g.crs and g.cell_size and g.bounds:
        return Grid.from_bounds(crs=g.crs, bounds=g.bounds, cell_size=g.cell_size, where=where)
    first = raster_grid(source_path(base, spec.elevation.paths[0]), assume_crs=spec.elevation.crs)
    crs = g.crs or first.crs
    bounds = g.bounds
    if bounds is None:
        import rasterio.warp

        bounds = rasterio.warp.transform_bounds(first.crs, crs, *first.bounds) if g.crs else first.bounds
    return Grid.from_bounds(crs=crs, bounds=bounds, cell_size=g.cell_size or first.cell_size, where=where)


def _snapped(bounds, grid: Grid) -> list[str]:
    """A note when the file's ``bounds`` are not whole cells: the grid reaches past their east and south edges."""
    if bounds is None:
        return []
    east = grid.x0 + grid.width * grid.cell_size - float(bounds[2])
    south = float(bounds[1]) - (grid.y0 - grid.height * grid.cell_size)
    if max(east, south) <= 1e-6 * grid.cell_size:
        return []
    return [
        f"grid: the bounds are not whole cells of {grid.cell_size:g} m: the grid reaches {east:.3g} m past their east "
        f"edge and {south:.3g} m past their south edge, where every source must have data"
    ]


def _fitting(grid: Grid, *, where: str) -> Grid:
    """``grid``, refused before any layer is read when its layers could not fit in this machine's memory
    (:data:`BYTES_PER_CELL` a cell), rather than failing later with a traceback from numpy."""
    cells = grid.width * grid.height
    memory = _physical_memory()
    if memory is not None and cells * BYTES_PER_CELL > memory:
        most = memory // BYTES_PER_CELL
        raise DataSourceError(
            message(
                where,
                "bounds and cell_size",
                f"a grid this machine's {memory / 2**30:.0f} GiB can hold ({BYTES_PER_CELL} bytes a cell for the "
                f"territory's layers alone: at most {most:,} cells; a coarser cell_size or smaller bounds)",
                f"{grid.width:,} x {grid.height:,} = {cells:,} cells",
            )
        )
    return grid


def _physical_memory() -> int | None:
    """This machine's memory, bytes (None where the system does not say: no check)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _outline(g: GridSpec, base: Path, grid: Grid, notes: list[str]) -> np.ndarray | None:
    """The cells whose centre lies in the ``[grid] domain`` polygons (None when the file sets none)."""
    if g.domain is None:
        return None
    src = _domain_source(g)
    path = source_path(base, src.path)
    gdf, steps = read_vector(path, grid, layer=src.layer, assume_crs=src.crs, role="domain polygons")
    notes += [f"domain: {s}" for s in steps]
    kinds = sorted(set(gdf.geom_type) - {"Polygon", "MultiPolygon"})
    if kinds:
        raise DataSourceError(message(path, "[grid] domain", "polygons", f"geometries {kinds}"))
    inside = geometry_mask(gdf.geometry, out_shape=grid.shape, transform=grid.transform, invert=True)
    if not inside.any():
        raise DataSourceError(message(path, "[grid] domain", "polygons holding cell centres of the grid", "none"))
    return inside


def _check_elevation(values: np.ndarray, grid: Grid, where) -> None:
    """Refuse an elevation that is infinite or outside the layer's valid range (an undeclared nodata value such as
    -9999 looks like that), naming the source, the count, the first cell's centre and its value."""
    low, high = LAYERS["elevation"].valid_range
    bad = np.isinf(values) | (np.isfinite(values) & ((values < low) | (values > high)))
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        x, y = grid.x0 + (col + 0.5) * grid.cell_size, grid.y0 - (row + 0.5) * grid.cell_size
        value = float(values[row, col])
        hint = " (a nodata value the file does not declare?)" if np.isfinite(value) else ""
        raise DataSourceError(
            message(
                where, "elevation", f"finite and within [{low:g}, {high:g}] m",
                f"{value:g} at {int(bad.sum())} cells, the first at x = {x:.1f}, y = {y:.1f}{hint}",
            )
        )  # fmt: skip


def _elevation(
    src: ElevationSource, base: Path, grid: Grid, notes: list[str], outline: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The terrain on the grid (float32, m; NaN outside the domain where the source has no data) and the domain.

    The domain is ``outline`` (every cell without one), less the cells without data and not enclosed by data when
    ``nodata = "domain"``. Holes inside the domain are filled (or refused) by ``nodata``'s rule, at most
    :data:`MAX_FILLED_SHARE` of the domain; those outside are left NaN and count for nothing.
    """
    paths = [source_path(base, p) for p in src.paths]
    values, steps = read_raster(paths, grid, resampling="bilinear", assume_crs=src.crs)
    notes += [f"elevation: {s}" for s in steps]
    where = paths[0] if len(paths) == 1 else f"elevation tiles {[p.name for p in paths]}"
    _check_elevation(values, grid, where)
    nodata = np.isnan(values)
    domain = np.ones(grid.shape, dtype=bool) if outline is None else outline
    if src.nodata == "domain":
        domain = domain & ndimage.binary_fill_holes(~nodata)  # the data and the holes they enclose
        if not domain.any():
            raise DataSourceError(message(where, "elevation", 'data on the grid (nodata = "domain")', "none"))
    holes = nodata & domain
    if holes.any():
        whole = bool(domain.all())
        if src.nodata == "error":
            raise DataSourceError(
                message(
                    where,
                    "elevation",
                    f'complete over the {"grid" if whole else "domain"} (nodata = "error")',
                    f"{int(holes.sum())} cells without data",
                )
            )
        if holes.sum() > MAX_FILLED_SHARE * domain.sum():
            expected = (
                f"covering at least {1 - MAX_FILLED_SHARE:.0%} of the grid before holes are filled (is the [grid] "
                'larger than the DEM? a catchment with no data around it: nodata = "domain")'
                if whole
                else f"covering at least {1 - MAX_FILLED_SHARE:.0%} of the domain before holes are filled"
            )
            got = f"{int(holes.sum())} of {int(domain.sum())} cells{'' if whole else ' of the domain'} without data"
            raise DataSourceError(message(where, "elevation", expected, got))
        filled = fillnodata(np.where(nodata, 0.0, values), mask=~nodata, max_search_distance=max(grid.shape))
        values = np.where(holes, filled, values)  # the domain's holes only: outside, no elevation is made up
        inside = "" if whole else " inside the domain"
        note = f"elevation: filled {int(holes.sum())} cells without data{inside} from their neighbours ({where})"
        notes.append(note)
        warnings.warn(note, TwinWarning, stacklevel=3)
    return values.astype(np.float32), domain


def _domain_note(g: GridSpec, src: ElevationSource, domain: np.ndarray) -> str:
    """``twin info``'s line on the domain: where it comes from and its share of the grid."""
    how = [f"the polygons of {_domain_source(g).path}"] if g.domain is not None else []
    how += ["the cells with elevation data (and the holes they enclose)"] if src.nodata == "domain" else []
    return (
        f"domain: {' within '.join(how)}: {int(domain.sum())} of {domain.size} cells ({domain.mean():.1%} of the grid) "
        "are active; the cells outside are closed to the flood, NaN in the heat maps and in no indicator"
    )


def _dsm_heights(spec: TerritoryFile, base: Path, notes: list[str]):
    """The step giving the buildings their heights from the ``[surface]`` DSM (:func:`twin.surface.building_heights`),
    or None."""
    s = spec.surface
    if s is None or s.dsm is None:
        return None
    return partial(
        building_heights,
        dsm=[source_path(base, p) for p in s.dsm],
        dem=[source_path(base, p) for p in spec.elevation.paths],
        notes=notes,
        percentile=s.height_percentile,
        min_height_m=s.min_building_height_m,
        mode=s.building_heights,
        missing_height_m=spec.buildings.missing_height_m,
        dsm_crs=s.crs,
        dem_crs=spec.elevation.crs,
    )


def _cdsm_canopy(spec: TerritoryFile, base: Path, grid: Grid, notes: list[str]):
    """The ``[surface]`` CDSM's canopy share and height on the grid (:func:`twin.surface.canopy`), or None."""
    s = spec.surface
    if s is None or s.cdsm is None:
        return None
    fraction, height, steps = canopy(
        [source_path(base, p) for p in s.cdsm], grid, threshold_m=s.canopy_threshold_m, assume_crs=s.crs
    )
    notes += [n if n.startswith("surface: ") else f"surface: {n}" for n in steps]
    return fraction, height


def _read_classes(src: LandCoverSource, base: Path, grid: Grid) -> tuple[np.ndarray, list[str], Path]:
    """The land-cover source's class codes on ``grid`` (int32, -1 where it has none), the steps taken, its path."""
    path = source_path(base, src.path)
    if Path(str(path)).suffix.lower() in VECTOR_SUFFIXES:
        gdf, steps = read_vector(path, grid, layer=src.layer, assume_crs=src.crs, role="land-cover polygons")
        if src.class_column not in gdf.columns:
            raise DataSourceError(
                message(path, "class_column", f"one of the columns {list(gdf.columns)}", src.class_column)
            )
        repairs: list[str] = []
        gdf = land_cover_polygons(gdf, src.class_column, path, repairs)
        codes = rasterize_classes(gdf, src.class_column, grid)
        steps += [*repairs, f"rasterized {len(gdf)} polygons by '{src.class_column}'"]
    else:
        codes, steps = read_raster([path], grid, resampling="mode", assume_crs=src.crs, dtype="int32")
    return codes, steps, path


def _land_cover(
    src: LandCoverSource, base: Path, grid: Grid, table, notes: list[str], domain: np.ndarray | None = None
) -> np.ndarray:
    """The class codes on the grid: complete inside the domain (or ``fill_code`` where they are not); outside,
    cells without a class take ``fill_code``, else the domain's commonest class (no engine reads them)."""
    codes, steps, path = _read_classes(src, base, grid)
    notes += [f"land cover: {s}" for s in steps]
    if domain is not None and not domain.all():
        _outside_classes(codes, domain, src, notes)
    negative = np.unique(codes[codes < -1])  # -1 is the readers' "no class"; below it, values of the file itself
    if negative.size:
        raise DataSourceError(
            message(path, "land-cover codes", f"codes of the table {table.source} {table.codes.tolist()}",
                    f"negative codes {negative.tolist()} at {int((codes < -1).sum())} cells"),
        )  # fmt: skip
    missing = codes < 0
    if missing.any():
        if src.fill_code is None:
            raise DataSourceError(
                message(
                    path,
                    "land cover",
                    f"complete over the {'grid' if domain is None or domain.all() else 'domain'} (or set fill_code)",
                    f"{int(missing.sum())} cells without a class",
                )
            )
        codes[missing] = src.fill_code
        note = f"land cover: {int(missing.sum())} cells without a class set to fill_code {src.fill_code}"
        notes.append(note)
        warnings.warn(note, TwinWarning, stacklevel=3)
    unknown = table.unknown_codes(codes)
    if unknown:
        raise DataSourceError(
            message(
                path,
                "land-cover codes",
                f"codes of the table {table.source} {table.codes.tolist()}",
                f"unknown codes {unknown}",
            )
        )
    return codes.astype(np.uint8)


def _outside_classes(codes: np.ndarray, domain: np.ndarray, src: LandCoverSource, notes: list[str]) -> None:
    """Give the cells outside the domain without a class one, in place: ``fill_code``, else the domain's
    commonest class (a placeholder: outside the domain no engine reads it), with a note."""
    outside = (codes < 0) & ~domain
    inside = codes[domain & (codes >= 0)]
    if not outside.any() or (src.fill_code is None and inside.size == 0):
        return
    code = src.fill_code if src.fill_code is not None else int(np.bincount(inside).argmax())
    codes[outside] = code
    notes.append(f"land cover: {int(outside.sum())} cells outside the domain without a class given class {code} "
                 f"({'fill_code' if src.fill_code is not None else 'the commonest inside'}; inactive, read by no "
                 "engine)")  # fmt: skip


def _grid_shares(districts, src: LandCoverSource, base: Path, grid: Grid, table: LandCoverTable, notes: list[str]):
    """The districts with ``grid_share``: the share of each one's residents living on the grid, with a note for each
    district the grid cuts.

    The share is the district's residential land on the grid over that in all of its polygon, read from the land-cover
    source on the grid widened to the cut districts (cells the source covers, by their classes' ``residential``
    weight). Where the source does not cover the polygon, or the table marks no class residential, it is the share
    of the polygon's area inside the grid, and the note says so.
    """
    shares = area_shares(districts, grid)
    cut = np.flatnonzero(shares < 1)
    if cut.size:
        weight, outer, on_grid = _outer_residential(districts.iloc[cut], src, base, grid, table)
        for i in cut:
            name = districts["name"].iloc[i]
            by_land = None if weight is None else land_share(districts.geometry.iloc[i], outer, weight, on_grid)
            if by_land is not None:
                shares[i] = by_land
                how = "by its residential land inside the grid over that of its whole polygon"
            else:
                how = (
                    "by its area inside the grid over its whole area (the land cover does not tell where its residents "
                    "live outside the grid: it does not cover the polygon, or marks no residential land there)"
                )
            notes.append(f"population: district {name!r} is cut by the grid: {shares[i]:.1%} of its residents kept, "
                         f"{how}")  # fmt: skip
    return districts.assign(grid_share=shares)


MAX_OUTER_CELLS = 4_000_000  # cells read to measure cut districts' residential land; coarser cells above it


def _outer_residential(cut, src: LandCoverSource, base: Path, grid: Grid, table: LandCoverTable):
    """Residential weight on a grid aligned with ``grid`` and widened to cover ``cut`` (NaN where the land-cover
    source has no class), that grid, and which of its cells lie on ``grid``; ``(None, None, None)`` when the
    table has no ``residential`` column. Cells are coarsened by a whole factor past :data:`MAX_OUTER_CELLS`."""
    if "residential" not in table.values:
        return None, None, None
    x0, y0, x1, y1 = grid.bounds
    bx0, by0, bx1, by1 = cut.total_bounds
    area = (max(x1, bx1) - min(x0, bx0)) * (max(y1, by1) - min(y0, by0))  # m2
    factor = max(1, int(np.ceil(np.sqrt(area / MAX_OUTER_CELLS) / grid.cell_size)))
    cell = factor * grid.cell_size
    left = x0 - np.ceil(max(x0 - bx0, 0) / cell) * cell  # aligned on the grid's upper-left corner
    top = y1 + np.ceil(max(by1 - y1, 0) / cell) * cell
    outer = Grid.from_bounds(crs=grid.crs, bounds=(left, min(y0, by0), max(x1, bx1), top), cell_size=cell)
    codes, _, _ = _read_classes(src, base, outer)
    weight = np.where(codes < 0, np.nan, residential_land(codes, table))
    xx, yy = np.meshgrid(outer.x, outer.y)
    on_grid = (xx > x0) & (xx < x1) & (yy > y0) & (yy < y1)
    return weight, outer, on_grid
