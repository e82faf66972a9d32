"""When a flood result already computed on another territory is exactly the one a run would compute.

Scenarios often change places the water never reaches: trees on a hillside do
not change a river flood in the valley. The local-inertial scheme only reads a
cell's inputs when the cell or a neighbour holds water (a face between two dry
cells carries no flow, a dry cell neither infiltrates nor drains, and the time
step is set by wet cells only). So a run on territory B equals a run already
made on territory A, step for step, when

* the event, its climate and the engine parameters are the same, and
* every flood input that differs between A and B lies more than
  :data:`MARGIN_CELLS` cells away from any cell that was ever wet in A's run,
  and no rain falls (rain wets every cell, so any change counts).

A territory whose flood inputs do not differ at all reuses the result whatever
the event. ``tests/test_flood_reuse.py`` checks the equality on runs made both
ways.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .events import RAIN_EVENTS
from .model import INPUTS

MARGIN_CELLS = 2  # changed cells must lie this many cells (8-connected) beyond the wetted area


def changed_inputs(before, after) -> np.ndarray:
    """Cells where any flood input differs between two territories on the same grid (buildings by blockage).

    Parameters
    ----------
    before, after : Territory
        Two territories on the same grid.

    Returns
    -------
    numpy.ndarray
        Boolean raster, True where some flood input differs.
    """
    changed = np.zeros(before.grid.shape, dtype=bool)
    for name in INPUTS:
        a, b = before[name], after[name]
        if name == "building_index":  # the engine sees whether a cell is blocked, not which building it is
            a, b = a >= 0, b >= 0
        changed |= a != b
    return changed


def reuse_reason(before, result, after, *, event) -> str | None:
    """Why ``result`` (computed on ``before``) is also the result on ``after``, or ``None`` if it is not.

    The caller has checked that the event, climate and parameters are the same. Rain (a storm, a rain series or
    a river flood's own rain) wets every cell, so that any changed input counts.

    Parameters
    ----------
    before : Territory
        The territory ``result`` was computed on.
    result : xarray.Dataset
        The flood engine's outputs on ``before`` (``max_depth`` and ``final_depth``, m, are read).
    after : Territory
        The territory a run would compute on.
    event : HazardEvent
        The flood event.

    Returns
    -------
    str or None
        The reason, in plain words, for the provenance; ``None``: the result must be computed again.
    """
    rain = isinstance(event, RAIN_EVENTS) or getattr(event, "rain", None) is not None  # a compound river flood
    if before.grid != after.grid or before.landcover is not after.landcover:
        return None
    if before.rainfall_statistics != after.rainfall_statistics:
        return None  # the sewers' intensity (and a bare storm) come from it
    if not _same_vector(before, after, "river"):
        return None  # the river's line places the inflow
    changed = changed_inputs(before, after)
    if not changed.any():
        return "the measures change none of the flood inputs"
    if rain:
        return None
    wet = (np.asarray(result["max_depth"].values) > 0) | (np.asarray(result["final_depth"].values) > 0)
    reach = ndimage.binary_dilation(wet, structure=np.ones((3, 3), bool), iterations=MARGIN_CELLS)
    if (changed & reach).any():
        return None
    return (
        f"the measures change {int(changed.sum())} cells, all more than {MARGIN_CELLS} cells "
        "away from where the water went"
    )


def _same_vector(before, after, name: str) -> bool:
    a, b = before.vectors.get(name), after.vectors.get(name)
    if a is None or b is None:
        return a is b
    return a is b or (len(a) == len(b) and bool(a.geometry.geom_equals(b.geometry).all()))
