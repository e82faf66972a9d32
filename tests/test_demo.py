"""`twin demo`, the README's main job: every example scenario on the demo town, compared, reported.

One run of the whole demo (about two minutes) feeds every test here. The
directions checked are the ones a planner expects of these scenarios.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from demo_reference import (
    ACROSS_CPUS_ABS,
    ACROSS_CPUS_REL,
    REFERENCE,
    RELATIVE,
    demo_leaves,
    differences,
    host_cpu,
    read_reference,
    reference_cpu,
)
from test_report import ARTEFACTS

from twin.cli import main
from twin.datasets import scenarios_dir
from twin.heat.comfort import utci
from twin.heat.weather import saturation_vapour_pressure_hpa
from twin.impacts.places import at_buildings, district_index
from twin.results import load_run
from twin.sources import load_territory

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(demo_output):
    out, output = demo_output
    runs = {p.name: load_run(p) for p in (out / "runs").iterdir()}
    return out, output, runs


def test_every_example_scenario_ran_and_the_output_says_where_the_report_is(demo):
    out, output, runs = demo
    assert set(runs) == {p.stem for p in scenarios_dir().glob("*.toml")}
    assert f"Report:  {out / 'comparison' / 'report.html'}" in output
    assert "Δ station-greening" in output and "flood damage to buildings (river-flood)" in output
    for name in ("report.html", "table.csv", "scorecard.csv", "indicators.csv", "comparison.json"):
        assert (out / "comparison" / name).is_file()
    assert CliRunner().invoke(main, ["demo", "--out", str(out)]).exit_code == 1  # refuses to overwrite


def test_every_figure_equals_the_committed_reference(demo):
    """Refactoring moves no number: every leaf of every scenario's indicators.json equals the reference figures
    (tests/data/demo_indicators.csv: the figures made by the commit before the engine registry, the texts in other
    languages added since) to 1e-9 relative; on a CPU other than the reference's, the flood's indicators within
    1 % or a few cells (its float32 fastmath kernels round differently there: see tests/demo_reference.py). A
    change of the physics meant to move them regenerates the file (see tests/demo_reference.py)."""
    out, _, _ = demo
    here, made_on = host_cpu(), reference_cpu()
    problems = differences(demo_leaves(out / "runs"), read_reference(), rtol=RELATIVE, across_cpus=here != made_on)
    assert not problems, f"{len(problems)} figures differ from {REFERENCE.name}:\n" + "\n".join(problems[:40])
    if here != made_on:
        warnings.warn(
            f"the flood's indicators were compared within {ACROSS_CPUS_REL:.0%} or {ACROSS_CPUS_ABS}, not 1e-9: "
            f"this CPU ({here}) is not the one the reference was made on ({made_on})",
            stacklevel=1,
        )


def _delta(runs, name, key, *, event=None, district=None):
    value = runs[name].value(key, event=event, district=district)
    base = runs["baseline"].value(key, event=event, district=district)
    return value - base, base


def test_greening_takes_people_out_of_strong_heat_stress_on_a_hot_day(demo):
    _, _, runs = demo
    delta, base = _delta(runs, "station-greening", "heat.people_strong_stress", event="hot-day")
    assert base > 0 and delta < -0.05 * base  # more than 5 % fewer
    delta, _ = _delta(runs, "station-greening", "heat.uhi_day_mean_k", event="hot-day")
    assert delta < 0
    delta, _ = _delta(runs, "station-greening", "land.canopy_share")
    assert delta > 0


def test_greening_lowers_the_person_hours_in_heat_stress_on_the_40_degree_day_and_the_headline_says_it(demo):
    # Issue 17 asks for >= 2 % fewer person-hours in strong heat stress or worse; on this day the air alone (33 to
    # 40 °C from 09:00 to 19:00 solar) keeps every door above 32 °C UTCI, so shade only moves the morning and the
    # evening: measured -1.5 %. Very strong stress and degree-hours move more (-4 % and -5 %).
    out, _, runs = demo
    delta, base = _delta(runs, "station-greening", "heat.person_hours_strong_stress", event="heatwave-2019")
    assert base > 0 and delta < -0.01 * base  # more than 1 % fewer (the gate, 2 %, is not met)
    delta, base = _delta(runs, "station-greening", "heat.person_hours_very_strong_stress", event="heatwave-2019")
    assert delta < -0.03 * base
    delta, base = _delta(runs, "station-greening", "heat.utci_degree_hours_per_person", event="heatwave-2019")
    assert delta < -0.03 * base
    report = (out / "comparison" / "report.html").read_text(encoding="utf-8")
    assert "fewer person-hours in strong heat stress over the day" in report


def test_no_shade_in_the_station_district_can_take_two_percent_out_of_strong_stress_on_the_40_degree_day(demo):
    """Why issue 17's 2 % gate is out of reach of the scenario, from the baseline's own air: give every door of the
    station district perfect shade, Tmrt = T_air (below what shade gives by day, with its warm walls and ground),
    and count the person-hours in strong heat stress (UTCI > 32 °C) it would remove. That ceiling of any shading
    in the district stays under 2 % (measured 1.42 %): from 11:00 to 21:00 legal time the air alone makes UTCI
    exceed 32 °C at every door. The greening's own figure (1.52 %) is above the ceiling only by the little it cools
    the air by day."""
    out, _, runs = demo
    territory = load_territory("demo")
    buildings = territory.vectors["buildings"].reset_index(drop=True)
    names = territory.vectors["districts"]["name"].astype(str).tolist()
    station = district_index(territory, buildings) == names.index("Quartier de la Gare")
    people = buildings["population"].to_numpy(dtype=float)
    with xr.open_dataset(out / "runs" / "baseline" / "events" / "heatwave-2019" / "hazard.nc") as heat:
        door_utci = at_buildings(territory, heat["utci_hourly"].values, how="mean", cells="open_ring")
        door_air = at_buildings(territory, heat["t_air_hourly"].values, how="mean", cells="open_ring")
        t_ref, humidity = heat["t_ref"].values, heat["relative_humidity"].values
        wind = float(heat.attrs["wind_m_s"])
    vapour = humidity / 100.0 * saturation_vapour_pressure_hpa(t_ref)  # the rural air's, as the engine takes it
    local_rh = np.clip(100.0 * vapour[:, None] / saturation_vapour_pressure_hpa(door_air), 0.0, 100.0)
    in_shade = utci(door_air, door_air, wind, local_rh).utci_c
    strong = door_utci > 32.0
    person_hours = (people * strong).sum()
    ceiling = (people * (strong & ~(in_shade > 32.0)) * station).sum()
    counted = runs["baseline"].value("heat.person_hours_strong_stress", event="heatwave-2019")
    assert person_hours == pytest.approx(counted)  # the same count as the indicator's
    assert 0.0 < ceiling < 0.02 * person_hours
    hot = (in_shade > 32.0)[:, station].all(axis=1)  # steps where even shade leaves every station door in stress
    assert hot.sum() >= 10


def test_the_ring_dike_and_the_basins_lower_flood_damage(demo):
    _, _, runs = demo
    delta, base = _delta(runs, "river-dike", "flood.damage_eur", event="river-flood")
    assert delta < -0.1 * base
    centre, centre_base = _delta(
        runs, "river-dike", "flood.damage_eur", event="river-flood", district="Centre historique"
    )
    assert centre < -0.5 * centre_base  # the old centre it encloses is mostly kept dry
    delta, base = _delta(runs, "retention-upstream", "flood.damage_eur", event="storm-100y-1h")
    assert delta < 0 and base > 0


def test_densifying_gardens_seals_ground_and_building_on_a_car_park_does_not(demo):
    _, _, runs = demo
    delta, _ = _delta(runs, "garden-infill", "land.impervious_share")
    assert delta > 0
    delta, _ = _delta(runs, "car-park-housing", "land.impervious_share")
    assert delta == pytest.approx(0.0, abs=1e-9)
    people, _ = _delta(runs, "garden-infill", "land.population")
    assert people == pytest.approx(40 * 2.1, rel=1e-6)


def test_floods_are_reused_only_where_proven_and_provenance_says_so(demo):
    out, _, runs = demo
    prov = json.loads((out / "runs" / "industrial-cool-roofs" / "provenance.json").read_text())
    for event in ("storm-100y-1h", "river-flood"):
        assert prov["events"][event]["reused_from"]["scenario"] == "baseline"
        a, _ = runs["industrial-cool-roofs"].read_map(event, "max_depth")
        b, _ = runs["baseline"].read_map(event, "max_depth")
        np.testing.assert_array_equal(a, b)
    dike = json.loads((out / "runs" / "river-dike" / "provenance.json").read_text())
    assert "reused_from" not in dike["events"]["river-flood"]
    assert abs(dike["events"]["river-flood"]["mass_balance"]["relative_error"]) < 1e-5  # float32 state
    assert dike["parameters"]["flood"]["precision"] == "float32"


@pytest.mark.browser
def test_the_demo_report_loads_every_image_and_asks_nothing_from_the_network(demo, chromium):
    out, _, _ = demo
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / "comparison" / "report.html").resolve().as_uri(), wait_until="load")
    images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
    assert len(images) >= 20 and all(complete and width > 0 for complete, width in images)
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "demo-report.png"), full_page=False)
    page.close()
