"""Scenarios compared with a baseline: the Δ table, value for money, equity, the scorecard, the written folder
and ``twin compare``.

Three results folders are written by hand in the layout of :mod:`twin.results` with indicator values chosen so
that every expected figure is worked out in the comments. Floating-point expectations use ``pytest.approx``
(relative 1e-12) unless a tolerance is stated.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import rasterio
from click.testing import CliRunner
from conftest import table_rows, write_run_folder

from twin.cli import main
from twin.colours import RAMPS
from twin.compare import (
    DEFAULT_WEIGHTS,
    MAIN_KEYS,
    compare,
    equity_share,
    read_weights,
    value_indicators,
    write_comparison,
)
from twin.engines import ENGINES
from twin.errors import OutputError, OutputExistsError, ScenarioError
from twin.grid import Grid
from twin.impacts import Indicator
from twin.results import RunRecord, load_run

GRID = Grid.from_bounds(crs="EPSG:2154", bounds=(431_000, 6_711_000, 431_100, 6_711_080), cell_size=10.0)
HEAT, STORM, EXTRA = "heatwave-2019", "storm-100y-1h", "storm-extra"
EVENTS = {
    HEAT: {"name": HEAT, "kind": "heatwave", "forcing": {"max_air_temperature_c": 40.0}},
    STORM: {"name": STORM, "kind": "design_storm", "forcing": {"depth_mm": 75.0}},
    EXTRA: {"name": EXTRA, "kind": "design_storm", "forcing": {"depth_mm": 120.0}},
}
APPROX = {"rel": 1e-12}

# Residents per district, the same in every run. Territory: 7500.
POPULATION = {"N": 1000.0, "S": 2000.0, "E": 500.0, "W": 4000.0}
# People in strong heat stress by district. Baseline rates: E 0.8, N 0.6, W 0.25, S 0.2: with four districts the
# most exposed third is ceil(4 / 3) = 2 districts, E and N.
HEAT_BASE = {"N": 600.0, "S": 400.0, "E": 400.0, "W": 1000.0}  # 2400
HEAT_TREES = {"N": 500.0, "S": 400.0, "E": 250.0, "W": 900.0}  # 2050: 350 relieved, 100 + 150 of them in N, E
# People with a flooded home by district. Baseline rates: S 0.15, N 0.1, W 0.05, E 0: the top two are S and N.
FLOOD_BASE = {"N": 100.0, "S": 300.0, "E": 0.0, "W": 200.0}  # 600
FLOOD_BASIN = {"N": 40.0, "S": 300.0, "E": 0.0, "W": 80.0}  # 420: 180 no longer flooded, 60 of them in N


def _values(*, heat: dict | None, flood: dict, damage: float, ead: float | None, land: tuple, extra: bool = False):
    """(key, event, district) -> value: territory totals are the sums of the districts."""
    v = {("land.population", None, None): sum(POPULATION.values())}
    v |= {("land.population", None, d): p for d, p in POPULATION.items()}
    v |= dict(
        zip(
            [(k, None, None) for k in ("land.canopy_share", "land.impervious_share", "land.cool_island_access_share")],
            land,
            strict=True,
        )
    )
    if heat is not None:
        v[("heat.people_strong_stress", HEAT, None)] = sum(heat.values())
        v |= {("heat.people_strong_stress", HEAT, d): n for d, n in heat.items()}
    v[("flood.people_exposed", STORM, None)] = sum(flood.values())
    v |= {("flood.people_exposed", STORM, d): n for d, n in flood.items()}
    v[("flood.damage_eur", STORM, None)] = damage
    if ead is not None:
        v[("flood.expected_annual_damage_eur", None, None)] = ead
    if extra:
        v |= {("flood.damage_eur", EXTRA, None): 500_000.0, ("flood.people_exposed", EXTRA, None): 50.0}
    return v


BASE = _values(heat=HEAT_BASE, flood=FLOOD_BASE, damage=3_000_000.0, ead=100_000.0, land=(0.10, 0.60, 0.40))
BASE |= {("heat.uhi_night_mean_k", HEAT, None): 1.5, ("heat.uhi_day_p95_k", HEAT, None): 4.0}  # p95: not a MAIN_KEY
TREES = _values(heat=HEAT_TREES, flood=FLOOD_BASE, damage=3_000_000.0, ead=None, land=(0.18, 0.55, 0.50))
TREES |= {("heat.uhi_night_mean_k", HEAT, None): 1.2, ("heat.uhi_day_p95_k", HEAT, None): 3.5}
BASIN = _values(heat=None, flood=FLOOD_BASIN, damage=1_800_000.0, ead=80_000.0, land=(0.10, 0.58, 0.45), extra=True)
SCENARIOS = {  # name: (values, cost €, lifetime years, events)
    "baseline": (BASE, 0.0, None, [HEAT, STORM]),
    "trees": (TREES, 500_000.0, 40, [HEAT, STORM]),
    "basin": (BASIN, 2_000_000.0, 50, [STORM, EXTRA]),  # did not run the heatwave; ran a storm the baseline did not
}


def _maps(name: str, events: list[str]) -> dict[str, tuple[np.ndarray, str]]:
    """Maps on GRID, float32 values exactly representable so that the hand Δ is exact."""
    ny, nx = GRID.shape
    y, x = np.mgrid[0:ny, 0:nx].astype("float32")
    maps = {"territory/elevation": (40 + 0.5 * x - 0.25 * y, "m")}
    heights = np.zeros((ny, nx), "float32")
    heights[1:3, 2:5] = 9.0
    maps["territory/building_height"] = (heights, "m")
    depth = np.clip(1.0 - np.hypot(x - 4, y - 4) / 5, 0, None).astype("float32")
    for event in events:
        if event == HEAT:
            utci = 30 + 0.5 * x + 0.25 * y - (2.0 if name == "trees" else 0.0) * (y < ny / 2)
            utci[heights > 0] = np.nan
            if name == "trees":
                utci[7, 9] = np.nan
            for var, offset in {"utci": 0.0, "utci_max": 3.0, "t_air_day": -5.0, "t_air_night": -15.0}.items():
                maps[f"events/{event}/{var}"] = ((utci + offset).astype("float32"), "degC")
        else:
            drop = 0.25 if name == "basin" else 0.0
            maps[f"events/{event}/max_depth"] = (np.clip(depth - drop, 0, None).astype("float32"), "m")
    return maps


def _scenario(name: str) -> dict:
    _, cost, lifetime, _ = SCENARIOS[name]
    return {"name": name, "title": name.title(), "description": "", "cost_eur": cost, "lifetime_years": lifetime}


def _record(name: str, values: dict | None = None, events: list[str] | None = None) -> RunRecord:
    """The run in memory, as ``load_run`` would read it back (``compare`` needs no files)."""
    default_values, _, _, default_events = SCENARIOS[name]
    values = default_values if values is None else values
    indicators = [Indicator(k, v, e, d) for (k, e, d), v in values.items()]
    events = [EVENTS.get(e, {"name": e, "kind": "design_storm"}) for e in events or default_events]
    return RunRecord(Path("/nowhere") / name, _scenario(name), [], events, indicators, {})


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for name, (values, _, _, events) in SCENARIOS.items():
        out[name] = write_run_folder(
            root / name,
            scenario=_scenario(name),
            events=[EVENTS[e] for e in events],
            indicators=[(k, v, e, d) for (k, e, d), v in values.items()],
            grid=GRID,
            maps=_maps(name, events),
        )
    return out


@pytest.fixture(scope="module")
def runs(folders):
    return tuple(load_run(folders[name]) for name in ("baseline", "trees", "basin"))


@pytest.fixture(scope="module")
def written(runs, tmp_path_factory):
    base, trees, basin = runs
    out = tmp_path_factory.mktemp("compare") / "comparison"
    return write_comparison(compare([trees, basin], baseline=base), out), out


def _event(e):
    """The table's index holds NaN for the event of territory indicators."""
    return None if isinstance(e, float) and math.isnan(e) else e


