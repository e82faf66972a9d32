"""What a measure changed: the figures that feed the indicators and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MeasureEffect:
    """The footprint of one applied measure.

    Attributes
    ----------
    type, label : str
        Measure type and its label (or a generated one).
    where : str
        How the area was chosen, in words.
    cells : int
        Grid cells changed.
    area_m2 : float
        Area changed, m².
    volume_m3 : float
        Volume concerned, m³: storage for a basin, fill for a dike, earth moved for a terrain edit.
    details : dict
        Measure-specific figures, each key carrying its unit (``canopy_added_m2``...).
    """

    type: str
    label: str
    where: str
    cells: int
    area_m2: float
    volume_m3: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "type": self.type,
            "label": self.label,
            "where": self.where,
            "cells": self.cells,
            "area_m2": round(self.area_m2, 2),
            "volume_m3": round(self.volume_m3, 2),
            **self.details,
        }
