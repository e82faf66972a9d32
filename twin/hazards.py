"""What every hazard event shares, whichever engine runs it: a name, a climate shift, and what the house needs to
know of its kind.

Each engine declares its own event models (:mod:`twin.heat.event`, :mod:`twin.flood.events`) as subclasses of
:class:`HazardEvent`; the registry (:mod:`twin.engines`) gathers them into the scenario file's union of events.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .fields import SLUG, Lang, Line, Model, PositiveFloat


class Climate(Model):
    """A climate shift applied to events: warmer air and heavier rain (e.g. a 2050 projection)."""

    delta_t_c: float = Field(0.0, ge=-10.0, le=10.0, description="added to every air temperature, °C")
    rain_multiplier: PositiveFloat = Field(1.0, le=3.0, description="factor on every rain intensity and depth, 1")


NO_CHANGE = Climate()


class EventText(Model):
    """An event's words in another language (``[events.i18n.fr]``)."""

    title: Line | None = Field(None, min_length=1, description="the event's title in this language")


class HazardEvent(Model):
    """The fields and class-level facts every event model has.

    Subclasses add ``kind: Literal["..."]`` (the tag of the scenario file's union) and their forcing.

    Attributes
    ----------
    path_fields : tuple of str
        Fields holding file paths, resolved relative to the scenario file that names them.
    example : str
        A TOML example of the event, for the generated reference (``docs/scenarios.md``).
    batch_cost : int
        Relative cost of a run of this kind, as its batch priority (the longest first).
    return_period_field : str or None
        The field holding a return period (years), for events that a sweep varies by return period and whose
        damages make an expected annual damage; ``None`` for the others.
    """

    path_fields: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[str] = ""
    batch_cost: ClassVar[int] = 1
    return_period_field: ClassVar[str | None] = None

    name: str = Field(pattern=SLUG, description="event name, a slug; a scenario replaces an inherited event by name")
    title: Line = Field("", description='what people call the event: "Heatwave of 25 July 2019" (optional)')
    i18n: dict[Lang, EventText] = Field(
        default_factory=dict, description='the title in other languages: i18n.fr.title = "..." (optional)'
    )
    climate: Climate | None = Field(None, description="overrides the scenario's climate block for this event")

    @classmethod
    def kind_name(cls) -> str:
        """The ``kind`` tag of this model in scenario files.

        Returns
        -------
        str
            The value of its ``kind`` field, as a scenario file writes it.
        """
        return cls.model_fields["kind"].annotation.__args__[0]


def effective_climate(scenario, event: HazardEvent) -> Climate:
    """The event's own climate block, else the scenario's, else no change.

    Parameters
    ----------
    scenario : twin.scenario.Scenario
        The scenario the event belongs to.
    event : HazardEvent
        One of its events.

    Returns
    -------
    Climate
        The climate shift to apply: ``delta_t_c`` (°C) and ``rain_multiplier`` (1).
    """
    return event.climate or scenario.climate or NO_CHANGE
