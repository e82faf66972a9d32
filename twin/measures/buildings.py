"""Measures on the building stock: new buildings and demolitions.

Both rebuild ``building_height``, ``building_index`` and ``population`` from the
changed footprints (see :meth:`Territory.with_buildings`). New housing brings
new residents (dwellings × persons per dwelling) to the district it stands in;
demolished housing takes its residents away.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ScenarioError, message
from .effect import MeasureEffect
from .selection import read_shapes, select

DWELLING_AREA_M2 = 75.0  # floor area per dwelling when none is given (same default as territory files)
MAX_OVERLAP = 0.1  # share of a new footprint that may cover existing buildings


def new_buildings(measure, territory, *, where: str):
    """Add buildings from a footprints file; the land under them becomes the ``building`` class."""
    shapes = read_shapes(measure.footprints, territory, where=f"{where}.footprints")
    shapes = shapes[shapes.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    if shapes.empty:
        raise ScenarioError(message(f"{where}.footprints", "geometry", "polygons", measure.footprints))
    old = territory.vectors["buildings"]
    if len(old):
        overlap = shapes.geometry.intersection(old.geometry.union_all()).area / shapes.geometry.area
        if (overlap > MAX_OVERLAP).any():
            raise ScenarioError(
                message(
                    f"{where}.footprints",
                    "new footprints",
                    "clear of existing buildings (add a demolition measure first)",
                    f"{int((overlap > MAX_OVERLAP).sum())} footprints over existing buildings",
                )
            )
    floors = measure.floors or max(1, round(measure.height_m / measure.storey_height_m))
    height = measure.height_m or measure.floors * measure.storey_height_m
    floor_area = shapes.geometry.area.to_numpy() * floors
    if measure.dwellings is not None:
        dwellings = _share_integer(measure.dwellings, floor_area)
    elif measure.use == "residential":
        dwellings = np.maximum(1, np.round(floor_area / DWELLING_AREA_M2)).astype(int)
    else:
        dwellings = np.zeros(len(shapes), dtype=int)
    start = len(old)
    added = gpd.GeoDataFrame(
        {
            "id": [f"N{start + i:06d}" for i in range(len(shapes))],
            "height": float(height),
            "floors": int(floors),
            "use": measure.use,
            "dwellings": dwellings,
        },
        geometry=shapes.geometry.to_numpy(),
        crs=territory.grid.crs,
    )
    residents = dwellings * measure.persons_per_dwelling
    districts = _add_residents(territory.vectors["districts"], added, residents)
    buildings = pd.concat([old.drop(columns="population", errors="ignore"), added], ignore_index=True)
    changed = territory.with_buildings(gpd.GeoDataFrame(buildings, crs=territory.grid.crs), districts)
    cells = np.isin(changed["building_index"], np.arange(start, start + len(added)))
    changed = changed.with_land_cover(cells, territory.landcover.code_of("building", where=where))
    n = int(cells.sum())
    return changed, MeasureEffect(
        measure.type,
        measure.label or "new buildings",
        f"footprints {measure.footprints}",
        n,
        n * territory.grid.cell_area,
        details={
            "buildings_added": len(added),
            "floor_area_m2": round(float(floor_area.sum()), 1),
            "dwellings_added": int(dwellings.sum()),
            "residents_added": round(float(residents.sum()), 1),
            "height_m": float(height),
        },
    )


def demolition(measure, territory, *, where: str):
    """Remove the selected buildings; their residents leave and the land becomes ``to``."""
    sel = select(measure, territory, where=where)
    if sel.buildings.size == 0:
        raise ScenarioError(message(where, "selection", "containing at least one building", sel.description))
    old = territory.vectors["buildings"]
    gone = old.iloc[sel.buildings]
    cells = np.isin(territory["building_index"], sel.buildings)
    districts = _add_residents(territory.vectors["districts"], gone, -gone["population"].to_numpy())
    kept = old.drop(index=old.index[sel.buildings]).drop(columns="population")
    changed = territory.with_buildings(kept, districts)
    changed = changed.with_land_cover(cells, territory.landcover.code_of(measure.to, where=f"{where}.to"))
    n = int(cells.sum())
    return changed, MeasureEffect(
        measure.type,
        measure.label or "demolition",
        sel.description,
        n,
        n * territory.grid.cell_area,
        details={
            "buildings_removed": int(sel.buildings.size),
            "dwellings_removed": int(gone["dwellings"].sum()),
            "residents_removed": round(float(gone["population"].sum()), 1),
            "to": measure.to,
        },
    )


def _share_integer(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights, the parts summing exactly to the total."""
    raw = total * weights / weights.sum()
    parts = np.floor(raw).astype(int)
    parts[np.argsort(parts - raw)[: total - parts.sum()]] += 1  # largest remainders first
    return parts


def _add_residents(districts: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, residents: np.ndarray):
    """Districts with ``residents`` added (or removed, if negative) where each building stands."""
    districts = districts.copy()
    if districts.empty or not np.any(residents):
        return districts
    inside = _district_of(districts, buildings)
    delta = np.zeros(len(districts))
    np.add.at(delta, inside[inside >= 0], residents[inside >= 0])
    districts["population"] = np.maximum(0, np.round(districts["population"].to_numpy() + delta)).astype(np.int64)
    return districts


def _district_of(districts: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the district holding each building's representative point, -1 if none."""
    points = buildings.geometry.representative_point().to_numpy()
    out = np.full(len(points), -1)
    for d, polygon in enumerate(districts.geometry):
        out[(out < 0) & shapely.contains(polygon, points)] = d
    return out
