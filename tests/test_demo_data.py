"""The embedded demo town: the committed files are what the generator makes, and it has what the demo needs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from twin.cli import main
from twin.datasets import data_dir
from twin.sources import load_territory
from twin.synthetic.files import write_town

DEMO = data_dir() / "demo"
SEED = 2154  # the seed data/README.md documents


@pytest.fixture(scope="module")
def demo():
    return load_territory("demo")


@pytest.mark.slow
def test_committed_files_are_what_the_generator_makes(tmp_path):
    from twin.synthetic import make_town

    write_town(make_town(seed=SEED), tmp_path)
    for name in ("territory.toml", "rainfall.csv", "energy.csv"):
        assert (tmp_path / name).read_text() == (DEMO / name).read_text(), name
    for name in ("elevation.tif", "land_cover.tif"):
        with rasterio.open(tmp_path / name) as new, rasterio.open(DEMO / name) as old:
            assert (new.crs, new.transform, new.dtypes) == (old.crs, old.transform, old.dtypes)
            np.testing.assert_array_equal(new.read(1), old.read(1))
    for layer in ("buildings", "districts", "sites", "roads", "river"):
        assert_geodataframe_equal(gpd.read_file(tmp_path / f"{layer}.gpkg"), gpd.read_file(DEMO / f"{layer}.gpkg"))


def test_demo_is_lambert93_cog_and_geopackage():
    for name in ("elevation.tif", "land_cover.tif"):
        with rasterio.open(DEMO / name) as src:
            assert src.crs.to_epsg() == 2154
            assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
            assert abs(src.res[0]) <= 5.0
    for layer in ("buildings", "districts", "sites", "roads", "river"):
        assert gpd.read_file(DEMO / f"{layer}.gpkg").crs.to_epsg() == 2154


def test_demo_has_a_valley_with_a_floodplain_and_hills(demo):
    z, water = demo["elevation"], demo["land_cover"] == 1
    assert water.any() and len(demo.vectors["river"]) >= 1
    river_level = float(np.median(z[water]))
    floodplain = (z < river_level + 4.0) & ~water  # within 4 m of the river: flooded by a large flood
    assert 0.08 < floodplain.mean() < 0.5
    assert z.max() - river_level > 25.0  # hills on the valley sides


def test_demo_has_the_town_a_planner_expects(demo):
    d, s, b = demo.vectors["districts"], demo.vectors["sites"], demo.vectors["buildings"]
    assert 6 <= len(d) <= 10 and (d["population"] > 0).all()
    assert {"school", "nursery", "care_home", "hospital"} <= set(s["kind"]) and len(s) >= 10
    assert {"residential", "commercial", "industrial", "public"} <= set(b["use"])
    assert 1000 <= len(b) <= 4000 and 8_000 <= d["population"].sum() <= 25_000
    assert demo["population"].sum() == pytest.approx(d["population"].sum(), rel=1e-4)
    classes = set(np.unique(demo["land_cover"]).tolist())
    assert {1, 3, 6, 7, 8} <= classes  # water, roads, grass, gardens, trees
    assert demo.validate() == []


def test_twin_info_on_the_demo_prints_the_summary():
    result = CliRunner().invoke(main, ["info", str(DEMO / "territory.toml")])
    assert result.exit_code == 0, result.output
    for needle in ("EPSG:2154", "Layers", "elevation", "Buildings:", "Population:", "Sensitive sites:"):
        assert needle in result.output
