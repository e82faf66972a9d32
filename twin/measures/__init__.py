"""Measures: one pure function per type, each returning a new territory and what it changed.

``apply_measures(territory, measures)`` applies a scenario's measures in order.
:data:`APPLIERS` maps every measure type of the scenario schema to its function;
a contract test keeps them in step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .buildings import demolition, new_buildings
from .earthworks import dike, retention_basin, terrain_edit
from .effect import MeasureEffect
from .surface import cool_roofs, depaving, green_roofs, permeable_pavement, tree_planting, water_feature

APPLIERS: dict[str, Callable] = {
    "tree_planting": tree_planting,
    "depaving": depaving,
    "cool_roofs": cool_roofs,
    "green_roofs": green_roofs,
    "permeable_pavement": permeable_pavement,
    "water_feature": water_feature,
    "new_buildings": new_buildings,
    "demolition": demolition,
    "retention_basin": retention_basin,
    "dike": dike,
    "terrain_edit": terrain_edit,
}


def apply_measure(measure, territory, *, where: str = "measure"):
    """Apply one measure; returns ``(territory, MeasureEffect)``. ``where`` names it in errors."""
    return APPLIERS[measure.type](measure, territory, where=where)


def apply_measures(territory, measures: Sequence, *, source: str = "scenario"):
    """Apply measures in order; returns the new territory and one :class:`MeasureEffect` per measure."""
    effects: list[MeasureEffect] = []
    for i, measure in enumerate(measures):
        territory, effect = apply_measure(measure, territory, where=f"{source}: measures.{i} ({measure.type})")
        effects.append(effect)
    return territory.check(), effects


__all__ = ["APPLIERS", "MeasureEffect", "apply_measure", "apply_measures"]
