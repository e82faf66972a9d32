"""Domain errors.

Every error subclasses :class:`TwinError` *and* the builtin a Python user would
expect, so ``except ValueError`` keeps working. Messages follow one pattern::

    "{where}: {what} must be {expected}, got {actual!r}"

The CLI turns any :class:`TwinError` into a one-line message and exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterable


class TwinError(Exception):
    """Base class of every error that twin raises on purpose."""


def message(where: object, what: str, expected: str, actual: object) -> str:
    """Format the house error message ``"{where}: {what} must be {expected}, got {actual!r}"``.

    Parameters
    ----------
    where : object
        What was being read or checked: a file, a scenario, a layer.
    what : str
        The field or value at fault.
    expected : str
        What it must be, in plain words.
    actual : object
        What it was; shown with ``repr``.

    Returns
    -------
    str
        The message, one line.
    """
    return f"{where}: {what} must be {expected}, got {actual!r}"


class MissingFileError(TwinError, FileNotFoundError):
    """A file named by the user does not exist.

    Parameters
    ----------
    path : object
        The missing file, as the user named it.
    role : str
        What the file was for (``"raster"``, ``"territory file"``...), shown in the message.
    """

    def __init__(self, path: object, *, role: str = "file") -> None:
        super().__init__(f"{path}: {role} not found")
        self.path = path


class OutputExistsError(TwinError, FileExistsError):
    """An output would overwrite existing files without ``--overwrite``.

    Parameters
    ----------
    path : object
        The file or folder that already exists.
    """

    def __init__(self, path: object) -> None:
        super().__init__(f"{path}: output already exists; pass --overwrite to replace it")
        self.path = path


class OutputError(TwinError, OSError):
    """Results could not be written (disk full, no permission), or would replace something that is not ours."""


class CRSError(TwinError, ValueError):
    """A source has no CRS, or a CRS that cannot be used."""


class DataSourceError(TwinError, ValueError):
    """A source file is readable but its content cannot be used (columns, codes, extent...)."""


class TerritoryFileError(TwinError, ValueError):
    """A territory file (TOML) is malformed or names invalid options."""


class TerritoryError(TwinError, ValueError):
    """A territory breaks its contract. ``problems`` lists every problem found.

    Parameters
    ----------
    problems : iterable of str
        One line per problem; the message lists them all.
    where : str
        The territory or file at fault, heading the message.
    """

    def __init__(self, problems: Iterable[str], *, where: str = "territory") -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{where}: {n} problem{'s' if n != 1 else ''}"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))


class ScenarioError(TwinError, ValueError):
    """A scenario file is malformed or inconsistent."""


class TwinWarning(UserWarning):
    """Something was repaired or assumed on the user's behalf (holes filled, units guessed...)."""


def validation_problems(errors: Iterable[dict], *, where: object) -> list[str]:
    """One line per pydantic error: ``"{where}: {field.path}: {what}, got {value!r}"``.

    Parameters
    ----------
    errors : iterable of dict
        The errors of a ``pydantic.ValidationError`` (its ``errors()``).
    where : object
        The file or object validated, heading each line.

    Returns
    -------
    list of str
        One line per error.
    """
    lines = []
    for err in errors:
        loc = ".".join(str(part) for part in err.get("loc", ())) or "(top level)"
        got = f", got {err['input']!r}" if "input" in err and err.get("type") != "missing" else ""
        lines.append(f"{where}: {loc}: {err.get('msg', 'invalid')}{got}")
    return lines


class ModelInputError(TwinError, ValueError):
    """An engine's inputs cannot be simulated: NaN terrain, negative roughness, a forcing off the grid..."""


class SimulationError(TwinError, RuntimeError):
    """A simulation failed while running (time step collapsed, values diverged); the message says where."""
