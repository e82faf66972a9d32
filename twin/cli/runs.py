"""``twin run``, ``twin compare`` and ``twin demo``: scenarios run, compared and reported, with the indicator table."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .app import main, no_cache_option
from .console import Progress, print_table

_PRECISION = click.option(
    "--precision",
    type=click.Choice(["float32", "float64"]),
    default="float32",
    show_default=True,
    help="Floating type of the flood state: float32 is twice as fast, depths within millimetres of float64.",
)


@main.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
@no_cache_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Results folder.")
@click.option("--overwrite", is_flag=True, help="Replace an existing results folder.")
@click.option(
    "--precision", type=click.Choice(["float32", "float64"]), default=None,
    help="Floating type of the flood state (default float32 unless the territory or scenario file sets "
    "flood.precision): float32 is twice as fast, depths within millimetres of float64.",
)  # fmt: skip
@click.option(
    "--set", "settings", multiple=True, metavar="ENGINE.OPTION=VALUE",
    help="An engine option over the territory's and the scenario's (repeatable): flood.edges.east=free, "
    "heat.steps_per_day=48. Values are read as TOML (numbers, true/false, \"text\"), else as text.",
)  # fmt: skip
@click.pass_obj
def run_command(obj, scenario: Path, out: Path, overwrite: bool, precision: str | None, settings) -> None:
    """Run a scenario: its measures, every event, the impacts; write the results folder."""
    from ..engines import checked_options, merge_options
    from ..results import load_run
    from ..runner import run

    chosen = {"flood": {"precision": precision}} if precision else {}
    params = checked_options(merge_options(parse_settings(settings), chosen), where="--set")
    result = run(scenario, out=out, overwrite=overwrite, params=params, progress=Progress(quiet=obj["quiet"]),
                 defaults={"flood": {"precision": "float32"}})  # fmt: skip
    print_indicators([load_run(result.folder)])
    click.echo(f"results in {result.folder} (indicators.json, provenance.json, impacts.gpkg, events/)")


def parse_settings(settings) -> dict:
    """``ENGINE.OPTION=VALUE`` items as nested engine options; a value is TOML if it parses, else text.

    Raises
    ------
    click.BadParameter
        An item without ``=`` or without an engine and an option.
    """
    import tomllib

    out: dict = {}
    for item in settings:
        key, sep, raw = item.partition("=")
        path = [part.strip() for part in key.split(".")]
        if not sep or len(path) < 2 or not all(path):
            raise click.BadParameter(f"must be ENGINE.OPTION=VALUE (flood.edges.east=free), got {item!r}",
                                     param_hint="--set")  # fmt: skip
        try:
            value = tomllib.loads(f"value = {raw.strip()}")["value"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise click.BadParameter(f"{key!r} sets a table and a value at once", param_hint="--set")
        node[path[-1]] = value
    return out


@main.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--baseline", required=True,
              help="Run folder of the baseline, or the name of a scenario variant of a batch folder given in RUNS.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Comparison folder.")
@click.option("--weights", "weights_file", type=click.Path(path_type=Path), help="TOML file with a [weights] table.")
@click.option("--weight", "weight_items", multiple=True, metavar="KEY=W",
              help="Weight of one criterion, on top of the defaults or --weights (repeatable).")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Report language.")
@click.option("--overwrite", is_flag=True, help="Replace an existing comparison folder.")
@click.option("--consultation", "consultation", type=click.Path(dir_okay=False, path_type=Path),
              help="Consultation results (JSON of /api/consultations/SLUG/results) to add to the report.")
def compare(runs, baseline, out, weights_file, weight_items, lang, overwrite, consultation) -> None:  # fmt: skip
    """Compare run folders (or batch folders) with a baseline: indicator table, Δ maps, scorecard and an HTML
    report."""
    import dataclasses

    from ..compare import compare as compare_runs
    from ..compare import read_weights, write_comparison
    from ..impacts.records import DEFAULT_WEIGHTS
    from ..residents import read_residents

    weights = read_weights(weights_file) if weights_file else None
    if weight_items:
        weights = dict(weights or DEFAULT_WEIGHTS) | _parse_weights(weight_items)  # on top of the defaults
    records = [r for path in runs for r in _run_records(path)]
    comparison = compare_runs(records, baseline=_baseline(baseline, records), weights=weights)
    if consultation is not None:
        comparison = dataclasses.replace(comparison, residents=read_residents(consultation))
    write_comparison(comparison, out, overwrite=overwrite, lang=lang)
    print_indicators(comparison.runs, lang=lang)
    click.echo(f"report: {out / 'report.html'}")


def _run_records(path: Path) -> list:
    """A run folder's record, or one record per scenario variant of a batch folder."""
    from ..batch import batch_runs
    from ..results import load_run

    if (path / "batch.json").is_file():
        return batch_runs(path)
    return [load_run(path)]


