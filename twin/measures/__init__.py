"""Measures: one pure function per type, each returning a new territory and what it changed.

``apply_measures(territory, measures)`` applies a scenario's measures in order.
:data:`APPLIERS` maps every measure type of the scenario schema to its function;
a contract test keeps them in step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ..errors import ScenarioError
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


def apply_measures(territory, measures: Sequence, *, labels: Sequence[str] | None = None):
    """Apply measures in order; returns the new territory and one :class:`MeasureEffect` per measure.

    ``labels`` name each measure in errors (``Scenario.measure_labels()`` gives the file and field path).
    A measure that leaves the territory invalid (a height or an elevation out of range) is an error
    naming that measure.
    """
    effects: list[MeasureEffect] = []
    labels = list(labels) if labels is not None else [f"measures.{i} ({m.type})" for i, m in enumerate(measures)]
    for measure, label in zip(measures, labels, strict=True):
        territory, effect = apply_measure(measure, territory, where=label)
        if measure.cost_eur is not None:
            effect = replace(effect, details={**effect.details, "cost_eur": measure.cost_eur})
        problems = territory.validate()
        if problems:
            raise ScenarioError(f"{label}: the measure makes the territory invalid: " + "; ".join(problems))
        effects.append(effect)
    return territory, effects


__all__ = ["APPLIERS", "MeasureEffect", "apply_measure", "apply_measures"]
