"""Measures on the ground and roof surfaces: trees, depaving, permeable paving, water, cool and green roofs."""

from __future__ import annotations

import numpy as np

from ..errors import DataSourceError, ScenarioError
from .effect import MeasureEffect
from .selection import require_cells, select

# Permeable pavement on a granular base: Green-Ampt suction and moisture deficit of a sandy loam
# (Rawls et al. 1983: psi 110.1 mm, effective porosity 0.412, initial saturation 0.3), and the
# TR-55 curve number of gravel surfaces (85, hydrologic soil group B).
PERMEABLE_PSI_M = 0.1101
PERMEABLE_DELTA_THETA = 0.288
PERMEABLE_CURVE_NUMBER = 85.0


def _open_ground(territory) -> np.ndarray:
    return territory["building_index"] < 0


def _codes(territory, names: list[str], *, where: str) -> np.ndarray:
    try:
        return np.array([territory.landcover.code_of(n, where=where) for n in names])
    except Exception as exc:
        raise ScenarioError(str(exc)) from None


def _role_code(territory, role: str, *, where: str) -> int:
    """The code of the table's one class of ``role`` (its ``role`` column), as a ScenarioError if there is none."""
    try:
        return territory.landcover.code_with_role(role, where=where)
    except DataSourceError as exc:
        raise ScenarioError(str(exc)) from None


def _effect(measure, sel, cells: np.ndarray, territory, **details) -> MeasureEffect:
    n = int(cells.sum())
    return MeasureEffect(
        measure.type,
        measure.label or measure.type.replace("_", " "),
        sel.description,
        n,
        n * territory.grid.cell_area,
        details=details,
    )


def tree_planting(measure, territory, *, where: str):
    """Raise tree canopy to ``canopy_fraction`` on open ground (no footprint, no class of role water or building)
    in the area.

    The planted cells' ``tree_height`` becomes ``tree_height_m`` where they had no measured trees or lower ones
    (a cell has one crown top: the tallest); without ``tree_height_m`` it is left as it was, so that planted
    cells without measured trees take the heat engine's ``tree_height_m``."""
    sel = select(measure, territory, where=where)
    # trees stand on open ground: not on a footprint, nor on a class of role water or building (a roof the
    # footprints missed, a courtyard cover)
    try:
        blocked = territory.landcover.mask(territory["land_cover"], "water", where=where) | territory.landcover.mask(
            territory["land_cover"], "building", where=where
        )
    except DataSourceError as exc:
        raise ScenarioError(str(exc)) from None
    before = territory["tree_canopy"]
    ground = require_cells(sel.cells & _open_ground(territory) & ~blocked, sel, where=where, what="open ground")
    cells = ground & (before < measure.canopy_fraction)
    after = np.where(cells, np.float32(measure.canopy_fraction), before)
    added = float((after - before).sum()) * territory.grid.cell_area
    layers = {"tree_canopy": after}
    if measure.tree_height_m is not None:
        height = territory["tree_height"]
        planted = cells & ~(height >= measure.tree_height_m)  # NaN (none measured) or lower trees
        layers["tree_height"] = np.where(planted, np.float32(measure.tree_height_m), height)
    return territory.with_layers(**layers), _effect(measure, sel, cells, territory, canopy_added_m2=round(added, 2))


def depaving(measure, territory, *, where: str):
    """Turn the listed sealed classes into ``to`` (grass by default) on open ground in the area."""
    sel = select(measure, territory, where=where)
    codes = _codes(territory, measure.classes, where=f"{where}.classes")
    target = _codes(territory, [measure.to], where=f"{where}.to")[0]
    cells = require_cells(
        sel.cells & _open_ground(territory) & np.isin(territory["land_cover"], codes),
        sel,
        where=where,
        what=f"cells of the classes {measure.classes}",
    )
    changed = territory.with_land_cover(cells, target, keep_canopy=True)
    return changed, _effect(measure, sel, cells, territory, to=measure.to)


def permeable_pavement(measure, territory, *, where: str):
    """Make the listed sealed classes infiltrate at ``infiltration_mm_per_h`` (no longer impervious)."""
    sel = select(measure, territory, where=where)
    codes = _codes(territory, measure.classes, where=f"{where}.classes")
    cells = require_cells(
        sel.cells & _open_ground(territory) & np.isin(territory["land_cover"], codes),
        sel,
        where=where,
        what=f"cells of the classes {measure.classes}",
    )
    ks = measure.infiltration_mm_per_h / 3.6e6  # mm/h -> m/s
    updates = {
        "imperviousness": 0.0,
        "soil_ks": ks,
        "soil_psi": PERMEABLE_PSI_M,
        "soil_delta_theta": PERMEABLE_DELTA_THETA,
        "curve_number": PERMEABLE_CURVE_NUMBER,
    }
    arrays = {k: np.where(cells, np.float32(v), territory[k]) for k, v in updates.items()}
    return territory.with_layers(**arrays), _effect(
        measure, sel, cells, territory, infiltration_mm_per_h=measure.infiltration_mm_per_h
    )


def water_feature(measure, territory, *, where: str):
    """Open water on the open ground of the area."""
    sel = select(measure, territory, where=where)
    cells = require_cells(sel.cells & _open_ground(territory), sel, where=where, what="open ground")
    water = _role_code(territory, "water", where=where)
    return territory.with_land_cover(cells, water), _effect(measure, sel, cells, territory)


def _roof_cells(sel, territory, where: str) -> np.ndarray:
    return require_cells(sel.cells & ~_open_ground(territory), sel, where=where, what="roofs")


def cool_roofs(measure, territory, *, where: str):
    """Set the albedo of the roofs in the selection."""
    sel = select(measure, territory, where=where)
    cells = _roof_cells(sel, territory, where)
    albedo = np.where(cells, np.float32(measure.albedo), territory["albedo"])
    roofs = len(np.unique(territory["building_index"][cells]))
    return territory.with_layers(albedo=albedo), _effect(
        measure, sel, cells, territory, roofs=roofs, roof_albedo=measure.albedo
    )


def green_roofs(measure, territory, *, where: str):
    """Vegetate roofs: vegetated share, rain retention, and the surface properties of grass on that share.

    Albedo and the crop coefficient become the area-weighted mix of the roof and
    of the table's class of role ``grass``; ``retention_depth`` holds ``retention_mm``.
    """
    sel = select(measure, territory, where=where)
    cells = _roof_cells(sel, territory, where)
    f = np.float32(measure.vegetation_fraction)
    grass = territory.landcover.derive(np.array([_role_code(territory, "grass", where=where)], dtype=np.uint8))
    arrays = {
        "green_roof_fraction": np.where(cells, f, territory["green_roof_fraction"]),
        "retention_depth": np.where(cells, np.float32(measure.retention_mm / 1000.0), territory["retention_depth"]),
    }
    for layer in ("albedo", "crop_coefficient", "emissivity"):
        arrays[layer] = np.where(cells, (1 - f) * territory[layer] + f * grass[layer][0], territory[layer])
    roofs = len(np.unique(territory["building_index"][cells]))
    stored = float(cells.sum()) * territory.grid.cell_area * measure.retention_mm / 1000.0
    return territory.with_layers(**arrays), _effect(
        measure, sel, cells, territory, roofs=roofs, retention_capacity_m3=round(stored, 2)
    )
