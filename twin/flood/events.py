"""The flood engine's events: design storms, observed rain series and river floods."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

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
    hydrograph: Hydrograph | None = Field(None, description="parametric inflow hydrograph")
    hydrograph_file: str | None = Field(
        None, description="CSV with columns time_h and discharge_m3_s, relative to the scenario file"
    )
    downstream_level_m: float | None = Field(None, description="water level held at the downstream edge, m above datum")
    duration_h: PositiveFloat | None = Field(None, description="simulated time, h (default: the hydrograph's length)")

    @model_validator(mode="after")
    def _some_forcing(self):
        if self.hydrograph is not None and self.hydrograph_file is not None:
            raise ValueError("give hydrograph or hydrograph_file, not both")
        if self.hydrograph is None and self.hydrograph_file is None and self.downstream_level_m is None:
            raise ValueError("give a hydrograph, a hydrograph_file or a downstream_level_m")
        return self


RAIN_EVENTS = (DesignStorm, RainSeries)  # events whose forcing is rain on every cell