# ---------------------------------------------------------------- the Δ table


def test_folders_read_back_as_written(runs):
    base = runs[0]
    assert base.value("flood.people_exposed", event=STORM, district="S") == 300.0
    assert base.value("land.population") == 7500.0 and base.value("heat.people_strong_stress", event=HEAT) == 2400.0


def test_table_columns_baseline_first_then_deltas(runs):
    base, trees, basin = runs
    table = compare([trees, basin], baseline=base).table
    assert list(table.columns) == ["baseline", "trees", "basin", "Δ trees", "Δ basin"]
    # the baseline may also be given among the runs: it is not repeated
    assert list(compare([basin, base, trees], baseline=base).table.columns) == [
        "baseline",
        "basin",
        "trees",
        "Δ basin",
        "Δ trees",
    ]


def test_table_values_and_hand_deltas(runs):
    base, trees, basin = runs
    table = compare([trees, basin], baseline=base).table
    rows = {(k, _event(e)): row for (k, e), row in table.iterrows()}
    expected = {  # (key, event): (baseline, trees, basin, Δ trees, Δ basin); None: no value
        ("scenario.cost_eur", None): (0.0, 500_000.0, 2_000_000.0, 500_000.0, 2_000_000.0),
        ("heat.people_strong_stress", HEAT): (2400.0, 2050.0, None, -350.0, None),
        ("heat.uhi_night_mean_k", HEAT): (1.5, 1.2, None, 1.2 - 1.5, None),
        ("flood.damage_eur", STORM): (3e6, 3e6, 1.8e6, 0.0, -1.2e6),
        ("flood.damage_eur", EXTRA): (None, None, 500_000.0, None, None),
        ("flood.people_exposed", STORM): (600.0, 600.0, 420.0, 0.0, -180.0),
        ("flood.expected_annual_damage_eur", None): (100_000.0, None, 80_000.0, None, -20_000.0),
        ("land.canopy_share", None): (0.10, 0.18, 0.10, 0.18 - 0.10, 0.0),
        ("land.impervious_share", None): (0.60, 0.55, 0.58, 0.55 - 0.60, 0.58 - 0.60),
        ("land.cool_island_access_share", None): (0.40, 0.50, 0.45, 0.50 - 0.40, 0.45 - 0.40),
        ("land.population", None): (7500.0, 7500.0, 7500.0, 0.0, 0.0),
        ("heat.uhi_day_p95_k", HEAT): (4.0, 3.5, None, -0.5, None),
        ("flood.people_exposed", EXTRA): (None, None, 50.0, None, None),
        # value indicators: the scenarios only (worked out in test_value_indicators_*)
        ("value.people_relieved_per_meur", HEAT): (None, 700.0, None, None, None),
        ("value.equity_share", HEAT): (None, 5 / 7, None, None, None),
        ("value.damage_avoided_per_eur", STORM): (None, 0.0, 0.6, None, None),
        ("value.equity_share", STORM): (None, None, 1 / 3, None, None),
        ("value.damage_avoided_per_eur", None): (None, None, 0.5, None, None),
    }
    # every territory figure is a row, once; district figures are not rows
    assert len(rows) == len(table) and set(rows) == set(expected)
    for row_key, cells in expected.items():
        got = rows[row_key]
        for column, want in zip(table.columns, cells, strict=True):
            if want is None:
                assert math.isnan(got[column]), (row_key, column)
            else:
                assert got[column] == pytest.approx(want, **APPROX), (row_key, column)


