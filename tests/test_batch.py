"""Batch sweeps on dask.distributed: resumable after a killed worker or batch, content-hashed, failure-isolated,
aggregated (tidy table, EAD), and readable by twin compare."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from conftest import write_territory_folder

from twin.batch import batch_runs, load_sweep, read_batch_json, run_batch
from twin.batch.task import expand
from twin.engines import engine_for
from twin.errors import DataSourceError, OutputError, ScenarioError
from twin.results import load_run

BASE = """
name = "base"
title = "Base"
territory = "{territory}"

[[events]]
kind = "design_storm"
name = "storm"
return_period_years = 10
duration_min = 15
after_min = 5

[[events]]
kind = "heatwave"
name = "hot"
date = 2019-07-25
max_air_temperature_c = 35.0
min_air_temperature_c = 20.0
"""


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A 60 x 40 territory and three scenario files: base, trees (extends base), broken (unknown district)."""
    folder = tmp_path_factory.mktemp("town")
    territory = write_territory_folder(folder / "territory")
    (folder / "base.toml").write_text(BASE.format(territory=territory.as_posix()), encoding="utf-8")
    for name, district in (("trees", "Sud"), ("broken", "Nowhere")):
        (folder / f"{name}.toml").write_text(
            f'extends = "base.toml"\nname = "{name}"\ntitle = "{name}"\ncost_eur = 100000.0\n'
            f'[[measures]]\ntype = "tree_planting"\ndistrict = "{district}"\ncanopy_fraction = 0.5\n',
            encoding="utf-8",
        )
    (folder / "unreadable.toml").write_text('name = "unreadable"\ntitle = [oops\n', encoding="utf-8")
    from twin.runner import run
    from twin.scenario import load_scenario

    run(load_scenario(folder / "base.toml"))  # compile the kernels once here: the workers load numba's cache
    return folder


def write_sweep(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.sweep.toml"
    path.write_text(f'schema_version = 1\nname = "{name}"\n{body}', encoding="utf-8")
    return path


SIX = 'scenarios = ["base.toml", "trees.toml"]\nevents = ["storm"]\nreturn_periods_years = [10, 30, 100]\n'


def statuses(result) -> dict[str, str]:
    return {t["id"]: t["status"] for t in result.tasks}


def assert_complete(folder: Path, ids) -> None:
    """Every task folder is whole: its records read back and each map opens; nothing half-written is left."""
    tasks = folder / "tasks"
    assert sorted(p.name for p in tasks.iterdir()) == sorted(ids)  # no hidden .partial / .old folder either
    for i in ids:
        run = load_run(tasks / i)
        for event in run.events:
            for var in engine_for(event["kind"]).key_maps:
                with rasterio.open(run.map_path(event["name"], var)) as src:
                    assert src.read(1).shape == (40, 60)


# ------------------------------------------------------------------ sweep files


def test_a_sweep_expands_into_scenarios_x_return_periods_x_climates(town):
    path = write_sweep(
        town,
        "expand",
        SIX + "[climates]\nnow = {}\n2050 = { delta_t_c = 1.5, rain_multiplier = 1.2 }\n",
    )
    sweep, base = load_sweep(path)
    tasks = expand(sweep, base, where=path)
    assert len(tasks) == 2 * 3 * 2
    assert len({t.key for t in tasks}) == len(tasks) == len({t.id for t in tasks})
    storm = next(t for t in tasks if t.scenario == "trees" and t.return_period_years == 30 and t.climate == "2050")
    assert storm.event == "storm-rp30" and storm.spec.events[0].return_period_years == 30
    assert storm.spec.events[0].climate.rain_multiplier == 1.2
    assert [m.type for m in storm.spec.measures] == ["tree_planting"]  # inherited scenario resolved


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'scenarios = ["nothing-*.toml"]\n',
            "scenarios.0 must be a file or glob matching scenario files, got 'nothing-*.toml'",
        ),
        (
            'scenarios = ["base.toml"]\n[parameters]\n"flood.mannings" = [1.0]\n',
            "unknown engine option 'flood.mannings'",
        ),
        (
            'scenarios = ["base.toml"]\n[parameters]\n"flood.manning_multiplier" = [-1.0]\n',
            "flood.manning_multiplier = -1.0",
        ),
        ('scenarios = ["base.toml"]\nreturn_periods_years = [10, 10]\n', "return periods must be distinct"),
        ('scenarios = ["base.toml"]\nworkers = 3\n', "workers: Extra inputs are not permitted"),
        ('scenarios = ["base.toml"]\nevents = ["flood-*"]\n', "events must be globs matching some event"),
    ],
)
def test_a_malformed_sweep_is_named_with_its_field_and_value(town, tmp_path, body, expected):
    path = write_sweep(town, "bad", body)
    with pytest.raises(ScenarioError) as err:
        run_batch(path, out=tmp_path / "out")
    assert str(path) in str(err.value) and expected in str(err.value)


