"""The ``twin`` command line.

Commands are thin: they call the library and print. Heavy modules are imported
inside the commands so that ``twin --help`` answers at once and never imports
numba or pyvista. Any :class:`~twin.errors.TwinError` becomes one line on
stderr and exit code 1.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import click

from . import __version__
from .errors import TwinError, TwinWarning


class _Group(click.Group):
    """A click group that turns domain errors into one-line messages."""

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


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, TwinWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        click.echo(warnings.formatwarning(message, category, filename, lineno, line), err=True, nl=False)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="twin")
def main() -> None:
    """twin: a digital twin of the territory, to compare heat and flood scenarios.

    TERRITORY arguments take a territory file (territory.toml), a folder that
    holds one, or the name of a shipped dataset such as `demo`.
    """


@main.command()
@click.argument("territory", default="demo")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def info(territory: str, as_json: bool) -> None:
    """Describe a territory: grid, layers with units and ranges, buildings, people and sites."""
    from .sources import load_territory

    t = load_territory(territory)
    summary = t.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(format_summary(summary, t.grid.describe()))


def format_summary(s: dict, grid_line: str) -> str:
    """The human-readable text of ``twin info``."""
    lines = [f"Territory: {s['name']}", f"Grid: {grid_line}", "", "Layers:"]
    lines += [
        f"  {name:<20} {v['units']:<8} {v['min']:>10.4g} .. {v['max']:<10.4g} {v['doc']}"
        for name, v in s["layers"].items()
    ]
    b, p = s["buildings"], s["population"]
    uses = ", ".join(f"{k} {n}" for k, n in b["by_use"].items()) or "none"
    lines += [
        "",
        f"Buildings: {b['count']} ({uses}); {b['dwellings']} dwellings; "
        f"heights {b['height_m'][0]:g}..{b['height_m'][1]:g} m",
    ]
    lines += [f"Population: {p['total']} residents in {len(p['districts'])} districts"]
    lines += [f"  {name:<28} {n:>7}" for name, n in p["districts"].items()]
    sites = ", ".join(f"{k} {n}" for k, n in s["sites"].items()) or "none"
    lines += [f"Sensitive sites: {sites}", f"Roads: {s['roads_km']:.1f} km"]
    if s["notes"]:
        lines += ["", "How the sources were put on the grid:"] + [f"  - {n}" for n in s["notes"]]
    return "\n".join(lines)


@main.command()
@click.argument("territory")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the COG layers, NetCDF and GeoPackage.",
)
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def export(territory: str, out: Path, overwrite: bool) -> None:
    """Write every layer of a territory as COG, NetCDF and GeoPackage (QGIS opens them)."""
    from .sources import load_territory

    _export(load_territory(territory), out, overwrite)


def _export(t, out: Path, overwrite: bool) -> None:
    from .io import write_territory

    written = write_territory(t, out, overwrite=overwrite)
    click.echo(f"wrote {len(written)} files to {out}")


@main.command()
@click.option(
    "--out",
    "out",
    default=Path("out/demo"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the results.",
)
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def demo(out: Path, overwrite: bool) -> None:
    """Run the main job on the embedded demo town.

    Today: load and check the demo territory, print its summary and export its
    layers. Scenario runs, impacts and the report join as the engines land.
    """
    from .sources import load_territory

    click.echo("[1/2] loading the demo territory ...")
    t = load_territory("demo")
    click.echo(format_summary(t.summary(), t.grid.describe()))
    click.echo(f"[2/2] exporting layers to {out} ...")
    _export(t, out, overwrite)
    click.echo(f"Open {out / 'territory.nc'} or {out / 'layers'} and {out / 'vectors.gpkg'} in QGIS.")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quick", is_flag=True, help="Check the files only; do not load the territory to apply the measures.")
def validate(files: tuple[Path, ...], quick: bool) -> None:
    """Check scenario files: their fields, the files they name, and their measures on their territory.

    Exit 1 if any is invalid, naming the file, the field and the value of each error.
    """
    from .errors import TwinError
    from .scenario import load_scenario
    from .scenario.dry_run import dry_run

    territories: dict[str, object] = {}
    failed = 0
    for path in files:
        try:
            s = load_scenario(path)
            if not quick:
                if s.territory not in territories:
                    from .sources import load_territory

                    territories[s.territory] = load_territory(s.territory)
                dry_run(s, territory=territories[s.territory])
        except TwinError as exc:
            failed += 1
            click.echo(f"invalid {path}:", err=True)
            click.echo("\n".join(f"  {line}" for line in str(exc).splitlines()), err=True)
        else:
            click.echo(f"ok      {path}: {s.name}, {len(s.measures)} measures, {len(s.events)} events")
    if failed:
        click.echo(f"{failed} of {len(files)} files invalid", err=True)
        sys.exit(1)


@main.command()
@click.argument("document", type=click.Choice(["scenario", "territory"]), default="scenario")
def schema(document: str) -> None:
    """Print the JSON Schema of scenario files (or of territory files)."""
    from .scenario.models import Scenario
    from .sources import TerritoryFile

    model = Scenario if document == "scenario" else TerritoryFile
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
def show(file: Path) -> None:
    """Print a scenario as resolved (after `extends`), its events' forcing and what its measures change."""
    from .scenario import load_scenario
    from .scenario.dry_run import dry_run
    from .scenario.io import scenario_toml

    s = load_scenario(file)
    click.echo(scenario_toml(s))
    _, effects, events = dry_run(s)
    click.echo("# Events")
    for figures in events:
        click.echo("  " + ", ".join(f"{k} = {v}" for k, v in figures.items()))
    click.echo(f"# Measures on {s.territory}")
    for e in effects:
        figures = {k: v for k, v in e.as_dict().items() if k not in ("type", "label", "where")}
        click.echo(f"  {e.label} ({e.type}, {e.where}): " + ", ".join(f"{k} = {v}" for k, v in figures.items()))


if __name__ == "__main__":  # `python -m twin.cli`, used by the benchmarks
    main()
