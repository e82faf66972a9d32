"""A scenario checked end to end without simulating: its files read, its measures applied.

``twin validate`` and ``twin show`` call :func:`dry_run`, so that everything a
scenario names (district names, building filters, polygon files, weather and
rain files, Montana coefficients) is checked before any engine runs, and each
error names the file and field it comes from, inherited or not.
"""

from __future__ import annotations

from typing import Any

from ..engines import check_table, engine_for
from ..errors import ScenarioError, TwinError
from ..hazards import effective_climate
from ..measures import apply_measures
from ..sources import load_territory


def dry_run(scenario, *, territory=None) -> tuple[Any, list, list[dict[str, Any]]]:
    """Apply the measures and compute each event's forcing figures.

    Parameters
    ----------
    scenario : Scenario
        As returned by :func:`twin.scenario.load_scenario`.
    territory : Territory, optional
        Already loaded; by default the scenario's own territory is loaded.

    Returns
    -------
    territory, effects, events
        The territory after the measures, one :class:`~twin.measures.MeasureEffect` per measure, and one dict
        of key figures per event.

    Raises
    ------
    twin.errors.TwinError
        A bad event, territory or measure, or a land-cover table without the columns of an event's engine.
    """
    figures = []
    for event, label in zip(scenario.events, scenario.event_labels(), strict=True):
        try:
            figures.append(engine_for(event).summarize(event, effective_climate(scenario, event)))
        except TwinError as exc:
            raise ScenarioError(f"{label}: {exc}") from None
    if territory is None:
        try:
            territory = load_territory(scenario.territory)
        except TwinError as exc:
            raise ScenarioError(f"{scenario.name}: territory {scenario.territory!r}: {exc}") from None
    check_table(territory.landcover, scenario.events)
    territory, effects = apply_measures(
        territory, scenario.measures, labels=scenario.measure_labels(), folders=scenario.measure_folders()
    )
    return territory, effects, figures