# ------------------------------------------------------------------ resumability


def test_a_killed_worker_loses_no_task_and_a_rerun_runs_only_what_is_missing(town, tmp_path):
    """Acceptance: 6 tasks on a LocalCluster of 2 processes, one worker SIGKILLed while the batch runs."""
    from distributed import Client, LocalCluster

    sweep = write_sweep(town, "six", SIX)
    killed: list[int] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        pids = set(client.run(os.getpid).values())

        def kill_the_other_worker(record, total):
            """When the first task ends, SIGKILL the worker that did not run it: it is busy with another one."""
            if not killed and record["status"] == "done":
                other = next(p for p in pids if not record["worker"].endswith(f":{p}"))
                os.kill(other, signal.SIGKILL)
                killed.append(other)

        first = run_batch(
            sweep, out=tmp_path / "b", scheduler=cluster.scheduler_address, progress=kill_the_other_worker
        )
    assert killed, "a worker was killed during the run"
    failures = {t["id"]: t.get("error") for t in first.tasks if t["status"] != "done"}
    assert len(first.tasks) == 6 and set(statuses(first).values()) <= {"done", "failed"}, failures
    done = [i for i, s in statuses(first).items() if s == "done"]
    on_disk = sorted(p.name for p in (tmp_path / "b" / "tasks").iterdir())
    assert on_disk == sorted(done), failures  # a folder exactly for each task done
    assert_complete(tmp_path / "b", done)
    again = run_batch(sweep, out=tmp_path / "b", workers=1)
    assert again.executed == 6 - len(done)  # only what was missing (nothing, when the retry succeeded)
    assert set(statuses(again).values()) == {"skipped"} | ({"done"} if again.executed else set())
    recorded = read_batch_json(tmp_path / "b")
    assert recorded["counts"]["skipped"] == len(done) and all(t["seconds"] is not None for t in recorded["tasks"])


