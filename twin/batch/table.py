"""A batch's results gathered: one table of indicators, EAD per scenario, and run records for ``twin compare``."""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..engines import ENGINES, engine_for, kinds_with_return_period
from ..errors import DataSourceError, message
from ..impacts import Indicator, damage_by_return_period, expected_annual_damage
from ..results import load_run
from .record import read_batch_json

FINISHED = ("done", "skipped")
DESCRIPTION = ["task", "scenario", "event", "kind", "return_period_years", "climate"]


def indicator_table(out: Path, records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per task: what it ran (scenario, event, climate, each grid parameter as ``param.<engine>.<option>``),
    how it went (status, seconds, folder) and, once finished, every territory-wide indicator as a column.

    Parameters
    ----------
    out : pathlib.Path
        The batch folder.
    records : iterable of dict
        The tasks' records, as in ``batch.json``.

    Returns
    -------
    pandas.DataFrame
        One row per task; indicators in their units (``twin.impacts.CATALOGUE``), ``seconds`` in s.

    Raises
    ------
    twin.errors.MissingFileError, twin.errors.DataSourceError
        A finished task's folder that is missing or unreadable.
    """
    records = list(records)
    parameters = sorted({k for r in records for k in r.get("parameters", {})})
    rows = []
    for r in records:
        row = {"task": r["id"]} | {k: r.get(k) for k in DESCRIPTION[1:]}
        row |= {f"param.{k}": r.get("parameters", {}).get(k) for k in parameters}
        row |= {"status": r["status"], "seconds": r.get("seconds"), "folder": r["folder"], "error": r.get("error")}
        if r["status"] in FINISHED:
            run = load_run(out / r["folder"])
            row |= {i.key: i.value for i in run.indicators if i.district is None}
        rows.append(row)
    return pd.DataFrame.from_records(rows)


def ead_table(table: pd.DataFrame) -> pd.DataFrame:
    """Expected annual damage per scenario, climate and flood options, from its design storms' damages
    (:func:`twin.impacts.damage_by_return_period`: the largest where several storms share a return period;
    at least two return periods are needed, as in a single run).

    Parameters
    ----------
    table : pandas.DataFrame
        The indicator table (:func:`indicator_table`).

    Returns
    -------
    pandas.DataFrame
        One row per scenario, climate and flood options: the return periods (years) and damages (€) used, and
        ``expected_annual_damage_eur`` (€ per year).
    """
    columns = ["scenario", "climate", *[c for c in table.columns if str(c).startswith("param.flood.")]]
    rows = []
    if "flood.damage_eur" in table.columns:
        storms = table[table["kind"].isin(kinds_with_return_period()) & table["status"].isin(FINISHED)]
        for keys, group in storms.groupby(columns, dropna=False, sort=True):
            damages = damage_by_return_period(zip(group["return_period_years"], group["flood.damage_eur"], strict=True))
            if len(damages) < 2:
                continue
            row = dict(zip(columns, keys if isinstance(keys, tuple) else (keys,), strict=True))
            row |= {
                "return_periods_years": " ".join(f"{t:g}" for t in damages),
                "damages_eur": " ".join(f"{d:.0f}" for d in damages.values()),
                "expected_annual_damage_eur": expected_annual_damage(damages),
            }
            rows.append(row)
    return pd.DataFrame.from_records(
        rows, columns=[*columns, "return_periods_years", "damages_eur", "expected_annual_damage_eur"]
    )


def write_tables(out: Path, records: list[dict[str, Any]]) -> pd.DataFrame:
    """``indicators.parquet``, ``indicators.csv`` and ``ead.csv`` in the batch folder, each replaced atomically.

    Parameters
    ----------
    out : pathlib.Path
        The batch folder.
    records : list of dict
        The tasks' records, as in ``batch.json``.

    Returns
    -------
    pandas.DataFrame
        The indicator table (:func:`indicator_table`).

    Raises
    ------
    twin.errors.MissingFileError, twin.errors.DataSourceError
        A finished task's folder that is missing or unreadable.
    """
    table = indicator_table(out, records)
    _replace(out / "indicators.parquet", lambda p: table.to_parquet(p, index=False))
    _replace(out / "indicators.csv", lambda p: table.to_csv(p, index=False))
    _replace(out / "ead.csv", lambda p: ead_table(table).to_csv(p, index=False))
    return table


def _replace(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def batch_runs(folder: str | Path) -> list:
    """A batch's finished tasks as run records for :func:`twin.compare.compare`, one per scenario variant.

    A variant is a scenario under one climate with one combination of flood options and one of heat options;
    its record gathers the events of its tasks (each from its own folder) and adds the expected annual damage
    of its storms. Names are the scenario's, suffixed with the climate and the options that vary in the batch.

    Parameters
    ----------
    folder : str or pathlib.Path
        The batch folder.

    Returns
    -------
    list of RunRecord
        One record per scenario variant.

    Raises
    ------
    twin.errors.DataSourceError
        No readable ``batch.json``, no finished task, or a task folder that cannot be read.
    """
    folder = Path(folder)
    tasks = [t for t in read_batch_json(folder)["tasks"] if t.get("status") in FINISHED]
    if not tasks:
        raise DataSourceError(message(folder, "batch.json", "a batch with finished tasks", "none finished"))
    varying = _varying_parameters(tasks)
    variants: dict[tuple, dict[str, list]] = {}
    for t in tasks:
        engine = engine_for(t["kind"]).name
        combo = tuple(sorted((k, repr(v)) for k, v in t["parameters"].items()))
        base = (t["scenario"], t.get("climate") or "")
        variants.setdefault(base, {name: {} for name in ENGINES})[engine].setdefault(combo, []).append(t)
    records = []
    for (scenario, climate), by_engine in variants.items():
        # one variant per combination of each engine's options (an engine without tasks adds nothing)
        for combos in itertools.product(*(list(by_engine[name]) or [()] for name in ENGINES)):
            group = [t for name, combo in zip(ENGINES, combos, strict=True) for t in by_engine[name].get(combo, [])]
            label = _label(scenario, climate, {k: v for combo in combos for k, v in combo}, varying)
            runs = [load_run(folder / t["folder"]) for t in group]
            records.append(_merged(runs, label, _expected_annual_damage(group, runs)))
    return records


def _expected_annual_damage(tasks: list[dict[str, Any]], runs: list) -> list:
    """The EAD of a variant's storms, from each storm task's damage (at least two return periods)."""
    damages = damage_by_return_period(
        (t["return_period_years"], _nan_if_none(run.value("flood.damage_eur", event=t["event"])))
        for t, run in zip(tasks, runs, strict=True)
        if t["kind"] in kinds_with_return_period()
    )
    if len(damages) < 2:
        return []
    return [Indicator("flood.expected_annual_damage_eur", expected_annual_damage(damages))]


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value


def _varying_parameters(tasks: list[dict[str, Any]]) -> list[str]:
    values: dict[str, set] = {}
    for t in tasks:
        for k, v in t["parameters"].items():
            values.setdefault(k, set()).add(repr(v))
    return sorted(k for k, v in values.items() if len(v) > 1)


def _label(scenario: str, climate: str, combo: dict[str, str], varying: list[str]) -> str:
    """``baseline``, ``baseline-2050``, ``baseline-2050-manning-multiplier-1.2``: unique, usable as a folder name."""
    parts = [scenario, climate] + [f"{k.partition('.')[2]}-{combo[k].strip(chr(39))}" for k in varying if k in combo]
    return re.sub(r"[^a-z0-9.]+", "-", "-".join(p for p in parts if p).lower()).strip("-")


def _merged(runs: list, label: str, extra: list):
    """One record from the single-event records of a variant: events side by side, land indicators once."""
    first = runs[0]
    indicators = [i for i in first.indicators if i.event is None]
    for run in runs:
        indicators += [i for i in run.indicators if i.event is not None]
    return replace(
        first,
        scenario=first.scenario | {"name": label},
        events=[e for run in runs for e in run.events],
        indicators=indicators + extra,
        event_folders={e["name"]: run.folder for run in runs for e in run.events},
    )