def test_table_rows_main_keys_first_then_alphabetical(runs):
    base, trees, basin = runs
    keys = [k for k, _ in compare([trees, basin], baseline=base).table.index]
    main = [k for k in keys if k in MAIN_KEYS]
    assert keys[: len(main)] == main
    assert main == sorted(main, key=MAIN_KEYS.index)
    rest = keys[len(main) :]
    assert rest == sorted(rest)
    # event-less land rows and per-event rows, in the catalogue's order
    assert main == [
        "scenario.cost_eur",
        "heat.people_strong_stress",
        "heat.uhi_night_mean_k",
        "flood.damage_eur",
        "flood.damage_eur",
        "flood.expected_annual_damage_eur",
        "flood.people_exposed",
        "flood.people_exposed",
        "land.canopy_share",
        "land.impervious_share",
        "land.cool_island_access_share",
    ]
    assert set(rest) == {
        "heat.uhi_day_p95_k",
        "land.population",
        "value.damage_avoided_per_eur",
        "value.equity_share",
        "value.people_relieved_per_meur",
    }
    events = [_event(e) for k, e in compare([trees, basin], baseline=base).table.index if k == "flood.damage_eur"]
    assert events == [STORM, EXTRA]  # same key: by event name ("storm-1..." < "storm-e...")


