"""Presets for the data cities have: IGN BD TOPO buildings, OpenStreetMap buildings and INSEE IRIS districts.

A territory file names one with ``preset = "bdtopo"`` or ``"osm"`` under ``[buildings]`` and ``preset = "iris"``
under ``[districts]``; the preset turns the file's own columns into twin's (``height`` in m, ``floors``, ``use``,
``dwellings``, ``id``; a district's ``name``, ``population`` and age shares) before ``twin.vectors`` checks them,
and says in a note each thing it assumed.

- **BD TOPO** (``BATIMENT``): ``HAUTEUR`` (m), ``NB_ETAGES``, ``USAGE1``, ``NB_LOGTS``, ``ID`` as the shapefile
  edition names them, or ``hauteur``, ``nombre_d_etages``, ``usage_1``, ``nombre_de_logements``, ``cleabs`` as the
  GeoPackage edition does; ``USAGE1`` values by :data:`BDTOPO_USES`.
- **OpenStreetMap** (an ``.osm.pbf`` read by GDAL's OSM driver, layer ``multipolygons``): the features tagged
  ``building``; tags that the driver's ``osmconf.ini`` does not make columns are read from its ``other_tags``
  (hstore text). ``height`` is read with its unit (``"12.13 m"``, ``"12,5"``, ``"40 ft"``, ``"12'6\\""``); where
  it is missing or unreadable, ``building:levels`` + ``roof:levels`` give floors (× the storey height). A base
  raised off the ground (``min_height``, ``building:min_level``) and ``building=roof`` canopies are left out of
  the footprints: twin's engines model a building as a solid block from the ground, which would stop the water and
  the air that pass under them. ``building=*`` values become uses by :data:`OSM_USES`; the id is ``way/<id>`` or
  ``relation/<id>``, OSM's own names of the two kinds of features a building can be.
- **IRIS** (IGN's ``CONTOURS-IRIS``: ``CODE_IRIS``, ``NOM_IRIS``), with the residents of INSEE's population table
  by IRIS (``base-ic-evol-struct-pop-<year>.csv``, ``;``-separated, one row per ``IRIS`` code, ``P<yy>_POP``...)
  joined on the code, named by ``population_table``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import DataSourceError, MissingFileError, message
from .paths import is_file

# BD TOPO (IGN) building uses, USAGE1, mapped to twin's uses.
BDTOPO_USES = {
    "Résidentiel": "residential",
    "Commercial et services": "commercial",
    "Industriel": "industrial",
    "Agricole": "other",
    "Religieux": "public",
    "Sportif": "public",
    "Annexe": "other",
    "Indifférencié": "other",
}

# BD TOPO's columns, twin column -> its name in the shapefile edition, then in the GeoPackage edition.
BDTOPO_COLUMNS = {
    "id": ("ID", "cleabs"),
    "height": ("HAUTEUR", "hauteur"),
    "floors": ("NB_ETAGES", "nombre_d_etages"),
    "use": ("USAGE1", "usage_1"),
    "dwellings": ("NB_LOGTS", "nombre_de_logements"),
}

# OSM's building=* values (https://wiki.openstreetmap.org/wiki/Key:building) by twin's use; the rest are "other".
_OSM_USE_GROUPS = {
    "residential": "apartments barracks bungalow cabin detached dormitory farm ger house houseboat residential "
    "semidetached_house static_caravan stilt_house terrace tree_house trullo",
    "commercial": "commercial kiosk office retail supermarket hotel shop",
    "industrial": "industrial warehouse factory manufacture",
    "public": "public civic government school kindergarten college university hospital church cathedral chapel "
    "mosque synagogue temple religious shrine monastery train_station transportation fire_station museum "
    "sports_hall sports_centre stadium townhall library",
}
OSM_USES = {value: use for use, values in _OSM_USE_GROUPS.items() for value in values.split()}

_LENGTH = re.compile(
    r"""^\s*~?\s*(?P<number>\d+(?:[.,]\d+)?|[.,]\d+)\s*
        (?:(?P<unit>m|metres?|meters?|ft|feet|foot|')\s*(?:(?P<inches>\d+(?:\.\d+)?)\s*(?:"|in|''))?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
FOOT_M = 0.3048
INCH_M = 0.0254


def parse_length(text: object) -> tuple[float | None, str]:
    """A length in metres from an OSM tag's text, and what was assumed ("" when nothing).

    Reads ``"12"``, ``"12.13 m"``, ``"12,5"`` (a decimal comma), ``"40 ft"``, ``"12'6\\""`` (feet and inches); of
    several values (``"3 m;5 m"``, OSM's separator) the first is taken, and said.

    Parameters
    ----------
    text : object
        The tag's value.

    Returns
    -------
    metres : float or None
        None when the text is not a length.
    assumed : str
        ``"first of several"`` when several values were given, else ``""``.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None, ""
    values = str(text).split(";")
    m = _LENGTH.match(values[0])
    if m is None:
        return None, ""
    number = float(m["number"].replace(",", "."))
    unit = (m["unit"] or "m").lower()
    metres = number * FOOT_M + float(m["inches"] or 0) * INCH_M if unit in ("ft", "feet", "foot", "'") else number
    return metres, "first of several" if len(values) > 1 else ""


def parse_other_tags(text: object) -> dict[str, str]:
    """The tags of GDAL's ``other_tags`` hstore text (``"key"=>"value","key2"=>"value2"``), quotes unescaped."""
    if not isinstance(text, str):
        return {}
    pairs = re.findall(r'"((?:[^"\\]|\\.)*)"\s*=>\s*"((?:[^"\\]|\\.)*)"', text)
    unescape = lambda s: re.sub(r"\\(.)", r"\1", s)  # noqa: E731
    return {unescape(k): unescape(v) for k, v in pairs}


@dataclass(frozen=True)
class Prepared:
    """A layer in twin's columns, and the notes on what the preset did."""

    gdf: gpd.GeoDataFrame
    notes: list[str]


def bdtopo_columns(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """twin column -> BD TOPO column present in the file (the shapefile's names first, then the GeoPackage's)."""
    found = {}
    for ours, names in BDTOPO_COLUMNS.items():
        name = next((n for n in names if n in gdf.columns), None)
        if name is not None:
            found[ours] = name
    return found


def osm_buildings(gdf: gpd.GeoDataFrame, storey_height_m: float, uses: dict[str, str] | None = None) -> Prepared:
    """OSM multipolygons to twin's building columns: ``id``, ``height`` (m, NaN where neither a height nor levels
    are tagged), ``floors`` (NaN where untagged), ``use``, ``dwellings`` (``building:flats``, NaN where untagged).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        GDAL's ``multipolygons`` layer (``osm_id``, ``osm_way_id``, ``building`` and ``other_tags`` columns), with the
        file's row of each feature in its index or a ``file_row`` column.
    storey_height_m : float
        Height of one storey, m.
    uses : dict, optional
        ``building=*`` value -> twin use, over :data:`OSM_USES` (a territory file's ``values = { use = {...} }``:
        ``{ yes = "residential" }`` where the city's untyped buildings are homes).

    Returns
    -------
    Prepared
        The buildings (features without a ``building`` tag, ``building=no``, canopies and raised bases dropped).
    """
    tags = gdf["other_tags"].map(parse_other_tags) if "other_tags" in gdf.columns else pd.Series([{}] * len(gdf))
    tags.index = gdf.index

    def tag(key: str) -> pd.Series:
        own = gdf[key] if key in gdf.columns else pd.Series(None, index=gdf.index, dtype=object)
        return own.where(own.notna(), tags.map(lambda t: t.get(key)))

    notes = []
    building = tag("building")
    keep = building.notna() & (building.astype(str).str.lower() != "no")
    gdf, tags, building = gdf[keep].copy(), tags[keep], building[keep].astype(str).str.strip().str.lower()
    none = pd.Series(None, index=gdf.index, dtype=object)
    way, relation = gdf.get("osm_way_id", none), gdf.get("osm_id", none)
    gdf["id"] = ("way/" + way.astype(str)).where(way.notna(), "relation/" + relation.astype(str))

    def lengths(key: str) -> np.ndarray:
        values, bad, several = [], [], []
        for row_id, text in zip(gdf["id"], tag(key), strict=True):
            metres, assumed = parse_length(text)
            values.append(np.nan if metres is None else metres)
            if metres is None and text is not None and not (isinstance(text, float) and np.isnan(text)):
                bad.append(f"{row_id} {text!r}")
            if assumed:
                several.append(f"{row_id} {text!r}")
        if bad:
            notes.append(f"buildings: {len(bad)} {key} tags are not lengths and were not used ({', '.join(bad[:5])})")
        if several:
            notes.append(f"buildings: {len(several)} {key} tags give several values; the first taken "
                         f"({', '.join(several[:5])})")  # fmt: skip
        return np.asarray(values, dtype=float)

    def counts(key: str) -> np.ndarray:
        values = tag(key)
        numbers = pd.to_numeric(values.astype(str).str.replace(",", ".").str.strip(), errors="coerce")
        bad = values.notna() & numbers.isna()
        if bad.any():
            shown = ", ".join(f"{i} {v!r}" for i, v in zip(gdf["id"][bad][:5], values[bad][:5], strict=True))
            notes.append(f"buildings: {int(bad.sum())} {key} tags are not numbers and were not used ({shown})")
        return numbers.to_numpy(dtype=float)

    height, base = lengths("height"), lengths("min_height")
    levels, roof_levels, min_level = counts("building:levels"), counts("roof:levels"), counts("building:min_level")
    floors = levels + np.nan_to_num(roof_levels)
    from_levels = np.isnan(height) & (floors > 0)
    height = np.where(from_levels, floors * storey_height_m, height)
    if from_levels.any():
        notes.append(f"buildings: {int(from_levels.sum())} heights from building:levels + roof:levels x "
                     f"{storey_height_m:g} m")  # fmt: skip
    base = np.where(np.isnan(base), min_level * storey_height_m, base)
    raised = (np.nan_to_num(base) > 0) | (building == "roof").to_numpy()
    if raised.any():
        shown = ", ".join(gdf["id"][raised][:5])
        notes.append(
            f"buildings: {int(raised.sum())} canopies (building=roof) and parts raised off the ground (min_height, "
            f"building:min_level) left out of the footprints ({shown}): twin's engines take a building as a solid "
            "block from the ground, which would stop the water and the air that pass under them"
        )
    use = building.map({**OSM_USES, **(uses or {})})
    building_use = tag("building:use").astype(str).str.strip().str.lower().map(OSM_USES)
    use = use.where(use.notna(), building_use).fillna("other")
    others = sorted(set(building[(use == "other").to_numpy() & ~raised]))
    if others:
        notes.append(f"buildings: OSM building values {others} taken as use 'other' (no residents)")
    gdf = gdf.assign(height=height, floors=np.where(floors > 0, floors, np.nan), use=use.to_numpy())
    gdf["dwellings"] = counts("building:flats")
    columns = ["id", "height", "floors", "use", "dwellings", gdf.geometry.name]
    extra = [c for c in gdf.columns if c not in columns and c in ("file_row", "name")]
    return Prepared(gpd.GeoDataFrame(gdf.loc[~raised, columns + extra], crs=gdf.crs), notes)


# INSEE's age bands of the IRIS population table, with the year's prefix (P21_ for 2021) left out.
IRIS_POPULATION, IRIS_OVER_75, IRIS_0_2, IRIS_3_5 = "POP", "POP75P", "POP0002", "POP0305"


def iris_population(table: Path, where: str) -> pd.DataFrame:
    """INSEE's population by IRIS: residents, share over 75 and share under 5, indexed by the IRIS code.

    The table is INSEE's ``base-ic-evol-struct-pop-<year>.csv`` (``;``-separated, codes as text: ``IRIS``, and one
    year's ``P<yy>_POP``, ``P<yy>_POP75P``, ``P<yy>_POP0002``, ``P<yy>_POP0305``; a decimal comma is read). INSEE
    counts the 3-5-year-olds together: the under-5s are the 0-2s and two thirds of the 3-5s (ages taken evenly).

    Parameters
    ----------
    table : pathlib.Path
        The CSV file.
    where : str
        The territory file's field, for errors.

    Returns
    -------
    pandas.DataFrame
        ``population``, ``share_over_75``, ``share_under_5`` by ``IRIS`` code (text), and ``year_prefix``
        in ``attrs``.

    Raises
    ------
    MissingFileError, DataSourceError
        No such file, no ``IRIS`` column, not one year's columns, or a value that is not a number (the error names
        the table's line, the IRIS code, the column and the value).
    """
    if not is_file(table):
        raise MissingFileError(table, role=f"IRIS population table named by {where}")
    try:
        df = pd.read_csv(table, sep=";", dtype=str, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{table}: cannot read the IRIS population table: {exc}") from None
    prefixes = sorted({c[: -len("_POP")] for c in df.columns if re.fullmatch(r"P\d\d_POP", c)})
    if "IRIS" not in df.columns or len(prefixes) != 1:
        raise DataSourceError(
            message(table, "IRIS population table columns", "'IRIS' and one year's 'Pyy_POP'", list(df.columns)[:12])
        )
    prefix = prefixes[0]
    wanted = {k: f"{prefix}_{k}" for k in (IRIS_POPULATION, IRIS_OVER_75, IRIS_0_2, IRIS_3_5)}
    missing = [c for c in wanted.values() if c not in df.columns]
    if missing:
        raise DataSourceError(message(table, "IRIS population table columns", f"including {missing}", list(df.columns)))
    values = {}
    for key, col in wanted.items():
        text = df[col].str.strip().str.replace(",", ".")
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.fillna("").ne("")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataSourceError(
                message(f"{table} line {i + 2} (IRIS {df['IRIS'].iloc[i]!r})", col, "a number", df[col].iloc[i])
            )
        values[key] = numbers.fillna(0.0).to_numpy(dtype=float)
    pop = values[IRIS_POPULATION]
    with np.errstate(invalid="ignore", divide="ignore"):
        over_75 = np.where(pop > 0, values[IRIS_OVER_75] / pop, 0.0)
        under_5 = np.where(pop > 0, (values[IRIS_0_2] + 2.0 / 3.0 * values[IRIS_3_5]) / pop, 0.0)
    out = pd.DataFrame(
        {"population": pop, "share_over_75": np.clip(over_75, 0, 1), "share_under_5": np.clip(under_5, 0, 1)},
        index=df["IRIS"].str.strip().to_numpy(),
    )
    out.attrs["year_prefix"] = prefix
    return out


def iris_districts(gdf: gpd.GeoDataFrame, table: Path, where: Path | str, row_of) -> Prepared:
    """IRIS polygons (``CODE_IRIS``, ``NOM_IRIS``) with their residents from :func:`iris_population` joined on the
    code: ``id`` (the code), ``name`` (the IRIS's name, its code added where two IRIS share one), ``population``,
    ``share_over_75``, ``share_under_5``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The IRIS polygons.
    table : pathlib.Path
        INSEE's population table.
    where : pathlib.Path or str
        The polygons' file, for errors.
    row_of : callable
        ``(layer, row)`` -> text naming the feature by its file, row and id, for errors.

    Raises
    ------
    DataSourceError
        No ``CODE_IRIS`` or ``NOM_IRIS`` column, or an IRIS missing from the table.
    """
    missing = [c for c in ("CODE_IRIS", "NOM_IRIS") if c not in gdf.columns]
    if missing:
        raise DataSourceError(message(where, "IRIS columns", f"including {missing}", list(gdf.columns)))
    people = iris_population(table, str(where))
    codes = gdf["CODE_IRIS"].astype(str).str.strip()
    gdf = gdf.assign(id=codes.to_numpy())
    absent = ~codes.isin(people.index)
    if absent.any():
        i = int(np.flatnonzero(absent.to_numpy())[0])
        raise DataSourceError(
            message(
                row_of(gdf, i),
                "CODE_IRIS",
                f"a code of the population table {Path(table).name} ({int(absent.sum())} missing there)",
                codes.iloc[i],
            )
        )
    names = gdf["NOM_IRIS"].astype(str).str.strip()
    repeated = names.duplicated(keep=False)
    names = names.where(~repeated, names + " (" + codes + ")")
    joined = people.loc[codes.to_numpy()]
    gdf = gdf.assign(
        name=names.to_numpy(),
        population=joined["population"].to_numpy(),
        share_over_75=joined["share_over_75"].to_numpy(),
        share_under_5=joined["share_under_5"].to_numpy(),
    )
    notes = [
        f"districts: IRIS residents from {Path(table).name} ({people.attrs['year_prefix']}_POP), joined on CODE_IRIS; "
        f"under-5s as the 0-2s and two thirds of the 3-5s"
    ]
    return Prepared(gdf, notes)
