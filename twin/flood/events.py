"""The flood engine's events: design storms, observed rain series and river floods."""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..fields import SLUG, Fraction, Model, NonNegativeFloat, PositiveFloat
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
        description="CSV of Montana coefficients by return period and duration band; by default the territory's "
        "rainfall statistics (rainfall in its territory file)",
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
        "scenario file; each intensity holds until the next time (the last for one step; a one-row series until "
        "the end of the run)"
    )
    after_min: NonNegativeFloat = Field(
        60.0, description="simulated time after the rain stops, min (a one-row series rains through it)"
    )


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


def _increasing_times(time_h: list[float]) -> list[float]:
    """A series' times, refused unless increasing."""
    if any(b <= a for a, b in pairwise(time_h)):
        raise ValueError("must be increasing, h")
    return time_h


def _one_value_per_time(values: list[float], info: ValidationInfo) -> list[float]:
    """A series' values, refused unless one per time of its ``time_h``."""
    time_h = info.data.get("time_h")
    if time_h is not None and len(values) != len(time_h):
        raise ValueError(f"must have one value per time of time_h ({len(time_h)} times), not {len(values)}")
    return values


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
        return _increasing_times(time_h)

    @field_validator("discharge")
    @classmethod
    def _one_per_time(cls, discharge: list[float], info: ValidationInfo):
        return _one_value_per_time(discharge, info)


class LevelSeries(Model):
    """A water level over time, linear between its points and held after the last."""

    time_h: list[NonNegativeFloat] = Field(min_length=1, description="times from the start of the event, h, increasing")
    level_m: list[float] = Field(min_length=1, description="water level at those times, m above datum")

    @field_validator("time_h")
    @classmethod
    def _increasing(cls, time_h: list[float]):
        return _increasing_times(time_h)

    @field_validator("level_m")
    @classmethod
    def _one_per_time(cls, level_m: list[float], info: ValidationInfo):
        return _one_value_per_time(level_m, info)

    def at(self, t_s: float) -> float:
        """The level at ``t_s`` seconds from the start, m."""
        return float(np.interp(t_s, np.asarray(self.time_h) * 3600.0, self.level_m))


EDGE_NAMES = ("north", "south", "east", "west")
HYDROGRAPH_FIELDS = ("hydrograph", "hydrograph_file", "hydrograph_series")
Location = (
    Literal["river_upstream", "north", "south", "east", "west"]
    | Annotated[list[float], Field(min_length=2, max_length=2)]
)
Segment = Annotated[list[NonNegativeFloat], Field(min_length=2, max_length=2)]
SEGMENT_HELP = (
    "with an edge as the location: the stretch [a, b] of that edge the inflow enters by, m along the edge from its "
    "south end (west and east edges) or its west end (north and south edges); the inflow spreads over the open "
    "cells whose centres lie in [a, b] (default: the edge's cells within 0.5 m of its lowest ground)"
)
HYDROGRAPH_FILE_HELP = (
    "CSV with columns time_h and discharge_m3_s (discharge_m2_s with discharge_per_unit_width = true), relative to "
    "the scenario file"
)
HYDROGRAPH_SERIES_HELP = "inflow hydrograph written point by point, linear between the points"
PER_WIDTH_HELP = (
    "true: the discharges of the hydrograph series or file are per metre of the segment, m2/s, and the inflow is "
    "that times the segment's width (its number of inflow cells × the cell size, m); false: they are m3/s"
)


def _given_hydrographs(model) -> list[str]:
    return [f for f in HYDROGRAPH_FIELDS if getattr(model, f) is not None]


def _check_one_hydrograph(model, what: str) -> None:
    given = _given_hydrographs(model)
    if len(given) > 1:
        raise ValueError(
            f"give only one of hydrograph, hydrograph_file or hydrograph_series (this {what} has {' and '.join(given)})"
        )


def _check_segment(segment, location, location_field: str):
    if segment is None:
        return segment
    if location not in EDGE_NAMES:
        raise ValueError(f"needs {location_field} to be a grid edge ({', '.join(EDGE_NAMES)}), not {location!r}")
    if not segment[0] < segment[1]:
        raise ValueError("must be [a, b] with a < b, m along the edge")
    return segment


def _check_per_width(per_width: bool, segment, data: dict, segment_field: str) -> bool:
    if not per_width:
        return per_width
    if segment is None:
        raise ValueError(f"needs {segment_field}: the width the discharge per metre enters by")
    if data.get("hydrograph_series") is None and data.get("hydrograph_file") is None:
        raise ValueError(
            "needs a hydrograph_series or a hydrograph_file in m2/s (the parametric hydrograph is in m3/s)"
        )
    return per_width


