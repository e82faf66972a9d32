"""``twin info`` and ``twin export``: a territory described, and every layer written for QGIS."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import click

from .app import main, no_cache_option
from .console import print_table


@main.command()
@click.argument("territory", default="demo")
@no_cache_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def info(territory: str, as_json: bool) -> None:
    """Describe a territory: grid, layers with units and ranges, buildings, people and sites.

    A land-cover table without some physical columns is shown with the engines it can feed.
    """
    kept = _cached(territory)
    if kept is not None:  # from the territory cache, without loading the territory or importing its libraries
        summary, grid_line = kept["summary"], kept["grid"]
    else:
        from ..sources import load_territory

        t = load_territory(territory)
        summary, grid_line = t.summary(), t.grid.describe()
        if summary["land_cover"]["missing_columns"]:  # a partial table: say which engines it feeds (the registry
            from ..engines import table_engines  # loads numba, so only then)

            summary["land_cover"]["engines"] = table_engines(t.landcover)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print_summary(summary, grid_line)


def _cached(territory: str) -> dict | None:
    """The territory cache's summary of ``territory`` (:func:`twin.territory_key.cached_summary`), its loading's notes
    logged and its warnings given again as a cached load gives them; None when the cache is off or holds none, or
    when the table is partial (the engines it feeds come from the registry, with the territory loaded)."""
    from ..datasets import resolve_territory
    from ..errors import TwinWarning
    from ..territory_key import cached_summary, enabled

    kept = cached_summary(territory) if enabled() else None
    if kept is None or kept["summary"].get("land_cover", {}).get("missing_columns"):
        return None
    name = resolve_territory(territory).name
    for note in kept["summary"].get("notes", []):  # as twin.sources.load_territory logs them
        logging.getLogger("twin.sources").info("%s: %s", name, note)
    for text in kept["warnings"]:
        warnings.warn(text, TwinWarning, stacklevel=2)
    return kept


def print_summary(s: dict, grid_line: str) -> None:
    """What ``twin info`` prints: the grid, a table of the layers, buildings, people, sites and the notes."""
    click.echo(f"Territory: {s['name']}\nGrid: {grid_line}\n")
    rows = [(name, v["units"], f"{v['min']:.4g}", f"{v['max']:.4g}", v["doc"]) for name, v in s["layers"].items()]
    print_table("Layers", ("layer", "units", "min", "max", "meaning"), rows, right=(2, 3))
    b, p = s["buildings"], s["population"]
    uses = ", ".join(f"{k} {n}" for k, n in b["by_use"].items()) or "none"
    click.echo(
        f"\nBuildings: {b['count']} ({uses}); {b['dwellings']} dwellings; "
        f"heights {b['height_m'][0]:g}..{b['height_m'][1]:g} m"
    )
    click.echo(
        f"Population: {p['total']} residents in {len(p['districts'])} districts; {p['placed']} placed on the grid, "
        f"{p['in_buildings']} of them in homes"
    )
    if p["placed"] != p["total"]:
        click.echo(
            f"Warning: {p['total'] - p['placed']} residents of the districts are not placed on the grid (a district "
            "cut by the grid, or with neither homes nor residential land: see the notes): no indicator counts them",
            err=True,
        )
    if p["districts"]:
        print_table(None, ("district", "residents"), [(name, str(n)) for name, n in p["districts"].items()], right=(1,))
    lc = s["land_cover"]
    shares = ", ".join(f"{name} {100 * share:.1f} %" for name, share in lc["share_by_class"].items())
    table = f"preset {lc['preset']} ({lc['table']})" if lc["preset"] else lc["table"]
    click.echo(f"Land cover: table {table}; {shares}")
    if lc["roles"] is None:
        click.echo("Land-cover table: no 'role' column: it does not say which classes are water or buildings")
    else:
        roles = "; ".join(f"{role}: {', '.join(names)}" for role, names in lc["roles"].items()) or "none"
        click.echo(f"Land-cover classes by role: {roles}")
    if lc["missing_columns"]:
        engines = ", ".join(lc["engines"]) or "no engine"
        click.echo(f"Land-cover table: feeds {engines}; has no {lc['missing_columns']}")
    sites = ", ".join(f"{k} {n}" for k, n in s["sites"].items()) or "none"
    click.echo(f"Sensitive sites: {sites}\nRoads: {s['roads_km']:.1f} km")
    if s["notes"]:
        click.echo("\nHow the sources were put on the grid:\n" + "\n".join(f"  - {n}" for n in s["notes"]))


@main.command()
@click.argument("territory")
@no_cache_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the COG layers, NetCDF and GeoPackage.")  # fmt: skip
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def export(territory: str, out: Path, overwrite: bool) -> None:
    """Write every layer of a territory as COG, NetCDF and GeoPackage (QGIS opens them)."""
    from ..sources import load_territory
    from ..styles import export_territory

    written = export_territory(load_territory(territory), out, overwrite=overwrite)
    click.echo(f"wrote {len(written)} files to {out}")
