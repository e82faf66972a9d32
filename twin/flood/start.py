"""Where a flood starts: the water already there, and the saved state of another run.

A river does not start dry: a river flood's ``initial_level_m`` fills the cells of the land-cover class named
``water`` to a level, and ``initial_depth_file`` gives the depths as a raster. ``warm_start`` (run by
:func:`twin.flood.model.simulate`) then lets the base flow settle before the event. A run can also save its whole
state (``save_state_to``) and another continue from it (``restart_file``), with the same result as running straight
through: the state holds every array and figure the time loop carries, in a NumPy ``.npz`` file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ModelInputError, ScenarioError, message
from ..io import read_raster

STATE_FORMAT = 1  # the version of the state files


def initial_water(territory, event, *, where: str) -> np.ndarray | None:
    """The depths at the start a river flood asks for (m, float64), or None for a dry start.

    Raises
    ------
    ModelInputError
        A level without a class of role ``water`` in the land-cover table, or a level below every water cell's ground.
    ScenarioError
        A depth raster with missing cells or negative depths.
    """
    level = getattr(event, "initial_level_m", None)
    path = getattr(event, "initial_depth_file", None)
    if level is not None:
        table = territory.landcover  # the water classes by the table's role column, whatever their codes
        codes = table.codes_with_role("water", where=f"{where} (initial_level_m)")
        if not codes.size:
            expected = f"a land-cover table with a class of role 'water' ({table.source} has none)"
            raise ModelInputError(message(where, "initial_level_m", expected, level))
        water = np.isin(territory["land_cover"], codes) & (territory["building_index"] < 0) & territory["domain"]
        depth = np.where(water, np.clip(level - territory["elevation"].astype(np.float64), 0.0, None), 0.0)
        if not (depth > 0).any():
            lowest = float(territory["elevation"][water].min()) if water.any() else None
            expected = f"above the river's lowest ground ({lowest} m)"
            raise ModelInputError(message(where, "initial_level_m", expected, level))
        return depth
    if path is not None:
        depth, _ = read_raster([path], territory.grid, resampling="bilinear")
        depth = np.where(territory["domain"], depth, 0.0)  # outside the domain: no water, whatever the file holds
        if not np.isfinite(depth).all() or (depth < 0).any():
            bad = int((~np.isfinite(depth)).sum() + (depth < 0).sum())
            raise ScenarioError(message(path, "depths", "a depth ≥ 0 m on every cell of the grid", f"{bad} cells not"))
        return depth
    return None


def save_state(path: str | Path, arrays: dict[str, np.ndarray], figures: dict) -> None:
    """Write a run's state: its arrays and its figures (JSON), in one ``.npz`` file."""
    header = json.dumps({"format": STATE_FORMAT, **figures})
    np.savez(Path(path), header=np.array(header), **arrays)


def load_state(path: str | Path, *, shape: tuple[int, int], precision: str, where: str):
    """A saved state's arrays and figures, checked against the run that continues it (grid shape, precision).

    Raises
    ------
    ScenarioError
        A file that is not a state of this format, or one of another grid or precision.
    """
    path = Path(path)
    try:
        with np.load(path) as data:
            figures = json.loads(str(data["header"]))
            arrays = {k: data[k] for k in data.files if k != "header"}
    except (OSError, ValueError, KeyError) as exc:
        raise ScenarioError(message(path, "file", "a flood state (.npz) saved by a run", type(exc).__name__)) from None
    if figures.get("format") != STATE_FORMAT:
        raise ScenarioError(message(path, "format", STATE_FORMAT, figures.get("format")))
    for field, expected in (("shape", list(shape)), ("precision", precision)):
        if figures.get(field) != expected:
            raise ScenarioError(message(f"{where}: {path}", field, f"{expected} (this run's)", figures.get(field)))
    return arrays, figures
