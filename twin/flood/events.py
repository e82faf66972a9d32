"""The flood engine's events: design storms, observed rain series and river floods."""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..fields import Fraction, Model, NonNegativeFloat, PositiveFloat
from ..hazards import HazardEvent


class Montana(Model):
    """Montana coefficients: depth H = a·t^(1−b) in mm for t in minutes, i.e. i = a·t^(−b) in mm/min."""

    a: PositiveFloat = Field(description="Montana a, mm/min^(1-b) (intensity in mm/min for t in min)")
    b: float = Field(gt=0.0, lt=1.0, description="Montana b, dimensionless, 0 < b < 1")


class DesignStorm(HazardEvent):
    """A design storm from intensity-duration-frequency (Montana) coefficients."""

    path_fields: ClassVar[tuple[str, ...]] = ("montana_file",)
    example: ClassVar[str] = (
        'kind = "design_storm"\nname = "storm-100y-1h"\nreturn_period_years = 100\nduration_min = 60\n'
        'hyetograph = "chicago"'
    )
    batch_cost: ClassVar[int] = 2
    return_period_field: ClassVar[str | None] = "return_period_years"

    kind: Literal["design_storm"]
    return_period_years: PositiveFloat = Field(description="return period, years")
    duration_min: PositiveFloat = Field(le=7 * 24 * 60, description="storm duration, min")
    montana: Montana | None = Field(None, description="coefficients; by default looked up in montana_file")
    montana_file: str | None = Field(
        None,
        description="CSV of Montana coefficients by return period and duration "
        "band; the demo's data/montana_demo.csv by default",
    )
    hyetograph: Literal["chicago", "double_triangle"] = Field("chicago", description="shape of the storm in time")
    peak_position: Fraction = Field(0.4, description="time of the peak as a share of the duration, 0..1 (both shapes)")
    intense_duration_min: PositiveFloat | None = Field(
        None, description="double triangle: duration of the intense period, min (default a quarter of the storm)"
    )
    time_step_min: PositiveFloat = Field(1.0, le=60.0, description="time step of the hyetograph, min")
    after_min: NonNegativeFloat = Field(60.0, description="simulated time after the rain stops, min")

    @model_validator(mode="after")
    def _intense_inside(self):
        if self.intense_duration_min is not None and self.intense_duration_min >= self.duration_min:
            raise ValueError(
                f"intense_duration_min must be shorter than duration_min ({self.duration_min:g} min), "
                f"got {self.intense_duration_min:g}"
            )
        if self.time_step_min > self.duration_min:
            raise ValueError(f"time_step_min must not exceed duration_min, got {self.time_step_min:g}")
        return self


class RainSeries(HazardEvent):
    """Observed or projected rain: a CSV of intensity over time."""

    path_fields: ClassVar[tuple[str, ...]] = ("series_file",)
    example: ClassVar[str] = 'kind = "rain_series"\nname = "storm-2021-06"\nseries_file = "rain/2021-06-19.csv"'
    batch_cost: ClassVar[int] = 2

    kind: Literal["rain_series"]
    series_file: str = Field(
        description="CSV with columns time_min and intensity_mm_per_h, relative to the "
        "scenario file; each intensity holds until the next time"
    )
    after_min: NonNegativeFloat = Field(60.0, description="simulated time after the rain stops, min")


class Hydrograph(Model):
    """A parametric inflow hydrograph: a smooth rise to the peak and a longer recession."""

    peak_discharge_m3_s: PositiveFloat = Field(description="peak discharge, m3/s")
    base_discharge_m3_s: NonNegativeFloat = Field(0.0, description="discharge before and after the flood, m3/s")
    time_to_peak_h: PositiveFloat = Field(description="time from the start to the peak, h")
    time_base_h: PositiveFloat = Field(description="total duration of the flood wave, h")

    @model_validator(mode="after")
    def _peak_inside(self):
        if self.time_to_peak_h >= self.time_base_h:
            raise ValueError("time_to_peak_h must be shorter than time_base_h")
        if self.base_discharge_m3_s >= self.peak_discharge_m3_s:
            raise ValueError("base_discharge_m3_s must be below peak_discharge_m3_s")
        return self