class Inflow(Model):
    """One inflow of a river flood: a hydrograph entering at a point, over a disc around it, or by a grid edge
    (all of it, or a stretch)."""

    path_fields: ClassVar[tuple[str, ...]] = ("hydrograph_file", "area_file")

    name: str = Field(pattern=SLUG, description="the inflow's name (a slug): the mass balance gives its volume")
    location: Location | None = Field(
        None,
        description="where it enters: where the river crosses the upstream edge, a grid edge, or a point [x, y] in "
        "the territory's CRS, m (or give an area_file)",
    )
    area_file: str | None = Field(
        None,
        description="polygons (GeoPackage, GeoJSON...) the inflow spreads evenly over: the open cells whose centres "
        "lie inside them, instead of a location",
    )
    segment_m: Segment | None = Field(None, description=SEGMENT_HELP)
    radius_m: PositiveFloat | None = Field(
        None,
        description="with a point as the location: the inflow spreads evenly over the open cells whose centres lie "
        "within this distance of the point, m (an area inflow: a culvert's outfall, a spring, a catchment's outlet)",
    )
    hydrograph: Hydrograph | None = Field(None, description="parametric hydrograph")
    hydrograph_file: str | None = Field(None, description=HYDROGRAPH_FILE_HELP)
    hydrograph_series: HydrographSeries | None = Field(None, description=HYDROGRAPH_SERIES_HELP)
    discharge_per_unit_width: bool = Field(False, description=PER_WIDTH_HELP)

    @model_validator(mode="after")
    def _one_hydrograph(self):
        _check_one_hydrograph(self, "inflow")
        if not _given_hydrographs(self):
            raise ValueError("give a hydrograph, a hydrograph_file or a hydrograph_series")
        if (self.location is None) == (self.area_file is None):
            raise ValueError("give a location or an area_file (one of them)")
        return self

    @field_validator("segment_m")
    @classmethod
    def _segment_on_an_edge(cls, segment, info: ValidationInfo):
        return _check_segment(segment, info.data.get("location"), "location")

    @field_validator("radius_m")
    @classmethod
    def _radius_round_a_point(cls, radius, info: ValidationInfo):
        if radius is not None and not isinstance(info.data.get("location"), list):
            raise ValueError(f"needs the location to be a point [x, y], not {info.data.get('location')!r}")
        return radius

    @field_validator("discharge_per_unit_width")
    @classmethod
    def _per_width_on_a_segment(cls, per_width: bool, info: ValidationInfo):
        return _check_per_width(per_width, info.data.get("segment_m"), info.data, "segment_m")


class Rain(Model):
    """Rain during a river flood: one series on every cell, a series per rain zone, or a gridded series
    (:mod:`twin.flood.rainfields`)."""

    path_fields: ClassVar[tuple[str, ...]] = ("series_file", "zones_file", "zone_series_file", "grid_file")

    series_file: str | None = Field(
        None, description="CSV with columns time_min and intensity_mm_per_h: the same rain on every cell"
    )
    zones_file: str | None = Field(
        None,
        description="the rain zones: a raster of zone numbers (nearest cell), or polygons with an integer zone "
        "column; every cell of the grid must be in one",
    )
    zone_series_file: str | None = Field(
        None, description="CSV with time_min, then one column of intensity (mm/h) per zone, headed by its number"
    )
    grid_file: str | None = Field(
        None,
        description="NetCDF of rain intensity (mm/h) over CF time, y and x, or a GeoTIFF of one band per time with "
        "GDAL's netCDF time metadata (NETCDF_DIM_time, time#units: gdal_translate of a CF NetCDF), with its CRS, "
        "resampled bilinearly onto the grid; the first time is the start of the event",
    )
    grid_variable: str | None = Field(None, description="the variable of grid_file (default: its only one in time)")

    @model_validator(mode="after")
    def _one_form(self):
        forms = {
            "series_file": self.series_file is not None,
            "zones_file and zone_series_file": self.zones_file is not None or self.zone_series_file is not None,
            "grid_file": self.grid_file is not None,
        }
        given = [f for f, on in forms.items() if on]
        if len(given) != 1:
            raise ValueError(f"give exactly one of series_file, zones_file and zone_series_file, or grid_file (got "
                             f"{' and '.join(given) or 'none'})")  # fmt: skip
        if (self.zones_file is None) != (self.zone_series_file is None):
            raise ValueError("zones_file and zone_series_file go together")
        return self


class WarmStart(Model):
    """Run the base flow to a steady state before the event starts: every inflow at its first discharge, the
    downstream level held, no rain, until the stored water changes by less than ``tolerance_per_h`` of itself per
    hour (measured over ``window_min``)."""

    tolerance_per_h: PositiveFloat = Field(
        1e-3, description="steady when the stored water changes by less than this share of itself per hour"
    )
    window_min: PositiveFloat = Field(10.0, description="the interval the change is measured over, min")
    max_h: PositiveFloat = Field(12.0, description="longest spin-up, h; a flow not steady by then is an error")


