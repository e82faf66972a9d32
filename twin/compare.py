"""Scenarios side by side: the indicator table with Δ against the baseline, value for money, equity,
difference maps and a scorecard the planner weights.

Works from results folders (:class:`twin.results.RunRecord`), so that runs made
by ``twin run``, ``twin demo`` or a batch compare alike.
"""

from __future__ import annotations

import json
import logging
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .engines import engine_for
from .errors import MissingFileError, ScenarioError, message
from .impacts.records import CATALOGUE, DEFAULT_WEIGHTS, MAIN_KEYS, Indicator
from .io import raster_grid
from .report import write_report
from .results import check_output, folder_in_place
from .styles import delta_style, write_map

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comparison:
    """Runs compared with a baseline.

    Parameters
    ----------
    baseline : RunRecord
        The run the others are compared with.
    runs : list of RunRecord
        Every run, the baseline first.
    tidy : pandas.DataFrame
        One row per (scenario, key, event, district) with value, units and better-direction, the value
        indicators included: what the CSV export holds.
    table : pandas.DataFrame
        Territory-wide indicators (rows: key, event) by scenario (columns), then one ``Δ <scenario>``
        column per non-baseline scenario.
    scorecard : pandas.DataFrame
        Per scenario: each criterion scored 0 (worst of the compared) to 1 (best), the weighted score and
        the rank.
    weights : dict
        The criteria and weights used: those given, less the criteria no shared event measured (a flood
        criterion where no flood was run).
    diffs : dict
        ``(scenario, event, map) -> path`` of the difference maps, once written.
    residents : twin.residents.Residents, optional
        A consultation's results, for the report.
    """

    baseline: object
    runs: list
    tidy: pd.DataFrame
    table: pd.DataFrame
    scorecard: pd.DataFrame
    weights: dict[str, float]
    diffs: dict[tuple[str, str, str], Path] = field(default_factory=dict)
    residents: object = None  # twin.residents.Residents: a consultation's results, for the report


