"""The ``twin`` command line (:func:`main`), one module per family of commands; ``twin render`` and
``twin serve`` come from :mod:`viewer.cli` through the ``twin.commands`` entry points."""

from . import batch, runs, scenarios, territory  # noqa: F401  (they register their commands on main)
from .app import main

__all__ = ["main"]
