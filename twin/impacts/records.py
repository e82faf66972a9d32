"""Indicators as tidy records, and the catalogue that says what each one means.

Every number a planner or a resident sees is an :class:`Indicator`: a key from
:data:`CATALOGUE` (its words are in :mod:`twin.words`), a value in the catalogue's units, the event it comes from
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

from ..words import text

if TYPE_CHECKING:
    import geopandas as gpd

Better = Literal["lower", "higher", "none"]


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator is: units (UDUNITS-like) and which way is better; its words are in the word tables.

    Parameters
    ----------
    key : str
        ``<family>.<name>``, as in :data:`CATALOGUE` (``"flood.damage_eur"``).
    units : str
        Units of its values (``"EUR"``, ``"people"``, ``"K"``, ``"ha"``, ``"1"`` for shares).
    better : {"lower", "higher", "none"}
        Which way is better; ``"none"``: it cannot be scored.
    """

    key: str
    units: str
    better: Better

    def words(self, lang: str) -> str:
        """What it means, in plain words of ``lang`` (``indicator.<key>`` in :mod:`twin.words`).

        Parameters
        ----------
        lang : {"en", "fr"}
            The language.

        Returns
        -------
        str
            The words; the key itself if the tables have none.

        Raises
        ------
        twin.errors.ScenarioError
            An unknown ``lang``.
        """
        return text(f"indicator.{self.key}", lang)

    @property
    def en(self) -> str:
        """What it means, in English."""
        return self.words("en")

    @property
    def fr(self) -> str:
        """What it means, in French."""
        return self.words("fr")

    @property
    def resolution(self) -> Resolution:
        """The smallest change the models can tell apart, in the indicator's units, with the reason
        (``twin.impacts.RESOLUTIONS``): a smaller change is "no measurable change" in the page and the report."""
        return RESOLUTIONS[self.units]

    def measurable(self, delta: float | None) -> bool:
        """Whether a change ``delta`` (in the indicator's units) reaches its ``resolution``; a missing one does not.

        Parameters
        ----------
        delta : float or None
            A scenario's value minus the baseline's.

        Returns
        -------
        bool
            ``abs(delta) >= resolution.step``, False for None or NaN.
        """
        return delta is not None and delta == delta and abs(delta) >= self.resolution.step - 1e-12


@dataclass(frozen=True)
class Resolution:
    """What the models can tell apart: ``step`` in an indicator's units, and ``why``."""

    step: float
    why: str


# The resolution of the indicators, by their units (every unit of the catalogue has one; a test holds them to it).
RESOLUTIONS: dict[str, Resolution] = {
    "people": Resolution(
        1.0,
        "one person: residents are spread over buildings and cells in fractions of a person, "
        "so a smaller change is arithmetic, not people",
    ),
    "buildings": Resolution(1.0, "one building: counts of whole buildings"),
    "sites": Resolution(1.0, "one site: counts of whole sites"),
    "km": Resolution(0.1, "100 m of road: shorter changes come from single cells at the water's edge"),
    "ha": Resolution(
        0.1, "a tenth of a hectare (40 cells of 5 m): smaller patches are single cells at the edge of a hazard class"
    ),
    "K": Resolution(0.1, "0.1 °C: air-temperature sensors and urban-climate models agree no better than that"),
    "EUR": Resolution(
        1000.0,
        "1 000 €: depth-damage curves and unit costs are known to a few per cent, on sums "
        "of tens or hundreds of thousands of euros",
    ),
    "EUR/year": Resolution(
        100.0,
        "100 € a year: the expected annual damage integrates damages known to 1 000 € "
        "over return periods of 10 years and more",
    ),
    "kWh": Resolution(
        100.0,
        "100 kWh: the consumption per °C and m² is known to its order of magnitude, and 0.1 °C (the temperatures' "
        "resolution) over a town's million m² of floor at 0.001 kWh per °C and m² is 100 kWh",
    ),
    "person-hours": Resolution(1.0, "one person for one hour: the steps of the day are an hour long"),
    "site-hours": Resolution(1.0, "one site for one hour: the steps of the day are an hour long"),
    "h": Resolution(0.1, "six minutes: a share of an hour-long step, averaged over workplaces"),
    "K h": Resolution(0.1, "0.1 °C for an hour: the resolution of the temperatures, over one step of the day"),
    "people/MEUR": Resolution(1.0, "one person per million euros: the people counts' own resolution"),
    "1": Resolution(
        0.001, "a tenth of a percentage point: the last digit shown, and a patch of a few cells on a town's grid"
    ),
}


