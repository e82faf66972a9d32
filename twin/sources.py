"""Territory files: a TOML file naming the GIS sources of a territory.

A territory file lists where the terrain, land cover, buildings, districts,
sensitive sites, roads and river come from, and optionally the analysis grid.
Paths are relative to the file. :func:`load_territory` reads every source,
puts it on the grid and returns a validated :class:`~twin.territory.Territory`.

Example (the demo's ``data/demo/territory.toml``)::

    name = "Valbourg-sur-Loire (demo)"
    [grid]
    crs = "EPSG:2154"
    cell_size = 5.0
    bounds = [431000.0, 6711000.0, 433000.0, 6712500.0]
    [elevation]
    paths = ["elevation.tif"]
    [land_cover]
    path = "land_cover.tif"
    preset = "twin"
    [buildings]
    path = "buildings.gpkg"
    columns = { height = "HAUTEUR", floors = "NB_ETAGES" }   # BD TOPO names
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from rasterio.features import geometry_mask
from rasterio.fill import fillnodata
from scipy import ndimage

from . import territory_cache
from .datasets import resolve_territory
from .errors import (
    DataSourceError,
    MissingFileError,
    TerritoryFileError,
    TwinError,
    TwinWarning,
    message,
    validation_problems,
)
from .grid import Grid
from .io import raster_grid, read_raster, read_vector
from .landcover import PRESETS, LandCoverTable, preset_path
from .paths import is_file, sha256_file, source_path, with_sidecars
from .population import DWELLING_AREA_M2, area_shares, land_share, residential_land
from .rasterize import rasterize_classes
from .surface import building_heights, canopy, with_canopy
from .territory import Territory, assemble
from .vectors import prepare_vectors

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
MAX_FILLED_SHARE = 0.25  # more of the grid than this without elevation is refused, not filled
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainSource(_Model):
    """The analysis domain as polygons (a catchment's outline): the cells whose centre lies inside are active."""

    path: str = Field(description="the polygon file (any vector format twin reads), relative to the territory file")
    layer: str | None = Field(None, description="the layer of a multi-layer file (GeoPackage)")
    crs: str | None = Field(None, description="CRS of a file that carries none")


class GridSpec(_Model):
    """The analysis grid. Anything left out comes from the first elevation tile."""

    crs: str | None = Field(None, description="projected CRS in metres, e.g. 'EPSG:2154'")
    cell_size: Annotated[float, Field(gt=0, description="cell size, m")] | None = None
    bounds: tuple[float, float, float, float] | None = Field(None, description="[xmin, ymin, xmax, ymax], m")
    domain: str | DomainSource | None = Field(
        None,
        description='the active cells: a polygon file (`"outline.gpkg"`, or `{ path = ..., layer = ..., crs = ... }`) '
        "whose polygons hold the cells' centres; cells outside are inactive (closed to the flood, NaN in the heat "
        "maps, in no indicator, their elevation holes not filled); none: every cell (see also the elevation's "
        '`nodata = "domain"`)',
    )


class ElevationSource(_Model):
    """Terrain model tiles (GeoTIFF, ESRI ASCII grid...), mosaicked and resampled bilinearly."""

    paths: list[str] = Field(
        min_length=1,
        description="the tiles' files, relative to the territory file (a zip archive, `dem.zip` or `data.zip/dem.tif`, "
        "or a GDAL virtual path, `/vsizip/...`, is read through GDAL)",
    )
    crs: str | None = Field(None, description="CRS of tiles that carry none")
    nodata: Literal["fill", "error", "domain"] = Field(
        "fill",
        description="cells without elevation: fill them from their neighbours (with a warning), refuse them, or take "
        'them as outside the domain (`"domain"`: a catchment\'s terrain model with no data around it; holes that the '
        "data enclose are still filled); holes outside the domain are never filled",
    )


class LandCoverSource(_Model):
    """Land-cover classes: a raster of codes (mode resampling; integer or float, its nodata or NaN meaning no class)
    or polygons with a code column."""

    path: str = Field(description="the raster or vector file, relative to the territory file (or in a zip archive)")
    layer: str | None = Field(None, description="the layer of a multi-layer vector file (GeoPackage)")
    crs: str | None = Field(None, description="CRS of a file that carries none")
    class_column: str = Field("code", description="polygon attribute holding the class code")
    table: str | None = Field(
        None,
        description="the land-cover CSV (code, name, role and the columns of the engines run), relative to the "
        "territory file; give it or `preset`, never both",
    )
    preset: Literal[tuple(PRESETS)] | None = Field(  # type: ignore[valid-type]
        None,
        description="a shipped table for the codes of a known product, instead of `table` (data/README.md): `twin` "
        "the demo's, `oso` CESBIO OSO, `corine` CORINE Land Cover's raster, `umep` UMEP's 7 classes",
    )
    fill_code: int | None = Field(None, description="code for cells without data; refused if unset")

    @model_validator(mode="after")
    def _one_table(self) -> LandCoverSource:
        """A land cover names its table: ``table`` or ``preset``, exactly one (never the demo's table by default)."""
        if (self.table is None) == (self.preset is None):
            raise PydanticCustomError(
                "land_cover_table",
                'must name its land-cover table, by `table = "<file.csv>"` or by `preset =` one of {presets} '
                "(exactly one; it gives {given})",
                {"presets": list(PRESETS), "given": "both" if self.table else "neither"},
            )
        return self

    def table_path(self, base: Path) -> Path:
        """The table's file: ``table`` relative to ``base`` (the territory file's folder), or the preset's."""
        return preset_path(self.preset) if self.preset else base / self.table

    def read_table(self, base: Path) -> LandCoverTable:
        """The land-cover table it names (see :meth:`table_path`)."""
        return LandCoverTable.read_preset(self.preset) if self.preset else LandCoverTable.read(base / self.table)


class VectorSource(_Model):
    """A vector layer, with optional renaming of columns and recoding of values."""

    path: str = Field(
        description="the vector file (GeoPackage, GeoJSON, Shapefile, FlatGeobuf), relative to the territory file; a "
        "zip archive (a zipped shapefile: `schools.zip`) or a GDAL virtual path (`/vsizip/...`) is read through GDAL"
    )
    layer: str | None = Field(None, description="the layer of a multi-layer file (GeoPackage)")
    crs: str | None = Field(None, description="CRS of a file that carries none")
    columns: dict[str, str] = Field(default_factory=dict, description="twin column -> column in the file")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="twin column -> {value in the file: twin value}"
    )