# ---------------------------------------------------------------- value for money and equity


def _by_key(indicators) -> dict:
    return {(i.key, i.event): i.value for i in indicators}


def test_value_indicators_of_the_trees(runs):
    base, trees, _ = runs
    got = _by_key(value_indicators(trees, base))
    assert got == {
        ("value.people_relieved_per_meur", HEAT): pytest.approx(350 / 0.5, **APPROX),  # 2400 - 2050 per 0.5 M€
        ("value.equity_share", HEAT): pytest.approx(250 / 350, **APPROX),  # (N 100 + E 150) / 350
        ("value.damage_avoided_per_eur", STORM): 0.0,  # same damage; nobody benefits from the flood: no equity
    }  # no expected annual damage in the trees run: no lifetime figure


def test_value_indicators_of_the_basin(runs):
    base, _, basin = runs
    got = _by_key(value_indicators(basin, base))
    assert got == {
        ("value.damage_avoided_per_eur", STORM): pytest.approx(1.2e6 / 2e6, **APPROX),  # 0.6 € per €
        ("value.equity_share", STORM): pytest.approx(60 / 180, **APPROX),  # N 60 of 60 + 120 (S, N most exposed)
        ("value.damage_avoided_per_eur", None): pytest.approx(20_000 * 50 / 2e6, **APPROX),  # EAD x lifetime / cost
    }  # EXTRA: the baseline did not run it, it is skipped


def test_no_lifetime_figure_without_lifetime_or_baseline_ead(runs):
    base, _, basin = runs
    no_lifetime = replace(basin, scenario=basin.scenario | {"lifetime_years": None})
    assert ("value.damage_avoided_per_eur", None) not in _by_key(value_indicators(no_lifetime, base))
    no_ead = replace(base, indicators=[i for i in base.indicators if i.key != "flood.expected_annual_damage_eur"])
    assert ("value.damage_avoided_per_eur", None) not in _by_key(value_indicators(basin, no_ead))


def test_no_value_indicators_when_cost_is_zero(runs):
    base, trees, basin = runs
    for run in (trees, basin):
        free = replace(run, scenario=run.scenario | {"cost_eur": 0.0})
        keys = {i.key for i in value_indicators(free, base)}
        assert keys <= {"value.equity_share"}  # no € to divide by; who benefits still holds
        assert "value.equity_share" in keys


def test_value_indicators_in_the_tidy_table(runs):
    base, trees, basin = runs
    tidy = compare([trees, basin], baseline=base).tidy
    values = tidy[tidy["key"].str.startswith("value.")]
    assert set(values["scenario"]) == {"trees", "basin"}  # never for the baseline
    assert len(values) == 6 and (values["better"] == "higher").all()


def test_equity_share_hand_value(runs):
    base, trees, basin = runs
    assert equity_share(trees, base, key="heat.people_strong_stress", event=HEAT) == pytest.approx(5 / 7, **APPROX)
    assert equity_share(basin, base, key="flood.people_exposed", event=STORM) == pytest.approx(1 / 3, **APPROX)


