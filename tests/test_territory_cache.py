"""The territory cache: a territory read back from it is the one loaded from the sources, and nothing stale is read."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
import xarray as xr
from click.testing import CliRunner
from conftest import write_territory_folder
from geopandas.testing import assert_geodataframe_equal

from twin import territory_cache, territory_key
from twin.cli import main
from twin.errors import TwinWarning
from twin.sources import load_territory, source_files, source_inputs, source_roles

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own, the cache on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(territory_cache.CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(territory_cache.NO_CACHE_ENV, raising=False)
    return folder


def entries(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def assert_same_territory(a, b):
    """Every field of the two territories equal: layers identical (values, dtypes, attributes, CRS), vectors equal
    (dtypes, index, CRS, attributes), the table, the notes, the options, the rainfall statistics."""
    names = [f.name for f in dataclasses.fields(a)]
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        if name == "layers":
            xr.testing.assert_identical(x, y)
            assert list(x.data_vars) == list(y.data_vars)
            for layer in x.data_vars:
                np.testing.assert_array_equal(x[layer].values, y[layer].values)
                assert x[layer].dtype == y[layer].dtype
            assert x.rio.crs == y.rio.crs and x.rio.transform() == y.rio.transform()
        elif name == "vectors":
            assert list(x) == list(y)
            for key in x:
                assert_geodataframe_equal(x[key], y[key], check_dtype=True, check_crs=True, check_index_type=True)
                assert x[key].attrs.keys() == y[key].attrs.keys()
                for attr in x[key].attrs:
                    np.testing.assert_array_equal(x[key].attrs[attr], y[key].attrs[attr])
        elif name == "landcover":
            np.testing.assert_array_equal(x.codes, y.codes)
            assert x.codes.dtype == y.codes.dtype and x.names == y.names and x.source == y.source
            assert x.values.keys() == y.values.keys()
            for col in x.values:
                np.testing.assert_array_equal(x.values[col], y.values[col])
                assert x.values[col].dtype == y.values[col].dtype
        else:
            assert x == y, name
    assert a.content_hash() == b.content_hash()
    assert a.summary() == b.summary()


def test_a_territory_from_the_cache_is_the_one_loaded_from_the_sources(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    first = load_territory(toml)  # loaded from the sources, and kept
    assert len(entries(cache)) == 1
    key = territory_cache.territory_key(toml, source_inputs(toml))
    kept, warned = territory_cache.read(key)
    assert warned == []
    assert_same_territory(kept, load_territory(toml, cache=False))
    assert_same_territory(load_territory(toml), first)  # the second load is the cached one, and the same
    assert first.rainfall_statistics == tmp_path / "town" / "rainfall.csv"


def test_the_demo_from_the_cache_is_the_demo(cache):
    load_territory("demo")
    key = territory_cache.territory_key(source_files("demo")[0], source_inputs("demo"))
    kept, _ = territory_cache.read(key)
    assert_same_territory(kept, load_territory("demo", cache=False))


def test_a_changed_source_file_is_another_key(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    before = load_territory(toml)
    with rasterio.open(tmp_path / "town" / "dem.tif", "r+") as dem:  # the terrain raised by 1 m
        dem.write(dem.read(1) + np.float32(1.0), 1)
    after = load_territory(toml)
    np.testing.assert_array_equal(after["elevation"], before["elevation"] + np.float32(1.0))
    assert len(entries(cache)) == 2
    table = tmp_path / "town" / "rainfall.csv"  # a file no layer reads: still part of the key
    table.write_text(table.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    load_territory(toml)
    assert len(entries(cache)) == 3


def test_no_cache_neither_reads_nor_writes_it(tmp_path, cache, monkeypatch):
    toml = write_territory_folder(tmp_path / "town")
    load_territory(toml, cache=False)
    assert entries(cache) == []
    result = CliRunner().invoke(main, ["info", "--no-cache", str(toml)])
    assert result.exit_code == 0, result.output
    assert "test town" in result.output and entries(cache) == []
    monkeypatch.delenv(territory_cache.NO_CACHE_ENV)  # --no-cache set it for this process
    result = CliRunner().invoke(main, ["info", str(toml)])
    assert result.exit_code == 0, result.output
    assert len(entries(cache)) == 1


def test_no_cache_bypasses_an_entry_that_is_there(tmp_path, cache, monkeypatch):
    toml = write_territory_folder(tmp_path / "town")
    load_territory(toml)
    (entry,) = [cache / name for name in entries(cache)]
    meta = json.loads((entry / "territory.json").read_text(encoding="utf-8"))
    meta["name"] = "a name only the cache knows"
    (entry / "territory.json").write_text(json.dumps(meta), encoding="utf-8")
    assert load_territory(toml).name == "a name only the cache knows"  # the entry is what is read...
    assert load_territory(toml, cache=False).name == "test town"  # ... unless the cache is bypassed
    monkeypatch.setenv(territory_cache.NO_CACHE_ENV, "1")
    assert load_territory(toml).name == "test town"


@pytest.mark.parametrize("broken", ["layers.nc", "territory.json", "vectors/buildings.parquet"])
def test_a_corrupt_entry_is_ignored_with_a_warning(tmp_path, cache, broken):
    toml = write_territory_folder(tmp_path / "town")
    fresh = load_territory(toml)
    (entry,) = [cache / name for name in entries(cache)]
    file = entry / broken
    file.write_bytes(file.read_bytes()[: len(file.read_bytes()) // 2])  # cut in the middle
    with pytest.warns(TwinWarning, match=r"territory cache: .* cannot be read .*loading from the sources"):
        again = load_territory(toml)
    assert_same_territory(again, fresh)
    assert entries(cache) == [entry.name]  # written again, whole
    with warnings.catch_warnings():
        warnings.simplefilter("error", TwinWarning)
        assert_same_territory(load_territory(toml), fresh)


def test_the_loading_warnings_are_given_again_from_the_cache(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    with rasterio.open(tmp_path / "town" / "dem.tif", "r+") as dem:  # a hole in the terrain: filled, with a warning
        dem.nodata = -9999.0
        values = dem.read(1)
        values[3, 4] = -9999.0
        dem.write(values, 1)
    for _ in range(2):
        with pytest.warns(TwinWarning, match="elevation: filled 1 cells without data"):
            t = load_territory(toml)
        assert any("filled 1 cells" in note for note in t.provenance["notes"])
    assert len(entries(cache)) == 1


def test_writes_are_atomic_and_the_first_entry_stays(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    t = load_territory(toml)
    key = territory_cache.territory_key(toml, source_inputs(toml))
    assert territory_cache.write(key, dataclasses.replace(t, name="second"), warned=[]) is True
    assert entries(cache) == [key]  # no temporary folder left; the entry another process wrote first is kept
    assert territory_cache.read(key)[0].name == "test town"


def test_a_territory_that_json_cannot_give_back_is_not_cached(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    t = load_territory(toml, cache=False)
    odd = dataclasses.replace(t, options={"flood": {"cfl": np.float32(0.5)}})  # not a JSON number
    assert territory_cache.write("k", odd, warned=[]) is False
    assert entries(cache) == []


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(territory_cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert territory_cache.cache_dir() == tmp_path / "xdg" / "twin" / "territories"
    monkeypatch.setenv(territory_cache.CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert territory_cache.cache_dir() == tmp_path / "mine"


def test_source_roles_name_every_input_once(tmp_path):
    toml = write_territory_folder(tmp_path / "town")
    roles = dict(source_roles(toml))
    folder = tmp_path / "town"
    assert roles[toml] == "territory file" and roles[folder / "dem.tif"] == "elevation"
    assert roles[folder / "rainfall.csv"] == "rainfall statistics" and roles[folder / "buildings.gpkg"] == "buildings"
    assert roles[Path(load_territory(toml, cache=False).landcover.source)] == "land-cover table"
    assert source_files(toml) == list(roles)


def test_a_territory_that_does_not_read_back_equal_is_not_cached(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    t = load_territory(toml, cache=False)
    tuples = np.empty(1, dtype=object)
    tuples[0] = (1, 2)  # Parquet gives a tuple back as an array
    sites = t.vectors["sites"].assign(note=tuples)
    odd = dataclasses.replace(t, vectors={**t.vectors, "sites": sites})
    assert territory_cache.write("k", odd, warned=[]) is False  # refused, not raised
    assert entries(cache) == []


def test_same_tells_a_changed_cell_or_feature():
    from twin.testing import tiny_territory

    t = tiny_territory()
    assert territory_cache.same(t, dataclasses.replace(t))
    albedo = t["albedo"].copy()
    albedo[0, 0] += np.float32(0.01)
    assert not territory_cache.same(t, t.with_layers(albedo=albedo))
    moved = t.vectors["buildings"].copy()
    moved.loc[0, "height"] += 1.0
    assert not territory_cache.same(t, dataclasses.replace(t, vectors={**t.vectors, "buildings": moved}))
    assert not territory_cache.same(t, dataclasses.replace(t, provenance={**t.provenance, "notes": ["other"]}))


def test_the_territory_file_is_named_as_given_whether_cached_or_not(tmp_path, cache, monkeypatch):
    toml = write_territory_folder(tmp_path / "town")
    monkeypatch.chdir(tmp_path)
    for ref in ("town/territory.toml", toml, "town/territory.toml", toml):
        assert load_territory(ref).provenance["territory_file"] == str(ref)
    assert len(entries(cache)) == 2


def _info(*args):
    """``twin info`` run in this process: its standard output and its standard error."""
    result = CliRunner().invoke(main, ["info", *args])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout, result.stderr


def _hole_in_the_terrain(folder):
    """A cell of the territory's DEM without data: its loading fills it, with a warning."""
    with rasterio.open(folder / "dem.tif", "r+") as dem:
        dem.nodata = -9999.0
        values = dem.read(1)
        values[3, 4] = -9999.0
        dem.write(values, 1)