class HydrographSeries(Model):
    """An inflow hydrograph given point by point, linear between the points: a hydrograph_file written inline."""

    time_h: list[NonNegativeFloat] = Field(min_length=2, description="times from the start of the event, h, increasing")
    discharge: list[NonNegativeFloat] = Field(
        min_length=2,
        description="discharge at those times, m3/s (m2/s, per metre of inflow_segment_m, with "
        "discharge_per_unit_width = true)",
    )

    @field_validator("time_h")
    @classmethod
    def _increasing(cls, time_h: list[float]):
        if any(b <= a for a, b in pairwise(time_h)):
            raise ValueError("must be increasing, h")
        return time_h

    @field_validator("discharge")
    @classmethod
    def _one_per_time(cls, discharge: list[float], info: ValidationInfo):
        time_h = info.data.get("time_h")
        if time_h is not None and len(discharge) != len(time_h):
            raise ValueError(f"must have one value per time of time_h ({len(time_h)} times), not {len(discharge)}")
        return discharge


EDGE_NAMES = ("north", "south", "east", "west")


class RiverFlood(HazardEvent):
    """A river flood: an inflow hydrograph at a boundary location and/or a downstream water level."""

    path_fields: ClassVar[tuple[str, ...]] = ("hydrograph_file",)
    example: ClassVar[str] = (
        'kind = "river_flood"\nname = "river-100y"\nhydrograph = { peak_discharge_m3_s = 450.0, '
        "time_to_peak_h = 2.0, time_base_h = 6.0 }"
    )
    batch_cost: ClassVar[int] = 3

    kind: Literal["river_flood"]
    inflow_location: (
        Literal["river_upstream", "north", "south", "east", "west"]
        | Annotated[list[float], Field(min_length=2, max_length=2)]
    ) = Field(
        "river_upstream",
        description="where the inflow enters: where the river crosses the upstream edge, a grid "
        "edge, or a point [x, y] in the territory's CRS, m",
    )
    inflow_segment_m: Annotated[list[NonNegativeFloat], Field(min_length=2, max_length=2)] | None = Field(
        None,
        description="with an edge as inflow_location: the stretch [a, b] of that edge the inflow enters by, m "
        "along the edge from its south end (west and east edges) or its west end (north and south edges); the "
        "inflow spreads over the open cells whose centres lie in [a, b] (default: the edge's cells within 0.5 m "
        "of its lowest ground)",
    )
    hydrograph: Hydrograph | None = Field(None, description="parametric inflow hydrograph")
    hydrograph_file: str | None = Field(
        None,
        description="CSV with columns time_h and discharge_m3_s (discharge_m2_s with discharge_per_unit_width = "
        "true), relative to the scenario file",
    )
    hydrograph_series: HydrographSeries | None = Field(
        None, description="inflow hydrograph written point by point, linear between the points"
    )
    discharge_per_unit_width: bool = Field(
        False,
        description="true: the discharges of hydrograph_series or hydrograph_file are per metre of "
        "inflow_segment_m, m2/s, and the inflow is that times the segment's width (its number of inflow cells × "
        "the cell size, m); false: they are m3/s",
    )
    downstream_level_m: float | None = Field(None, description="water level held at the downstream edge, m above datum")
    duration_h: PositiveFloat | None = Field(None, description="simulated time, h (default: the hydrograph's length)")

    @model_validator(mode="after")
    def _some_forcing(self):
        given = [f for f in ("hydrograph", "hydrograph_file", "hydrograph_series") if getattr(self, f) is not None]
        if len(given) > 1:
            raise ValueError(
                "give only one of hydrograph, hydrograph_file or hydrograph_series "
                f"(this event has {' and '.join(given)})"
            )
        if not given and self.downstream_level_m is None:
            raise ValueError("give a hydrograph, a hydrograph_file, a hydrograph_series or a downstream_level_m")
        return self

    @field_validator("inflow_segment_m")
    @classmethod
    def _segment_on_an_edge(cls, segment, info: ValidationInfo):
        if segment is None:
            return segment
        location = info.data.get("inflow_location")
        if location not in EDGE_NAMES:
            raise ValueError(f"needs inflow_location to be a grid edge ({', '.join(EDGE_NAMES)}), not {location!r}")
        if not segment[0] < segment[1]:
            raise ValueError("must be [a, b] with a < b, m along the edge")
        return segment

    @field_validator("discharge_per_unit_width")
    @classmethod
    def _per_width_on_a_segment(cls, per_width: bool, info: ValidationInfo):
        if not per_width:
            return per_width
        if info.data.get("inflow_segment_m") is None:
            raise ValueError("needs inflow_segment_m: the width the discharge per metre enters by")
        if info.data.get("hydrograph_series") is None and info.data.get("hydrograph_file") is None:
            raise ValueError(
                "needs a hydrograph_series or a hydrograph_file in m2/s (the parametric hydrograph is in m3/s)"
            )
        return per_width


RAIN_EVENTS = (DesignStorm, RainSeries)  # events whose forcing is rain on every cell
