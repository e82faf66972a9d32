"""Measures: one pure function per type, each returning a new territory and what it changed.

``apply_measures(territory, measures)`` applies a scenario's measures in order.
:data:`APPLIERS` maps every measure type of the scenario schema to its function;
a contract test keeps them in step.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

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


def apply_measures(territory, measures: Sequence, *, labels: Sequence[str] | None = None,
                   folders: Sequence[Path | None] | None = None):  # fmt: skip
    """Apply measures in order; returns the new territory and one :class:`MeasureEffect` per measure.

    ``labels`` name each measure in errors (``Scenario.measure_labels()`` gives the file and field path).
    ``folders`` (``Scenario.measure_folders()``) are where each measure was written: the files an effect names
    are shown relative to it. A measure that leaves the territory invalid (a height or an elevation out of range)
    is an error naming that measure.
    """
    effects: list[MeasureEffect] = []
    labels = list(labels) if labels is not None else [f"measures.{i} ({m.type})" for i, m in enumerate(measures)]
    folders = list(folders) if folders is not None else [None] * len(measures)
    for measure, label, folder in zip(measures, labels, folders, strict=True):
        territory, effect = apply_measure(measure, territory, where=label)
        effect = replace(effect, where=_relative(effect.where, measure, folder))
        if measure.cost_eur is not None:
            effect = replace(effect, details={**effect.details, "cost_eur": measure.cost_eur})
        problems = territory.validate()
        if problems:
            raise ScenarioError(f"{label}: the measure makes the territory invalid: " + "; ".join(problems))
        effects.append(effect)
    return territory, effects


def _relative(where: str, measure, folder: Path | None) -> str:
    """``where`` with the files the measure names written relative to ``folder``, as in its scenario file."""
    if folder is None:
        return where
    for value in dict(measure).values():  # the file fields, made absolute when the scenario file was read
        if isinstance(value, str) and os.path.isabs(value) and value in where:
            where = where.replace(value, Path(os.path.relpath(value, folder)).as_posix())
    return where


__all__ = ["APPLIERS", "MeasureEffect", "apply_measure", "apply_measures"]
