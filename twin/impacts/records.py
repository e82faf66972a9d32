"""Indicators as tidy records, and the catalogue that says what each one means.

Every number a planner or a resident sees is an :class:`Indicator`: a key from
:data:`CATALOGUE`, a value in the catalogue's units, the event it comes from
(``None`` for the territory itself) and the district it covers (``None`` for
the whole territory). Tidy records make the comparison table, the batch table,
the report's charts and the viewer's panel one ``groupby`` away.

:class:`EventImpacts` is what the impact functions of one event return: the
indicators, and the buildings and sites with the hazard each one sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

Better = Literal["lower", "higher", "none"]


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator means: units (UDUNITS-like), which way is better, and plain words in English and French."""

    key: str
    units: str
    better: Better
    en: str
    fr: str


@dataclass(frozen=True)
class Indicator:
    """One figure: ``value`` in the units of ``CATALOGUE[key]``, for ``event`` (or the territory) and ``district``."""

    key: str
    value: float
    event: str | None = None
    district: str | None = None

    @property
    def spec(self) -> IndicatorSpec:
        return CATALOGUE[self.key]

    def to_dict(self) -> dict:
        spec = self.spec
        return asdict(self) | {"units": spec.units, "better": spec.better}


def indicators_frame(indicators: Iterable[Indicator]) -> pd.DataFrame:
    """One row per indicator: key, value, event, district, units, better (the tidy table)."""
    columns = ["key", "value", "event", "district", "units", "better"]
    return pd.DataFrame([i.to_dict() for i in indicators], columns=columns)


@dataclass(frozen=True)
class EventImpacts:
    """The impacts of one event.

    Attributes
    ----------
    indicators : list of Indicator
        Territory figures (``district=None``) and district figures.
    buildings : geopandas.GeoDataFrame
        One row per building of the territory, in its order, with the hazard it sees
        (flood: ``depth_m``, ``damage_eur``, ``depth_class``; heat: ``utci_c``, ``stress``).
    sites : geopandas.GeoDataFrame
        One row per sensitive site, with the hazard it sees.
    """

    indicators: list[Indicator]
    buildings: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame

    def frame(self) -> pd.DataFrame:
        """The indicators as a tidy table (see :func:`indicators_frame`)."""
        return indicators_frame(self.indicators)


def _specs(*rows: tuple[str, str, Better, str, str]) -> dict[str, IndicatorSpec]:
    return {row[0]: IndicatorSpec(*row) for row in rows}


