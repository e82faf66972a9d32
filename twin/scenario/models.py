"""Scenario files as frozen pydantic models: measures, events, climate and governance.

The models are the single source of truth for the file format: ``twin schema``
prints their JSON Schema, ``docs/scenarios.md`` is generated from them, and the
web API uses them as request bodies. Every field says its units.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Field, PrivateAttr, model_validator

from ..engines import ENGINES, event_models
from ..fields import SLUG, Fraction, Lang, Line, NonNegativeFloat, PositiveFloat, Prose
from ..fields import Model as _Model
from ..hazards import Climate

SCHEMA_VERSION = 1

# ---------------------------------------------------------------- where a measure applies


class MeasureText(_Model):
    """A measure's words in another language (``[measures.i18n.fr]``)."""

    label: Line | None = Field(None, description="the measure's short name in this language")


class _Measure(_Model):
    """What every measure has: a label, its own cost, and its label in other languages."""

    label: Line = Field("", description="a short name for this measure in reports (optional)")
    cost_eur: NonNegativeFloat | None = Field(
        None, description="investment cost of this measure, € (optional; the scenario's cost_eur is the total)"
    )
    i18n: dict[Lang, MeasureText] = Field(
        default_factory=dict, description='the label in other languages: i18n.fr.label = "..." (optional)'
    )


class _Where(_Measure):
    """Where a measure applies: exactly one of a polygon file, a district name, or a building filter."""

    area: str | None = Field(None, description="polygon file (GeoJSON or GeoPackage), relative to the scenario file")
    district: str | None = Field(None, description="name of a district of the territory")
    buildings: dict[str, str | int | float | bool] | None = Field(
        None, description='building filter: attribute = value, e.g. { use = "industrial" }'
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
    tree_height_m: Annotated[float, Field(gt=0, le=60)] | None = Field(
        None,
        description="crown top of the planted trees above the ground, m (the tree_height layer on planted cells "
        "without measured trees; taller measured trees keep theirs); none: the heat engine's tree_height_m",
    )


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


class NewBuildings(_Measure):
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

    @model_validator(mode="after")
    def _height_or_floors(self):
        if (self.height_m is None) == (self.floors is None):
            raise ValueError("give exactly one of height_m or floors")
        return self


class RetentionBasin(_Measure):
    """A basin dug into the ground that stores runoff below its spill level."""

    type: Literal["retention_basin"]
    area: str = Field(description="polygon file of the basin, relative to the scenario file")
    depth_m: Annotated[float, Field(gt=0.0, le=50.0)] | None = Field(
        None, description="depth of the flat bottom below the spill level, m"
    )
    volume_m3: Annotated[float, Field(gt=0.0, le=1e8)] | None = Field(
        None, description="storage volume below the spill level, m3"
    )

    @model_validator(mode="after")
    def _depth_or_volume(self):
        if (self.depth_m is None) == (self.volume_m3 is None):
            raise ValueError("give exactly one of depth_m or volume_m3")
        return self


class Dike(_Measure):
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


Event = Annotated[Union[event_models()], Field(discriminator="kind")]  # noqa: UP007 (a runtime tuple of models)

# ---------------------------------------------------------------- the scenario


class ScenarioText(_Model):
    """A scenario's words in another language (``[i18n.fr]``): shown to people who read that language."""

    title: Line | None = Field(None, min_length=1, description="the title in this language")
    description: Prose | None = Field(None, description="the description in this language")


class Scenario(_Model):
    """A scenario: interventions (measures) on a territory, and the hazard events to test them against."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="version of this file format")
    name: str = Field(pattern=SLUG, description="slug: lower-case letters, digits and dashes (a folder and URL name)")
    title: Line = Field(min_length=1, description="title shown to residents and officials")
    description: Prose = Field("", description="what the scenario does and why, in words a resident can follow")
    i18n: dict[Lang, ScenarioText] = Field(
        default_factory=dict, description="title and description in other languages ([i18n.fr] title = ...)"
    )
    author: Line = Field("", description="who wrote the scenario (person or service)")
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
    flood: dict[str, Any] = Field(
        default_factory=dict,
        description="options of the flood engine (FloodParams), over the territory file's (see Engine options)",
    )
    heat: dict[str, Any] = Field(
        default_factory=dict,
        description="options of the heat engine (HeatParams), over the territory file's (see Engine options)",
    )
    measures: list[Measure] = Field(default_factory=list, description="interventions, applied in order")
    events: list[Event] = Field(default_factory=list, description="hazard events the scenario is tested against")

    # "file: measures.N" for each measure and "file: events.N" for each event, set when a file is resolved,
    # so that an error in an inherited measure names the file it was written in.
    _measure_origins: list[str] | None = PrivateAttr(default=None)
    _event_origins: list[str] | None = PrivateAttr(default=None)
    _measure_files: list[Path] | None = PrivateAttr(default=None)  # the file each measure was written in

    def measure_labels(self) -> list[str]:
        """Where each measure was written, ``"file: measures.N (type)"``, for error messages.

        Returns
        -------
        list of str
            One label per measure, in order.
        """
        origins = self._measure_origins or [f"{self.name}: measures.{i}" for i in range(len(self.measures))]
        return [f"{o} ({m.type})" for o, m in zip(origins, self.measures, strict=True)]

    def measure_folders(self) -> list[Path | None]:
        """The folder of the file each measure was written in (None for a scenario not read from a file): the
        files a measure names are shown relative to it, as they were written, never as a server's full path.

        Returns
        -------
        list of pathlib.Path or None
            One folder per measure, in order.
        """
        files = self._measure_files or [None] * len(self.measures)
        return [None if f is None else f.parent for f in files]

    def event_labels(self) -> list[str]:
        """Where each event was written, ``"file: events.N"``.

        Returns
        -------
        list of str
            One label per event, in order.
        """
        return self._event_origins or [f"{self.name}: events.{i}" for i in range(len(self.events))]

    def engine_options(self) -> dict[str, dict[str, Any]]:
        """The scenario's ``[flood]`` and ``[heat]`` tables, by engine name (empty tables left out)."""
        return {name: getattr(self, name) for name in ENGINES if getattr(self, name, None)}

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
EVENT_KINDS: dict[str, type[_Model]] = {m.kind_name(): m for m in event_models()}
# Fields holding file paths, resolved relative to the scenario file that names them: the measures' and the
# events' (each event model declares its own).
PATH_FIELDS = ("area", "footprints", "line", *(f for m in event_models() for f in m.path_fields))