def compare(runs: Sequence, *, baseline, weights: Mapping[str, float] | None = None) -> Comparison:
    """Compare runs with a baseline run (``RunRecord`` objects; the baseline may or may not be in ``runs``).

    Parameters
    ----------
    runs : sequence of RunRecord
        The runs to compare (:func:`twin.results.load_run`).
    baseline : RunRecord
        The run they are compared with, on the same territory before measures.
    weights : mapping of str to float, optional
        Criteria of the scorecard (indicator keys) and their weights, 1; the house defaults if ``None``.

    Returns
    -------
    Comparison
        The tables and the scorecard; no difference maps until :func:`write_comparison`.

    Raises
    ------
    twin.errors.ScenarioError
        Bad weights (:func:`check_weights`), a run on another territory, or two runs of the same name.
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    check_weights(weights, where="weights")
    ordered = [baseline] + [r for r in runs if not _same_run(r, baseline)]
    territory = _territory_of(baseline)
    for r in ordered[1:]:
        if _territory_of(r) != territory:
            raise ScenarioError(
                message(r.folder, "territory", f"the baseline's ({territory[:12]}…, before measures)", _territory_of(r))
            )
    names = [r.name for r in ordered]
    if len(set(names)) != len(names):
        raise ScenarioError(message("compare", "scenario names", "unique", names))
    records = []
    for r in ordered:
        extra = [Indicator("scenario.cost_eur", float(r.scenario["cost_eur"]))]
        if r is not baseline:
            extra += value_indicators(r, baseline)
        for i in [*r.indicators, *extra]:
            records.append({"scenario": r.name} | i.to_dict())
    tidy = pd.DataFrame.from_records(records)
    card = _scorecard(tidy, names, weights)
    assessed = {k: w for k, w in weights.items() if k in card.columns}
    return Comparison(baseline, ordered, tidy, _table(tidy, names), card, assessed)


def _same_run(a, b) -> bool:
    """The same run read twice (a batch folder holds several runs, told apart by name)."""
    return a is b or (a.folder.resolve() == b.folder.resolve() and a.name == b.name)


def _territory_of(run) -> str:
    return str((run.provenance.get("territory") or {}).get("sha256_before_measures", ""))


def check_weights(weights: Mapping[str, float], *, where: str) -> None:
    """Criteria must be indicator keys with a better direction, with finite, non-negative weights, not all zero.

    Parameters
    ----------
    weights : mapping of str to float
        Indicator key -> weight, 1.
    where : str
        Where the weights come from, for the error message.

    Raises
    ------
    twin.errors.ScenarioError
        A key that cannot be scored, a weight that is not a finite number >= 0, or every weight zero.
    """
    scorable = sorted(k for k, spec in CATALOGUE.items() if spec.better != "none")
    for key, w in weights.items():
        if key not in scorable:  # a key with no better direction (land.population) cannot be scored
            raise ScenarioError(
                message(where, key, f"an indicator key with a better direction ({', '.join(scorable)})", key)
            )
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
            raise ScenarioError(message(where, key, "a finite weight >= 0", w))
    if not any(weights.values()):
        raise ScenarioError(message(where, "weights", "at least one weight above 0", dict(weights)))


def read_weights(path: str | Path) -> dict[str, float]:
    """Read criteria weights from a TOML file: a ``[weights]`` table of indicator key = weight.

    Keys may be quoted (``"flood.damage_eur" = 2``) or bare (``flood.damage_eur = 2``, which TOML reads as
    nested tables: they are joined back with dots).

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file.

    Returns
    -------
    dict of str to float
        Indicator key -> weight, 1.

    Raises
    ------
    twin.errors.MissingFileError
        No such file.
    twin.errors.ScenarioError
        Not readable TOML, no ``[weights]`` table, or weights :func:`check_weights` refuses.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MissingFileError(path, role="weights file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(message(path, "content", "TOML", str(exc))) from None
    except OSError as exc:  # a folder, an unreadable file
        raise ScenarioError(message(path, "weights file", "a readable file", f"{type(exc).__name__}: {exc}")) from None
    weights = data.get("weights")
    if not isinstance(weights, dict):
        raise ScenarioError(message(path, "weights", "a table of indicator key = weight", weights))
    weights = _dotted(weights)
    check_weights(weights, where=str(path))
    return {k: float(v) for k, v in weights.items()}


def _dotted(table: dict, prefix: str = "") -> dict:
    """``{"flood": {"damage_eur": 2}}`` (bare dotted keys in TOML) -> ``{"flood.damage_eur": 2}``."""
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out |= _dotted(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def value_indicators(run, baseline) -> list[Indicator]:
    """Value for money and equity of a run against the baseline, per event.

    * ``value.damage_avoided_per_eur``: flood damage avoided in the event / cost (€/€); with the expected
      annual damage, avoided EAD x lifetime / cost (event ``None``);
    * ``value.people_relieved_per_meur``: people taken out of strong heat stress / cost in M€;
    * ``value.equity_share``: of the people relieved (heat) or no longer flooded (flood), the share living
      in the districts most exposed at baseline (the top third by exposure rate, at least one district).

    Parameters
    ----------
    run : RunRecord
        The scenario's run.
    baseline : RunRecord
        The baseline's run.

    Returns
    -------
    list of Indicator
        The value indicators; value for money only for a run that costs something, nothing for an event the
        baseline did not run.
    """
    cost = float(run.scenario["cost_eur"])
    out: list[Indicator] = []
    for event in run.events:
        name, benefit = event["name"], engine_for(event["kind"]).benefit
        if baseline.value(benefit.exposure, event=name) is None:
            continue  # the baseline did not run this event
        gain = baseline.value(benefit.gain, event=name) - run.value(benefit.gain, event=name)
        if cost > 0:
            out.append(Indicator(benefit.value, gain / (cost / benefit.per_eur), name))
        share = equity_share(run, baseline, key=benefit.exposure, event=name)
        if share is not None:
            out.append(Indicator("value.equity_share", share, name))
    ead, ead0 = run.value("flood.expected_annual_damage_eur"), baseline.value("flood.expected_annual_damage_eur")
    lifetime = run.scenario.get("lifetime_years")
    if cost > 0 and ead is not None and ead0 is not None and lifetime:
        out.append(Indicator("value.damage_avoided_per_eur", (ead0 - ead) * lifetime / cost))
    return out


def equity_share(run, baseline, *, key: str, event: str) -> float | None:
    """Share of the people benefiting that live in the most exposed districts at baseline (None: no benefit).

    Parameters
    ----------
    run : RunRecord
        The scenario's run.
    baseline : RunRecord
        The baseline's run.
    key : str
        The indicator of people exposed, per district (``"heat.people_strong_stress"``).
    event : str
        The event's name.

    Returns
    -------
    float or None
        The share, 1 (0..1); ``None`` if no district gains or the indicator has no districts.
    """
    districts = sorted({i.district for i in baseline.indicators if i.key == key and i.district is not None})
    if not districts:
        return None
    population = {d: baseline.value("land.population", district=d) or 0.0 for d in districts}
    exposed = {d: baseline.value(key, event=event, district=d) or 0.0 for d in districts}
    rate = {d: exposed[d] / population[d] if population[d] > 0 else 0.0 for d in districts}
    top = sorted(districts, key=lambda d: -rate[d])[: max(1, math.ceil(len(districts) / 3))]
    # only districts that gain count: a loss elsewhere must not push the share above 1
    gain = {d: max(exposed[d] - (run.value(key, event=event, district=d) or 0.0), 0.0) for d in districts}
    total = sum(gain.values())
    if total <= 0:
        return None
    return sum(gain[d] for d in top) / total


def _table(tidy: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    whole = tidy[tidy["district"].isna()]
    table = whole.set_index(["key", "event", "scenario"])["value"].unstack("scenario").reindex(columns=names)
    order = {k: i for i, k in enumerate(MAIN_KEYS)}

    def rank(i: int) -> tuple:
        key, event = table.index[i]
        return order.get(key, len(order)), key, str(event or "")

    table = table.iloc[sorted(range(len(table)), key=rank)]
    for name in names[1:]:
        table[f"Δ {name}"] = table[name] - table[names[0]]
    return table


def _scorecard(tidy: pd.DataFrame, names: list[str], weights: Mapping[str, float]) -> pd.DataFrame:
    """Criteria summed over the events every run has (a run without an event is not scored on it); a criterion
    that no shared event measures (a flood criterion when no flood was run) is left out, and the weights of the
    others make the whole score."""
    whole = tidy[tidy["district"].isna()]
    events = whole.dropna(subset=["event"]).groupby("event")["scenario"].nunique()
    shared = set(events[events == len(names)].index)
    whole = whole[whole["event"].isna() | whole["event"].isin(shared)]
    rows = {}
    for key in weights:
        measured = whole[whole["key"] == key]
        if measured.empty:
            continue  # not assessed: no event of its hazard ran in every scenario
        values = measured.groupby("scenario")["value"].sum().reindex(names)
        lo, hi = values.min(), values.max()
        if not hi > lo:  # all equal, or no shared data: the criterion does not separate the runs
            score = pd.Series(1.0, index=names)
        elif CATALOGUE[key].better == "lower":
            score = (hi - values) / (hi - lo)
        else:
            score = (values - lo) / (hi - lo)
        rows[key] = score.fillna(0.0)
    card = pd.DataFrame(rows, index=names)
    used = {k: w for k, w in weights.items() if k in rows}
    total = sum(used.values())
    card["score"] = sum(card[k] * w for k, w in used.items()) / total if total > 0 else 0.0
    card["rank"] = card["score"].rank(ascending=False, method="min").astype(int)
    return card


def write_comparison(
    comparison: Comparison, out: str | Path, *, overwrite: bool = False, lang: str = "en"
) -> Comparison:
    """Write the comparison folder: CSV tables, difference maps, ``comparison.json`` and ``report.html``.

    Parameters
    ----------
    comparison : Comparison
        From :func:`compare`.
    out : str or pathlib.Path
        The folder to write, whole or not at all.
    overwrite : bool
        Replace an existing comparison folder.
    lang : {"en", "fr"}
        Language of the report.

    Returns
    -------
    Comparison
        ``comparison`` with ``diffs``, the paths of its difference maps in ``out``.

    Raises
    ------
    twin.errors.ScenarioError
        ``out`` is one of the run folders compared or inside one, or two maps are not on the same grid.
    twin.errors.OutputExistsError, twin.errors.OutputError
        ``out`` exists and may not be replaced, or could not be written.
    """
    out = Path(out)
    for run in comparison.runs:  # replacing the folder must never delete the runs compared
        if out.resolve() == run.folder.resolve() or out.resolve() in run.folder.resolve().parents:
            raise ScenarioError(message(out, "comparison folder", "outside the run folders compared", str(run.folder)))
    check_output(out, overwrite=overwrite, marker="comparison.json")
    with folder_in_place(out, what="the comparison") as tmp:
        comparison = _write_contents(comparison, tmp, lang)
    diffs = {k: out / p.relative_to(tmp) for k, p in comparison.diffs.items()}
    log.info("wrote the comparison of %d runs with %s in %s", len(comparison.runs), comparison.baseline.name, out)
    return Comparison(**{**comparison.__dict__, "diffs": diffs})


def _write_contents(comparison: Comparison, out: Path, lang: str) -> Comparison:
    out.mkdir(parents=True)
    comparison.tidy.to_csv(out / "indicators.csv", index=False)
    comparison.table.to_csv(out / "table.csv")
    comparison.scorecard.to_csv(out / "scorecard.csv", index_label="scenario")
    diffs = write_differences(comparison, out / "differences")
    comparison = Comparison(**{**comparison.__dict__, "diffs": diffs})
    (out / "comparison.json").write_text(
        json.dumps(
            {
                "baseline": comparison.baseline.name,
                "runs": {r.name: str(r.folder.resolve()) for r in comparison.runs},
                "weights": comparison.weights,
                "scorecard": comparison.scorecard.reset_index(names="scenario").to_dict(orient="records"),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    write_report(comparison, out / "report.html", lang=lang)
    return comparison


def write_differences(comparison: Comparison, folder: Path) -> dict[tuple[str, str, str], Path]:
    """Δ maps (scenario − baseline) of every compared map of the events both ran, as COG: Δ depth, Δ UTCI, Δ air
    temperature (the outputs each engine declares ``compared``).

    Parameters
    ----------
    comparison : Comparison
        From :func:`compare`.
    folder : pathlib.Path
        Maps go to ``folder/<scenario>/<event>/delta_<map>.tif``, in the maps' units (m, °C).

    Returns
    -------
    dict
        ``(scenario, event, map) -> path`` of each map written.

    Raises
    ------
    twin.errors.ScenarioError
        A map not on the baseline's grid.
    twin.errors.MissingFileError
        A run folder without the map.
    """
    base = comparison.baseline
    base_events = {e["name"]: e["kind"] for e in base.events}
    grid = raster_grid(base.folder / "territory" / "elevation.tif")
    out = {}
    for run in comparison.runs[1:]:
        for event in run.events:
            name = event["name"]
            if base_events.get(name) != event["kind"]:
                continue
            engine = engine_for(event["kind"])
            for var in engine.compared_maps:
                a, units = run.read_map(name, var)
                b, _ = base.read_map(name, var)
                if a.shape != b.shape:
                    raise ScenarioError(
                        message(run.folder, f"{name}/{var}", f"on the baseline's grid {b.shape}", a.shape)
                    )
                path = folder / run.name / name / f"delta_{var}.tif"
                delta = (a - b).astype(np.float32)
                write_map(
                    delta, path, grid, delta_style(engine.output(var), delta),
                    units=units, description=f"{var}: {run.name} minus {base.name}", nodata=float("nan"),
                )  # fmt: skip
                out[(run.name, name, var)] = path
    return out