def test_equity_share_top_third_is_at_least_one_district():
    """Three districts: the top third is the one most exposed by rate (not by head count)."""
    values = {("land.population", None, "A"): 100.0, ("land.population", None, "B"): 1000.0}
    values |= {("land.population", None, "C"): 400.0}
    base = values | {("flood.people_exposed", STORM, d): n for d, n in {"A": 50, "B": 300, "C": 100}.items()}
    run = values | {("flood.people_exposed", STORM, d): n for d, n in {"A": 20, "B": 200, "C": 100}.items()}
    base_r, run_r = _record("baseline", base, [STORM]), _record("trees", run, [STORM])
    # rates A 0.5, B 0.3, C 0.25: top = [A]; gains A 30, B 100, C 0
    assert equity_share(run_r, base_r, key="flood.people_exposed", event=STORM) == pytest.approx(30 / 130, **APPROX)


def test_equity_share_is_none_when_nobody_benefits(runs):
    base, trees, _ = runs
    assert equity_share(trees, base, key="flood.people_exposed", event=STORM) is None  # same people flooded
    assert equity_share(base, base, key="heat.people_strong_stress", event=HEAT) is None
    worse = _record("trees", TREES | {("heat.people_strong_stress", HEAT, d): 2000.0 for d in POPULATION})
    assert equity_share(worse, base, key="heat.people_strong_stress", event=HEAT) is None
    no_districts = _record("baseline", {k: v for k, v in BASE.items() if k[2] is None})
    assert equity_share(trees, no_districts, key="heat.people_strong_stress", event=HEAT) is None


# ---------------------------------------------------------------- the scorecard


def test_default_scorecard_hand_computation(runs):
    base, trees, basin = runs
    card = compare([trees, basin], baseline=base).scorecard
    # criteria summed over the events every run has (STORM; the heatwave is not run by the basin, EXTRA only by
    # the basin), then 0 (worst) .. 1 (best); a criterion with no shared event is not assessed (left out):
    #   heat hours       lower  no shared event                  -> not assessed
    #   flood damage     lower  3.0 M, 3.0 M, 1.8 M              -> 0, 0, 1
    #   flood people     lower  600, 600, 420                    -> 0, 0, 1
    #   cool islands     higher 0.40, 0.50, 0.45                 -> 0, 1, 0.5
    #   cost             lower  0, 0.5 M, 2 M                    -> 1, 0.75, 0
    comparison = compare([trees, basin], baseline=base)
    card = comparison.scorecard
    assessed = [k for k in DEFAULT_WEIGHTS if k != "heat.person_hours_strong_stress"]
    assert list(comparison.weights) == assessed and "heat.person_hours_strong_stress" not in card.columns
    expected = pd.DataFrame(
        {
            "flood.damage_eur": [0.0, 0.0, 1.0],
            "flood.people_exposed": [0.0, 0.0, 1.0],
            "land.cool_island_access_share": [0.0, 1.0, 0.5],
            "scenario.cost_eur": [1.0, 0.75, 0.0],
        },
        index=["baseline", "trees", "basin"],
    )
    pd.testing.assert_frame_equal(card[assessed], expected, rtol=1e-12)
    # weights 1, 1, 0.5, 0.5 (total 3): the heat criterion's weight is not spread over runs it cannot tell apart
    assert card["score"].tolist() == pytest.approx([0.5 / 3, (0.5 + 0.375) / 3, (1 + 1 + 0.25) / 3], **APPROX)
    assert card["rank"].tolist() == [3, 2, 1]


