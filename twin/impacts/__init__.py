"""Impacts: hazard results turned into figures people can read.

``flood_impacts`` and ``heat_impacts`` take one event's results on a territory and return an
:class:`EventImpacts` (indicators, buildings, sites); ``land_indicators`` describes the territory
itself; ``expected_annual_damage`` combines flood events of several return periods. Every figure
is an :class:`Indicator` whose key is in :data:`CATALOGUE`.
"""

from __future__ import annotations

from .damage import DamageModel, damage_by_return_period, expected_annual_damage
from .flood import depth_class, flood_impacts
from .heat import heat_impacts, stress_class
from .land import cool_islands, land_indicators, near_cool_island
from .places import at_buildings, at_sites, district_index, district_names, district_raster
from .records import CATALOGUE, RESOLUTIONS, EventImpacts, Indicator, IndicatorSpec, Resolution, indicators_frame

__all__ = [
    "CATALOGUE",
    "RESOLUTIONS",
    "DamageModel",
    "EventImpacts",
    "Indicator",
    "IndicatorSpec",
    "Resolution",
    "at_buildings",
    "at_sites",
    "cool_islands",
    "damage_by_return_period",
    "depth_class",
    "district_index",
    "district_names",
    "district_raster",
    "expected_annual_damage",
    "flood_impacts",
    "heat_impacts",
    "indicators_frame",
    "land_indicators",
    "near_cool_island",
    "stress_class",
]
