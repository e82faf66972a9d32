"""The territory: raster layers on one grid plus named vector layers.

A :class:`Territory` is what every engine reads and every measure rewrites. It
holds

* ``layers``: an :class:`xarray.Dataset` on one :class:`~twin.grid.Grid`
  (dims ``y``, ``x``; coordinates in metres; CRS through rioxarray), each
  variable carrying ``units``;
* ``vectors``: GeoDataFrames (buildings, sites, districts, roads, river) in the
  grid's CRS.

The ``domain`` layer says which cells are active: outside it (a catchment's surroundings, beyond a ``[grid]
domain`` outline) no engine computes and no indicator counts, and the float layers may be NaN (no elevation there).
It is all true unless the territory file sets a domain.

:data:`LAYERS` and :data:`VECTORS` are the contract: name, units, dtype, valid
range and meaning. :meth:`Territory.validate` checks all of it and returns every
problem, not just the first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from .errors import TerritoryError
from .grid import Grid
from .landcover import COLUMNS as LANDCOVER_COLUMNS
from .landcover import LandCoverTable
from .population import allocate_population, area_shares, residential_land
from .rasterize import rasterize_buildings


@dataclass(frozen=True)
class LayerSpec:
    """What a raster layer is: units (CF/UDUNITS), dtype, valid range and meaning.

    Parameters
    ----------
    name : str
        The layer's name in ``Territory.layers``.
    units : str
        CF/UDUNITS units (``"m"``, ``"m s-1"``, ``"people"``, ``"1"`` for fractions and codes).
    dtype : str
        NumPy dtype of the values (``"float32"``, ``"int32"``, ``"uint8"``).
    valid_range : tuple of float
        ``(lowest, highest)`` value allowed, in ``units``.
    doc : str
        What the layer is, in English (the ``long_name`` of the files written).
    nan_allowed : bool
        NaN is one of the layer's values (its ``doc`` says what it means), not a hole: validation lets it through.
    """

    name: str
    units: str
    dtype: str
    valid_range: tuple[float, float]
    doc: str
    nan_allowed: bool = False


def _derived_specs() -> list[LayerSpec]:
    docs = {
        "albedo": "broadband shortwave reflectance of the surface",
        "emissivity": "longwave emissivity of the surface",
        "imperviousness": "share of the cell sealed against infiltration",
        "tree_canopy": "share of the cell under tree canopy",
        "crop_coefficient": "evapotranspiration coefficient Kc (ET = Kc * ET0)",
        "manning_n": "Manning roughness coefficient",
        "soil_ks": "Green-Ampt saturated hydraulic conductivity",
        "soil_psi": "Green-Ampt wetting-front suction head",
        "soil_delta_theta": "Green-Ampt soil moisture deficit",
        "curve_number": "SCS curve number (hydrologic soil group B)",
        "green_area": "1 where the cell counts as green area (InVEST UCM), else 0",
    }
    units = {"ks_mm_per_h": "m s-1", "psi_mm": "m"}
    ranges = {"ks_mm_per_h": (0.0, 1000.0 / 3.6e6), "psi_mm": (0.0, 2.0)}
    return [
        LayerSpec(layer, units.get(col, unit), "float32", ranges.get(col, rng), docs[layer])
        for col, (unit, rng, layer, _) in LANDCOVER_COLUMNS.items()
        if layer is not None
    ]


LAYERS: Mapping[str, LayerSpec] = {
    s.name: s
    for s in [
        LayerSpec("elevation", "m", "float32", (-500.0, 5000.0), "ground elevation (terrain model), m above datum"),
        LayerSpec("building_height", "m", "float32", (0.0, 500.0), "height of the building over the cell, 0 if none"),
        LayerSpec("building_index", "1", "int32", (-1, 2**31 - 1), "row of `buildings` over the cell, -1 if none"),
        LayerSpec("land_cover", "1", "uint8", (0, 255), "land-cover class code (see the land-cover table)"),
        LayerSpec("population", "people", "float32", (0.0, 10_000.0), "residents living in the cell"),
        LayerSpec("green_roof_fraction", "1", "float32", (0.0, 1.0), "vegetated share of the roof over the cell"),
        LayerSpec(
            "retention_depth", "m", "float32", (0.0, 1.0), "rain depth held on the cell before runoff (green roofs)"
        ),
        LayerSpec(
            "tree_height",
            "m",
            "float32",
            (0.0, 150.0),
            "height of the tree crowns' tops above the ground (from a canopy DSM); NaN where there is no canopy or "
            "it is not measured, where the heat engine takes its tree_height_m",
            nan_allowed=True,
        ),
        LayerSpec("domain", "1", "bool", (0, 1), "1 where the cell is inside the analysis domain (active), 0 outside"),
        *_derived_specs(),
    ]
}


@dataclass(frozen=True)
class VectorSpec:
    """A vector layer's contract: geometry type and required columns.

    Parameters
    ----------
    name : str
        The layer's name in ``Territory.vectors``.
    geometry : tuple of str
        The geometry types allowed (``"Polygon"``, ``"MultiPolygon"``...).
    columns : mapping of str to str
        Required column -> its kind, ``"str"``, ``"int"`` or ``"float"``.
    doc : str
        What the layer is, with the units of its numeric columns.
    choices : mapping of str to tuple of str
        Column -> the values it may take.
    ranges : mapping of str to (float, float)
        Column -> ``(lowest, highest)`` value allowed, in the column's units.
    """

    name: str
    geometry: tuple[str, ...]
    columns: Mapping[str, str]  # column -> "str" | "int" | "float"
    doc: str
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)


BUILDING_USES = ("residential", "commercial", "industrial", "public", "other")
SITE_KINDS = ("school", "nursery", "care_home", "hospital", "other")
ROAD_KINDS = ("primary", "secondary", "residential", "service", "rail")

VECTORS: Mapping[str, VectorSpec] = {
    s.name: s
    for s in [
        VectorSpec(
            "buildings",
            ("Polygon", "MultiPolygon"),
            {"id": "str", "height": "float", "floors": "int", "use": "str", "dwellings": "int", "population": "float"},
            "building footprints; height in m, population in residents",
            choices={"use": BUILDING_USES},
            ranges={"height": (0.0, 500.0), "floors": (0, 200), "dwellings": (0, 10_000), "population": (0, 1e5)},
        ),
        VectorSpec(
            "districts",
            ("Polygon", "MultiPolygon"),
            {
                "name": "str",
                "population": "int",
                "share_over_75": "float",
                "share_under_5": "float",
                "grid_share": "float",
            },
            "districts with residents (the whole district's), the shares of over-75s and under-5s and the share of "
            "the residents living on the grid (fractions; below 1 for a district the grid cuts)",
            ranges={
                "population": (0, 1e8),
                "share_over_75": (0.0, 1.0),
                "share_under_5": (0.0, 1.0),
                "grid_share": (0.0, 1.0),
            },
        ),
        VectorSpec(
            "sites",
            ("Point",),
            {"name": "str", "kind": "str"},
            "sensitive sites (schools, nurseries, care homes, hospitals, ...)",
            choices={"kind": SITE_KINDS},
        ),
        VectorSpec(
            "roads",
            ("LineString", "MultiLineString"),
            {"name": "str", "kind": "str"},
            "roads and railways",
            choices={"kind": ROAD_KINDS},
        ),
        VectorSpec(
            "river",
            ("LineString", "MultiLineString", "Polygon", "MultiPolygon"),
            {"name": "str"},
            "river centre lines or banks",
        ),
    ]
}


@dataclass(frozen=True)
class Territory:
    """Raster layers on one grid, vector layers in the same CRS, and the land-cover table.

    Build one with :func:`twin.sources.load_territory` (from files) or
    :func:`assemble` (from arrays). Territories are immutable: measures return
    new ones.

    Parameters
    ----------
    name : str
        The territory's name, shown in reports.
    grid : Grid
        The analysis grid.
    layers : xarray.Dataset
        The raster layers of :data:`LAYERS`, each with its ``units``, on dims ``y``, ``x`` (m), CRS written.
    vectors : mapping of str to geopandas.GeoDataFrame
        The vector layers of :data:`VECTORS`, in the grid's CRS.
    landcover : LandCoverTable
        The land-cover table the ``land_cover`` codes refer to.
    provenance : mapping
        Where the territory comes from: its file, and one note per step taken when loading it.
    options : mapping
        Engine name -> options its territory file sets (``[flood]``, ``[heat]``): the lowest precedence over the
        engines' defaults (:func:`twin.engines.merge_options`).
    rainfall_statistics : pathlib.Path or None
        The territory's Montana table (``rainfall`` in its file): its design storms and its sewers' design
        intensity; None when the file names none.
    """

    name: str
    grid: Grid
    layers: xr.Dataset
    vectors: Mapping[str, gpd.GeoDataFrame]
    landcover: LandCoverTable
    provenance: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rainfall_statistics: Path | None = None

    def __getitem__(self, layer: str) -> np.ndarray:
        """The values of raster ``layer`` as a numpy array."""
        return self.layers[layer].values

    def with_layers(self, **arrays: np.ndarray) -> Territory:
        """A new territory with some raster layers replaced (same grid, same units).

        Parameters
        ----------
        **arrays : numpy.ndarray
            Layer name (a key of :data:`LAYERS`) -> its new values, of the grid's shape, in the layer's units.

        Returns
        -------
        Territory
        """
        layers = self.layers.copy()
        for name, values in arrays.items():
            spec = LAYERS[name]
            layers[name] = (
                ("y", "x"),
                np.asarray(values, dtype=spec.dtype),
                {"units": spec.units, "long_name": spec.doc},
            )
        return replace(self, layers=layers)

    def with_land_cover(self, mask: np.ndarray, code: int, *, keep_canopy: bool = False) -> Territory:
        """A new territory where the cells of ``mask`` get class ``code`` and its physical layers.

        Green-roof layers are cleared on those cells (the roof or the ground they described is gone).
        ``keep_canopy`` keeps trees already there (the larger of the old canopy and the class's, and their
        ``tree_height``), as when a car park under planted trees is turned into a lawn; otherwise the trees' measured
        height goes with them (NaN: the class's canopy, if any, takes the heat engine's ``tree_height_m``).

        Parameters
        ----------
        mask : numpy.ndarray
            Boolean raster of the cells that change.
        code : int
            A land-cover code of the territory's table (another code is a programming error).
        keep_canopy : bool
            Keep the larger of the old tree canopy and the class's (a fraction, 1).

        Returns
        -------
        Territory
        """
        land_cover = self["land_cover"].copy()
        land_cover[mask] = code
        derived = self.landcover.derive(np.full(1, code, dtype=np.uint8))
        arrays = {name: np.where(mask, values[0], self[name]) for name, values in derived.items()}
        if keep_canopy:
            arrays["tree_canopy"] = np.maximum(arrays["tree_canopy"], self["tree_canopy"])
        elif "tree_height" in self.layers:
            arrays["tree_height"] = np.where(mask, np.float32(np.nan), self["tree_height"])
        for layer in ("green_roof_fraction", "retention_depth"):
            arrays[layer] = np.where(mask, np.float32(0.0), self[layer])
        return self.with_layers(land_cover=land_cover, **arrays)

    def with_buildings(self, buildings: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> Territory:
        """A new territory with other buildings (and district populations): re-rasterized, people re-allocated.

        Parameters
        ----------
        buildings : geopandas.GeoDataFrame
            The footprints, in the grid's CRS, with the columns of ``VECTORS["buildings"]`` (height in m).
        districts : geopandas.GeoDataFrame
            The districts, with their residents.

        Returns
        -------
        Territory
            With ``building_height``, ``building_index`` and ``population`` derived again.
        """

        buildings = buildings.reset_index(drop=True)
        height, index = rasterize_buildings(buildings, self.grid)
        residential = _in_domain(residential_land(self["land_cover"], self.landcover), self["domain"])
        buildings, population, _ = allocate_population(
            buildings, districts, grid=self.grid, building_index=index, residential=residential
        )
        vectors = {**self.vectors, "buildings": buildings, "districts": districts}
        return replace(
            self.with_layers(building_height=height, building_index=index, population=population), vectors=vectors
        )

    def validate(self) -> list[str]:
        """Every way this territory breaks the contract of :data:`LAYERS` and :data:`VECTORS`.

        Returns
        -------
        list of str
            One line per problem; empty if the territory keeps the contract.
        """
        return _raster_problems(self) + [p for spec in VECTORS.values() for p in _vector_problems(self, spec)]

    def check(self) -> Territory:
        """Return ``self`` if :meth:`validate` finds nothing, else raise :class:`TerritoryError`.

        Returns
        -------
        Territory
            ``self``.

        Raises
        ------
        TerritoryError
            Every problem :meth:`validate` finds.
        """
        problems = self.validate()
        if problems:
            raise TerritoryError(problems, where=self.name)
        return self

    def summary(self) -> dict[str, Any]:
        """Plain numbers describing the territory: grid, layer ranges, buildings, people, sites.

        Returns
        -------
        dict
            Grid (cell size and bounds in m), each layer's units, min, max and mean over the domain's cells (the
            layers of the land-cover columns the table lacks left out), buildings (count, by use, dwellings, height
            range in m), residents by district, those placed on the grid (the population layer) and those of them in
            buildings, the land-cover table, the share of the domain's cells in each class and the table's missing
            columns, sites by kind, road length (km) and the loading notes.
        """
        layers = {}
        inside = self["domain"]
        for name, spec in LAYERS.items():
            if name in self.layers and not self.landcover.missing_columns([name]):
                v = self.layers[name].values
                v = v if name == "domain" else v[inside]  # the domain's cells (all of them without a domain)
                if spec.nan_allowed:  # NaN is a value (no canopy...): the figures are those of the others
                    v = v[~np.isnan(v)]
                    if not v.size:
                        continue
                layers[name] = {
                    "units": spec.units,
                    "min": float(v.min()),
                    "max": float(v.max()),
                    "mean": float(v.mean()),
                    "doc": spec.doc,
                }
        b, d, s = self.vectors["buildings"], self.vectors["districts"], self.vectors["sites"]
        return {
            "name": self.name,
            "grid": {
                "crs": self.grid.crs.to_string(),
                "cell_size_m": self.grid.cell_size,
                "width": self.grid.width,
                "height": self.grid.height,
                "bounds_m": list(self.grid.bounds),
            },
            "layers": layers,
            "buildings": {
                "count": len(b),
                "by_use": {k: int(v) for k, v in b["use"].value_counts().sort_index().items()},
                "dwellings": int(b["dwellings"].sum()),
                "height_m": [float(b["height"].min()), float(b["height"].max())] if len(b) else [0.0, 0.0],
            },
            "population": {
                "total": int(d["population"].sum()),
                "placed": round(float(self["population"].sum(dtype=np.float64))),
                "in_buildings": round(float(b["population"].sum())) if "population" in b.columns else 0,
                "districts": {str(n): int(p) for n, p in zip(d["name"], d["population"], strict=True)},
            },
            "land_cover": {
                "table": self.landcover.source,
                "preset": self.landcover.preset,
                "roles": self._roles(),
                "share_by_class": self._class_shares(),
                "missing_columns": self.landcover.missing_columns(),
            },
            "sites": {k: int(v) for k, v in s["kind"].value_counts().sort_index().items()},
            "roads_km": float(self.vectors["roads"].length.sum() / 1000.0),
            "notes": list(self.provenance.get("notes", [])),
        }

    def _roles(self) -> dict[str, list[str]] | None:
        """The names of the table's classes of each role its ``role`` column gives (None without the column)."""
        table = self.landcover
        if table.roles is None:
            return None
        roles: dict[str, list[str]] = {}
        for name, role in zip(table.names, table.roles, strict=True):
            if role:
                roles.setdefault(role, []).append(name)
        return roles

    def _class_shares(self) -> dict[str, float]:
        """Share of the domain's cells in each land-cover class of the table, by class name (classes present)."""
        codes, counts = np.unique(self["land_cover"][self["domain"]], return_counts=True)
        total = float(counts.sum())
        return {self.landcover.name_of(int(c)): round(float(n) / total, 4) for c, n in zip(codes, counts, strict=True)}

    def content_hash(self) -> str:
        """SHA-256 of the layers and vectors, for provenance: equal data, equal hash.

        Returns
        -------
        str
            The hex digest.
        """
        h = hashlib.sha256()
        h.update(repr((self.grid.crs.to_string(), self.grid.transform[:6], self.grid.shape)).encode())
        for name in sorted(self.layers.data_vars):
            if name == "domain" and self["domain"].all():  # no domain set: the hash of the territories before it
                continue
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.layers[name].values).tobytes())
        for name in sorted(self.vectors):
            gdf = self.vectors[name]
            h.update(name.encode())
            h.update(gdf.drop(columns=gdf.geometry.name).to_json().encode())
            h.update(b"".join(gdf.geometry.to_wkb()))
        if self.rainfall_statistics is not None:  # the sewers' intensity comes from it
            h.update(Path(self.rainfall_statistics).read_bytes())
        return h.hexdigest()