def test_a_killed_batch_resumes_where_it_stopped(town, tmp_path):
    """The whole `twin batch` (client and workers) killed after its first task: the rerun runs only the rest."""
    sweep = write_sweep(town, "six", SIX)
    out = tmp_path / "b"
    twin = Path(sys.executable).with_name("twin")
    proc = subprocess.Popen(
        [str(twin), "batch", str(sweep), "--out", str(out), "--workers", "2"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        for line in proc.stderr:
            if "done 1 " in line:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = [p.name for p in (out / "tasks").iterdir() if not p.name.startswith(".")]
    assert 1 <= len(finished) < 6, finished
    assert all((out / "tasks" / f / "provenance.json").is_file() for f in finished)  # a visible folder is whole
    result = run_batch(sweep, out=out, workers=2)  # takes over the dead batch's lock
    assert result.executed == 6 - len(finished)
    assert sorted(i for i, s in statuses(result).items() if s == "skipped") == sorted(finished)
    assert_complete(out, [t["id"] for t in result.tasks])  # and what the killed batch half wrote is gone


def test_a_folder_in_use_or_not_a_batch_is_refused(town, tmp_path):
    sweep = write_sweep(town, "six", SIX)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.odt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"docs: batch folder must be new, empty, or an earlier batch's"):
        run_batch(sweep, out=tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.odt").read_text(encoding="utf-8") == "mine"
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "batch.json").write_text("{}", encoding="utf-8")
    (busy / ".batch.lock").write_text(f"{os.uname().nodename} {os.getpid()}", encoding="utf-8")
    with pytest.raises(OutputError, match=rf"in use by twin batch pid {os.getpid()}"):
        run_batch(sweep, out=busy)


# ------------------------------------------------------------------ content hashing


def test_changing_one_parameter_reruns_only_the_tasks_it_affects(town, tmp_path):
    out = tmp_path / "b"
    body = 'scenarios = ["base.toml"]\n[parameters]\n'
    first = run_batch(
        write_sweep(town, "h", body + '"flood.manning_multiplier" = [1.0]\n'), out=out, workers=1
    )
    assert first.executed == 2  # the storm and the heatwave
    more = write_sweep(town, "h", body + '"flood.manning_multiplier" = [1.0, 1.2]\n"heat.d_cool_m" = [450.0]\n')
    second = run_batch(more, out=out, workers=1)
    assert second.executed == 1  # the storm with n x 1.2; stating the heat default explicitly changes nothing
    assert sorted(t["event"] for t in second.tasks if t["status"] == "done") == ["storm"]
    heat = write_sweep(town, "h", body + '"flood.manning_multiplier" = [1.0, 1.2]\n"heat.d_cool_m" = [300.0]\n')
    third = run_batch(heat, out=out, workers=1)
    assert [t["event"] for t in third.tasks if t["status"] == "done"] == ["hot"]  # only the heat task
    assert third.counts == {"done": 1, "skipped": 2, "failed": 0, "pending": 0}
    table = pd.read_parquet(out / "indicators.parquet")
    assert sorted(table["param.flood.manning_multiplier"].dropna()) == [1.0, 1.2]
    n10, n12 = (
        table.loc[table["param.flood.manning_multiplier"] == m, "flood.people_exposed"].item() for m in (1.0, 1.2)
    )
    assert np.isfinite(n10) and np.isfinite(n12)


# ------------------------------------------------------------------ failure isolation


def test_a_broken_scenario_is_reported_and_the_rest_complete(town, tmp_path):
    from click.testing import CliRunner

    from twin.cli import main

    sweep = write_sweep(
        town, "mixed", 'scenarios = ["base.toml", "broken.toml", "unreadable.toml"]\nevents = ["storm"]\n'
    )
    res = CliRunner().invoke(main, ["batch", str(sweep), "--out", str(tmp_path / "b"), "--workers", "2"])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    tasks = {t["scenario"]: t for t in read_batch_json(tmp_path / "b")["tasks"]}
    assert tasks["base"]["status"] == "done"
    assert tasks["broken"]["status"] == "failed" and "Nowhere" in tasks["broken"]["error"]
    assert (
        tasks["unreadable"]["status"] == "failed" and "unreadable.toml: not valid TOML" in tasks["unreadable"]["error"]
    )
    assert "1 done, 0 skipped (finished before), 2 failed" in res.output
    assert "broken--storm" in res.output and "Nowhere" in res.output  # the summary says why
    table = pd.read_csv(tmp_path / "b" / "indicators.csv")
    assert list(table["status"]) == ["done", "failed", "failed"]
    assert np.isnan(table.loc[1, "flood.damage_eur"]) and table.loc[0, "flood.damage_eur"] >= 0.0


def test_an_unreachable_scheduler_is_one_clear_line(town, tmp_path):
    from click.testing import CliRunner

    from twin.cli import main

    sweep = write_sweep(town, "one", 'scenarios = ["base.toml"]\nevents = ["hot"]\n')
    res = CliRunner().invoke(
        main, ["batch", str(sweep), "--out", str(tmp_path / "b"), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in res.output


# ------------------------------------------------------------------ aggregation and compare


@pytest.fixture(scope="module")
def six(town, tmp_path_factory):
    out = tmp_path_factory.mktemp("six") / "b"
    return run_batch(write_sweep(town, "six", SIX), out=out, workers=2)


def hand_ead(damage_by_period: dict[float, float]) -> float:
    """EAD by brute force: damage linear in ln p between events, integrated on a fine grid in p (trapezoids),
    plus the rare tail at the rarest event's damage; nothing beyond the most frequent event."""
    t = np.array(sorted(damage_by_period))
    p = 1.0 / t  # decreasing
    d = np.array([damage_by_period[x] for x in t])
    grid = np.linspace(p[-1], p[0], 400_001)
    dd = np.interp(np.log(grid), np.log(p[::-1]), d[::-1])
    return float(np.sum((dd[1:] + dd[:-1]) / 2 * np.diff(grid)) + d[-1] * p[-1])


def test_the_table_has_one_row_per_task_and_ead_per_scenario(six):
    table = pd.read_parquet(six.folder / "indicators.parquet")
    assert len(table) == 6 and list(table.columns[:6]) == [
        "task",
        "scenario",
        "event",
        "kind",
        "return_period_years",
        "climate",
    ]
    assert pd.read_csv(six.folder / "indicators.csv")["flood.damage_eur"].tolist() == pytest.approx(
        table["flood.damage_eur"].tolist()
    )
    ead = pd.read_csv(six.folder / "ead.csv").set_index("scenario")
    for scenario in ("base", "trees"):
        rows = table[table["scenario"] == scenario]
        damages = dict(zip(rows["return_period_years"], rows["flood.damage_eur"], strict=True))
        assert ead.loc[scenario, "expected_annual_damage_eur"] == pytest.approx(hand_ead(damages), rel=1e-6)


def test_compare_takes_a_batch_folder(six, tmp_path):
    from click.testing import CliRunner

    from twin.cli import main

    runs = batch_runs(six.folder)
    assert sorted(r.name for r in runs) == ["base", "trees"]
    trees = next(r for r in runs if r.name == "trees")
    assert sorted(e["name"] for e in trees.events) == ["storm-rp10", "storm-rp100", "storm-rp30"]
    ead = pd.read_csv(six.folder / "ead.csv").set_index("scenario")
    assert trees.value("flood.expected_annual_damage_eur") == pytest.approx(
        ead.loc["trees", "expected_annual_damage_eur"]
    )
    res = CliRunner().invoke(main, ["compare", str(six.folder), "--baseline", "base", "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "c" / "report.html").is_file()
    for period in (10, 30, 100):  # each Δ map made from the maps of the two tasks' own folders
        assert (tmp_path / "c" / "differences" / "trees" / f"storm-rp{period}" / "delta_max_depth.tif").is_file()
    bad = CliRunner().invoke(main, ["compare", str(six.folder), "--baseline", "nope", "--out", str(tmp_path / "d")])
    assert (
        bad.exit_code == 1
        and "--baseline: value must be a run folder or one of ['base', 'trees'], got 'nope'" in bad.output
    )


def test_a_corrupt_batch_record_is_named(tmp_path):
    (tmp_path / "batch.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"batch.json: content must be a twin batch record"):
        batch_runs(tmp_path)


@pytest.mark.slow
def test_ead_of_a_three_return_period_sweep_of_the_demo_is_the_hand_value(tmp_path):
    """Acceptance: the demo's storm at 10, 30 and 100 years; EAD from the per-run damages by hand."""
    from twin.datasets import scenarios_dir

    sweep = write_sweep(
        tmp_path,
        "demo-ead",
        f'scenarios = ["{(scenarios_dir() / "baseline.toml").as_posix()}"]\nevents = ["storm-100y-1h"]\n'
        "return_periods_years = [10, 30, 100]\n",
    )
    result = run_batch(sweep, out=tmp_path / "b", workers=2)
    assert result.counts["done"] == 3
    table = pd.read_csv(tmp_path / "b" / "indicators.csv").set_index("return_period_years")
    damages = {t: table.loc[t, "flood.damage_eur"] for t in (10.0, 30.0, 100.0)}
    assert damages[10.0] < damages[30.0] < damages[100.0]  # rarer storms do more damage
    ead = pd.read_csv(tmp_path / "b" / "ead.csv")
    assert ead["expected_annual_damage_eur"].item() == pytest.approx(hand_ead(damages), rel=1e-6)


# ------------------------------------------------------------------ progress


def test_the_cli_progress_counts_the_tasks_as_they_end(capsys):
    from twin.cli.console import Progress

    counter = Progress().tasks()
    for status in ("skipped", "done", "failed", "done"):
        counter({"id": "t", "status": status}, 4)
    lines = capsys.readouterr().err.splitlines()  # out of a terminal: a line per quarter of the tasks
    assert lines[0].strip() == "1/4 tasks: done 0 · failed 0 · skipped 1  25 %"
    assert lines[-1].strip() == "4/4 tasks: done 2 · failed 1 · skipped 1 100 %"


def test_batch_json_lists_every_task_with_status_timings_and_folder(six):
    data = json.loads((six.folder / "batch.json").read_text(encoding="utf-8"))
    assert data["counts"]["done"] == 6 and len(data["tasks"]) == 6
    for t in data["tasks"]:
        assert {"id", "key", "scenario", "event", "parameters", "status", "seconds", "started_utc", "folder"} <= set(t)
        assert (six.folder / t["folder"] / "provenance.json").is_file()
    assert time.strptime(data["finished_utc"][:19], "%Y-%m-%dT%H:%M:%S")


def test_numba_threads_are_capped_so_that_workers_x_threads_fit_the_cores(six):
    # six ran on 2 local workers of one thread each: each task gets the cores divided by 2
    assert {t["numba_threads"] for t in six.tasks} == {max(1, (os.cpu_count() or 1) // 2)}


def test_the_example_sweep_is_valid():
    path = Path(__file__).parents[1] / "sweeps" / "demo-ead.toml"
    sweep, base = load_sweep(path)
    tasks = expand(sweep, base, where=path)
    assert len(tasks) == 3 * 3 * 2
    assert {t.scenario for t in tasks} == {"baseline", "retention-upstream", "river-dike"}
    assert all(t.params["flood"].precision == "float32" for t in tasks)


def test_a_future_that_failed_after_its_folder_was_complete_counts_as_done(tmp_path):
    """The folder is the truth: a worker can be lost after writing the result and before reporting it."""
    from twin.batch.execution import _lost
    from twin.batch.task import Task

    task = Task("x--storm--0123456789", "0123456789" * 6, "x", "x.toml", "storm", "design_storm")
    lost = _lost(task, tmp_path, RuntimeError("worker lost"))
    assert lost == {"status": "failed", "error": "RuntimeError: worker lost"}
    (tmp_path / "tasks" / task.id).mkdir(parents=True)
    (tmp_path / "tasks" / task.id / "provenance.json").write_text('{"timings_s": {"a": 1.5, "b": 2.0}}', "utf-8")
    assert _lost(task, tmp_path, RuntimeError("worker lost")) == {
        "status": "done",
        "seconds": 3.5,
        "note": "its result was found complete after: RuntimeError: worker lost",
    }


@pytest.mark.skipif(sys.platform == "win32", reason="no fork server on Windows: workers are spawned and import twin")
def test_local_workers_start_with_twin_imported_and_the_environment_dask_gives_workers():
    """A local batch's workers are forked from a server that imported twin and its numba kernels already (each
    worker would otherwise import them before its first task), with the variables a Dask nanny sets for them."""
    from twin.batch.execution import _client

    def worker_state():
        return {m: m in sys.modules for m in ("twin.runner", "twin.flood.model", "twin.heat.model")} | {
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")
        }

    with _client(None, 1) as client:
        (state,) = client.run(worker_state).values()
    omp = os.environ.get("OMP_NUM_THREADS", "1")  # Dask's 1, unless this environment sets it (as in Dask, it wins)
    assert state == {"twin.runner": True, "twin.flood.model": True, "twin.heat.model": True, "OMP_NUM_THREADS": omp}