class RiverFlood(HazardEvent):
    """A river flood: inflow hydrographs (rivers, streams, outfalls) and/or a downstream water level.

    The event's own ``hydrograph*`` fields describe one inflow, named ``river``, at ``inflow_location``; the
    ``inflows`` list adds others (Carlisle's Eden, Caldew and Petteril, say), each with its name and place.
    """

    path_fields: ClassVar[tuple[str, ...]] = (
        "hydrograph_file", "initial_depth_file", "restart_file", "area_file", *Rain.path_fields
    )  # its own, its inflows' and its rain's
    example: ClassVar[str] = (
        'kind = "river_flood"\nname = "river-100y"\nhydrograph = { peak_discharge_m3_s = 450.0, '
        "time_to_peak_h = 2.0, time_base_h = 6.0 }"
    )
    batch_cost: ClassVar[int] = 3

    kind: Literal["river_flood"]
    inflow_location: Location = Field(
        "river_upstream",
        description="where the event's own hydrograph enters: where the river crosses the upstream edge, a grid "
        "edge, or a point [x, y] in the territory's CRS, m",
    )
    inflow_segment_m: Segment | None = Field(None, description=SEGMENT_HELP)
    hydrograph: Hydrograph | None = Field(None, description="parametric inflow hydrograph")
    hydrograph_file: str | None = Field(None, description=HYDROGRAPH_FILE_HELP)
    hydrograph_series: HydrographSeries | None = Field(None, description=HYDROGRAPH_SERIES_HELP)
    discharge_per_unit_width: bool = Field(False, description=PER_WIDTH_HELP)
    inflows: list[Inflow] = Field(
        default_factory=list,
        description="more inflows, each with its name, place and hydrograph ([[events.inflows]] tables)",
    )
    rain: Rain | None = Field(None, description="rain falling during the flood (a compound event), [events.rain]")
    initial_level_m: float | None = Field(
        None,
        description="the river's water level at the start, m above datum: cells of the land-cover class named water "
        "start filled to it (none where their ground is above it)",
    )
    initial_depth_file: str | None = Field(
        None, description="a raster of the water depth at the start, m (bilinear onto the grid; no cell missing)"
    )
    warm_start: WarmStart | None = Field(
        None, description="run the base flow to a steady state first ([events.warm_start]; from the initial water)"
    )
    restart_file: str | None = Field(
        None,
        description="continue another run from its saved state (a .npz written by twin.flood.model.simulate's "
        "save_state_to); the event runs on from the state's time",
    )
    downstream_level_m: float | None = Field(None, description="water level held at the downstream edge, m above datum")
    downstream_level_series: LevelSeries | None = Field(
        None, description="water level at the downstream edge over time (a tide, a receiving river), linear between "
        "its points and held after the last"
    )  # fmt: skip
    duration_h: PositiveFloat | None = Field(
        None, description="simulated time, h (default: the longest hydrograph, or the rain's end)"
    )

    @model_validator(mode="after")
    def _some_forcing(self):
        _check_one_hydrograph(self, "event")
        levels = self.downstream_level_m is not None or self.downstream_level_series is not None
        if not _given_hydrographs(self) and not self.inflows and not levels and not self.rain:
            raise ValueError(
                "give a hydrograph, a hydrograph_file, a hydrograph_series, inflows, rain, a downstream_level_m or a "
                "downstream_level_series"
            )
        if self.downstream_level_m is not None and self.downstream_level_series is not None:
            raise ValueError("give downstream_level_m or downstream_level_series, not both")
        starts = [f for f in ("initial_level_m", "initial_depth_file", "restart_file") if getattr(self, f) is not None]
        if len(starts) > 1 or (self.restart_file is not None and self.warm_start is not None):
            raise ValueError(f"give one start: {', '.join(starts + ['warm_start'] * (self.warm_start is not None))}")
        names = [i.name for i in self.all_inflows()]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"inflow names must differ ('river' is the event's own hydrograph): {repeated} repeated")
        return self

    @field_validator("inflow_segment_m")
    @classmethod
    def _segment_on_an_edge(cls, segment, info: ValidationInfo):
        return _check_segment(segment, info.data.get("inflow_location"), "inflow_location")

    @field_validator("discharge_per_unit_width")
    @classmethod
    def _per_width_on_a_segment(cls, per_width: bool, info: ValidationInfo):
        return _check_per_width(per_width, info.data.get("inflow_segment_m"), info.data, "inflow_segment_m")

    def all_inflows(self) -> list[Inflow]:
        """Every inflow of the event: its own hydrograph (named ``river``) first, then ``inflows``."""
        own = []
        if _given_hydrographs(self):
            own = [
                Inflow.model_construct(
                    name="river", location=self.inflow_location, segment_m=self.inflow_segment_m, radius_m=None,
                    area_file=None,
                    hydrograph=self.hydrograph, hydrograph_file=self.hydrograph_file,
                    hydrograph_series=self.hydrograph_series, discharge_per_unit_width=self.discharge_per_unit_width,
                )
            ]  # fmt: skip
        return own + list(self.inflows)


RAIN_EVENTS = (DesignStorm, RainSeries)  # events whose forcing is rain on every cell
