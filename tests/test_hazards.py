"""Hazard events: which climate block applies, and the key figures each engine reports of an event's forcing."""

from __future__ import annotations

import pytest

from twin.engines import engine_for
from twin.hazards import NO_CHANGE, effective_climate
from twin.scenario.models import Scenario
from twin.synthetic.files import RAINFALL

HOT = {
    "kind": "heatwave",
    "name": "hot",
    "date": "2019-07-25",
    "max_air_temperature_c": 38.0,
    "min_air_temperature_c": 20.0,
}
STORM = {"kind": "design_storm", "name": "storm", "return_period_years": 100, "duration_min": 60,
         "montana_file": str(RAINFALL)}  # the demo's table, as a scenario on the demo gets it


def _scenario(**fields):
    return Scenario.model_validate({"name": "s", "title": "S", **fields})


def test_the_event_climate_wins_over_the_scenario_climate():
    s = _scenario(
        climate={"delta_t_c": 1.5, "rain_multiplier": 1.2}, events=[HOT | {"climate": {"delta_t_c": 3.0}}, STORM]
    )
    assert effective_climate(s, s.events[0]).delta_t_c == 3.0
    assert effective_climate(s, s.events[1]).rain_multiplier == 1.2
    plain = _scenario(events=[STORM])
    assert effective_climate(plain, plain.events[0]) == NO_CHANGE


def test_summaries_apply_the_climate():
    s = _scenario(climate={"delta_t_c": 2.0, "rain_multiplier": 1.2}, events=[HOT, STORM])
    hot, storm = (engine_for(e).summarize(e, effective_climate(s, e)) for e in s.events)
    assert hot["max_air_temperature_c"] == pytest.approx(40.0)  # 38 + 2
    assert storm["depth_mm"] == pytest.approx(1.2 * 8.7 * 60**0.4, abs=0.01)  # data/demo/rainfall.csv, 100 y
    assert hot["climate"]["delta_t_c"] == 2.0
