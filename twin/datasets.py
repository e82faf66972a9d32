"""Where the shipped data live, and names for territories.

``data/`` and ``scenarios/`` sit at the top of a checkout. A wheel carries them
inside the package as ``twin/data`` and ``twin/scenarios`` (see
``pyproject.toml``), so both layouts are looked up here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from .errors import MissingFileError, TerritoryFileError, message
from .paths import exists

_PACKAGE = Path(__file__).resolve().parent
DATASETS = {"demo": "demo/territory.toml"}


def _shipped(folder: str) -> Path:
    for candidate in (_PACKAGE / folder, _PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise MissingFileError(_PACKAGE / folder, role=f"shipped {folder}/ folder (is twin installed completely?)")


def data_dir() -> Path:
    """The shipped ``data/`` folder (demo territory, land-cover table)."""
    return _shipped("data")


def scenarios_dir() -> Path:
    """The shipped ``scenarios/`` folder of example scenario files."""
    return _shipped("scenarios")


def resolve_territory(ref: str | Path) -> Path:
    """Path of a territory file from a dataset name (``"demo"``) or a path.

    A folder stands for the ``territory.toml`` inside it.
    """
    if isinstance(ref, str) and ref in DATASETS:
        return data_dir() / DATASETS[ref]
    path = Path(ref)
    if exists(path) and path.is_dir():
        path = path / "territory.toml"
    if not exists(path):
        if isinstance(ref, str) and "/" not in ref and "\\" not in ref and not path.suffix:
            raise TerritoryFileError(message("territory", "name", f"one of {sorted(DATASETS)} or a path", ref))
        raise MissingFileError(path, role="territory file")
    return path
