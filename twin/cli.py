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


def _plugins() -> dict:
    """The ``twin.commands`` entry points of the installed packages, by command name."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group="twin.commands")}


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


_PRECISION = click.option(
    "--precision",
    type=click.Choice(["float32", "float64"]),
    default="float32",
    show_default=True,
    help="Floating type of the flood state: float32 is twice as fast, depths within millimetres of float64.",
)


@main.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Results folder.")
@click.option("--overwrite", is_flag=True, help="Replace an existing results folder.")
@_PRECISION
def run_command(scenario: Path, out: Path, overwrite: bool, precision: str) -> None:
    """Run a scenario: its measures, every event, the impacts; write the results folder."""
    from .results import load_run
    from .runner import run

    params = {"flood": {"precision": precision}}
    result = run(scenario, out=out, overwrite=overwrite, params=params, progress=_Progress())

    click.echo(format_indicators([load_run(result.folder)]))
    click.echo(f"results in {result.folder} (indicators.json, provenance.json, impacts.gpkg, events/)")


@main.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--baseline",
    required=True,
    help="Run folder of the baseline, or the name of a scenario variant of a batch folder given in RUNS.",
)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Comparison folder.")
@click.option("--weights", "weights_file", type=click.Path(path_type=Path), help="TOML file with a [weights] table.")
@click.option(
    "--weight",
    "weight_items",
    multiple=True,
    metavar="KEY=W",
    help="Weight of one criterion, on top of the defaults or --weights (repeatable).",
)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Report language.")
@click.option("--overwrite", is_flag=True, help="Replace an existing comparison folder.")
@click.option("--consultation", "consultation", type=click.Path(dir_okay=False, path_type=Path),
              help="Consultation results (JSON of /api/consultations/SLUG/results) to add to the report.")  # fmt: skip
def compare(runs, baseline, out, weights_file, weight_items, lang, overwrite, consultation) -> None:
    """Compare run folders (or batch folders) with a baseline: indicator table, Δ maps, scorecard and an HTML
    report."""
    from .compare import compare as compare_runs
    from .compare import read_weights, write_comparison

    weights = read_weights(weights_file) if weights_file else None
    if weight_items:
        from .impacts.records import DEFAULT_WEIGHTS

        weights = dict(weights or DEFAULT_WEIGHTS) | _parse_weights(weight_items)  # on top of the defaults
    records = [r for path in runs for r in _run_records(path)]
    comparison = compare_runs(records, baseline=_baseline(baseline, records), weights=weights)
    if consultation is not None:
        import dataclasses

        from .residents import read_residents

        comparison = dataclasses.replace(comparison, residents=read_residents(consultation))
    write_comparison(comparison, out, overwrite=overwrite, lang=lang)
    click.echo(format_indicators(comparison.runs))
    click.echo(f"report: {out / 'report.html'}")


def _run_records(path: Path) -> list:
    """A run folder's record, or one record per scenario variant of a batch folder."""
    from .results import load_run

    if (path / "batch.json").is_file():
        from .batch import batch_runs

        return batch_runs(path)
    return [load_run(path)]


def _baseline(ref: str, records: list):
    """The baseline: a run folder, or a variant of a batch by name."""
    from .errors import ScenarioError, message

    path = Path(ref)
    if path.is_dir() and not (path / "batch.json").is_file():
        from .results import load_run

        return load_run(path)
    named = [r for r in records if r.name == ref]
    if len(named) != 1:
        names = [r.name for r in records]
        raise ScenarioError(message("--baseline", "value", f"a run folder or one of {names}", ref))
    return named[0]


def _parse_weights(items) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"must read KEY=WEIGHT, got {item!r}", param_hint="--weight")
    return out


