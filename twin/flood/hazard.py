"""Flood hazard classes from depth and velocity.

* **UK hazard rating** (Defra/Environment Agency FD2320, 2006): ``HR = d·(v + 0.5) + DF``,
  with the debris factor DF by depth and land use as implemented in :data:`DEBRIS_FACTOR`
  (pasture/arable, woodland, urban: 0 below 0.25 m; 0 / 0.5 / 1 up to 0.75 m; 0.5 / 1 / 1 above
  0.75 m or above 2 m/s). Classes: < 0.75 low, 0.75–1.25 moderate, 1.25–2.0 significant,
  > 2.0 extreme.
* **French PPRI grid** (circulaire of 24 January 1994): depth < 0.5 m low, 0.5–1 m medium,
  > 1 m high; a velocity above 0.5 m/s raises the class by one. Local grids vary, so the
  thresholds are parameters.
"""

from __future__ import annotations

import numpy as np

# land use -> debris factor for (d < 0.25 m, 0.25 <= d <= 0.75 m, d > 0.75 m or v > 2 m/s)
DEBRIS_FACTOR = {"pasture": (0.0, 0.0, 0.5), "woodland": (0.0, 0.5, 1.0), "urban": (0.0, 1.0, 1.0)}
# the land-cover table's columns the debris factor reads, by class (the engine registry requires them of a table)
DEBRIS_COLUMNS = ("impervious_fraction", "tree_canopy_fraction")
HR_CLASSES = (0.75, 1.25, 2.0)  # low | moderate | significant | extreme
HR_NAMES = ("low", "moderate", "significant", "extreme")
PPRI_NAMES = ("none", "low", "medium", "high")


def debris_land_use(land_cover: np.ndarray, table) -> np.ndarray:
    """0 pasture (open land), 1 woodland, 2 urban (sealed or built) for each cell, from the land-cover table."""
    idx = np.searchsorted(table.codes, land_cover)
    sealed, canopy = (table.values[column][idx] for column in DEBRIS_COLUMNS)
    return np.where(sealed >= 0.5, 2, np.where(canopy >= 0.5, 1, 0)).astype(np.int8)


def hazard_rating(depth: np.ndarray, velocity: np.ndarray, land_use: np.ndarray) -> np.ndarray:
    """FD2320 hazard rating ``d·(v + 0.5) + DF`` (dimensionless), 0 where dry."""
    table = np.array([DEBRIS_FACTOR[k] for k in ("pasture", "woodland", "urban")])
    band = np.where(depth < 0.25, 0, np.where((depth <= 0.75) & (velocity <= 2.0), 1, 2))
    df = table[land_use, band]
    return np.where(depth > 0.0, depth * (velocity + 0.5) + df, 0.0)


def hazard_rating_class(hr: np.ndarray) -> np.ndarray:
    """0 low, 1 moderate, 2 significant, 3 extreme."""
    return np.digitize(hr, HR_CLASSES).astype(np.int8)


def ppri_class(
    depth: np.ndarray,
    velocity: np.ndarray,
    *,
    depths_m: tuple[float, float] = (0.5, 1.0),
    velocity_m_s: float = 0.5,
    wet_m: float = 0.01,
) -> np.ndarray:
    """0 not flooded, 1 low, 2 medium, 3 high; a fast current raises the class by one (at most high)."""
    cls = 1 + np.digitize(depth, depths_m)
    cls = np.minimum(cls + (velocity > velocity_m_s), 3)
    return np.where(depth >= wet_m, cls, 0).astype(np.int8)