class BuildingSource(VectorSource):
    """Building footprints with a height (m) or a number of floors (a height, floors or dwellings that is not a
    number is refused, naming the file's row and the building's id), or a file a preset reads (twin.presets)."""

    preset: Literal["bdtopo", "osm"] | None = Field(
        None,
        description="the file's own layout: 'bdtopo' (IGN BD TOPO BATIMENT: HAUTEUR, NB_ETAGES, USAGE1, NB_LOGTS, ID, "
        "or the GeoPackage edition's names) or 'osm' (an OpenStreetMap .osm.pbf, layer multipolygons: heights parsed "
        "with their units, building:levels + roof:levels x storey height, building=* mapped to uses, canopies and "
        'raised bases left out, ids way/<id> or relation/<id>; `values = { use = { yes = "residential" } }` recodes '
        "building=* values); `columns` still renames other columns",
    )
    storey_height_m: Annotated[float, Field(gt=0)] = Field(3.0, description="height of one storey, m")
    missing_height_m: Annotated[float, Field(gt=0)] | None = Field(
        None, description="height for buildings with neither height nor floors; refused if unset"
    )
    dwelling_area_m2: Annotated[float, Field(gt=0)] = Field(
        DWELLING_AREA_M2, description="floor area per dwelling, used when the file has no dwellings column"
    )


