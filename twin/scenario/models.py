"""Scenario files as frozen pydantic models: measures, events, climate and governance.

The models are the single source of truth for the file format: ``twin schema``
prints their JSON Schema, ``docs/scenarios.md`` is generated from them, and the
web API uses them as request bodies. Every field says its units.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
SCHEMA_VERSION = 1


class _Model(BaseModel):
    # strict: a number written as a string, or true for 1, is an error, never silently converted
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]

# ---------------------------------------------------------------- where a measure applies


class _Where(_Model):
    """Where a measure applies: exactly one of a polygon file, a district name, or a building filter."""

    area: str | None = Field(None, description="polygon file (GeoJSON or GeoPackage), relative to the scenario file")
    district: str | None = Field(None, description="name of a district of the territory")
    buildings: dict[str, str | int | float | bool] | None = Field(
        None, description='building filter: attribute = value, e.g. { use = "industrial" }'
    )
    label: str = Field("", description="a short name for this measure in reports (optional)")
    cost_eur: NonNegativeFloat | None = Field(
        None, description="investment cost of this measure, € (optional; the scenario's cost_eur is the total)"
    )

    @model_validator(mode="after")
    def _one_selection(self):
        given = [k for k in ("area", "district", "buildings") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of area, district or buildings, got {given or 'none'}")
        return self


class _Ground(_Where):
    """A measure on open ground: it selects by area or district, not by buildings."""

    @model_validator(mode="after")
    def _not_on_buildings(self):
        if self.buildings is not None:
            raise ValueError(f"{self.type} works on open ground: select it by area or district, not by buildings")
        return self


class TreePlanting(_Ground):
    """Plant trees: raises the tree-canopy fraction on open ground (not on buildings)."""

    type: Literal["tree_planting"]
    canopy_fraction: Fraction = Field(description="tree-canopy fraction reached on planted cells, 0..1")


class Depaving(_Ground):
    """Remove sealed surfaces and turn them into grass, bare soil or trees (land-cover change)."""

    type: Literal["depaving"]
    to: Literal["grass", "bare_soil", "trees", "garden", "meadow"] = Field(
        "grass", description="land-cover class given to the depaved cells"
    )
    classes: list[str] = Field(
        ["paved"], min_length=1, description="land-cover classes that are depaved (names from the land-cover table)"
    )


class CoolRoofs(_Where):
    """Repaint or re-cover roofs with a reflective surface."""

    type: Literal["cool_roofs"]
    albedo: Fraction = Field(description="roof albedo after the works, 0..1 (white membranes reach 0.6-0.8)")


class GreenRoofs(_Where):
    """Vegetated roofs: evapotranspiration for heat, storage of the first millimetres of rain for floods."""

    type: Literal["green_roofs"]
    vegetation_fraction: Fraction = Field(description="share of the roof that is vegetated, 0..1")
    retention_mm: float = Field(ge=0.0, le=1000.0, description="rain depth held by the substrate before runoff, mm")


class PermeablePavement(_Ground):
    """Replace sealed paving by a permeable one that infiltrates."""

    type: Literal["permeable_pavement"]
    infiltration_mm_per_h: PositiveFloat = Field(description="infiltration capacity of the pavement, mm/h")
    classes: list[str] = Field(["paved"], min_length=1, description="land-cover classes that are replaced")


class WaterFeature(_Ground):
    """A pond, canal or fountain basin: the cells become open water."""

    type: Literal["water_feature"]


class Demolition(_Where):
    """Remove buildings; their footprints become the given land-cover class."""

    type: Literal["demolition"]
    to: Literal["paved", "grass", "bare_soil", "trees", "garden"] = Field(
        "grass", description="land-cover class left where buildings stood"
    )


class NewBuildings(_Model):
    """New buildings from a footprints file (one polygon per building)."""

    type: Literal["new_buildings"]
    footprints: str = Field(description="polygon file of the footprints, relative to the scenario file")
    height_m: Annotated[float, Field(gt=0.0, le=500.0)] | None = Field(
        None, description="building height, m (or give floors)"
    )
    floors: Annotated[int, Field(ge=1, le=150)] | None = Field(None, description="number of storeys (or give height_m)")
    storey_height_m: float = Field(3.0, gt=1.5, le=10.0, description="height of one storey, m, used with floors")
    use: Literal["residential", "commercial", "industrial", "public", "other"] = Field(
        "residential", description="building use"
    )
    dwellings: Annotated[int, Field(ge=0)] | None = Field(
        None, description="dwellings in all the new buildings together; by default floor area / 75 m2 for housing"
    )
    persons_per_dwelling: PositiveFloat = Field(2.1, description="residents per new dwelling (INSEE mean household)")
    label: str = Field("", description="a short name for this measure in reports (optional)")
    cost_eur: NonNegativeFloat | None = Field(
        None, description="investment cost of this measure, € (optional; the scenario's cost_eur is the total)"
    )

    @model_validator(mode="after")
    def _height_or_floors(self):
        if (self.height_m is None) == (self.floors is None):
            raise ValueError("give exactly one of height_m or floors")
        return self


class RetentionBasin(_Model):
    """A basin dug into the ground that stores runoff below its spill level."""

    type: Literal["retention_basin"]
    area: str = Field(description="polygon file of the basin, relative to the scenario file")
    depth_m: Annotated[float, Field(gt=0.0, le=50.0)] | None = Field(
        None, description="depth of the flat bottom below the spill level, m"
    )
    volume_m3: Annotated[float, Field(gt=0.0, le=1e8)] | None = Field(
        None, description="storage volume below the spill level, m3"
    )
    label: str = Field("", description="a short name for this measure in reports (optional)")
    cost_eur: NonNegativeFloat | None = Field(
        None, description="investment cost of this measure, € (optional; the scenario's cost_eur is the total)"
    )

    @model_validator(mode="after")
    def _depth_or_volume(self):
        if (self.depth_m is None) == (self.volume_m3 is None):
            raise ValueError("give exactly one of depth_m or volume_m3")
        return self


class Dike(_Model):
    """A dike or flood wall along a line, raising the ground to its crest."""

    type: Literal["dike"]
    line: str = Field(description="line file of the dike's axis, relative to the scenario file")
    crest_elevation_m: Annotated[float, Field(ge=-500.0, le=5000.0)] | None = Field(
        None, description="crest elevation above datum, m (or give height_m)"
    )
    height_m: Annotated[float, Field(gt=0.0, le=50.0)] | None = Field(
        None, description="crest height above the local ground, m"
    )
    width_m: float = Field(5.0, gt=0.0, le=500.0, description="crest width, m (at least one cell is always raised)")
    label: str = Field("", description="a short name for this measure in reports (optional)")
    cost_eur: NonNegativeFloat | None = Field(
        None, description="investment cost of this measure, € (optional; the scenario's cost_eur is the total)"
    )

    @model_validator(mode="after")
    def _crest_or_height(self):
        if (self.crest_elevation_m is None) == (self.height_m is None):
            raise ValueError("give exactly one of crest_elevation_m or height_m")
        return self


class TerrainEdit(_Ground):
    """Reshape the ground: raise, lower, or set it to an elevation."""

    type: Literal["terrain_edit"]
    operation: Literal["raise", "lower", "set"] = Field(description="raise or lower by value_m, or set to value_m")
    value_m: float = Field(
        ge=-500.0,
        le=5000.0,
        description="metres to raise or lower by (0 to 100), or the elevation to set, m above datum",
    )

    @model_validator(mode="after")
    def _positive_offset(self):
        if self.operation != "set" and not 0 < self.value_m <= 100:
            raise ValueError(f"value_m must be within (0, 100] m to {self.operation} the ground, got {self.value_m}")
        return self


Measure = Annotated[
    TreePlanting
    | Depaving
    | CoolRoofs
    | GreenRoofs
    | PermeablePavement
    | WaterFeature
    | Demolition
    | NewBuildings
    | RetentionBasin
    | Dike
    | TerrainEdit,
    Field(discriminator="type"),
]

# ---------------------------------------------------------------- events


class Climate(_Model):
    """A climate shift applied to events: warmer air and heavier rain (e.g. a 2050 projection)."""

    delta_t_c: float = Field(0.0, ge=-10.0, le=10.0, description="added to every air temperature, °C")
    rain_multiplier: PositiveFloat = Field(1.0, le=3.0, description="factor on every rain intensity and depth, 1")


class _Event(_Model):
    name: str = Field(pattern=SLUG, description="event name, a slug; a scenario replaces an inherited event by name")
    climate: Climate | None = Field(None, description="overrides the scenario's climate block for this event")


class Heatwave(_Event):
    """A heatwave day: daily extremes, or an hourly weather file."""

    kind: Literal["heatwave"]
    date: dt.date = Field(strict=False, description="day simulated (sun position), YYYY-MM-DD")
    max_air_temperature_c: float | None = Field(
        None, ge=-30.0, le=60.0, description="daily maximum air temperature, °C"
    )
    min_air_temperature_c: float | None = Field(
        None, ge=-40.0, le=45.0, description="daily minimum air temperature, °C"
    )
    relative_humidity_pct: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        40.0, description="mean relative humidity, %"
    )
    wind_speed_m_s: Annotated[float, Field(ge=0.0, le=60.0)] = Field(2.0, description="wind speed at 10 m, m/s")
    weather_file: str | None = Field(
        None, description="hourly CSV or EPW file instead of the extremes, relative to the scenario file"
    )

    @model_validator(mode="after")
    def _extremes_or_file(self):
        extremes = (self.max_air_temperature_c, self.min_air_temperature_c)
        if self.weather_file is None and None in extremes:
            raise ValueError("give max_air_temperature_c and min_air_temperature_c, or a weather_file")
        if None not in extremes and self.min_air_temperature_c > self.max_air_temperature_c:
            raise ValueError("min_air_temperature_c must not exceed max_air_temperature_c")
        return self


class Montana(_Model):
    """Montana coefficients: depth H = a·t^(1−b) in mm for t in minutes, i.e. i = a·t^(−b) in mm/min."""

    a: PositiveFloat = Field(description="Montana a, mm/min^(1-b) (intensity in mm/min for t in min)")
    b: float = Field(gt=0.0, lt=1.0, description="Montana b, dimensionless, 0 < b < 1")


class DesignStorm(_Event):
    """A design storm from intensity-duration-frequency (Montana) coefficients."""

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


class RainSeries(_Event):
    """Observed or projected rain: a CSV of intensity over time."""

    kind: Literal["rain_series"]
    series_file: str = Field(
        description="CSV with columns time_min and intensity_mm_per_h, relative to the "
        "scenario file; each intensity holds until the next time"
    )
    after_min: NonNegativeFloat = Field(60.0, description="simulated time after the rain stops, min")


class Hydrograph(_Model):
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


class RiverFlood(_Event):
    """A river flood: an inflow hydrograph at a boundary location and/or a downstream water level."""

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


Event = Annotated[Heatwave | DesignStorm | RainSeries | RiverFlood, Field(discriminator="kind")]

# ---------------------------------------------------------------- the scenario


class Scenario(_Model):
    """A scenario: interventions (measures) on a territory, and the hazard events to test them against."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="version of this file format")
    name: str = Field(pattern=SLUG, description="slug: lower-case letters, digits and dashes (a folder and URL name)")
    title: str = Field(min_length=1, description="title shown to residents and officials")
    description: str = Field("", description="what the scenario does and why, in words a resident can follow")
    author: str = Field("", description="who wrote the scenario (person or service)")
    status: Literal["draft", "consultation", "adopted", "rejected"] = Field("draft", description="governance status")
    cost_eur: NonNegativeFloat = Field(0.0, description="investment cost of the measures, €")
    lifetime_years: PositiveFloat | None = Field(None, description="service life of the measures, years")
    territory: str = Field("demo", description="a dataset name (demo) or a territory file, relative to this file")
    extends: str | None = Field(
        None,
        description="scenario file whose measures and events this one inherits; "
        "its own measures are added and its events replace inherited ones of the same name",
    )
    climate: Climate | None = Field(None, description="climate shift applied to every event")
    measures: list[Measure] = Field(default_factory=list, description="interventions, applied in order")
    events: list[Event] = Field(default_factory=list, description="hazard events the scenario is tested against")

    # "file: measures.N" for each measure and "file: events.N" for each event, set when a file is resolved,
    # so that an error in an inherited measure names the file it was written in.
    _measure_origins: list[str] | None = PrivateAttr(default=None)
    _event_origins: list[str] | None = PrivateAttr(default=None)

    def measure_labels(self) -> list[str]:
        """Where each measure was written, ``"file: measures.N (type)"``, for error messages."""
        origins = self._measure_origins or [f"{self.name}: measures.{i}" for i in range(len(self.measures))]
        return [f"{o} ({m.type})" for o, m in zip(origins, self.measures, strict=True)]

    def event_labels(self) -> list[str]:
        """Where each event was written, ``"file: events.N"``."""
        return self._event_origins or [f"{self.name}: events.{i}" for i in range(len(self.events))]

    @model_validator(mode="after")
    def _unique_event_names(self):
        names = [e.name for e in self.events]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"event names must be unique, got duplicates {dupes}")
        return self


MEASURE_TYPES: dict[str, type[_Model]] = {
    m.model_fields["type"].annotation.__args__[0]: m
    for m in (
        TreePlanting,
        Depaving,
        CoolRoofs,
        GreenRoofs,
        PermeablePavement,
        WaterFeature,
        Demolition,
        NewBuildings,
        RetentionBasin,
        Dike,
        TerrainEdit,
    )
}
EVENT_KINDS: dict[str, type[_Model]] = {
    m.model_fields["kind"].annotation.__args__[0]: m for m in (Heatwave, DesignStorm, RainSeries, RiverFlood)
}
# Fields holding file paths, resolved relative to the scenario file that names them.
PATH_FIELDS = ("area", "footprints", "line", "weather_file", "montana_file", "series_file", "hydrograph_file")
