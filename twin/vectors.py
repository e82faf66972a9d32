"""Vector sources brought to the territory's contract.

Real files name things their own way (BD TOPO says ``HAUTEUR`` and
``NB_ETAGES``, OSM says ``building:levels``). A territory file can rename
columns and recode values; this module applies that, fills what can be derived
(height from floors, dwellings from floor area) with a note for each
assumption, and refuses what cannot.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import DataSourceError, TwinWarning, message
from .grid import Grid
from .io import feature_number, read_vector
from .paths import source_path
from .territory import VECTORS

# BD TOPO (IGN) building uses, USAGE1, mapped to twin's uses.
BDTOPO_USES = {
    "Résidentiel": "residential",
    "Commercial et services": "commercial",
    "Industriel": "industrial",
    "Agricole": "other",
    "Religieux": "public",
    "Sportif": "public",
    "Annexe": "other",
    "Indifférencié": "other",
}


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
        gdf, steps = read_vector(path, grid, layer=src.layer, assume_crs=src.crs, role=name)
        notes += [f"{name}: {s}" for s in steps]
        gdf = _rename(gdf, src, path)
        gdf = _recode(gdf, src, path)
        if name == "buildings" and heights is not None:
            gdf = heights(gdf, path)
        out[name] = _NORMALISERS[name](gdf, src, path, notes)
    return out


def _rename(gdf: gpd.GeoDataFrame, src, path: Path) -> gpd.GeoDataFrame:
    absent = {ours: theirs for ours, theirs in src.columns.items() if theirs not in gdf.columns}
    if absent:
        raise DataSourceError(
            message(
                path,
                "columns (renamed in the territory file)",
                f"present in the file {list(gdf.columns)}",
                sorted(absent.values()),
            )
        )
    clashes = [ours for ours, theirs in src.columns.items() if ours in gdf.columns and ours != theirs]
    gdf = gdf.drop(columns=clashes)
    return gdf.rename(columns={theirs: ours for ours, theirs in src.columns.items()})


def _recode(gdf: gpd.GeoDataFrame, src, path: Path) -> gpd.GeoDataFrame:
    for col, mapping in src.values.items():
        if col not in gdf.columns:
            raise DataSourceError(message(path, "values: column", f"one of {list(gdf.columns)}", col))
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
                [c for c in gdf.columns if c != gdf.geometry.name],
            )
        )


def _numeric(gdf: gpd.GeoDataFrame, col: str) -> np.ndarray:
    if col not in gdf.columns:
        return np.full(len(gdf), np.nan)
    return pd.to_numeric(gdf[col], errors="coerce").to_numpy(dtype=float)


def _note(notes: list[str], text: str) -> None:
    notes.append(text)
    warnings.warn(text, TwinWarning, stacklevel=4)


def _buildings(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    if "height" not in gdf.columns and "floors" not in gdf.columns:
        raise DataSourceError(
            message(
                path,
                "buildings",
                "given a 'height' (m) or a 'floors' column (map yours with `columns = { height = \"HAUTEUR\" }`)",
                [c for c in gdf.columns if c != gdf.geometry.name],
            )
        )
    height, floors = _numeric(gdf, "height"), _numeric(gdf, "floors")
    has_h, has_f = height > 0, floors > 0
    from_floors = ~has_h & has_f
    height = np.where(has_h, height, floors * src.storey_height_m)
    if from_floors.any():
        notes.append(f"buildings: {int(from_floors.sum())} heights from floors x {src.storey_height_m:g} m")
    neither = ~has_h & ~has_f
    if neither.any():
        if src.missing_height_m is None:
            row = int(np.flatnonzero(neither)[0])
            ident = next((f" ({gdf[c].iloc[row]!r})" for c in ("id", "name") if c in gdf.columns), "")
            raise DataSourceError(
                message(
                    path,
                    "buildings",
                    "given a positive height or number of floors (or set missing_height_m)",
                    f"{int(neither.sum())} without, first the file's feature {feature_number(gdf, row)}{ident}",
                )
            )
        height = np.where(neither, src.missing_height_m, height)
        _note(notes, f"buildings: {int(neither.sum())} without height or floors set to {src.missing_height_m:g} m")
    gdf["height"] = height
    gdf["floors"] = np.where(has_f, floors, np.maximum(1, np.round(height / src.storey_height_m))).astype(np.int64)
    if "use" not in gdf.columns:
        gdf["use"] = "residential"
        _note(notes, "buildings: no 'use' column; all buildings taken as residential")
    gdf["use"] = gdf["use"].map(lambda v: BDTOPO_USES.get(str(v), str(v).strip().lower()))
    allowed = VECTORS["buildings"].choices["use"]
    unknown = sorted(set(gdf["use"]) - set(allowed))
    if unknown:
        gdf.loc[~gdf["use"].isin(allowed), "use"] = "other"
        _note(notes, f"buildings: uses {unknown} are not in {list(allowed)}; taken as 'other'")
    if "dwellings" in gdf.columns:
        gdf["dwellings"] = np.nan_to_num(_numeric(gdf, "dwellings")).astype(np.int64)
    else:
        floor_area = gdf.geometry.area.to_numpy() * gdf["floors"].to_numpy()
        residential = (gdf["use"] == "residential").to_numpy()
        estimate = np.maximum(1, np.round(floor_area / src.dwelling_area_m2))
        gdf["dwellings"] = np.where(residential, estimate, 0).astype(np.int64)
        notes.append(f"buildings: no 'dwellings' column; estimated as floor area / {src.dwelling_area_m2:g} m2")
    if "id" not in gdf.columns:
        gdf["id"] = [f"B{i:06d}" for i in range(len(gdf))]
    gdf["id"] = gdf["id"].astype(str)
    return gdf


def _districts(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    _require(gdf, ["name", "population", "share_over_75", "share_under_5"], path, "districts")
    gdf["name"] = gdf["name"].astype(str)
    for col in ("population", "share_over_75", "share_under_5"):
        values = _numeric(gdf, col)
        if np.isnan(values).any():
            raise DataSourceError(
                message(path, f"districts column {col!r}", "numbers", gdf[col][np.isnan(values)].iloc[0])
            )
        gdf[col] = values
    gdf["population"] = gdf["population"].round().astype(np.int64)
    return gdf


def _sites(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    _require(gdf, ["kind"], path, "sites")
    kinds = gdf.geometry.geom_type
    areas = kinds.isin(["Polygon", "MultiPolygon"])
    others = ~(areas | (kinds == "Point"))
    if others.any():
        row = int(np.flatnonzero(others.to_numpy())[0])
        number = feature_number(gdf, row)
        ident = gdf["name"].iloc[row] if "name" in gdf.columns else f"feature {number}"
        raise DataSourceError(
            message(f"{path} feature {number} ({ident!r})", "sites geometry", "a point or a polygon", kinds.iloc[row])
        )
    if areas.any():  # a school's grounds: the site is a point inside them
        gdf = gdf.set_geometry(gdf.geometry.where(~areas, gdf.geometry.representative_point()))
        notes.append(f"sites: {int(areas.sum())} polygons taken at a point inside each (representative point)")
    gdf["kind"] = gdf["kind"].astype(str).str.strip().str.lower()
    allowed = VECTORS["sites"].choices["kind"]
    unknown = sorted(set(gdf["kind"]) - set(allowed))
    if unknown:
        raise DataSourceError(
            message(
                path,
                "sites 'kind'",
                f"one of {list(allowed)} (recode yours with `values = {{ kind = {{...}} }}`)",
                unknown,
            )
        )
    if "name" not in gdf.columns:
        gdf["name"] = [f"{k} {i + 1}" for i, k in enumerate(gdf["kind"])]
    gdf["name"] = gdf["name"].astype(str)
    return gdf


def _lines(default_kind: str | None):
    def normalise(gdf: gpd.GeoDataFrame, src, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
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
                raise DataSourceError(message(path, "roads 'kind'", f"one of {list(allowed)}", unknown))
        return gdf

    return normalise


_NORMALISERS = {
    "buildings": _buildings,
    "districts": _districts,
    "sites": _sites,
    "roads": _lines("residential"),
    "river": _lines(None),
}