class SurfaceSource(_Model):
    """Surface models (`twin.surface`): a DSM for the buildings' heights (DSM − DEM per footprint) and a canopy DSM
    for the tree canopy and its height, each as tiles like `[elevation]`'s."""

    dsm: list[str] | None = Field(
        None, min_length=1, description="the digital surface model's tiles (roofs and crowns above the datum, m)"
    )
    cdsm: list[str] | None = Field(
        None,
        min_length=1,
        description="the canopy DSM's tiles: vegetation height above the ground, m, 0 where none (UMEP's CDSM); its "
        "canopy replaces the land-cover table's and sets the tree_height layer",
    )
    crs: str | None = Field(None, description="CRS of tiles that carry none")
    height_percentile: Annotated[float, Field(gt=0, le=100)] = Field(
        90.0, description="percentile of DSM − DEM over a footprint's cells taken as its height"
    )
    min_building_height_m: Annotated[float, Field(gt=0)] = Field(
        2.5, description="floor of the heights from the DSM (a low shed; a footprint whose building is gone), m"
    )
    building_heights: Literal["missing", "all"] = Field(
        "missing",
        description="'missing': the buildings file's heights and floors win, the DSM gives the others; 'all': the "
        "DSM gives every height (floors still count dwellings)",
    )
    canopy_threshold_m: Annotated[float, Field(gt=0)] = Field(
        1.0, description="lowest vegetation of the CDSM counted as tree canopy, m"
    )

    @model_validator(mode="after")
    def _something_to_read(self):
        if self.dsm is None and self.cdsm is None:
            raise ValueError("give a dsm, a cdsm or both")
        if self.dsm is None and "building_heights" in self.model_fields_set:
            raise ValueError("building_heights needs a dsm to measure heights on")
        return self


class DistrictSource(VectorSource):
    """Districts with their residents, from the file's columns or from INSEE IRIS (twin.presets)."""

    preset: Literal["iris"] | None = Field(
        None,
        description="'iris': IGN's IRIS polygons (CODE_IRIS, NOM_IRIS) with their residents and age shares from "
        "INSEE's population table by IRIS (`population_table`), joined on the IRIS code",
    )
    population_table: str | None = Field(
        None,
        description="with preset 'iris': INSEE's population table by IRIS (base-ic-evol-struct-pop-<year>.csv as INSEE "
        "ships it: ';'-separated, IRIS, P<yy>_POP, P<yy>_POP75P, P<yy>_POP0002, P<yy>_POP0305), relative to the "
        "territory file",
    )

    @model_validator(mode="after")
    def _table_with_its_preset(self):
        if (self.preset == "iris") != (self.population_table is not None):
            raise ValueError("preset 'iris' and population_table go together: set both, or neither")
        return self