@dataclass(frozen=True)
class Indicator:
    """One figure: ``value`` in the units of ``CATALOGUE[key]``, for ``event`` (or the territory) and ``district``.

    Parameters
    ----------
    key : str
        A key of :data:`CATALOGUE`.
    value : float
        In the catalogue's units for the key.
    event : str, optional
        The event's name; ``None`` for the territory itself or figures over several events.
    district : str, optional
        The district's name; ``None`` for the whole territory.
    """

    key: str
    value: float
    event: str | None = None
    district: str | None = None

    @property
    def spec(self) -> IndicatorSpec:
        """Its entry in :data:`CATALOGUE`."""
        return CATALOGUE[self.key]

    def to_dict(self) -> dict:
        """The indicator as one record of the tidy table.

        Returns
        -------
        dict
            ``key``, ``value``, ``event``, ``district``, ``units`` and ``better``.
        """
        spec = self.spec
        return asdict(self) | {"units": spec.units, "better": spec.better}


def indicators_frame(indicators: Iterable[Indicator]) -> pd.DataFrame:
    """One row per indicator: key, value, event, district, units, better (the tidy table).

    Parameters
    ----------
    indicators : iterable of Indicator
        The indicators.

    Returns
    -------
    pandas.DataFrame
        One row per indicator, values in their units.
    """
    columns = ["key", "value", "event", "district", "units", "better"]
    return pd.DataFrame([i.to_dict() for i in indicators], columns=columns)


