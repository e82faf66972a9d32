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

from ..errors import ScenarioError, message
from ..population import DWELLING_AREA_M2, district_of
from .effect import MeasureEffect
from .selection import read_shapes, select

MAX_OVERLAP = 0.1  # share of a new footprint that may cover existing buildings, or the other new ones


def new_buildings(measure, territory, *, where: str):
    """Add buildings from a footprints file; the land under them becomes the ``building`` class."""
    shapes = read_shapes(measure.footprints, territory, where=f"{where}.footprints").reset_index(drop=True)
    old = territory.vectors["buildings"]
    area = shapes.geometry.area
    if len(old) and ((over := shapes.geometry.intersection(old.geometry.union_all()).area / area) > MAX_OVERLAP).any():
        raise ScenarioError(
            message(
                f"{where}.footprints",
                "new footprints",
                "clear of existing buildings (add a demolition measure first)",
                f"{int((over > MAX_OVERLAP).sum())} footprints over existing buildings",
            )
        )
    if shapes.geometry.union_all().area < (1.0 - MAX_OVERLAP) * area.sum():
        raise ScenarioError(
            message(
                f"{where}.footprints",
                "new footprints",
                "clear of each other",
                f"overlapping polygons in {measure.footprints}",
            )
        )
    floors = measure.floors or max(1, round(measure.height_m / measure.storey_height_m))
    height = measure.height_m or measure.floors * measure.storey_height_m
    floor_area = area.to_numpy() * floors
    if measure.dwellings is not None:
        dwellings = _share_integer(measure.dwellings, floor_area)
    elif measure.use == "residential":
        dwellings = np.maximum(1, np.round(floor_area / DWELLING_AREA_M2)).astype(int)
    else:
        dwellings = np.zeros(len(shapes), dtype=int)
    taken = set(old["id"]) if len(old) else set()
    ids = [i for i in (f"N{k:06d}" for k in range(1, len(shapes) + len(taken) + 1)) if i not in taken][: len(shapes)]
    added = gpd.GeoDataFrame(
        {"id": ids, "height": float(height), "floors": int(floors), "use": measure.use, "dwellings": dwellings},
        geometry=shapes.geometry.to_numpy(),
        crs=territory.grid.crs,
    )
    districts = territory.vectors["districts"]
    home = district_of(districts, added) if len(districts) else np.full(len(added), -1)
    if "district" in old.columns:
        added["district"] = [str(districts["name"].iloc[d]) if d >= 0 else "" for d in home]
    residents = np.where(home >= 0, dwellings * measure.persons_per_dwelling, 0.0)  # counted where a district is
    buildings = pd.concat([old.drop(columns="population", errors="ignore"), added], ignore_index=True)
    changed = territory.with_buildings(
        gpd.GeoDataFrame(buildings, crs=territory.grid.crs), _add_residents(districts, home, residents)
    )
    start = len(old)
    cells = np.isin(changed["building_index"], np.arange(start, start + len(added)))
    roofs = territory.landcover.code_with_role("building", where=where)  # by the table's role, whatever its code
    changed = changed.with_land_cover(cells, roofs)
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
    districts = territory.vectors["districts"]
    districts = _add_residents(
        districts,
        district_of(districts, gone) if len(districts) else np.full(len(gone), -1),
        -gone["population"].to_numpy(),
    )
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


def _add_residents(districts: gpd.GeoDataFrame, home: np.ndarray, residents: np.ndarray):
    """Districts with ``residents`` added (or removed, if negative) to each building's ``home`` district row.

    The buildings are on the grid, so are their residents: a district the grid cuts gets a ``grid_share`` that keeps
    its residents off the grid as they were.
    """
    districts = districts.copy()
    if districts.empty or not np.any(residents):
        return districts
    delta = np.zeros(len(districts))
    np.add.at(delta, home[home >= 0], residents[home >= 0])
    before = districts["population"].to_numpy(dtype=float)
    after = np.maximum(0, np.round(before + delta))
    if "grid_share" in districts:
        on_grid = np.clip(before * districts["grid_share"].to_numpy(dtype=float) + (after - before), 0, after)
        districts["grid_share"] = np.divide(on_grid, after, out=np.ones_like(after), where=after > 0)
    districts["population"] = after.astype(np.int64)
    return districts