def test_weighted_scorecard_sums_over_events():
    def run(name, d100, d10, canopy):
        v = {("flood.damage_eur", STORM, None): d100, ("flood.damage_eur", "storm-10y", None): d10}
        v |= {("land.canopy_share", None, None): canopy, ("flood.people_exposed", STORM, None): 0.0}
        return _record(name, v, [STORM, "storm-10y"])

    base = run("baseline", 4e6, 1e6, 0.10)  # 5 M€ in all
    trees = run("trees", 3.5e6, 0.5e6, 0.30)  # 4 M€
    basin = run("basin", 2e6, 0.5e6, 0.20)  # 2.5 M€
    card = compare([trees, basin], baseline=base, weights={"flood.damage_eur": 3, "land.canopy_share": 1}).scorecard
    # damage (lower): (5 - x) / 2.5 -> 0, 0.4, 1; canopy (higher): (c - 0.1) / 0.2 -> 0, 1, 0.5
    assert card["flood.damage_eur"].tolist() == pytest.approx([0.0, 0.4, 1.0], **APPROX)
    assert card["land.canopy_share"].tolist() == pytest.approx([0.0, 1.0, 0.5], **APPROX)
    assert card["score"].tolist() == pytest.approx([0.0, (3 * 0.4 + 1) / 4, (3 + 0.5) / 4], **APPROX)
    assert card["rank"].tolist() == [3, 2, 1]
    assert list(card.columns) == ["flood.damage_eur", "land.canopy_share", "score", "rank"]


def test_scorecard_all_equal_scores_one_and_ties():
    v = {("flood.damage_eur", STORM, None): 1e6, ("flood.people_exposed", STORM, None): 10.0}
    runs = [_record(name, v, [STORM]) for name in ("baseline", "trees", "basin")]
    card = compare(runs[1:], baseline=runs[0], weights={"flood.damage_eur": 2.0, "flood.people_exposed": 1.0}).scorecard
    assert (card[["flood.damage_eur", "flood.people_exposed"]] == 1.0).all().all()
    assert card["score"].tolist() == [1.0, 1.0, 1.0] and card["rank"].tolist() == [1, 1, 1]


def test_compare_refuses_two_runs_of_the_same_name(runs):
    base, trees, _ = runs
    twin_trees = replace(trees, folder=Path("/elsewhere/trees"))
    with pytest.raises(
        ScenarioError, match=r"^compare: scenario names must be unique, got \['baseline', 'trees', 'trees'\]"
    ):
        compare([trees, twin_trees], baseline=base)


# ---------------------------------------------------------------- weights files


def test_read_weights_quoted_and_bare_dotted_keys(tmp_path):
    path = tmp_path / "weights.toml"
    path.write_text(
        '[weights]\n"flood.damage_eur" = 2\nheat.people_strong_stress = 1.5\nflood.buildings_over_0.1m = 0\n',
        encoding="utf-8",
    )
    got = read_weights(path)
    assert got == {"flood.damage_eur": 2.0, "heat.people_strong_stress": 1.5, "flood.buildings_over_0.1m": 0.0}
    assert all(type(w) is float for w in got.values())


# ---------------------------------------------------------------- the comparison folder


def test_written_files(written):
    _, out = written
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    deltas = [
        f"differences/basin/{STORM}/delta_max_depth",
        f"differences/trees/{HEAT}/delta_t_air_day",
        f"differences/trees/{HEAT}/delta_t_air_night",
        f"differences/trees/{HEAT}/delta_utci",
        f"differences/trees/{HEAT}/delta_utci_max",
        f"differences/trees/{STORM}/delta_max_depth",
    ]
    assert names == [
        "comparison.json",
        *sorted(f"{delta}.{suffix}" for delta in deltas for suffix in ("qml", "tif")),  # each map and its QGIS style
        "indicators.csv",
        "report.html",
        "scorecard.csv",
        "table.csv",
    ]  # no Δ of EXTRA: the baseline did not run it


