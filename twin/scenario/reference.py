"""The scenario file reference (``docs/scenarios.md``), generated from the models.

``python -m twin.scenario.reference > docs/scenarios.md`` (or ``make docs``)
rewrites it; a test fails when the committed file differs, so every field of
the schema is documented with its units.
"""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import BaseModel

from ..hazards import Climate
from .models import EVENT_KINDS, MEASURE_TYPES, Scenario

# One example per measure type, in TOML, checked by the tests against the models; each event model carries its own.
MEASURE_EXAMPLES: dict[str, str] = {
    "tree_planting": 'type = "tree_planting"\ndistrict = "Quartier de la Gare"\ncanopy_fraction = 0.4',
    "depaving": 'type = "depaving"\narea = "zones/school-yard.geojson"\nclasses = ["paved"]\nto = "trees"',
    "cool_roofs": 'type = "cool_roofs"\nbuildings = { use = "industrial" }\nalbedo = 0.7',
    "green_roofs": 'type = "green_roofs"\nbuildings = { use = "public" }\nvegetation_fraction = 0.8\n'
    "retention_mm = 30.0",
    "permeable_pavement": 'type = "permeable_pavement"\ndistrict = "Centre historique"\nclasses = ["paved"]\n'
    "infiltration_mm_per_h = 50.0",
    "water_feature": 'type = "water_feature"\narea = "zones/fountain.geojson"',
    "new_buildings": 'type = "new_buildings"\nfootprints = "zones/new-blocks.geojson"\nfloors = 5\n'
    'use = "residential"\ndwellings = 120',
    "demolition": 'type = "demolition"\narea = "zones/derelict.geojson"\nto = "grass"',
    "retention_basin": 'type = "retention_basin"\narea = "zones/basin.geojson"\nvolume_m3 = 5000.0',
    "dike": 'type = "dike"\nline = "zones/dike.geojson"\ncrest_elevation_m = 24.5\nwidth_m = 5.0',
    "terrain_edit": 'type = "terrain_edit"\narea = "zones/street.geojson"\noperation = "raise"\nvalue_m = 0.3',
}
EXAMPLES: dict[str, str] = MEASURE_EXAMPLES | {kind: model.example for kind, model in EVENT_KINDS.items()}


LIST_TYPES = {"measures": "list of [measures](#measures)", "events": "list of [events](#events)"}
TAG_MEANING = {"type": "the measure type: this table's heading", "kind": "the event kind: this table's heading"}


def example(key: str) -> dict[str, Any]:
    """The example of a measure type or event kind, parsed."""
    return tomllib.loads(EXAMPLES[key])


