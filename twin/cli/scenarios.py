"""``twin validate``, ``twin schema`` and ``twin show``: scenario files checked, described and resolved."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .app import main, no_cache_option


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@no_cache_option
@click.option("--quick", is_flag=True, help="Check the files only; do not load the territory to apply the measures.")
def validate(files: tuple[Path, ...], quick: bool) -> None:
    """Check scenario files: their fields, the files they name, their measures on their territory, and the engine
    options of the territory file and the scenario (the files they name, an energy table for every building use).

    Exit 1 if any is invalid, naming the file, the field and the value of each error.
    """
    from ..engines import engine_for
    from ..errors import TwinError
    from ..runner import run_options
    from ..scenario import load_scenario
    from ..scenario.dry_run import dry_run
    from ..sources import load_territory

    territories: dict[str, object] = {}
    failed = 0
    for path in files:
        try:
            s = load_scenario(path)
            if not quick:
                if s.territory not in territories:
                    territories[s.territory] = load_territory(s.territory)
                territory = dry_run(s, territory=territories[s.territory])[0]
                options = run_options(s, territories[s.territory], {})  # the territory file's and the scenario's
                for engine in {engine.name: engine for engine in map(engine_for, s.events)}.values():
                    if engine.check is not None:  # what a run of this engine would refuse before any work
                        engine.check(options[engine.name], territory)
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
    from ..scenario.models import Scenario
    from ..sources import TerritoryFile

    model = Scenario if document == "scenario" else TerritoryFile
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
def show(file: Path) -> None:
    """Print a scenario as resolved (after `extends`), its events' forcing and what its measures change."""
    import tomli_w

    from ..scenario import load_scenario
    from ..scenario.dry_run import dry_run

    s = load_scenario(file)
    data = s.model_dump(mode="python", exclude_none=True)  # the TOML of scenario_toml, less the unused fields
    for event, fields in zip(s.events, data.get("events", []), strict=True):
        for name in getattr(event, "unused_fields", tuple)():  # e.g. humidity and wind a weather file replaces
            fields.pop(name, None)
    click.echo(tomli_w.dumps(data))
    _, effects, events = dry_run(s)
    click.echo("# Events")
    for figures in events:
        click.echo("  " + ", ".join(f"{k} = {v}" for k, v in figures.items()))
    click.echo(f"# Measures on {s.territory}")
    for e in effects:
        figures = {k: v for k, v in e.as_dict().items() if k not in ("type", "label", "where")}
        click.echo(f"  {e.label} ({e.type}, {e.where}): " + ", ".join(f"{k} = {v}" for k, v in figures.items()))