@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_info_from_the_cache_prints_what_a_load_prints(tmp_path, cache, as_json):
    toml = write_territory_folder(tmp_path / "town")
    _hole_in_the_terrain(tmp_path / "town")
    for ref in ("demo", str(toml)):
        missed = _info(ref, *as_json)  # loaded from the sources; the entry and its summary written
        hit = _info(ref, *as_json)  # from summary.json
        assert hit == missed
        assert hit == _info("--no-cache", ref, *as_json)  # and what the sources give, the cache bypassed
        os.environ.pop(territory_cache.NO_CACHE_ENV, None)  # --no-cache set it for this process
    assert "warning: elevation: filled 1 cells without data" in hit[1]  # the town's warning, given again
    assert len(entries(cache)) == 2


def test_info_reads_the_summary_without_loading(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    _info(str(toml))
    (entry,) = [cache / name for name in entries(cache)]
    kept = json.loads((entry / territory_cache.SUMMARY).read_text(encoding="utf-8"))
    kept["summary"]["name"] = "a name only the summary knows"
    (entry / territory_cache.SUMMARY).write_text(json.dumps(kept), encoding="utf-8")
    assert "Territory: a name only the summary knows" in _info(str(toml))[0]  # the summary is what is read...
    assert "Territory: test town" in _info("--no-cache", str(toml))[0]  # ... unless the cache is bypassed
    os.environ.pop(territory_cache.NO_CACHE_ENV, None)
    (entry / territory_cache.SUMMARY).write_text('{"summary": {"name": ', encoding="utf-8")  # broken
    assert territory_key.cached_summary(toml) is None
    assert "Territory: test town" in _info(str(toml))[0]  # loaded (from the entry), as if there were none


def test_cached_summary_is_none_when_there_is_none(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    assert territory_key.cached_summary(toml) is None  # nothing cached yet
    assert territory_key.cached_summary(tmp_path / "nowhere.toml") is None  # no territory file: no crash
    t = load_territory(toml)
    kept = territory_key.cached_summary(toml)
    assert kept == {"summary": json.loads(json.dumps(t.summary())), "grid": t.grid.describe(), "warnings": []}
    (tmp_path / "town" / "rainfall.csv").write_text("changed\n", encoding="utf-8")  # another key: not this summary
    assert territory_key.cached_summary(toml) is None


def test_an_entry_without_its_summary_gets_it_when_read(tmp_path, cache):
    toml = write_territory_folder(tmp_path / "town")
    _hole_in_the_terrain(tmp_path / "town")
    with pytest.warns(TwinWarning):
        t = load_territory(toml)
    (entry,) = [cache / name for name in entries(cache)]
    (entry / territory_cache.SUMMARY).unlink()  # as an older twin left it
    assert territory_key.cached_summary(toml) is None
    with pytest.warns(TwinWarning):
        load_territory(toml)  # read from the entry, its summary written
    kept = territory_key.cached_summary(toml)
    assert kept["summary"]["name"] == t.name and kept["grid"] == t.grid.describe()
    assert len(kept["warnings"]) == 1 and kept["warnings"][0].startswith("elevation: filled 1 cells without data")


@pytest.mark.parametrize("module", ["twin.territory_file", "twin.territory_key"])
def test_the_territory_file_and_the_cache_key_import_no_gis_library(module):
    """``twin info`` on a cached territory imports these, and must start fast: none of the GIS stack."""
    heavy = ["geopandas", "pandas", "xarray", "rasterio", "rioxarray", "dask", "scipy", "shapely", "pyproj", "numba"]
    code = f"import sys, {module}; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr
