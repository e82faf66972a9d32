"""The land-cover table a territory names (a file or a shipped preset), the presets' values and their sources, and
the special classes found by the table's ``role`` column (issue 18: UMEP's codes were read with streets as water)."""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import rasterio
import samples
from click.testing import CliRunner
from conftest import write_territory_folder

from twin.cli import main
from twin.datasets import data_dir
from twin.engines import ENGINES, check_table
from twin.errors import DataSourceError, TerritoryFileError
from twin.landcover import COLUMNS, OPTIONAL_COLUMNS, PRESETS, ROLES, LandCoverTable, preset_path
from twin.sources import load_territory, source_files

# the codes of each product's nomenclature
PRODUCT_CODES = {
    "twin": list(range(1, 10)),
    "umep": list(range(1, 8)),  # UMEP: 1 paved ... 7 water
    "oso": list(range(1, 24)),  # Theia OSO since 2018: 23 classes, 1 dense built-up ... 23 water
    "corine": list(range(1, 45)),  # the CLC raster's grid codes 1..44 (48 is nodata)
}
# CORINE Land Cover: the raster's grid code -> the 3-digit CLC code (CODE_18), from the product's nomenclature
CLC_CODE = dict(
    zip(
        range(1, 45),
        [111, 112, 121, 122, 123, 124, 131, 132, 133, 141, 142, 211, 212, 213, 221, 222, 223, 231, 241, 242, 243, 244,
         311, 312, 313, 321, 322, 323, 324, 331, 332, 333, 334, 335, 411, 412, 421, 422, 423, 511, 512, 521, 522, 523],
        strict=True,
    )
)  # fmt: skip
RAWLS_1983 = {  # texture: (Ks cm/h, psi cm, effective porosity), Rawls, Brakensiek & Miller (1983), Se0 = 0.3
    "sand": (11.78, 4.95, 0.417),
    "sandy_loam": (1.09, 11.01, 0.412),
    "loam": (0.34, 8.89, 0.434),
    "silt_loam": (0.65, 16.68, 0.486),
}
# a value rounded to its printed decimals: the mixes are written with 2 (albedo, emissivity), 3 or 0 (curve number)
ROUNDING = {"albedo": 0.0051, "emissivity": 0.0051, "curve_number": 0.51}


def _rows(name: str) -> list[dict[str, str]]:
    with preset_path(name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _twin_rows() -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in _rows("twin")}


# ---------------------------------------------------------------- a territory names its table


def test_a_territory_without_table_or_preset_is_refused_naming_the_file_field_and_presets(tmp_path):
    toml = write_territory_folder(tmp_path)
    toml.write_text(toml.read_text().replace('preset = "twin"\n', ""))
    with pytest.raises(TerritoryFileError) as err:
        load_territory(toml)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{toml}: land_cover: must name its land-cover table")
    assert '`table = "<file.csv>"`' in text and str(list(PRESETS)) in text and "it gives neither" in text
    toml.write_text(toml.read_text().replace('path = "lc.tif"', 'path = "lc.tif"\ntable = "a.csv"\npreset = "oso"'))
    with pytest.raises(TerritoryFileError, match=r"land_cover: must name its land-cover table.*it gives both"):
        load_territory(toml)
    toml.write_text(toml.read_text().replace('table = "a.csv"\n', "").replace('"oso"', '"clc"'))
    with pytest.raises(TerritoryFileError, match=r"territory\.toml: land_cover\.preset: .*'umep'.*got 'clc'"):
        load_territory(toml)


def test_a_preset_is_the_shipped_file_and_a_table_is_relative_to_the_territory_file(tmp_path):
    toml = write_territory_folder(tmp_path)
    assert preset_path("twin") == data_dir() / "landcover.csv" and preset_path("twin") in source_files(toml)
    (tmp_path / "mine.csv").write_text(preset_path("twin").read_text(encoding="utf-8"), encoding="utf-8")
    toml.write_text(toml.read_text().replace('preset = "twin"', 'table = "mine.csv"'))
    assert tmp_path / "mine.csv" in source_files(toml)
    t = load_territory(toml)
    assert t.landcover.preset is None and t.landcover.source == str(tmp_path / "mine.csv")


def test_info_prints_the_preset_its_classes_shares_and_roles(tmp_path):
    toml = write_territory_folder(tmp_path)  # codes 3 (the 5 west columns of 60) and 6 (the rest)
    toml.write_text(toml.read_text().replace('preset = "twin"', 'preset = "umep"'))
    result = CliRunner().invoke(main, ["info", str(toml)])
    assert result.exit_code == 0, result.output
    table = preset_path("umep")
    assert f"Land cover: table preset umep ({table}); evergreen_trees 8.3 %, bare_soil 91.7 %" in result.output
    assert "Land-cover classes by role: building: buildings; grass: grass; water: water" in result.output


# ---------------------------------------------------------------- the presets


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_reads_validates_and_has_the_products_codes(name):
    rows = _rows(name)
    codes = [int(r["code"]) for r in rows]
    assert codes == PRODUCT_CODES[name] and len(set(codes)) == len(codes)  # unique, in the product's order
    assert len({r["name"] for r in rows}) == len(rows)
    for row in rows:
        for col, (_, (lo, hi), _, _) in COLUMNS.items():
            assert lo <= float(row[col]) <= hi, (name, row["code"], col)
        for col, (_, (lo, hi)) in OPTIONAL_COLUMNS.items():
            assert col not in row or lo <= float(row[col]) <= hi, (name, row["code"], col)
        assert row["role"] in ("", *ROLES), (name, row["code"])
        assert name == "twin" or row["source"].strip(), (name, row["code"])  # every value of a preset is cited
        if row["soil_texture"] in RAWLS_1983:
            ks, psi, theta_e = RAWLS_1983[row["soil_texture"]]
            assert float(row["ks_mm_per_h"]) == pytest.approx(ks * 10, abs=0.05)
            assert float(row["psi_mm"]) == pytest.approx(psi * 10, abs=0.05)
            assert float(row["delta_theta"]) == pytest.approx(theta_e * 0.7, abs=5e-4)
        else:
            assert row["soil_texture"] == "none" and float(row["ks_mm_per_h"]) == 0.0
    table = LandCoverTable.read_preset(name)
    assert table.preset == name and table.label == f"preset {name} ({preset_path(name)})"
    assert table.missing_columns() == [] and table.codes.tolist() == PRODUCT_CODES[name]
    check_table(table, _events())  # it feeds every engine
    # every table has its water, and exactly one lawn for green roofs
    assert table.codes_with_role("water").size >= 1 and table.code_with_role("grass") in table.codes


def _events() -> list[SimpleNamespace]:
    """An event of each engine (what :func:`twin.engines.check_table` reads of them: their kind)."""
    return [SimpleNamespace(kind=engine.kinds[0]) for engine in ENGINES.values()]


def test_umep_classes_are_the_twin_classes_of_the_same_surface():
    same = {"paved": "paved", "buildings": "building", "evergreen_trees": "trees", "deciduous_trees": "trees",
            "grass": "grass", "bare_soil": "bare_soil", "water": "water"}  # fmt: skip
    twin = _twin_rows()
    for row in _rows("umep"):
        for col in (*COLUMNS, "soil_texture", "residential", "role"):
            assert row[col] == twin[same[row["name"]]][col], (row["name"], col)


def test_rows_said_to_be_a_twin_class_have_its_values():
    twin = _twin_rows()
    said = 0
    for name in ("umep", "oso", "corine"):
        for row in _rows(name):
            m = re.search(r"every (other )?value that of data/landcover\.csv's (\w+)", row["source"])
            if not m:
                continue
            said += 1
            overridden = set(re.findall(r"\b(albedo|emissivity)\b [0-9.]+", row["source"])) if m.group(1) else set()
            same = twin[m.group(2)]
            for col in set(COLUMNS) - overridden:
                assert float(row[col]) == float(same[col]), (name, row["name"], col)
            assert row["soil_texture"] == same["soil_texture"], (name, row["name"])
    assert said >= 30  # UMEP's 7, and most of OSO's and CORINE's non-agricultural classes


def test_mixed_classes_are_the_area_weighted_mixes_their_source_states():
    twin = _twin_rows()
    mixes = 0
    for name in ("oso", "corine"):
        for row in _rows(name):
            m = re.search(r"area-weighted mix of data/landcover\.csv's ([a-z_ 0-9.,]+) \(weights", row["source"])
            if not m:
                continue
            mixes += 1
            weights = {k: float(v) for k, v in (part.split() for part in m.group(1).split(", "))}
            assert sum(weights.values()) == pytest.approx(1.0)
            for col in ("albedo", "emissivity", "impervious_fraction", "tree_canopy_fraction", "crop_coefficient",
                        "manning_n", "curve_number"):  # fmt: skip
                expected = sum(w * float(twin[k][col]) for k, w in weights.items())
                assert float(row[col]) == pytest.approx(expected, abs=ROUNDING.get(col, 5.1e-4)), (row["name"], col)
            pervious = re.search(r"Green-Ampt values and soil_texture of (?:its pervious part \()?(\w+)", row["source"])
            for col in ("ks_mm_per_h", "psi_mm", "delta_theta", "soil_texture"):
                assert row[col] == twin[pervious.group(1)][col], (row["name"], col)
    assert mixes == 3 + 6  # OSO's three built-up classes; CORINE's, its airports, parks and sports grounds


def test_corine_rows_are_the_raster_grid_codes_of_their_clc_codes():
    rows = _rows("corine")
    assert {int(r["code"]): int(re.match(r"CLC (\d{3})\b", r["source"]).group(1)) for r in rows} == CLC_CODE
    water = {int(r["code"]) for r in rows if r["role"] == "water"}
    assert {c for c, clc in CLC_CODE.items() if clc // 100 == 5} <= water  # every class of water bodies (5xx)
    assert not any(r["role"] == "building" for r in rows)  # CORINE has no class of roofs alone
    assert {int(r["code"]) for r in rows if r["residential"] == "1"} == {1, 2}  # urban fabric, 111 and 112


def test_oso_classes_of_water_roads_and_forest_are_the_twin_ones():
    twin, oso = _twin_rows(), {int(r["code"]): r for r in _rows("oso")}
    for code, same in ((4, "road"), (13, "meadow"), (16, "trees"), (18, "grass"), (23, "water")):
        assert all(float(oso[code][c]) == float(twin[same][c]) for c in COLUMNS), code
    assert [c for c, r in oso.items() if r["role"] == "water"] == [23]
    assert [c for c, r in oso.items() if r["residential"] == "1"] == [1, 2]  # dense and diffuse built-up


# ---------------------------------------------------------------- roles


def test_roles_find_the_classes_whatever_their_codes_and_a_missing_role_is_named(tmp_path):
    umep, twin = LandCoverTable.read_preset("umep"), LandCoverTable.read_preset("twin")
    assert umep.code_with_role("water") == 7 and twin.code_with_role("water") == 1
    assert umep.code_with_role("building") == 2 and umep.code_with_role("grass") == 5
    codes = np.array([[1, 2], [5, 7]])
    assert umep.mask(codes, "water").tolist() == [[False, False], [False, True]]
    assert twin.mask(codes, "water").tolist() == [[True, False], [False, False]]
    corine = LandCoverTable.read_preset("corine")
    with pytest.raises(DataSourceError, match=r"corine\.csv: column 'role' must be one class of role 'building' "
                                              r"\(new buildings needs it\), got 'none'"):  # fmt: skip
        corine.code_with_role("building", where="new buildings")
    with pytest.raises(DataSourceError, match=r"column 'role' must be one class of role 'water'.*got 'classes \[38"):
        corine.code_with_role("water")
    bare = replace(twin, roles=None)
    with pytest.raises(DataSourceError, match=r"landcover\.csv: column 'role' must be in the table: cool islands "
                                              r"needs the classes of role 'water', got 'no such column'"):  # fmt: skip
        bare.mask(codes, "water", where="cool islands")


def test_a_table_without_a_role_column_is_refused_before_a_run_and_noted(tmp_path):
    rows = _rows("twin")
    path = tmp_path / "no_roles.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, [c for c in rows[0] if c != "role"])
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k != "role"} for r in rows)
    table = LandCoverTable.read(path)
    assert table.roles is None and not table.has_column("role")
    for engine in ENGINES.values():
        assert "role" in engine.missing_columns(table)
    with pytest.raises(DataSourceError, match=r"no_roles\.csv: columns must be complete for the \w+ engine, got "
                                              r"\"missing \[.*'role'\]\""):  # fmt: skip
        check_table(table, _events())
    toml = write_territory_folder(tmp_path / "town")
    toml.write_text(toml.read_text().replace('preset = "twin"', f'table = "{path.as_posix()}"'))
    notes = load_territory(toml).provenance["notes"]
    assert any("has no 'role' column" in n for n in notes)


def test_an_unknown_role_names_the_line(tmp_path):
    text = preset_path("twin").read_text(encoding="utf-8").replace("1,water,water,", "1,water,river,")
    (tmp_path / "lc.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"lc\.csv line 2: role must be empty or one of \['water', 'building', "
                                              r"'grass'\], got 'river'"):  # fmt: skip
        LandCoverTable.read(tmp_path / "lc.csv")


# ---------------------------------------------------------------- real data: UMEP's Göteborg land cover


@pytest.fixture(scope="module")
def goteborg(tmp_path_factory):
    """Göteborg's DEM and land cover (UMEP's codes, float32 with -9999 nodata) out of the umep 0.0.1b47 wheel, as a
    territory with the preset ``umep``; skipped without the wheel, except in CI, where it fails."""
    source = samples.folder("umep", "landcover.tif", "DEM_KRbig.tif")
    folder = tmp_path_factory.mktemp("goteborg")
    for name in ("landcover.tif", "DEM_KRbig.tif"):
        shutil.copyfile(source / name, folder / name)
    (folder / "territory.toml").write_text(
        'name = "Göteborg"\n[elevation]\npaths = ["DEM_KRbig.tif"]\n'
        '[land_cover]\npath = "landcover.tif"\npreset = "umep"\n',
        encoding="utf-8",
    )
    return folder


def test_goteborg_umep_codes_read_through_the_umep_preset(goteborg):
    with rasterio.open(goteborg / "landcover.tif") as src:
        raw, nodata, dtype = src.read(1), src.nodata, src.dtypes[0]
    assert dtype == "float32" and nodata == -9999.0 and not (raw == nodata).any()
    t = load_territory(goteborg / "territory.toml")
    assert t.grid.crs.to_epsg() == 3007 and t.grid.shape == raw.shape
    np.testing.assert_array_equal(t["land_cover"], raw.astype(np.uint8))  # on its own grid: the codes as they are
    summary = t.summary()["land_cover"]
    assert summary["preset"] == "umep" and summary["table"] == str(preset_path("umep"))
    codes, counts = np.unique(raw, return_counts=True)
    assert codes.tolist() == [1, 2, 5, 7]
    names = {1: "paved", 2: "buildings", 5: "grass", 7: "water"}
    assert summary["share_by_class"] == {
        names[int(c)]: round(n / raw.size, 4) for c, n in zip(codes, counts, strict=True)
    }
    assert summary["roles"] == {"building": ["buildings"], "grass": ["grass"], "water": ["water"]}
    # the water is UMEP's 7, not the streets (1, water in the demo's table): Manning's n of open water, sealed streets
    water = t.landcover.mask(t["land_cover"], "water")
    assert np.array_equal(water, raw == 7) and not water[raw == 1].any()
    assert np.allclose(t["manning_n"][water], 0.030) and np.allclose(t["imperviousness"][raw == 1], 1.0)
    assert np.allclose(t["curve_number"][raw == 5], 61.0)  # grass, not bare soil (code 5 in the demo's table)
    assert t.landcover.mask(t["land_cover"], "building").sum() == int((raw == 2).sum())