def test_indicators_csv_is_tidy(written):
    _, out = written
    csv = pd.read_csv(out / "indicators.csv")
    assert list(csv.columns) == ["scenario", "key", "value", "event", "district", "units", "better"]
    ident = csv[["scenario", "key", "event", "district"]].fillna("")
    assert not ident.duplicated().any()
    n = {name: len(values) + 1 for name, (values, *_) in SCENARIOS.items()}  # + the cost
    assert len(csv) == n["baseline"] + n["trees"] + 3 + n["basin"] + 3  # + 3 value indicators each
    row = csv[(csv.scenario == "basin") & (csv.key == "flood.people_exposed") & (csv.district == "N")]
    assert row["value"].tolist() == [40.0] and row["event"].tolist() == [STORM] and row["units"].tolist() == ["people"]
    lifetime = csv[(csv.key == "value.damage_avoided_per_eur") & csv.event.isna()]
    assert lifetime["scenario"].tolist() == ["basin"] and lifetime["value"].tolist() == pytest.approx([0.5], **APPROX)


def test_table_and_scorecard_csv(written):
    comparison, out = written
    table = pd.read_csv(out / "table.csv", index_col=[0, 1])
    assert list(table.columns) == ["baseline", "trees", "basin", "Δ trees", "Δ basin"]
    np.testing.assert_allclose(table.to_numpy(), comparison.table.to_numpy(), rtol=1e-12, equal_nan=True)
    assert [k for k, _ in table.index] == [k for k, _ in comparison.table.index]
    card = pd.read_csv(out / "scorecard.csv", index_col="scenario")
    pd.testing.assert_frame_equal(card, comparison.scorecard, check_names=False, rtol=1e-12)


def test_comparison_json_is_valid_json(written):
    _, out = written

    def refuse(constant):
        raise AssertionError(f"comparison.json holds {constant}: not JSON")

    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert data["baseline"] == "baseline" and list(data["runs"]) == ["baseline", "trees", "basin"]
    assessed = {k: w for k, w in DEFAULT_WEIGHTS.items() if k != "heat.person_hours_strong_stress"}
    assert data["weights"] == assessed
    assert [r["scenario"] for r in data["scorecard"]] == ["baseline", "trees", "basin"]
    assert [r["rank"] for r in data["scorecard"]] == [3, 2, 1]
    assert data["scorecard"][2]["score"] == pytest.approx(2.25 / 3, **APPROX)  # as in the scorecard test


@pytest.mark.parametrize(
    ("run", "event", "var"),
    [
        ("trees", HEAT, "utci"),
        ("trees", HEAT, "utci_max"),
        ("trees", HEAT, "t_air_day"),
        ("trees", HEAT, "t_air_night"),
        ("trees", STORM, "max_depth"),
        ("basin", STORM, "max_depth"),
    ],
)
def test_difference_maps_equal_scenario_minus_baseline(written, run, event, var):
    comparison, out = written
    base = _maps("baseline", [HEAT, STORM])[f"events/{event}/{var}"][0].astype(float)
    other = _maps(run, SCENARIOS[run][3])[f"events/{event}/{var}"][0].astype(float)
    path = out / "differences" / run / event / f"delta_{var}.tif"
    assert comparison.diffs[(run, event, var)] == path
    with rasterio.open(path) as src:
        delta = src.read(1, masked=True).astype(float).filled(np.nan)
        assert src.crs.to_epsg() == 2154 and src.transform == GRID.transform
    np.testing.assert_allclose(delta, other - base, rtol=0, atol=1e-6, equal_nan=True)
    spec = next(e.output(var) for e in ENGINES.values() if var in e.compared_maps)
    if spec.delta_ramp is not None:  # drawn in QGIS with the viewer's Δ ramp
        shader = ElementTree.parse(path.with_suffix(".qml")).find("pipe/rasterrenderer/rastershader/colorrampshader")
        stops = [(float(i.get("value")), i.get("color")) for i in shader.findall("item")]
        assert stops == [(float(s.value), s.colour) for s in RAMPS[spec.delta_ramp].stops]
    if var == "utci":
        assert np.isnan(delta[7, 9]) and np.nanmin(delta) == pytest.approx(-2.0, abs=1e-6)
    if run == "basin":
        assert np.nanmin(delta) == pytest.approx(-0.25, abs=1e-6) and np.nanmax(delta) == 0.0


