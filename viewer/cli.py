"""The viewer's commands of the ``twin`` command line: ``twin render`` and ``twin serve``.

Registered as ``twin.commands`` entry points (``pyproject.toml``), so that ``twin`` lists them while the core never
imports the viewer. pyvista, FastAPI and uvicorn are imported inside the commands: a missing extra is one line
naming it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

import click

from twin.datasets import scenarios_dir
from twin.errors import MissingFileError, OutputExistsError, message


def _import_extra(module: str, extra: str):
    """Import ``module`` of an optional extra, or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise click.ClickException(
            f"{module} needs the optional dependencies '{extra}' ({exc.name} is missing): "
            f"pip install -e '.[{extra}]' (or `make serve`)"
        ) from None


@click.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option("--layer", default="land", show_default=True,
              help="Layer id: land, or a layer of the engines' outputs (GET /api/layers of `twin serve` lists them, "
              "with their Δ layers, which need --baseline).")  # fmt: skip
@click.option("--event", help="Event to show (default: the first of the layer's kind).")
@click.option("--baseline", type=click.Path(path_type=Path), help="Baseline run folder, for Δ layers.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PNG file to write.")
@click.option("--size", default="1600x1000", show_default=True, help="Image size in pixels, WIDTHxHEIGHT.")
@click.option("--overwrite", is_flag=True, help="Replace an existing image.")
def render(run: Path, layer: str, event: str | None, baseline: Path | None, out: Path, size: str,
           overwrite: bool) -> None:  # fmt: skip
    """Render a run in 3D to a PNG for a report (terrain, buildings, heat or water), off screen."""
    try:
        width, height = (int(v) for v in size.lower().split("x"))
        if not (64 <= width <= 8192 and 64 <= height <= 8192):
            raise ValueError
    except ValueError:
        raise click.BadParameter(message("--size", "size", "WIDTHxHEIGHT between 64 and 8192", size)) from None
    if out.exists() and not overwrite:
        raise OutputExistsError(out)
    scene = _import_extra("viewer.scene", "viewer")
    path = scene.render_run(run, layer=layer, event=event, baseline=baseline, out=out, size=(width, height))
    click.echo(f"Wrote {path}")


@click.command()
@click.option("--runs", type=click.Path(file_okay=False, path_type=Path), default=Path("twin-demo/runs"),
              show_default=True, help="Folder of run folders to show (`twin demo` writes twin-demo/runs).")  # fmt: skip
@click.option("--scenarios", type=click.Path(file_okay=False, path_type=Path),
              help="Scenario files residents read and jobs may extend (default: the shipped examples).")  # fmt: skip
@click.option("--baseline", default="baseline", show_default=True, help="Run the others are compared with.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Jobs and scene cache (default: a folder per runs folder in the temporary folder).")  # fmt: skip
@click.option("--public-url", metavar="URL", help="Address phones reach this server at, for consultations' QR codes.")
@click.option("--no-jobs", is_flag=True, help="Meeting mode: no scenario can be run from here, whatever the token.")
def serve(runs: Path, scenarios: Path | None, baseline: str, host: str, port: int, work_dir: Path | None,
          public_url: str | None, no_jobs: bool) -> None:  # fmt: skip
    """Serve the 3D viewer and its API to browsers: open http://HOST:PORT/ (works offline).

    Reading is public. Facilitators' tokens (environment; only their hashes are kept): TWIN_ADMIN_TOKEN opens
    everything (consultations, moderation, exports, jobs), TWIN_PLANNER_TOKEN runs scenarios only. Without them,
    nobody can. TWIN_DATABASE_URL selects a PostgreSQL store (default: SQLite in the work folder).
    """
    if not runs.is_dir():
        raise MissingFileError(runs, role="runs folder (run `twin demo` first, or pass --runs)")
    web = _import_extra("viewer.web", "web,viewer")
    uvicorn = _import_extra("uvicorn", "web,viewer")
    from .web.settings import Settings

    admin, planner = (_token_hash(name) for name in ("TWIN_ADMIN_TOKEN", "TWIN_PLANNER_TOKEN"))
    if admin is None:
        click.echo("note: TWIN_ADMIN_TOKEN is not set: consultations cannot be created or moderated", err=True)
    settings = Settings(runs_dir=runs.resolve(), scenarios_dir=(scenarios or scenarios_dir()).resolve(),
                        baseline=baseline, work_dir=work_dir and work_dir.resolve(), admin_token_sha256=admin,
                        planner_token_sha256=planner, jobs_enabled=not no_jobs,
                        database_url=os.environ.get("TWIN_DATABASE_URL"), public_url=public_url)  # fmt: skip
    if not (settings.static_dir / "node_modules" / "three").is_dir():
        click.echo(f"warning: three.js is not installed; run `npm ci` in {settings.static_dir}", err=True)
    click.echo(f"Serving {runs} at http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(web.create_app(settings), host=host, port=port, log_level="warning")


def _token_hash(variable: str) -> str | None:
    """The SHA-256 of the token in the environment ``variable``, which is then removed from the environment (the
    job workers inherit it); None when it is not set."""
    token = os.environ.pop(variable, None)
    return hashlib.sha256(token.encode()).hexdigest() if token else None