class TerritoryFile(_Model):
    """A territory file: a name and the sources of every layer."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="version of the territory file format")
    name: str = Field(description="name of the territory, shown in reports and by `twin info`")
    description: str = Field("", description="what the territory covers, in a sentence")
    grid: GridSpec = Field(GridSpec(), description="the analysis grid (default: the first elevation tile's)")
    elevation: ElevationSource = Field(description="the terrain model")
    land_cover: LandCoverSource = Field(description="the land-cover classes")
    buildings: BuildingSource | None = Field(None, description="building footprints; none: no buildings")
    districts: DistrictSource | None = Field(
        None, description="districts with their residents; none: no districts, no population"
    )
    sites: VectorSource | None = Field(None, description="sensitive sites (schools, care homes, hospitals...)")
    roads: VectorSource | None = Field(None, description="roads, for the lengths cut by water; none: no roads")
    river: VectorSource | None = Field(None, description="the river (lines or polygons); none: no river")
    surface: SurfaceSource | None = Field(
        None, description="surface models: building heights from a DSM, tree canopy and height from a canopy DSM"
    )
    rainfall: str | None = Field(
        None,
        description="the territory's rainfall statistics: a CSV of Montana coefficients by return period and "
        "duration band (columns return_period_years, min_duration_min, max_duration_min, a, b), relative to the "
        "territory file; design storms without their own coefficients and the sewers' design intensity read it",
    )
    flood: dict[str, Any] = Field(
        default_factory=dict,
        description="options of the flood engine (FloodParams) for every scenario run here; checked when a run "
        "starts (the engines are above this module)",
    )
    heat: dict[str, Any] = Field(
        default_factory=dict, description="options of the heat engine (HeatParams) for every scenario run here"
    )

    @model_validator(mode="after")
    def _surface_fits_buildings(self):
        if self.surface is not None and self.surface.dsm is not None:
            if self.buildings is None:
                raise ValueError("[surface] dsm measures building heights: give [buildings] footprints, or drop dsm")
            if self.surface.building_heights == "all" and "height" in self.buildings.columns:
                raise ValueError(
                    "[surface] building_heights = 'all' takes every height from the DSM: drop `height` from "
                    "[buildings] columns, or set building_heights = 'missing' (the file's heights win)"
                )
        return self

    def engine_options(self) -> dict[str, dict[str, Any]]:
        """The ``[flood]`` and ``[heat]`` tables, by engine name (empty tables left out)."""
        return {name: table for name, table in (("flood", self.flood), ("heat", self.heat)) if table}


def read_territory_file(path: str | Path) -> TerritoryFile:
    """Parse and validate a territory TOML file; every error names the file and the field.

    Parameters
    ----------
    path : str or pathlib.Path
        The territory file (TOML).

    Returns
    -------
    TerritoryFile

    Raises
    ------
    MissingFileError
        No such file.
    TerritoryFileError
        TOML that does not parse, or fields the territory file refuses (one line each).
    """
    path = Path(path)
    if not is_file(path):
        raise MissingFileError(path, role="territory file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TerritoryFileError(f"{path}: not valid TOML: {exc}") from None
    try:
        return TerritoryFile.model_validate(data)
    except ValidationError as exc:
        raise TerritoryFileError("\n".join(validation_problems(exc.errors(), where=path))) from None


def source_files(ref: str | Path) -> list[Path]:
    """Every file a territory is loaded from: its TOML file, the rasters and vectors it names (a shapefile's
    sidecar files included; a zip archive for the files in it), the land-cover table, the rainfall statistics and
    the files its engine options name.

    This is the one list of a territory's inputs: the territory cache's key and the runs' provenance are built on
    it (:func:`source_roles`), so a new kind of source is added here.

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, a folder holding ``territory.toml``, or a dataset name (``"demo"``).

    Returns
    -------
    list of pathlib.Path
        The territory file first, each file once; the files it names may not exist.

    Raises
    ------
    MissingFileError
        No territory file.
    TerritoryFileError
        An unknown dataset name, or a territory file :func:`read_territory_file` refuses.
    """
    return [p for p, _ in source_roles(ref)]


def source_roles(ref: str | Path) -> list[tuple[Path, str]]:
    """The files of :func:`source_files`, each with its role (``"territory file"``, ``"elevation"``, ``"land
    cover"``, ``"land-cover table"``, ``"buildings"``, ..., ``"rainfall statistics"``; roles joined when one file
    serves several).

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, a folder holding ``territory.toml``, or a dataset name (``"demo"``).

    Returns
    -------
    list of (pathlib.Path, str)

    Raises
    ------
    MissingFileError
        No territory file.
    TerritoryFileError
        An unknown dataset name, or a territory file :func:`read_territory_file` refuses.
    """
    path = resolve_territory(ref)
    spec = read_territory_file(path)
    base = path.parent
    named: list[tuple[str, Path | str]] = [("territory file", path)]
    named += [("elevation", source_path(base, p)) for p in spec.elevation.paths]
    named.append(("land cover", source_path(base, spec.land_cover.path)))
    if spec.grid.domain is not None:
        named.append(("domain", source_path(base, _domain_source(spec.grid).path)))
    named.append(("land-cover table", spec.land_cover.table_path(base)))
    for field in ("buildings", "districts", "sites", "roads", "river"):
        source = getattr(spec, field)
        if source is not None:
            named.append((field, source_path(base, source.path)))
            if getattr(source, "population_table", None):
                named.append((f"{field} population table", source_path(base, source.population_table)))
    if spec.surface is not None:
        named += [("surface model (DSM)", source_path(base, p)) for p in spec.surface.dsm or []]
        named += [("canopy surface model (CDSM)", source_path(base, p)) for p in spec.surface.cdsm or []]
    if spec.rainfall is not None:
        named.append(("rainfall statistics", base / spec.rainfall))
    for engine, options in spec.engine_options().items():  # files its engine options name (the heat's energy_table)
        named += [(f"[{engine}] {k}", base / v) for k, v in options.items() if isinstance(v, str) and is_file(base / v)]
    roles: dict[Path, list[str]] = {}
    for role, p in named:
        for file in with_sidecars(p):  # an archive stands for the files in it
            roles.setdefault(file, [])
            if role not in roles[file]:
                roles[file].append(role)
    return [(file, ", ".join(r)) for file, r in roles.items()]


def source_hash(ref: str | Path) -> str:
    """SHA-256 of the content of every file of :func:`source_files`: equal files, equal territory (for one
    twin version), without loading it. A missing file is a clear error.

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, a folder holding ``territory.toml``, or a dataset name (``"demo"``).

    Returns
    -------
    str
        The hex digest.

    Raises
    ------
    MissingFileError
        The territory file or a file it names does not exist.
    TerritoryFileError
        An unknown dataset name, or a territory file :func:`read_territory_file` refuses.
    """
    h = hashlib.sha256()
    for p in source_files(ref):
        if not is_file(p):
            raise MissingFileError(p, role="territory source file")
        h.update(p.name.encode())
        h.update(bytes.fromhex(sha256_file(p)))
    return h.hexdigest()


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


def source_inputs(ref: str | Path) -> list[dict[str, str]]:
    """Each file of :func:`source_roles` with its role and the SHA-256 of its content: what a territory's
    ``provenance["sources"]`` lists, and what its cache key is made of.

    Parameters
    ----------
    ref : str or pathlib.Path
        A territory file, a folder holding ``territory.toml``, or a dataset name (``"demo"``).

    Returns
    -------
    list of dict
        ``{"path": absolute path, "role": ..., "sha256": hex digest}``, the territory file first.

    Raises
    ------
    MissingFileError
        The territory file or a file it names does not exist.
    TerritoryFileError
        An unknown dataset name, or a territory file :func:`read_territory_file` refuses.
    """
    inputs = []
    for p, role in source_roles(ref):
        if not is_file(p):
            raise MissingFileError(p, role=f"territory source file ({role})")
        inputs.append({"path": str(Path(p).resolve()), "role": role, "sha256": sha256_file(p)})
    return inputs


def _with_inputs(territory: Territory, inputs: list[dict[str, str]]) -> Territory:
    return replace(territory, provenance={**territory.provenance, "sources": inputs})


def _load(path: Path) -> Territory:
    """:func:`load_territory` from the sources, without the cache."""
    spec = read_territory_file(path)
    base = path.parent
    notes: list[str] = []
    grid = _grid(spec, base)
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


def _grid(spec: TerritoryFile, base: Path) -> Grid:

    g = spec.grid
    if g.crs and g.cell_size and g.bounds:
        return Grid.from_bounds(crs=g.crs, bounds=g.bounds, cell_size=g.cell_size, where="territory file [grid]")
    first = raster_grid(source_path(base, spec.elevation.paths[0]), assume_crs=spec.elevation.crs)
    crs = g.crs or first.crs
    bounds = g.bounds
    if bounds is None:
        import rasterio.warp

        bounds = rasterio.warp.transform_bounds(first.crs, crs, *first.bounds) if g.crs else first.bounds
    return Grid.from_bounds(
        crs=crs, bounds=bounds, cell_size=g.cell_size or first.cell_size, where="territory file [grid]"
    )


def _domain_source(g: GridSpec) -> DomainSource:
    return DomainSource(path=g.domain) if isinstance(g.domain, str) else g.domain


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
        codes = rasterize_classes(gdf, src.class_column, grid)
        steps.append(f"rasterized {len(gdf)} polygons by '{src.class_column}'")
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
