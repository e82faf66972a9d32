"""Vector sources brought to the territory's contract.

Real files name things their own way (BD TOPO says ``HAUTEUR`` and
``NB_ETAGES``, OSM says ``building:levels``). A territory file names a preset
for the layouts cities have (:mod:`twin.presets`: BD TOPO, OpenStreetMap,
IRIS) or renames columns and recodes values; this module applies that, repairs
broken polygons, fills what can be derived (height from floors, dwellings from
floor area) with a note for each assumption, and refuses what cannot. Every
error about a feature names the file, the feature's own row in it (before any
feature was dropped) and its id.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon

from .errors import DataSourceError, TwinWarning, message
from .grid import Grid
from .io import ROW, feature, feature_number, read_vector
from .paths import source_path
from .presets import BDTOPO_USES, bdtopo_columns, iris_districts, osm_buildings
from .territory import VECTORS

POLYGON_LAYERS = ("buildings", "districts")
OSM_LAYER = "multipolygons"  # GDAL's OSM driver's layer of closed ways and multipolygon relations


def prepare_vectors(spec, base: Path, grid: Grid, notes: list[str], *, heights=None) -> dict[str, gpd.GeoDataFrame]:
    """Read, reproject and normalise every vector source named in a territory file.

    ``heights``, if given, is called as ``heights(buildings, path)`` on the buildings (columns renamed, values
    recoded) before they are normalised, and returns them with heights filled (the ``[surface]`` DSM's)."""
    out = {}
    for name in VECTORS:
        src = getattr(spec, name)
        if src is None:
            notes.append(f"{name}: no source given; the layer is empty")
            continue
        path = source_path(base, src.path)
        preset = getattr(src, "preset", None)
        layer = src.layer or (OSM_LAYER if preset == "osm" else None)
        without = "error" if name == "districts" else "warn"  # a district left out would lose its residents
        gdf, steps = read_vector(path, grid, layer=layer, assume_crs=src.crs, role=name, without_geometry=without)
        notes += [f"{name}: {s}" for s in steps]
        gdf[ROW] = [feature_number(gdf, i) for i in range(len(gdf))]
        gdf, columns = _preset(gdf, src, base, path, notes)
        gdf = _rename(gdf, columns, path)
        gdf.attrs["renamed"] = dict(columns)  # twin column -> the file's, for errors
        gdf = _recode(gdf, src, path)
        if name in POLYGON_LAYERS:
            gdf = _polygons(gdf, name, path, notes)
        if name == "buildings":
            _check_buildings(gdf, path)  # the file's own values, before a DSM fills or replaces heights
            if heights is not None:
                gdf = heights(gdf, path)
        out[name] = _NORMALISERS[name](gdf, src, path, notes).drop(columns=ROW).reset_index(drop=True)
    return out


def _preset(gdf: gpd.GeoDataFrame, src, base: Path, path: Path, notes: list[str]):
    """The layer through its preset, if any, and the renames still to apply (the territory file's win)."""
    preset = getattr(src, "preset", None)
    if preset == "bdtopo":
        return gdf, {**bdtopo_columns(gdf), **src.columns}
    if preset == "osm":
        prepared = osm_buildings(gdf, src.storey_height_m, src.values.get("use"))
    elif preset == "iris":
        table = source_path(base, src.population_table)
        prepared = iris_districts(gdf, table, path, lambda layer, i: feature(layer, i, path))
    else:
        return gdf, src.columns
    notes += prepared.notes
    return prepared.gdf, src.columns


def _rename(gdf: gpd.GeoDataFrame, columns: dict[str, str], path: Path) -> gpd.GeoDataFrame:
    absent = {ours: theirs for ours, theirs in columns.items() if theirs not in gdf.columns}
    if absent:
        raise DataSourceError(
            message(
                path,
                "columns (renamed in the territory file)",
                f"present in the file {[c for c in gdf.columns if c != ROW]}",
                sorted(absent.values()),
            )
        )
    clashes = [ours for ours, theirs in columns.items() if ours in gdf.columns and ours != theirs]
    gdf = gdf.drop(columns=clashes)
    return gdf.rename(columns={theirs: ours for ours, theirs in columns.items()})


def _recode(gdf: gpd.GeoDataFrame, src, path: Path) -> gpd.GeoDataFrame:
    for col, mapping in src.values.items():
        if col not in gdf.columns:
            raise DataSourceError(
                message(path, "values: column", f"one of {[c for c in gdf.columns if c != ROW]}", col)
            )
        gdf[col] = gdf[col].map(lambda v, m=mapping: m.get(str(v), v))
    return gdf


def _require(gdf: gpd.GeoDataFrame, columns: list[str], path: Path, layer: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise DataSourceError(
            message(
                path,
                f"{layer} columns",
                f"complete (missing {missing}; rename yours with `columns = {{...}}`)",
                [c for c in gdf.columns if c not in (gdf.geometry.name, ROW)],
            )
        )


def _numeric(gdf: gpd.GeoDataFrame, col: str, path: Path, layer: str, expected: str = "a number") -> np.ndarray:
    """The column as floats, NaN where it is empty; a value present but not a number is refused, never dropped."""
    if col not in gdf.columns:
        return np.full(len(gdf), np.nan)
    values = gdf[col]
    numbers = pd.to_numeric(values, errors="coerce")
    blank = values.isna() | values.astype(str).str.strip().eq("")
    bad = (numbers.isna() & ~blank).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        got = f"{values.iloc[i]!r}" + (f" ({int(bad.sum())} such values)" if bad.sum() > 1 else "")
        raise DataSourceError(f"{feature(gdf, i, path)}: {_field(gdf, col, layer)} must be {expected}, got {got}")
    return numbers.to_numpy(dtype=float)


def _field(gdf: gpd.GeoDataFrame, col: str, layer: str) -> str:
    """A column as errors name it: ``"buildings 'height' (the file's 'HAUTEUR')"``."""
    theirs = gdf.attrs.get("renamed", {}).get(col, col)
    return f"{layer} {col!r}" + (f" (the file's {theirs!r})" if theirs != col else "")


def _number(v: float) -> str:
    """A number for an error: ``-10``, ``1.5``, ``inf``, ``100000000``."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _within(
    gdf: gpd.GeoDataFrame,
    col: str,
    values: np.ndarray,
    path: Path,
    layer: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    units: str = "",
    hint: str = "",
) -> None:
    """Refuse a value (not NaN: empty is for the caller) outside ``[lo, hi]`` (the layer's range in :data:`VECTORS`
    by default) or infinite, naming the file, the first such feature's row and id, the column and its value."""
    spec_lo, spec_hi = VECTORS[layer].ranges.get(col, (-np.inf, np.inf))
    lo, hi = spec_lo if lo is None else lo, spec_hi if hi is None else hi
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ((values < lo) | (values > hi) | np.isinf(values))
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    got = _number(values[i]) + (f" ({int(bad.sum())} such values)" if bad.sum() > 1 else "")
    expected = f"within [{_number(lo)}, {_number(hi)}]" + (f" {units}" if units else "") + hint
    raise DataSourceError(f"{feature(gdf, i, path)}: {_field(gdf, col, layer)} must be {expected}, got {got}")


def _blank(values: pd.Series) -> np.ndarray:
    """Where a column is null or only blanks."""
    return (values.isna() | values.astype(object).map(lambda v: isinstance(v, str) and not v.strip())).to_numpy()


def _named(gdf: gpd.GeoDataFrame, col: str, path: Path, layer: str, why: str) -> None:
    """Refuse a feature whose ``col`` (its id or name) is null or blank, naming the file and its row."""
    blank = _blank(gdf[col])
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        more = f" ({int(blank.sum())} features without, this the first)" if blank.sum() > 1 else ""
        got = "no value" if pd.isna(gdf[col].iloc[i]) else repr(gdf[col].iloc[i])
        raise DataSourceError(
            f"{feature(gdf, i, path)}: {_field(gdf, col, layer)} must be given ({why}), got {got}{more}"
        )


def _unique(gdf: gpd.GeoDataFrame, col: str, path: Path, layer: str, why: str) -> None:
    """Refuse two features of the same ``col`` (id or name), naming the file, both rows and the value."""
    values = gdf[col].astype(str)
    again = values.duplicated(keep=False).to_numpy()
    if not again.any():
        return
    value = values[again].iloc[0]
    rows = np.flatnonzero((values == value).to_numpy())
    numbers = [int(gdf[ROW].iloc[r]) if ROW in gdf.columns else feature_number(gdf, int(r)) for r in rows]
    shown = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
    others = values[again].nunique() - 1
    more = f" ({others} more {col}s given more than once)" if others else ""
    raise DataSourceError(
        f"{path} rows {shown} ({col} {value!r}): {_field(gdf, col, layer)} must be unique ({why}), "
        f"got {value!r} {'twice' if len(rows) == 2 else f'{len(rows)} times'}{more}"
    )


def land_cover_polygons(gdf: gpd.GeoDataFrame, column: str, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    """Land-cover polygons ready to burn on the grid: invalid ones repaired as every polygon layer's are (with a
    note), a point or a line refused, and ``column`` made whole class codes (int32). A class that is empty, not a
    number or not whole is refused, naming the file, the feature's row and id, the column and the value.
    """
    layer = "land-cover polygons"
    gdf = _polygons(gdf, layer, path, notes)
    codes = _numeric(gdf, column, path, layer, "a whole class code of the land-cover table")
    bad = ~np.isfinite(codes) | (codes != np.round(codes))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = gdf[column].iloc[i]
        shown = "no value" if pd.isna(value) else repr(value) if isinstance(value, str) else str(value)
        got = shown + (f" ({int(bad.sum())} such values)" if bad.sum() > 1 else "")
        raise DataSourceError(
            f"{feature(gdf, i, path)}: {layer} {column!r} must be a whole class code of the land-cover table, got {got}"
        )
    return gdf.assign(**{column: codes.astype(np.int32)})


def _polygons(gdf: gpd.GeoDataFrame, layer: str, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    """The layer's areas, invalid ones (a ring crossing itself) repaired by ``shapely.make_valid`` keeping their
    polygonal parts, with a warning; a point or a line is refused, and a repair that leaves no area is dropped with
    the warning."""
    kinds = gdf.geom_type.to_numpy()
    polygonal = np.isin(kinds, ("Polygon", "MultiPolygon"))
    invalid = ~polygonal | ~gdf.is_valid.to_numpy()
    if not invalid.any():
        return gdf
    repaired = [_areas(g) for g in shapely.make_valid(gdf.geometry.to_numpy()[invalid])]
    idx = np.flatnonzero(invalid)
    for j, i in enumerate(idx):
        if not polygonal[i] and repaired[j] is None:
            raise DataSourceError(
                f"{feature(gdf, i, path)}: {layer} geometry must be a polygon (an area), got {kinds[i]!r}"
            )
    geometry = gdf.geometry.to_numpy().copy()
    geometry[idx] = repaired
    lost = idx[[g is None for g in repaired]]
    fixed = np.setdiff1d(idx, lost)
    gdf = gdf.set_geometry(gpd.GeoSeries(geometry, index=gdf.index, crs=gdf.crs))
    if fixed.size:
        _note(notes, f"{layer}: repaired {fixed.size} invalid polygons (make_valid, polygonal parts kept), first "
                     f"{feature(gdf, int(fixed[0]), path)}")  # fmt: skip
    if lost.size:
        _note(notes, f"{layer}: dropped {lost.size} polygons with no area once repaired (make_valid), first "
                     f"{feature(gdf, int(lost[0]), path)}")  # fmt: skip
        gdf = gdf[gdf.geometry.notna()]
    return gdf


def _areas(geometry) -> object:
    """The polygonal parts of a geometry (one Polygon, or a MultiPolygon), or None when it has none."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _note(notes: list[str], text: str) -> None:
    notes.append(text)
    warnings.warn(text, TwinWarning, stacklevel=4)


def _check_buildings(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse what the buildings' file says wrong, before anything is filled or derived from it: a height outside
    [0, 500] m (0 or empty: unknown, taken from the floors), floors outside [0, 200] (0 or empty: unknown, taken
    from the height with a warning, as a building of a ground floor alone has 1 and real files hold zeros where
    they do not know), dwellings outside [0, 10000], and an id that is empty or given twice (a measure names
    buildings by it). Each error names the file, the feature's row and id, the column and the value."""
    layer = "buildings"
    if "height" in gdf.columns:
        height = _numeric(gdf, "height", path, layer, "a number (m)")
        _within(gdf, "height", height, path, layer, units="m", hint=" (0 or empty where unknown)")
    if "floors" in gdf.columns:
        floors = _numeric(gdf, "floors", path, layer)
        hint = " (a building of a ground floor alone has 1; 0 or empty where unknown)"
        _within(gdf, "floors", floors, path, layer, hint=hint)
    if "dwellings" in gdf.columns:
        _within(gdf, "dwellings", _numeric(gdf, "dwellings", path, layer), path, layer)
    if "id" in gdf.columns:
        why = "a measure names a building by its id"
        _named(gdf, "id", path, layer, why)
        _unique(gdf, "id", path, layer, why)


def _buildings(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    if "height" not in gdf.columns and "floors" not in gdf.columns:
        raise DataSourceError(
            message(
                path,
                "buildings",
                "given a 'height' (m) or a 'floors' column (map yours with `columns = { height = \"HAUTEUR\" }`)",
                [c for c in gdf.columns if c not in (gdf.geometry.name, ROW)],
            )
        )
    height = _numeric(gdf, "height", path, "buildings", "a number (m)")
    floors = _numeric(gdf, "floors", path, "buildings")
    has_h, has_f = height > 0, floors > 0
    zero = floors == 0
    if zero.any():  # a building has at least its ground floor: 0 is a file's way of not knowing
        _note(notes, f"buildings: {int(zero.sum())} buildings with 0 floors taken as unknown (their floors come from "
                     f"the height), first {feature(gdf, int(np.flatnonzero(zero)[0]), path)}")  # fmt: skip
    from_floors = ~has_h & has_f
    height = np.where(has_h, height, floors * src.storey_height_m)
    if from_floors.any():
        notes.append(f"buildings: {int(from_floors.sum())} heights from floors x {src.storey_height_m:g} m")
    neither = ~has_h & ~has_f
    if neither.any():
        if src.missing_height_m is None:
            raise DataSourceError(
                message(
                    feature(gdf, int(np.flatnonzero(neither)[0]), path),
                    "buildings",
                    "given a positive height or number of floors (or set missing_height_m)",
                    f"neither ({int(neither.sum())} buildings without, this the first)",
                )
            )
        height = np.where(neither, src.missing_height_m, height)
        _note(notes, f"buildings: {int(neither.sum())} without height or floors set to {src.missing_height_m:g} m")
    gdf["height"] = height
    whole = _whole(gdf, "floors", floors, path, notes)  # the height above took the file's own (2.5 floors: 7.5 m)
    from_height = np.round(height / src.storey_height_m)
    gdf["floors"] = np.maximum(1, np.where(has_f, whole, from_height)).astype(np.int64)
    if "use" not in gdf.columns:
        gdf["use"] = "residential"
        _note(notes, "buildings: no 'use' column; all buildings taken as residential")
    blank = gdf["use"].isna().to_numpy() | gdf["use"].astype(str).str.strip().eq("").to_numpy()
    gdf["use"] = gdf["use"].map(lambda v: BDTOPO_USES.get(str(v), str(v).strip().lower()))
    allowed = VECTORS["buildings"].choices["use"]
    unknown = sorted(set(gdf.loc[~blank, "use"]) - set(allowed))
    if blank.any():
        gdf.loc[blank, "use"] = "other"
        _note(notes, f"buildings: {int(blank.sum())} buildings without a use taken as 'other' (no residents), first "
                     f"{feature(gdf, int(np.flatnonzero(blank)[0]), path)}")  # fmt: skip
    if unknown:
        gdf.loc[~gdf["use"].isin(allowed), "use"] = "other"
        _note(notes, f"buildings: uses {unknown} are not in {list(allowed)}; taken as 'other'")
    floor_area = gdf.geometry.area.to_numpy() * gdf["floors"].to_numpy()
    residential = (gdf["use"] == "residential").to_numpy()
    estimate = np.where(residential, np.maximum(1, np.round(floor_area / src.dwelling_area_m2)), 0)
    if "dwellings" in gdf.columns:
        dwellings = _whole(gdf, "dwellings", _numeric(gdf, "dwellings", path, "buildings"), path, notes)
        unknown = np.isnan(dwellings) & residential
        if unknown.any():
            notes.append(f"buildings: {int(unknown.sum())} residential buildings without dwellings; estimated as floor "
                         f"area / {src.dwelling_area_m2:g} m2")  # fmt: skip
        gdf["dwellings"] = np.where(unknown, estimate, np.nan_to_num(dwellings)).astype(np.int64)
    else:
        gdf["dwellings"] = estimate.astype(np.int64)
        notes.append(f"buildings: no 'dwellings' column; estimated as floor area / {src.dwelling_area_m2:g} m2")
    if "id" not in gdf.columns:
        gdf["id"] = [f"B{i:06d}" for i in range(len(gdf))]
    gdf["id"] = gdf["id"].astype(str)
    return gdf


def _districts(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    _require(gdf, ["name", "population", "share_over_75", "share_under_5"], path, "districts")
    why = "the results name each district's residents by it"
    _named(gdf, "name", path, "districts", why)
    gdf["name"] = gdf["name"].astype(str)
    _unique(gdf, "name", path, "districts", why)
    for col in ("population", "share_over_75", "share_under_5"):
        values = _numeric(gdf, col, path, "districts")
        if np.isnan(values).any():
            i = int(np.flatnonzero(np.isnan(values))[0])
            raise DataSourceError(message(feature(gdf, i, path), f"districts {col!r}", "a number", gdf[col].iloc[i]))
        _within(gdf, col, values, path, "districts", units="residents" if col == "population" else "")
        gdf[col] = values
    population = gdf["population"].to_numpy(dtype=float)
    gdf["population"] = np.floor(population + 0.5).astype(np.int64)
    fractional = int((population != np.floor(population)).sum())
    if fractional:  # INSEE's IRIS populations are estimates with decimals: a note, not a warning
        notes.append(f"districts: {fractional} populations rounded to whole residents ({path.name})")
    return gdf


def _whole(gdf, col: str, values: np.ndarray, path: Path, notes: list[str]) -> np.ndarray:
    """A buildings' count (floors, dwellings) rounded to whole numbers, halves up, with a warning naming
    how many were not whole and the first (they were cut down without a word); NaN stays NaN."""
    fractional = np.isfinite(values) & (values != np.floor(values))
    if not fractional.any():
        return values
    i = int(np.flatnonzero(fractional)[0])
    _note(notes, f"buildings: {int(fractional.sum())} values of {col!r} that are not whole numbers rounded, first "
                 f"{values[i]:g} at {feature(gdf, i, path)}")  # fmt: skip
    return np.where(fractional, np.floor(values + 0.5), values)


def _sites(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    _require(gdf, ["kind"], path, "sites")
    kinds = gdf.geometry.geom_type
    areas = kinds.isin(["Polygon", "MultiPolygon"])
    others = ~(areas | (kinds == "Point"))
    if others.any():
        row = int(np.flatnonzero(others.to_numpy())[0])
        where = feature(gdf, row, path)
        raise DataSourceError(message(where, "sites geometry", "a point or a polygon", kinds.iloc[row]))
    if areas.any():  # a school's grounds: the site is a point inside them
        gdf = gdf.set_geometry(gdf.geometry.where(~areas, gdf.geometry.representative_point()))
        notes.append(f"sites: {int(areas.sum())} polygons taken at a point inside each (representative point)")
    gdf["kind"] = gdf["kind"].astype(str).str.strip().str.lower()
    allowed = VECTORS["sites"].choices["kind"]
    unknown = sorted(set(gdf["kind"]) - set(allowed))
    if unknown:
        first = int(np.flatnonzero(~gdf["kind"].isin(allowed).to_numpy())[0])
        raise DataSourceError(
            message(
                f"{feature(gdf, first, path)} (the first of the kinds {unknown})",
                "sites 'kind'",
                f"one of {list(allowed)} (recode yours with `values = {{ kind = {{...}} }}`)",
                gdf["kind"].iloc[first],
            )
        )
    if "name" not in gdf.columns:
        gdf["name"] = [f"{k} {i + 1}" for i, k in enumerate(gdf["kind"])]
    _named(gdf, "name", path, "sites", "the results name each site by it; leave the column out to number them")
    gdf["name"] = gdf["name"].astype(str)
    return gdf


def _lines(default_kind: str | None):
    def normalise(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
        layer = "roads" if default_kind is not None else "river"
        kinds = gdf.geom_type.to_numpy()
        other = ~np.isin(kinds, ("LineString", "MultiLineString"))
        if other.any():  # a road or a river is a line: a point or an area is a mistake of the file's, named there
            i = int(np.flatnonzero(other)[0])
            got = f"{kinds[i]!r}" + (f" ({int(other.sum())} such features)" if other.sum() > 1 else "")
            raise DataSourceError(f"{feature(gdf, i, path)}: {layer} geometry must be a line, got {got}")
        if "name" not in gdf.columns:
            gdf["name"] = ""
        gdf["name"] = gdf["name"].fillna("").astype(str)
        if default_kind is not None:
            if "kind" not in gdf.columns:
                gdf["kind"] = default_kind
                notes.append(f"roads: no 'kind' column; all taken as {default_kind!r}")
            allowed = VECTORS["roads"].choices["kind"]
            unknown = sorted(set(gdf["kind"].astype(str)) - set(allowed))
            if unknown:
                first = int(np.flatnonzero(~gdf["kind"].astype(str).isin(allowed).to_numpy())[0])
                where = f"{feature(gdf, first, path)} (the first of the kinds {unknown})"
                raise DataSourceError(
                    message(where, "roads 'kind'", f"one of {list(allowed)}", gdf["kind"].iloc[first])
                )
        return gdf

    return normalise


_NORMALISERS = {
    "buildings": _buildings,
    "districts": _districts,
    "sites": _sites,
    "roads": _lines("residential"),
    "river": _lines(None),
}