@dataclass(frozen=True)
class EventImpacts:
    """The impacts of one event.

    Parameters
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
        """The indicators as a tidy table (see :func:`indicators_frame`).

        Returns
        -------
        pandas.DataFrame
            One row per indicator.
        """
        return indicators_frame(self.indicators)


def _specs(*rows: tuple[str, str, Better]) -> dict[str, IndicatorSpec]:
    return {row[0]: IndicatorSpec(*row) for row in rows}


# What each indicator is: key, units, which way is better. Its words are in the word tables (twin/words/*.json,
# ``indicator.<key>``).
CATALOGUE: dict[str, IndicatorSpec] = _specs(
    ("flood.buildings_over_0.1m", "buildings", "lower"),
    ("flood.buildings_over_0.5m", "buildings", "lower"),
    ("flood.buildings_over_1m", "buildings", "lower"),
    ("flood.damage_eur", "EUR", "lower"),
    ("flood.people_exposed", "people", "lower"),
    ("flood.sites_flooded", "sites", "lower"),
    ("flood.road_km_cut_0.05m", "km", "lower"),
    ("flood.road_km_cut_0.10m", "km", "lower"),
    ("flood.road_km_cut_0.25m", "km", "lower"),
    ("flood.road_km_cut_0.40m", "km", "lower"),
    ("flood.area_ppri_low_ha", "ha", "lower"),
    ("flood.area_ppri_medium_ha", "ha", "lower"),
    ("flood.area_ppri_high_ha", "ha", "lower"),
    ("flood.expected_annual_damage_eur", "EUR/year", "lower"),
    ("heat.people_strong_stress", "people", "lower"),
    ("heat.people_very_strong_stress", "people", "lower"),
    ("heat.people_over_75_strong_stress", "people", "lower"),
    ("heat.people_over_75_very_strong_stress", "people", "lower"),
    ("heat.people_under_5_strong_stress", "people", "lower"),
    ("heat.people_under_5_very_strong_stress", "people", "lower"),
    ("heat.sites_strong_stress", "sites", "lower"),
    ("heat.person_hours_strong_stress", "person-hours", "lower"),
    ("heat.person_hours_very_strong_stress", "person-hours", "lower"),
    ("heat.person_hours_extreme_stress", "person-hours", "lower"),
    ("heat.person_hours_over_75_strong_stress", "person-hours", "lower"),
    ("heat.person_hours_over_75_very_strong_stress", "person-hours", "lower"),
    ("heat.person_hours_over_75_extreme_stress", "person-hours", "lower"),
    ("heat.person_hours_under_5_strong_stress", "person-hours", "lower"),
    ("heat.person_hours_under_5_very_strong_stress", "person-hours", "lower"),
    ("heat.person_hours_under_5_extreme_stress", "person-hours", "lower"),
    ("heat.site_hours_strong_stress", "site-hours", "lower"),
    ("heat.people_tropical_night", "people", "lower"),
    ("heat.utci_degree_hours_per_person", "K h", "lower"),
    ("heat.work_hours_lost_light", "h", "lower"),
    ("heat.work_hours_lost_heavy", "h", "lower"),
    ("heat.energy_saved_kwh", "kWh", "higher"),
    ("heat.energy_saved_eur", "EUR", "higher"),
    ("heat.uhi_day_mean_k", "K", "lower"),
    ("heat.uhi_day_p95_k", "K", "lower"),
    ("heat.uhi_night_mean_k", "K", "lower"),
    ("heat.uhi_night_p95_k", "K", "lower"),
    ("land.canopy_share", "1", "higher"),
    ("land.impervious_share", "1", "lower"),
    ("land.cool_island_access_share", "1", "higher"),
    ("land.population", "people", "none"),
    ("scenario.cost_eur", "EUR", "lower"),
    ("value.damage_avoided_per_eur", "1", "higher"),
    ("value.people_relieved_per_meur", "people/MEUR", "higher"),
    ("value.equity_share", "1", "higher"),
)

# The territory-wide indicators of the comparison table, in this order (others follow alphabetically); the CLI's
# table and the page's key figures show these.
MAIN_KEYS = (
    "scenario.cost_eur",
    "heat.person_hours_strong_stress",
    "heat.person_hours_very_strong_stress",
    "heat.people_tropical_night",
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
    "heat.person_hours_strong_stress": 1.0,
    "flood.damage_eur": 1.0,
    "flood.people_exposed": 1.0,
    "land.cool_island_access_share": 0.5,
    "scenario.cost_eur": 0.5,
}
# The report's bar charts: one per (key, event) of these keys, in this order.
CHART_KEYS = (
    "heat.person_hours_strong_stress",
    "heat.uhi_night_mean_k",
    "flood.damage_eur",
    "flood.people_exposed",
    "land.canopy_share",
    "scenario.cost_eur",
)
# The headline sentences of a scenario's main changes, in this order (their words: headline.<key>.down / .up).
HEADLINE_KEYS = (
    "heat.person_hours_strong_stress",
    "heat.person_hours_very_strong_stress",
    "heat.person_hours_over_75_strong_stress",
    "heat.site_hours_strong_stress",
    "heat.people_tropical_night",
    "heat.people_strong_stress",
    "heat.people_very_strong_stress",
    "heat.people_over_75_strong_stress",
    "heat.sites_strong_stress",
    "heat.uhi_night_mean_k",
    "heat.uhi_day_mean_k",
    "flood.damage_eur",
    "flood.expected_annual_damage_eur",
    "flood.people_exposed",
    "flood.buildings_over_0.1m",
    "flood.sites_flooded",
    "flood.area_ppri_high_ha",
    "flood.area_ppri_medium_ha",
    "flood.area_ppri_low_ha",
    "flood.road_km_cut_0.10m",
    "land.canopy_share",
    "land.impervious_share",
    "land.cool_island_access_share",
)