def _baseline(ref: str, records: list):
    """The baseline: a run folder, or a variant of a batch by name."""
    from ..errors import ScenarioError, message
    from ..results import load_run

    path = Path(ref)
    if path.is_dir() and not (path / "batch.json").is_file():
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
@no_cache_option
@click.option("--out", "out", default=Path("twin-demo"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the runs, the comparison and the report.")
@click.option("--overwrite", is_flag=True, help="Replace existing results.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Report language.")
@_PRECISION
@click.pass_obj
def demo(obj, out: Path, overwrite: bool, lang: str, precision: str) -> None:  # fmt: skip
    """The main job on the embedded demo town: run every example scenario, compare them with the baseline,
    write the report."""
    from ..flood.warmup import start, waiter

    started = time.perf_counter()
    # the flood kernels compile on the second core from now on, while this process imports the engines (10 s) and
    # runs the first heat events
    warm = start(precision)
    wait = waiter(warm)
    try:
        from ..compare import compare as compare_runs
        from ..compare import write_comparison
        from ..datasets import scenarios_dir
        from ..results import check_output, load_run
        from ..runset import run_set

        check_output(out, overwrite=overwrite, marker=None)  # only its runs/ and comparison/ are ever replaced
        paths = sorted(scenarios_dir().glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
        click.echo(f"Running {len(paths)} scenarios on the demo town (the first run compiles the engines) ...")
        results = run_set(
            paths, out=out / "runs", overwrite=overwrite, params={"flood": {"precision": precision}},
            progress=Progress(quiet=obj["quiet"]), before_simulate=lambda engine: engine.name == "flood" and wait(),
        )  # fmt: skip
    finally:
        if warm is not None and warm.poll() is None:  # a run failed before its first flood
            warm.kill()
    click.echo("Comparing with the baseline and writing the report ...")
    records = [load_run(r.folder) for r in results]
    comparison = write_comparison(
        compare_runs(records, baseline=records[0]), out / "comparison", overwrite=overwrite, lang=lang
    )
    print_indicators(comparison.runs, lang=lang)
    click.echo(f"\nDone in {time.perf_counter() - started:.0f} s.")
    click.echo(f"Report:  {out / 'comparison' / 'report.html'} (open it in a browser; it works offline)")
    click.echo(f"Results: {out / 'runs'} (one folder per scenario; the maps open in QGIS)")
    click.echo(f"3D viewer: make serve  (or: twin serve --runs {out / 'runs'}), then open http://127.0.0.1:8000/")


def print_indicators(runs, *, lang: str = "en") -> None:
    """The territory-wide indicator table of run records: the baseline's values, then Δ for the others, in words
    and numbers of ``lang`` (the report's)."""
    from ..formats import format_value, unit_label
    from ..impacts.records import CATALOGUE, MAIN_KEYS

    base, others = runs[0], runs[1:]
    keys = sorted(
        {(i.key, i.event) for i in base.indicators if i.district is None and i.key in MAIN_KEYS},
        key=lambda r: (MAIN_KEYS.index(r[0]), r[1] or ""),
    )
    keys.insert(0, ("scenario.cost_eur", None))

    def value(run, key, event):
        return run.scenario["cost_eur"] if key == "scenario.cost_eur" else run.value(key, event=event)

    rows = []
    for key, event in keys:
        spec = CATALOGUE[key]
        v0 = value(base, key, event)
        row = [spec.words(lang) + (f" ({event})" if event else ""), unit_label(key, spec.units, lang)]
        row.append(format_value(key, spec.units, v0, lang))
        for r in others:
            v = value(r, key, event)
            row.append(format_value(key, spec.units, None if v is None or v0 is None else v - v0, lang, sign=True))
        rows.append(row)
    head = ("indicator", "unit", base.name, *(f"Δ {r.name}" for r in others))
    print_table(None, head, rows, right=range(2, len(head)))