def test_write_comparison_refuses_then_overwrites(runs, tmp_path):
    base, trees, _ = runs
    out = tmp_path / "comparison"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="pass --overwrite"):
        write_comparison(compare([trees], baseline=base), out)
    assert (out / "old.txt").is_file() and not (out / "report.html").exists()
    with pytest.raises(OutputError, match=r"a folder twin wrote \(with comparison.json\) or an empty one"):
        write_comparison(compare([trees], baseline=base), out, overwrite=True)  # not ours: never deleted
    assert (out / "old.txt").is_file()
    (out / "comparison.json").write_text("{}", encoding="utf-8")  # an earlier comparison: replaced whole
    write_comparison(compare([trees], baseline=base), out, overwrite=True)
    assert not (out / "old.txt").exists() and (out / "report.html").is_file()
    assert json.loads((out / "comparison.json").read_text(encoding="utf-8"))["runs"].keys() == {"baseline", "trees"}


def test_write_comparison_never_deletes_the_runs(folders, tmp_path):
    """Overwriting a folder that holds the runs compared would delete them: refused, nothing removed."""
    for name in ("baseline", "trees"):
        shutil.copytree(folders[name], tmp_path / "runs" / name)
    base, trees = load_run(tmp_path / "runs" / "baseline"), load_run(tmp_path / "runs" / "trees")
    for out in (tmp_path / "runs" / "trees", tmp_path / "runs"):
        with pytest.raises(
            ScenarioError,
            match=f"^{re.escape(str(out))}: comparison folder must be outside the run folders compared, got '",
        ):
            write_comparison(compare([trees], baseline=base), out, overwrite=True)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["baseline", "trees"]
    assert (tmp_path / "runs" / "trees" / "events" / STORM / "max_depth.tif").is_file()
    # a comparison folder inside a run folder deletes nothing of the run
    write_comparison(compare([trees], baseline=base), tmp_path / "runs" / "trees" / "cmp", overwrite=True)
    assert load_run(tmp_path / "runs" / "trees").value("flood.damage_eur", event=STORM) == 3e6


# ---------------------------------------------------------------- twin compare


def test_cli_compare(folders, tmp_path):
    out = tmp_path / "cmp"
    args = ["compare", str(folders["trees"]), str(folders["basin"]), "--baseline", str(folders["baseline"])]
    args += ["--out", str(out), "--weight", "flood.damage_eur=2", "--lang", "fr"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = table_rows(result.stdout)
    assert rows["indicator"] == ["unit", "baseline", "Δ trees", "Δ basin"]
    # in the report's language: baseline value, Δ trees, Δ basin, formatted as in the report (CLDR numbers and
    # compact money, shares in %); a dash where a run lacks the figure; the scenario's cost first; labels whole
    nb = "\u00a0"
    assert rows["coût des mesures"] == ["€", f"0{nb}€", f"+500{nb}k{nb}€", f"+2{nb}M{nb}€"]
    assert rows[f"dommages aux bâtiments ({STORM})"] == ["€", f"3{nb}M{nb}€", f"0{nb}€", f"-1,2{nb}M{nb}€"]
    assert rows["dommage annuel moyen"] == ["€/an", f"100{nb}k{nb}€", "—", f"-20{nb}k{nb}€"]
    assert rows["part du sol sous le couvert des arbres"] == ["%", "10,0", "+8,0", "0,0"]
    words = "habitants en stress thermique fort ou plus à leur porte (UTCI au-delà de 32 °C à 15 h)"
    assert rows[f"{words} ({HEAT})"] == ["personnes", "2\u202f400", "-350", "—"]
    assert result.stderr == ""
    assert lines[-1] == f"report: {out / 'report.html'}"
    assert '<html lang="fr">' in (out / "report.html").read_text(encoding="utf-8")
    weights = json.loads((out / "comparison.json").read_text(encoding="utf-8"))["weights"]
    assert weights["flood.damage_eur"] == 2.0
