"""The territory file's format: the TOML file naming the GIS sources of a territory, and the files it names.

A territory file lists where the terrain, land cover, buildings, districts, sensitive sites, roads and river come
from, and optionally the analysis grid; paths are relative to the file. This module is its schema (the pydantic
models :class:`TerritoryFile` and its tables, which ``docs/reference/territory.md`` documents),
:func:`read_territory_file`, and the one list of a territory's inputs (:func:`source_roles`, :func:`source_inputs`,
:func:`source_hash`). It reads no raster or vector: it imports pydantic, numpy and the standard library only, so
that what needs the file but not its data (``twin info`` from the territory cache, a batch's hashes) starts fast.
:func:`twin.sources.load_territory` loads the territory it describes.

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
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from .datasets import resolve_territory
from .errors import MissingFileError, TerritoryFileError, validation_problems
from .landcover import PRESETS, LandCoverTable, preset_path
from .paths import is_file, sha256_file, source_path, with_sidecars

SCHEMA_VERSION = 1
DWELLING_AREA_M2 = 75.0  # gross floor area per dwelling when a source gives none, m2


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
    for file in source_inputs(ref):  # the same files, hashed once each, as the provenance and the cache list them
        h.update(Path(file["path"]).name.encode())
        h.update(bytes.fromhex(file["sha256"]))
    return h.hexdigest()


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


def _domain_source(g: GridSpec) -> DomainSource:
    return DomainSource(path=g.domain) if isinstance(g.domain, str) else g.domain