def _type_text(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        return " or ".join(_type_text(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "$ref" in prop:
        return f"[{prop['$ref'].split('/')[-1]}](#{prop['$ref'].split('/')[-1].lower()})"
    if prop.get("type") == "array":
        items = prop.get("items") or prop.get("prefixItems")
        inner = _type_text(items) if isinstance(items, dict) else ", ".join(_type_text(i) for i in items or [])
        return f"list of {inner}"
    if prop.get("type") == "object":
        return "table"
    if prop.get("format") == "date":
        return "date"
    text = {"number": "number", "integer": "integer", "string": "text", "boolean": "true/false"}.get(
        prop.get("type", ""), "value"
    )
    bounds = [
        f"{op} {prop[k]}"
        for k, op in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<"))
        if k in prop
    ]
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def _table(model) -> list[str]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    lines = ["| field | type | required / default | meaning |", "|---|---|---|---|"]
    for name, prop in schema["properties"].items():
        if name in required:
            default = "required"
        elif prop.get("default") is not None:
            default = f"`{prop['default']!r}`"
        else:
            default = "optional"
        kind = LIST_TYPES.get(name, _type_text(prop))
        meaning = prop.get("description") or TAG_MEANING.get(name, "")
        lines.append(f"| `{name}` | {kind} | {default} | {meaning} |")
    return lines


def _section(level: str, title: str, model, key: str | None = None) -> list[str]:
    out = [f"{level} {title}", "", (model.__doc__ or "").strip(), "", *_table(model), ""]
    if key:
        out += ["```toml", EXAMPLES[key], "```", ""]
    return out


def _nested_models(models) -> list[type[BaseModel]]:
    """The tables the event models use (Montana coefficients, a hydrograph...), each once, in field order."""
    found: list[type[BaseModel]] = []
    for model in models:
        for f in model.model_fields.values():
            for t in getattr(f.annotation, "__args__", (f.annotation,)):
                if isinstance(t, type) and issubclass(t, BaseModel) and t is not Climate and t not in found:
                    found.append(t)
    return found


def render() -> str:
    """The whole reference, in Markdown."""
    out = [
        "# Scenario files: the reference",
        "",
        "<!-- Generated by `python -m twin.scenario.reference`; do not edit by hand. -->",
        "",
        "A scenario is a TOML file. Paths are relative to the file. Unknown fields are errors, so a typo fails",
        "loudly. `twin validate FILE...` checks files, `twin show FILE` prints one resolved after `extends`,",
        "and `twin schema` prints the JSON Schema. Examples live in `scenarios/`.",
        "",
        "Inheritance: with `extends`, the inherited measures come first, then the file's own; the file's events",
        "replace inherited events of the same `name`; `territory`, `climate`, `lifetime_years` and `author` are",
        "inherited unless set. `name`, `title`, `description`, `status` and `cost_eur` belong to each file.",
        "",
    ]
    out += _section("##", "Scenario", Scenario)
    out += [
        "## Measures",
        "",
        "Each `[[measures]]` table has a `type`. Measures with `area`, `district` and",
        "`buildings` take exactly one of the three to say where they apply.",
        "",
    ]
    for key, model in MEASURE_TYPES.items():
        out += _section("###", f"`{key}`", model, key)
    out += ["## Events", "", "Each `[[events]]` table has a `kind` and a `name`.", ""]
    for key, model in EVENT_KINDS.items():
        out += _section("###", f"`{key}`", model, key)
    out += [
        "## Engine options",
        "",
        "The `[flood]` and `[heat]` tables of a scenario set the engines' options (every field of `FloodParams`",
        "and `HeatParams`, `docs/reference/flood-params.md` and `heat-params.md`). A territory file takes the same",
        "tables, for every scenario run on it. One order of precedence, each place over the ones before it:",
        "",
        "1. the engines' defaults;",
        "2. a command's own defaults (`twin run` keeps the flood state in float32);",
        "3. the territory file's `[flood]` / `[heat]`;",
        "4. the scenario's, its own over those of the scenarios it extends;",
        "5. the command line: `twin run --precision`, `twin run --set ENGINE.OPTION=VALUE` (repeatable:",
        "   `--set flood.edges.east=free --set heat.steps_per_day=48`), or a sweep's parameters.",
        "",
        "Nested tables merge key by key (`edges`). Each place is checked field by field when it is read (the",
        "error names the file or `--set`, the field, the value and what it must be); rules that tie options",
        "together (`day_hour` among the steps' hours) are checked on the merged options when the run starts.",
        "The options a run used are in its `provenance.json` (`parameters`).",
        "",
        "An option that names a file (the heat engine's `energy_table`, the consumption table of InVEST's energy",
        "savings) is relative to the file that names it, the territory or scenario file (an inherited one stays",
        "relative to the scenario that wrote it; `--set` is relative to the working folder). A file that does not",
        "exist is refused when the file naming it is read, and a table the engine cannot read before the day is",
        "simulated, the error naming the option and the file.",
        "",
        "```toml",
        "[heat]",
        "steps_per_day = 48       # half-hourly",
        'energy_table = "energy.csv"   # beside this file: InVEST\'s energy savings (heat.energy_saved_kwh)',
        'energy_area = "floor"   # the table\'s consumption is per m² of floor',
        "",
        "[flood]",
        'edges = { west = "closed" }',
        "```",
        "",
    ]
    out += ["## Shared tables", ""]
    for model in (Climate, *_nested_models(EVENT_KINDS.values())):
        out += _section("###", model.__name__, model)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