def assemble(
    *,
    name: str,
    grid: Grid,
    elevation: np.ndarray,
    land_cover: np.ndarray,
    vectors: Mapping[str, gpd.GeoDataFrame],
    landcover: LandCoverTable,
    provenance: Mapping[str, Any] | None = None,
    domain: np.ndarray | None = None,
) -> Territory:
    """Build a territory from arrays on ``grid`` and vectors in the grid's CRS.

    Derives ``building_height`` and ``building_index`` from the footprints, the
    physical layers from the land-cover table, and ``population`` from the
    districts (see :mod:`twin.population`; a district without ``grid_share`` gets the share of its area inside
    the grid, and the notes of people spread over land cover or left off the grid join the provenance's).
    Does not validate: call
    :meth:`Territory.check`.

    Parameters
    ----------
    name : str
        The territory's name.
    grid : Grid
        The analysis grid.
    elevation : numpy.ndarray
        Ground elevation on the grid, m above datum.
    land_cover : numpy.ndarray
        Land-cover codes on the grid, from ``landcover``.
    vectors : mapping of str to geopandas.GeoDataFrame
        Vector layers in the grid's CRS; those missing are empty.
    landcover : LandCoverTable
        The land-cover table: each code's physical layers.
    provenance : mapping, optional
        Where the territory comes from.
    domain : numpy.ndarray, optional
        Boolean, the active cells (see the module's docstring); all of them by default. Nobody is placed outside.

    Returns
    -------
    Territory
        Not validated.
    """

    vectors = {k: v for k, v in vectors.items()}
    buildings = vectors.get("buildings", _empty(VECTORS["buildings"], grid))
    height, index = rasterize_buildings(buildings, grid)
    districts = vectors.get("districts")
    if districts is not None and "grid_share" not in districts:
        vectors["districts"] = districts = districts.assign(grid_share=area_shares(districts, grid))
    domain = np.ones(grid.shape, dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    residential = _in_domain(residential_land(land_cover, landcover), domain)
    buildings, population, notes = allocate_population(
        buildings, districts, grid=grid, building_index=index, residential=residential
    )
    vectors["buildings"] = buildings
    provenance = dict(provenance or {})
    if notes:
        provenance["notes"] = [*provenance.get("notes", []), *notes]
    arrays = {
        "elevation": elevation,
        "land_cover": land_cover,
        "building_height": height,
        "building_index": index,
        "population": population,
        "green_roof_fraction": np.zeros(grid.shape, dtype=np.float32),
        "retention_depth": np.zeros(grid.shape, dtype=np.float32),
        "tree_height": np.full(grid.shape, np.nan, dtype=np.float32),  # not measured: a canopy DSM sets it
        "domain": domain,
        **landcover.derive(land_cover),
    }
    layers = xr.Dataset(coords={"y": ("y", grid.y, {"units": "m"}), "x": ("x", grid.x, {"units": "m"})})
    for layer, values in arrays.items():
        spec = LAYERS[layer]
        layers[layer] = (
            ("y", "x"),
            np.asarray(values).astype(spec.dtype, copy=False),
            {"units": spec.units, "long_name": spec.doc},
        )
    layers.rio.write_crs(grid.crs, inplace=True).rio.write_transform(grid.transform, inplace=True)  # no copies
    for key in VECTORS:
        vectors.setdefault(key, _empty(VECTORS[key], grid))
    return Territory(name, grid, layers, vectors, landcover, provenance)


def _in_domain(residential: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """The residential land weights, 0 outside the domain (nobody lives on inactive cells)."""
    return residential if domain.all() else np.where(domain, residential, 0.0)


def _empty(spec: VectorSpec, grid: Grid) -> gpd.GeoDataFrame:
    dtypes = {"str": "str", "int": "int64", "float": "float64"}
    return gpd.GeoDataFrame(
        {c: np.array([], dtype=dtypes[t]) for c, t in spec.columns.items()},
        geometry=gpd.GeoSeries([], crs=grid.crs),
        crs=grid.crs,
    )


def _raster_problems(t: Territory) -> list[str]:
    problems: list[str] = []
    inside = t.layers["domain"].values if "domain" in t.layers else True  # outside the domain NaN is allowed
    crs = t.layers.rio.crs
    if crs is None or crs != t.grid.crs:
        problems.append(f"layers: CRS must be {t.grid.crs.to_string()}, got {crs}")
    for name, spec in LAYERS.items():
        if name not in t.layers:
            problems.append(f"layer {name!r}: missing")
            continue
        da = t.layers[name]
        if da.dims != ("y", "x") or da.shape != t.grid.shape:
            problems.append(
                f"layer {name!r}: shape must be {t.grid.shape} on dims ('y', 'x'), got {da.shape} {da.dims}"
            )
            continue
        if da.attrs.get("units") != spec.units:
            problems.append(f"layer {name!r}: units must be {spec.units!r}, got {da.attrs.get('units')!r}")
        if str(da.dtype) != spec.dtype:
            problems.append(f"layer {name!r}: dtype must be {spec.dtype}, got {da.dtype}")
        values = da.values
        lo, hi = spec.valid_range
        unknown = t.landcover.missing_columns([name])  # NaN by design: the table does not give this layer
        if values.dtype.kind == "f" and not unknown:
            bad = np.isinf(values[inside]) if spec.nan_allowed else ~np.isfinite(values[inside])  # NaN may be a value
            if bad.any():
                what = "inf" if spec.nan_allowed else "NaN/inf"
                problems.append(f"layer {name!r}: values must be finite, got {int(bad.sum())} {what} cells")
        finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
        if finite.size and (finite.min() < lo or finite.max() > hi):
            problems.append(
                f"layer {name!r}: values must be within [{lo}, {hi}] {spec.units}, got [{finite.min()}, {finite.max()}]"
            )
    if "land_cover" in t.layers:
        unknown = t.landcover.unknown_codes(t.layers["land_cover"].values)
        if unknown:
            problems.append(
                f"layer 'land_cover': codes must be in the land-cover table "
                f"{t.landcover.codes.tolist()}, got unknown {unknown}"
            )
    return problems


def _vector_problems(t: Territory, spec: VectorSpec) -> list[str]:
    where = f"vector {spec.name!r}"
    gdf = t.vectors.get(spec.name)
    if gdf is None:
        return [f"{where}: missing"]
    problems = []
    if gdf.crs is None or gdf.crs != t.grid.crs:
        problems.append(f"{where}: CRS must be {t.grid.crs.to_string()}, got {gdf.crs}")
    missing = [c for c in spec.columns if c not in gdf.columns]
    if missing:
        problems.append(f"{where}: columns must include {missing}, got {list(gdf.columns)}")
    if len(gdf) == 0:
        return problems
    bad_geom = sorted(set(gdf.geom_type.dropna()) - set(spec.geometry))
    if bad_geom or gdf.geometry.isna().any():
        problems.append(f"{where}: geometry must be {list(spec.geometry)}, got {bad_geom or ['None']}")
    for col, kind in spec.columns.items():
        if col in missing:
            continue
        values = gdf[col]
        if kind in ("int", "float") and not np.issubdtype(values.dtype, np.number):
            problems.append(f"{where}: column {col!r} must be numeric, got dtype {values.dtype}")
            continue
        if values.isna().any():
            problems.append(f"{where}: column {col!r} must have no missing values, got {int(values.isna().sum())}")
        if col in spec.ranges:
            lo, hi = spec.ranges[col]
            out = values[(values < lo) | (values > hi)]
            if len(out):
                problems.append(
                    f"{where}: column {col!r} must be within [{lo}, {hi}], got {out.iloc[0].item()!r} ({len(out)} rows)"
                )
        if col in spec.choices:
            bad = sorted(set(values.dropna().astype(str)) - set(spec.choices[col]))
            if bad:
                problems.append(f"{where}: column {col!r} must be one of {list(spec.choices[col])}, got {bad}")
    if spec.name == "districts" and "name" in gdf and gdf["name"].duplicated().any():
        problems.append(
            f"{where}: column 'name' must be unique, got duplicates {sorted(gdf['name'][gdf['name'].duplicated()])}"
        )
    return problems