# fmt: off
CATALOGUE: dict[str, IndicatorSpec] = _specs(
    # key, units, better,
    #     English, French
    ("flood.buildings_over_0.1m", "buildings", "lower",
        "buildings with water above 0.1 m", "bâtiments avec plus de 0,1 m d'eau"),
    ("flood.buildings_over_0.5m", "buildings", "lower",
        "buildings with water above 0.5 m", "bâtiments avec plus de 0,5 m d'eau"),
    ("flood.buildings_over_1m", "buildings", "lower",
        "buildings with water above 1 m", "bâtiments avec plus de 1 m d'eau"),
    ("flood.damage_eur", "EUR", "lower",
        "flood damage to buildings", "dommages aux bâtiments"),
    ("flood.people_exposed", "people", "lower",
        "residents whose home is flooded above 0.1 m", "habitants dont le logement a plus de 0,1 m d'eau"),
    ("flood.sites_flooded", "sites", "lower",
        "sensitive sites flooded above 0.1 m", "sites sensibles inondés au-delà de 0,1 m"),
    ("flood.road_km_cut_0.05m", "km", "lower",
        "roads closed to pedestrians (water above 5 cm)", "voies impraticables à pied (plus de 5 cm d'eau)"),
    ("flood.road_km_cut_0.10m", "km", "lower",
        "roads closed to cars (above 10 cm)", "voies impraticables en voiture (plus de 10 cm)"),
    ("flood.road_km_cut_0.25m", "km", "lower",
        "roads closed to trucks (above 25 cm)", "voies impraticables aux camions (plus de 25 cm)"),
    ("flood.road_km_cut_0.40m", "km", "lower",
        "roads closed to rescue vehicles (above 40 cm)", "voies impraticables aux secours (plus de 40 cm)"),
    ("flood.area_ppri_low_ha", "ha", "lower",
        "area in the low flood hazard class (PPRI)", "surface en aléa faible (PPRI)"),
    ("flood.area_ppri_medium_ha", "ha", "lower",
        "area in the medium flood hazard class (PPRI)", "surface en aléa moyen (PPRI)"),
    ("flood.area_ppri_high_ha", "ha", "lower",
        "area in the high flood hazard class (PPRI)", "surface en aléa fort (PPRI)"),
    ("flood.expected_annual_damage_eur", "EUR/year", "lower",
        "expected annual flood damage", "dommage annuel moyen"),
    ("heat.people_strong_stress", "people", "lower",
        "residents in strong heat stress or worse at their door (UTCI above 32 °C at 15:00)",
        "habitants en stress thermique fort ou plus à leur porte (UTCI au-delà de 32 °C à 15 h)"),
    ("heat.people_very_strong_stress", "people", "lower",
        "residents in very strong heat stress or worse at their door (UTCI above 38 °C at 15:00)",
        "habitants en stress thermique très fort ou plus à leur porte (UTCI au-delà de 38 °C à 15 h)"),
    ("heat.people_over_75_strong_stress", "people", "lower",
        "residents over 75 in strong heat stress or worse (UTCI above 32 °C)",
        "habitants de plus de 75 ans en stress thermique fort ou plus (UTCI au-delà de 32 °C)"),
    ("heat.people_over_75_very_strong_stress", "people", "lower",
        "residents over 75 in very strong heat stress or worse (UTCI above 38 °C)",
        "habitants de plus de 75 ans en stress thermique très fort ou plus (UTCI au-delà de 38 °C)"),
    ("heat.people_under_5_strong_stress", "people", "lower",
        "children under 5 in strong heat stress or worse (UTCI above 32 °C)",
        "enfants de moins de 5 ans en stress thermique fort ou plus (UTCI au-delà de 32 °C)"),
    ("heat.people_under_5_very_strong_stress", "people", "lower",
        "children under 5 in very strong heat stress or worse (UTCI above 38 °C)",
        "enfants de moins de 5 ans en stress thermique très fort ou plus (UTCI au-delà de 38 °C)"),
    ("heat.sites_strong_stress", "sites", "lower",
        "sensitive sites in strong heat stress or worse (UTCI above 32 °C at 15:00)",
        "sites sensibles en stress thermique fort ou plus (UTCI au-delà de 32 °C à 15 h)"),
    ("heat.uhi_day_mean_k", "K", "lower",
        "mean urban heat island by day, outdoors", "îlot de chaleur urbain moyen le jour, en extérieur"),
    ("heat.uhi_day_p95_k", "K", "lower",
        "urban heat island by day, 95th percentile outdoors",
        "îlot de chaleur urbain le jour, 95e centile en extérieur"),
    ("heat.uhi_night_mean_k", "K", "lower",
        "mean urban heat island by night, outdoors", "îlot de chaleur urbain moyen la nuit, en extérieur"),
    ("heat.uhi_night_p95_k", "K", "lower",
        "urban heat island by night, 95th percentile outdoors",
        "îlot de chaleur urbain la nuit, 95e centile en extérieur"),
    ("land.canopy_share", "1", "higher",
        "share of the ground under tree canopy", "part du sol sous le couvert des arbres"),
    ("land.impervious_share", "1", "lower",
        "share of the ground sealed (impervious)", "part du sol imperméabilisée"),
    ("land.cool_island_access_share", "1", "higher",
        "share of residents within 300 m of a cool island (green space of 2 ha or more, water)",
        "part des habitants à moins de 300 m d'un îlot de fraîcheur (espace vert d'au moins 2 ha, eau)"),
    ("land.population", "people", "none", "residents", "habitants"),
    ("scenario.cost_eur", "EUR", "lower", "cost of the measures", "coût des mesures"),
    ("value.damage_avoided_per_eur", "1", "higher",
        "flood damage avoided per euro spent (over the lifetime for the expected annual damage)",
        "dommages d'inondation évités par euro investi (sur la durée de vie pour le dommage annuel moyen)"),
    ("value.people_relieved_per_meur", "people/MEUR", "higher",
        "people taken out of strong heat stress per million euros",
        "personnes sorties du stress thermique fort par million d'euros"),
    ("value.equity_share", "1", "higher",
        "share of the people who benefit living in the districts most exposed today",
        "part des bénéficiaires habitant les quartiers les plus exposés aujourd'hui"),
)
# fmt: on

# The territory-wide indicators of the comparison table, in this order (others follow alphabetically); the CLI's
# table and the page's key figures show these.
MAIN_KEYS = (
    "scenario.cost_eur",
    "heat.people_strong_stress",
    "heat.people_very_strong_stress",
    "heat.people_over_75_strong_stress",
    "heat.sites_strong_stress",
    "heat.uhi_day_mean_k",
    "heat.uhi_night_mean_k",
    "flood.damage_eur",
    "flood.expected_annual_damage_eur",
    "flood.people_exposed",
    "flood.buildings_over_0.1m",
    "flood.sites_flooded",
    "flood.road_km_cut_0.10m",
    "land.canopy_share",
    "land.impervious_share",
    "land.cool_island_access_share",
)
# Criteria of the scorecard and their default weights: indicator keys summed over the events of a run.
DEFAULT_WEIGHTS: dict[str, float] = {
    "heat.people_strong_stress": 1.0,
    "flood.damage_eur": 1.0,
    "flood.people_exposed": 1.0,
    "land.cool_island_access_share": 0.5,
    "scenario.cost_eur": 0.5,
}
# The report's bar charts: one per (key, event) of these keys, in this order.
CHART_KEYS = (
    "heat.people_strong_stress",
    "heat.uhi_night_mean_k",
    "flood.damage_eur",
    "flood.people_exposed",
    "land.canopy_share",
    "scenario.cost_eur",
)