@main.command()
@click.option(
    "--out",
    "out",
    default=Path("twin-demo"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the runs, the comparison and the report.",
)
@click.option("--overwrite", is_flag=True, help="Replace existing results.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Report language.")
@_PRECISION
def demo(out: Path, overwrite: bool, lang: str, precision: str) -> None:
    """The main job on the embedded demo town: run every example scenario, compare them with the baseline,
    write the report."""
    import time

    from .compare import compare as compare_runs
    from .compare import write_comparison
    from .datasets import scenarios_dir
    from .flood.warmup import start, waiter
    from .results import check_output, load_run
    from .runset import run_set

    started = time.perf_counter()
    check_output(out, overwrite=overwrite, marker=None)  # only its runs/ and comparison/ are ever replaced
    paths = sorted(scenarios_dir().glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
    click.echo(f"Running {len(paths)} scenarios on the demo town (the first run compiles the engines) ...")
    warm = start(precision)  # the flood kernels compile on the second core while the heat runs
    try:
        results = run_set(
            paths,
            out=out / "runs",
            overwrite=overwrite,
            params={"flood": {"precision": precision}},
            progress=_Progress(),
            before_simulate=_before_flood(waiter(warm)),
        )
    finally:
        if warm is not None and warm.poll() is None:  # a run failed before its first flood
            warm.kill()
    click.echo("Comparing with the baseline and writing the report ...")
    records = [load_run(r.folder) for r in results]
    comparison = write_comparison(
        compare_runs(records, baseline=records[0]), out / "comparison", overwrite=overwrite, lang=lang
    )
    click.echo(format_indicators(comparison.runs))
    click.echo(f"\nDone in {time.perf_counter() - started:.0f} s.")
    click.echo(f"Report:  {out / 'comparison' / 'report.html'} (open it in a browser; it works offline)")
    click.echo(f"Results: {out / 'runs'} (one folder per scenario; the maps open in QGIS)")
    click.echo(f"3D viewer: make serve  (or: twin serve --runs {out / 'runs'}), then open http://127.0.0.1:8000/")


def _before_flood(wait):
    """Wait for the flood kernels compiled in the warm-up process before the first flood (not before the heat)."""
    return lambda engine: wait() if engine.name == "flood" else None


def format_indicators(runs) -> str:
    """The territory-wide indicator table of run records as text: the baseline's values, then Δ for the others."""
    from .i18n import format_value, unit_label
    from .impacts.records import CATALOGUE, MAIN_KEYS

    base, others = runs[0], runs[1:]
    rows = sorted(
        {(i.key, i.event) for i in base.indicators if i.district is None and i.key in MAIN_KEYS},
        key=lambda r: (MAIN_KEYS.index(r[0]), r[1] or ""),
    )
    rows.insert(0, ("scenario.cost_eur", None))
    width = max(12, *(len(r.name) for r in others)) if others else 12
    head = f"{'indicator':<58} {'unit':<9} {base.name:>{width}}" + "".join(
        f" {'Δ ' + r.name:>{width + 2}}" for r in others
    )
    lines = [head, "-" * len(head)]
    for key, event in rows:
        spec = CATALOGUE[key]
        cell = lambda run, k=key, e=event: (  # noqa: E731
            run.scenario["cost_eur"] if k == "scenario.cost_eur" else run.value(k, event=e)
        )
        label = spec.en + (f" ({event})" if event else "")
        v0 = cell(base)
        units = unit_label(key, spec.units, "en")
        line = f"{label[:58]:<58} {units:<9} {format_value(key, spec.units, v0, 'en'):>{width}}"
        for r in others:
            v = cell(r)
            delta = None if v is None or v0 is None else v - v0
            line += f" {format_value(key, spec.units, delta, 'en', sign=True):>{width + 2}}"
        lines.append(line)
    return "\n".join(lines)


class _Progress:
    """Progress lines on stderr: one per stage; floods update their line in a terminal, every 25 % otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.stage = None
        self.shown = -1.0

    def __call__(self, stage: str, fraction: float | None) -> None:
        if fraction is None:
            self._end_line()
            click.echo(f"  {stage}", err=True)
            self.stage = None
            return
        if stage != self.stage:
            self._end_line()
            self.stage, self.shown = stage, -1.0
        if self.tty:
            click.echo(f"\r  {stage} {100 * fraction:3.0f} %", err=True, nl=False)
        elif fraction >= self.shown + 0.25 or fraction >= 1.0 > self.shown:
            click.echo(f"  {stage} {100 * fraction:3.0f} %", err=True)
            self.shown = fraction

    def _end_line(self) -> None:
        if self.tty and self.stage is not None:
            click.echo("", err=True)


@main.command()
@click.argument("sweep", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Batch folder (default: the sweep's).")
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: one per core).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="A running Dask scheduler to send the tasks to.")
@click.option(
    "--retries", type=click.IntRange(min=0), default=2, show_default=True, help="Tries again of a task that crashed."
)
@click.option("--threads", type=click.IntRange(min=1), help="Numba threads per task (default: cores / workers).")
def batch(
    sweep: Path, out: Path | None, workers: int | None, scheduler: str | None, retries: int, threads: int | None
) -> None:
    """Run a sweep (scenarios x events x climates x parameters) on local processes or a Dask cluster.

    Finished tasks are skipped, so running the same sweep again resumes a batch that was stopped."""
    from .batch import run_batch

    result = run_batch(sweep, out=out, workers=workers, scheduler=scheduler, retries=retries, threads=threads)
    click.echo(format_batch(result.tasks))
    c = result.counts
    click.echo(
        f"{c['done']} done, {c['skipped']} skipped (finished before), {c['failed']} failed"
        + (f", {c['pending']} not run" if c["pending"] else "")
        + f". Results: {result.folder} (batch.json, indicators.parquet, indicators.csv, ead.csv)"
    )
    if c["failed"] or c["pending"]:
        sys.exit(1)


def format_batch(tasks: list[dict], *, limit: int = 40) -> str:
    """The summary table: each task (or, for a large batch, each scenario) with its status and time."""
    from .batch.progress import format_seconds

    if len(tasks) <= limit:
        rows = [
            (t["scenario"], t["event"], t.get("climate") or "", _params(t["parameters"]), t["status"],
             format_seconds(t["seconds"]) if t.get("seconds") is not None else "")
            for t in tasks
        ]  # fmt: skip
        head = ("scenario", "event", "climate", "parameters", "status", "time")
    else:
        by: dict[str, dict[str, int]] = {}
        for t in tasks:
            by.setdefault(t["scenario"], {}).setdefault(t["status"], 0)
            by[t["scenario"]][t["status"]] += 1
        rows = [(s, *(str(c.get(k, 0)) for k in ("done", "skipped", "failed", "pending"))) for s, c in by.items()]
        head = ("scenario", "done", "skipped", "failed", "not run")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)).rstrip() for r in (head, *rows)]
    failed = [f"  {t['id']}: {t['error']}" for t in tasks if t["status"] == "failed"]
    return "\n".join(lines + (["failed:", *failed] if failed else []))


def _params(parameters: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in parameters.items())


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
