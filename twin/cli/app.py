"""The ``twin`` command group: one-line errors, warnings for people, ``--verbose``/``--quiet``, and the commands
other packages register.

Commands are thin: they call the library and print. Heavy modules are imported inside the commands so that
``twin --help`` answers at once and never imports numba or pyvista. Any :class:`~twin.errors.TwinError` becomes
one line on stderr and exit code 1.
"""

from __future__ import annotations

import os
import sys
import warnings
from importlib.metadata import entry_points

import click

from .. import __version__
from ..errors import TwinError, TwinWarning
from .console import configure_logging


class _Group(click.Group):
    """A click group that turns domain errors into one-line messages and adds the commands other packages
    register under the ``twin.commands`` entry points (``twin render`` and ``twin serve`` come from
    :mod:`viewer.cli`: the core never imports the viewer)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugins()})

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is None and name in _plugins():
            command = _plugins()[name].load()
        return command

    def invoke(self, ctx: click.Context):
        try:
            with warnings.catch_warnings():
                for noise in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
                    warnings.simplefilter("ignore", noise)  # libraries' notes to developers, not to users
                warnings.simplefilter("always", TwinWarning)
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except TwinError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


def _no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:  # an environment variable, so that the batch's worker processes see it too
        from ..territory_cache import NO_CACHE_ENV

        os.environ[NO_CACHE_ENV] = "1"


no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    expose_value=False,
    callback=_no_cache,
    help="Load the territory from its sources, neither reading nor writing the territory cache "
    "(kept in $TWIN_CACHE_DIR, else ~/.cache/twin/territories).",
)


def _plugins() -> dict:
    """The ``twin.commands`` entry points of the installed packages, by command name."""
    return {ep.name: ep for ep in entry_points(group="twin.commands")}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, TwinWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        click.echo(warnings.formatwarning(message, category, filename, lineno, line), err=True, nl=False)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="twin")
@click.option("-v", "--verbose", count=True, help="Say more of what is done (-vv: everything, for developers).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and results: no progress, notes or warnings.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """twin: a digital twin of the territory, to compare heat and flood scenarios.

    TERRITORY arguments take a territory file (territory.toml), a folder that
    holds one, or the name of a shipped dataset such as `demo`.
    """
    ctx.obj = {"quiet": quiet}
    configure_logging(verbose=verbose, quiet=quiet)
    if quiet:
        warnings.filterwarnings("ignore", category=TwinWarning)
