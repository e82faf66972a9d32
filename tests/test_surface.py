"""Surface models (twin.surface, the territory file's [surface]): building heights from DSM − DEM per footprint, tree
canopy and tree height from a canopy DSM, and the heat engine's shadows from that height.

The hand-built rasters: a flat DEM at 100 m; a DSM with a 12 m block, a block whose ten cells stand 1..10 m (so
that the percentile taken shows), a 1 m shed and a block under a footprint the file gives a height of its own; a
CDSM with a tree whose crowns stand 6 and 10 m and a 0.5 m hedge. Real data: the Göteborg sample of UMEP's wheel.
"""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio.mask
import samples
from affine import Affine
from conftest import HEATWAVE_2019, write_raster
from shapely.geometry import box

from twin.errors import DataSourceError, TerritoryFileError, TwinWarning
from twin.heat import geometry, sun
from twin.heat.event import Heatwave
from twin.heat.model import HeatParams, simulate
from twin.landcover import default_table_path
from twin.sources import load_territory, source_files
from twin.surface import footprint_heights
from twin.testing import grid_territory

CRS = "EPSG:2154"
X0, Y0 = 700_000.0, 6_600_040.0  # the rasters' upper-left corner; 40 x 40 cells of 1 m
N = 40
GROUND = 100.0
TRANSFORM = Affine(1.0, 0.0, X0, 0.0, -1.0, Y0)
RAMP = np.arange(1.0, 11.0)  # the ten cells of block B, m above the ground


def _cells(row0: int, col0: int, rows: int, cols: int):
    """The footprint covering those cells (row 0 is the north edge), as a polygon in the rasters' CRS."""
    return box(X0 + col0, Y0 - row0 - rows, X0 + col0 + cols, Y0 - row0)


FOOTPRINTS = {  # id -> (row0, col0, rows, cols) of its cells
    "A": (2, 2, 4, 5),  # 12 m everywhere
    "B": (10, 2, 2, 5),  # 1..10 m
    "C": (20, 2, 2, 2),  # a 1 m shed: below the floor
    "E": (30, 2, 3, 3),  # 12 m in the DSM, 7 m in the file
}


def _write_folder(folder: Path, *, surface: str, buildings: str = "", extra_buildings=()) -> Path:
    dem = np.full((N, N), GROUND, dtype=np.float32)
    dsm = dem.copy()
    r, c, h, w = FOOTPRINTS["A"]
    dsm[r : r + h, c : c + w] = GROUND + 12.0
    r, c, h, w = FOOTPRINTS["B"]
    dsm[r : r + h, c : c + w] = GROUND + RAMP[::-1].reshape(h, w)  # shuffled: the order of cells does not matter
    r, c, h, w = FOOTPRINTS["C"]
    dsm[r : r + h, c : c + w] = GROUND + 1.0
    r, c, h, w = FOOTPRINTS["E"]
    dsm[r : r + h, c : c + w] = GROUND + 12.0
    cdsm = np.zeros((N, N))
    cdsm[10:12, 20:22] = 6.0  # one 2 m cell of the tree, its crowns at 6 and 10 m
    cdsm[10:12, 21] = 10.0
    cdsm[12, 20:22] = 10.0  # half a 2 m cell
    cdsm[30:32, 30:32] = 0.5  # a hedge: not tree canopy
    for name, values in (("dem.tif", dem), ("dsm.tif", dsm), ("cdsm.tif", cdsm)):
        write_raster(folder / name, values, crs=CRS, transform=TRANSFORM)
    codes = np.full((N, N), 6, dtype=np.uint8)  # grass
    codes[30:, 20:] = 8  # the table's "trees" (canopy 0.9): the CDSM sees none there
    write_raster(folder / "land_cover.tif", codes, crs=CRS, transform=TRANSFORM)
    ids = [*FOOTPRINTS, *(i for i, _ in extra_buildings)]
    shapes = [_cells(*cells) for cells in FOOTPRINTS.values()] + [g for _, g in extra_buildings]
    height = [np.nan, np.nan, np.nan, 7.0] + [np.nan] * len(extra_buildings)
    columns = {"id": ids, "height": height, "use": "commercial", "dwellings": 0}
    gpd.GeoDataFrame(columns, geometry=shapes, crs=CRS).to_file(folder / "buildings.gpkg")
    path = folder / "territory.toml"
    path.write_text(
        'name = "surface"\n[elevation]\npaths = ["dem.tif"]\n'
        f'[land_cover]\npath = "land_cover.tif"\ntable = "{default_table_path().as_posix()}"\n'
        f'[buildings]\npath = "buildings.gpkg"\n{buildings}\n[surface]\n{surface}\n',
        encoding="utf-8",
    )
    return path


def _heights(territory) -> dict[str, float]:
    b = territory.vectors["buildings"]
    return dict(zip(b["id"], b["height"], strict=True))


def test_building_heights_are_the_stated_percentile_of_dsm_minus_dem_floored(tmp_path):
    t = load_territory(_write_folder(tmp_path, surface='dsm = ["dsm.tif"]'))
    h = _heights(t)
    # A: 12 m on every cell. B: the 90th percentile of 1..10 m, numpy's linear rule: 9 + 0.1 (1 m) = 9.1 m.
    # C: 1 m, raised to the floor of 2.5 m. E: the file's 7 m wins over the DSM's 12 m (building_heights "missing").
    assert h["A"] == pytest.approx(12.0, abs=1e-4)
    assert h["B"] == pytest.approx(9.1, abs=1e-4)
    assert h["C"] == 2.5
    assert h["E"] == 7.0
    assert t.grid.crs.to_string() == CRS
    notes = "\n".join(t.provenance["notes"])
    assert "3 building heights from the DSM (dsm.tif), the 90th percentile" in notes
    assert "1 of them raised to the floor of 2.5 m" in notes
    assert (tmp_path / "dsm.tif") in source_files(tmp_path / "territory.toml")  # its hash keys the territory


def test_percentile_floor_and_the_dsm_for_every_building_are_settings(tmp_path):
    surface = 'dsm = ["dsm.tif"]\nheight_percentile = 50\nmin_building_height_m = 0.5\nbuilding_heights = "all"'
    h = _heights(load_territory(_write_folder(tmp_path, surface=surface)))
    assert h["B"] == pytest.approx(5.5, abs=1e-4)  # the median of 1..10 m
    assert h["C"] == pytest.approx(1.0, abs=1e-4)  # above the lower floor
    assert h["E"] == pytest.approx(12.0, abs=1e-4)  # the DSM's, not the file's


def test_footprint_heights_match_numpy_percentiles_of_the_cells(tmp_path):
    ramp = GROUND + RAMP.reshape(2, 5)
    footprints = gpd.GeoSeries([_cells(0, 0, 2, 5), _cells(0, 0, 1, 5)], crs=CRS)  # the second inside the first
    dsm = write_raster(tmp_path / "dsm.tif", ramp, crs=CRS, transform=TRANSFORM)
    dem = write_raster(tmp_path / "dem.tif", np.full((2, 5), GROUND), crs=CRS, transform=TRANSFORM)
    heights, cells, _ = footprint_heights(footprints, [dsm], [dem], percentile=75.0)
    # the inner footprint keeps its 5 cells (1..5 m); the outer one the other 5 (6..10 m)
    assert cells.tolist() == [5, 5]
    assert heights == pytest.approx([np.percentile(RAMP[5:], 75), np.percentile(RAMP[:5], 75)])


def test_a_footprint_without_a_dsm_cell_is_refused_or_noted(tmp_path):
    tiny = [("T", box(X0 + 30.1, Y0 - 5.9, X0 + 30.4, Y0 - 5.6))]  # inside a cell, not over its centre
    path = _write_folder(tmp_path, surface='dsm = ["dsm.tif"]', extra_buildings=tiny)
    with pytest.raises(DataSourceError, match=r"buildings.gpkg row 5 \(id 'T'\): buildings must be covering the centre "
                       r"of a DSM cell.*1 footprints without"):  # fmt: skip
        load_territory(path)
    path = _write_folder(tmp_path, surface='dsm = ["dsm.tif"]', buildings="missing_height_m = 4.0",
                         extra_buildings=tiny)  # fmt: skip
    with pytest.warns(TwinWarning, match="1 footprints cover no DSM cell"):
        t = load_territory(path)
    assert _heights(t)["T"] == 4.0
    assert any("1 set to missing_height_m 4 m" in n for n in t.provenance["notes"])


@pytest.mark.parametrize(
    ("surface", "buildings", "problem"),
    [
        ('dsm = ["dsm.tif"]\nbuilding_heights = "all"', 'columns = { height = "height" }', "drop `height`"),
        ('cdsm = ["cdsm.tif"]\nbuilding_heights = "all"', "", "building_heights needs a dsm"),
        ("height_percentile = 90", "", "give a dsm, a cdsm or both"),
        ('dsm = ["dsm.tif"]\nheight_percentile = 0', "", "height_percentile"),
    ],
)
def test_contradictory_surface_set_ups_are_refused(tmp_path, surface, buildings, problem):
    with pytest.raises(TerritoryFileError, match=problem):
        load_territory(_write_folder(tmp_path, surface=surface, buildings=buildings))


def _without_buildings(path: Path) -> Path:
    path.write_text(path.read_text(encoding="utf-8").replace('[buildings]\npath = "buildings.gpkg"\n', ""))
    return path


def test_a_dsm_without_buildings_is_refused(tmp_path):
    path = _without_buildings(_write_folder(tmp_path, surface='dsm = ["dsm.tif"]'))
    with pytest.raises(TerritoryFileError, match=r"give \[buildings\] footprints"):
        load_territory(path)


def test_canopy_and_tree_height_from_the_cdsm_on_its_own_grid(tmp_path):
    t = load_territory(_without_buildings(_write_folder(tmp_path, surface='cdsm = ["cdsm.tif"]')))
    canopy, height = t["tree_canopy"], t["tree_height"]
    tree = np.zeros((N, N), bool)
    tree[10:13, 20:22] = True
    assert (canopy[tree] == 1.0).all() and (canopy[~tree] == 0.0).all()  # the hedge and the table's "trees" too
    assert height[10:12, 20].tolist() == [6.0, 6.0] and height[10:13, 21].tolist() == [10.0] * 3
    assert np.isnan(height[~tree]).all()
    assert "6 cells with canopy, 6.0..10.0 m tall" in "\n".join(t.provenance["notes"])
    assert t.summary()["layers"]["tree_height"]["max"] == 10.0
    # a land-cover change keeps the measured trees where it keeps the canopy, and drops their height where not
    kept = t.with_land_cover(tree, 6, keep_canopy=True)
    assert (kept["tree_canopy"][tree] == 1.0).all() and (kept["tree_height"][tree] == height[tree]).all()
    assert np.isnan(t.with_land_cover(tree, 4)["tree_height"]).all()  # paved: the trees are gone


def test_canopy_is_the_share_of_cdsm_cells_under_a_coarser_cell_and_height_their_mean(tmp_path):
    path = _without_buildings(_write_folder(tmp_path, surface='cdsm = ["cdsm.tif"]\ncanopy_threshold_m = 0.4'))
    path.write_text(path.read_text(encoding="utf-8").replace("[elevation]", "[grid]\ncell_size = 2.0\n[elevation]"))
    t = load_territory(path)
    canopy, height = t["tree_canopy"], t["tree_height"]
    # the 2 m cell (5, 10) holds four tree cells (6, 10, 6, 10 m); (6, 10) two of four (10 m); (15, 15) the hedge,
    # four cells of 0.5 m, canopy now that the threshold is 0.4 m
    assert canopy[5, 10] == 1.0 and height[5, 10] == pytest.approx(8.0)
    assert canopy[6, 10] == 0.5 and height[6, 10] == pytest.approx(10.0)
    assert canopy[15, 15] == 1.0 and height[15, 15] == pytest.approx(0.5)
    assert np.count_nonzero(canopy) == 3 and np.isfinite(height).sum() == 3


def test_tree_height_layer_is_nan_without_a_cdsm_and_planting_sets_it(tmp_path):
    from twin.measures.surface import tree_planting
    from twin.scenario.models import TreePlanting

    t = load_territory(_write_folder(tmp_path, surface='dsm = ["dsm.tif"]'))
    assert np.isnan(t["tree_height"]).all() and "tree_height" not in t.summary()["layers"]
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(X0 + 20, Y0 - 20, X0 + 30, Y0 - 10)], crs=CRS).to_file(area)
    measure = TreePlanting(type="tree_planting", area=str(area), canopy_fraction=0.5, tree_height_m=14.0)
    planted, _ = tree_planting(measure, t, where="test")
    cells = planted["tree_canopy"] == 0.5
    assert cells.sum() == 100 and (planted["tree_height"][cells] == 14.0).all()
    assert np.isnan(planted["tree_height"][~cells]).all()
    default = tree_planting(measure.model_copy(update={"tree_height_m": None}), t, where="test")[0]
    assert np.isnan(default["tree_height"]).all()  # the heat engine's tree_height_m


def test_the_tree_height_layer_takes_nan_but_not_inf_nor_heights_out_of_range(tiny):
    assert np.isnan(tiny["tree_height"]).all() and tiny.validate() == []
    bad = np.full(tiny.grid.shape, np.nan, dtype=np.float32)
    bad[0, 0], bad[0, 1] = np.inf, 200.0
    problems = tiny.with_layers(tree_height=bad).validate()
    assert "layer 'tree_height': values must be finite, got 1 inf cells" in problems
    assert any(p.startswith("layer 'tree_height': values must be within [0.0, 150.0] m") for p in problems)


def test_a_taller_tree_casts_a_longer_shadow_at_a_low_sun():
    # One crown (canopy 1) on flat ground, 1 m cells, the sun due south at 15°: its shadow on the ground runs north
    # from base/tan(15°) to top/tan(15°) m, the crown from the 3 m trunk up: 5 m tall, 11.2..18.7 m; 15 m tall,
    # 11.2..56.0 m. Tolerance: one cell.
    ground = np.zeros((80, 5))
    canopy = np.zeros((80, 5))
    canopy[75, 2] = 1.0
    reach = {}
    for h in (5.0, 15.0):
        layer = np.where(canopy > 0, h, np.nan)
        top, base, trans = geometry.tree_surfaces(
            ground, canopy, tree_height_m=layer, trunk_height_m=3.0, transmissivity=0.03
        )
        lit = sun.sunlit_fraction(ground, cell_size=1.0, elevation_deg=15.0, azimuth_deg=180.0, tree_top=top,
                                  tree_base=base, tree_transmission=trans)  # fmt: skip
        shaded = np.flatnonzero(lit[:75, 2] < 1.0)
        reach[h] = (75 - shaded.max(), 75 - shaded.min())
    tan = math.tan(math.radians(15.0))
    assert reach[5.0] == pytest.approx((3.0 / tan, 5.0 / tan), abs=1.0)
    assert reach[15.0] == pytest.approx((3.0 / tan, 15.0 / tan), abs=1.0)


def test_a_tree_no_taller_than_the_trunk_has_its_crown_from_half_its_height():
    ground = np.full((1, 3), 50.0)
    top, base, _ = geometry.tree_surfaces(
        ground, np.array([[1.0, 1.0, 0.0]]), tree_height_m=np.array([[2.0, 8.0, np.nan]]), trunk_height_m=3.0,
        transmissivity=0.03,
    )  # fmt: skip
    assert top[0, :2].tolist() == [52.0, 58.0] and base[0, :2].tolist() == [51.0, 53.0]
    assert top[0, 2] < ground[0, 2]  # no canopy, no crown


def test_the_heat_engine_shades_by_the_tree_height_layer():
    # A row of crowns across a flat 1 m grid: the day's shade north of it grows with the layer's height, and a NaN
    # layer gives exactly the results of HeatParams.tree_height_m.
    event = Heatwave(**HEATWAVE_2019)
    t = grid_territory(np.zeros((60, 20)), cell_size=1.0)
    canopy = np.zeros((60, 20), dtype=np.float32)
    canopy[40, :] = 1.0
    t = t.with_layers(tree_canopy=canopy)
    params = HeatParams(steps_per_day=4, day_hour=12, night_hour=18)
    north = np.s_[:40, :]
    shade = {}
    for h in (6.0, 18.0):
        ds = simulate(t.with_layers(tree_height=np.where(canopy > 0, h, np.nan)), event, params=params)
        shade[h] = float(ds["shade_fraction"].values[north].sum())
    assert shade[18.0] > shade[6.0] > 0.0
    unset = simulate(t, event, params=params)
    default = simulate(t.with_layers(tree_height=np.where(canopy > 0, 10.0, np.nan)), event, params=params)
    for name in ("shade_fraction", "tmrt", "utci"):
        np.testing.assert_array_equal(unset[name].values, default[name].values)


# ---------------------------------------------------------------- real data: UMEP's Göteborg sample

GOTEBORG_FILES = ("DEM_KRbig.tif", "DSM_KRbig.tif", "CDSM_KRbig.tif", "landcover.tif", "buildings.shp", "buildings.shx",
                  "buildings.dbf", "buildings.prj")  # fmt: skip


@pytest.fixture(scope="module")
def goteborg(tmp_path_factory) -> Path:
    """The sample's files, from the umep 0.0.1b47 wheel (:mod:`samples`), in a folder of their own."""
    sample = samples.folder("umep", *GOTEBORG_FILES)
    folder = tmp_path_factory.mktemp("goteborg")
    for name in GOTEBORG_FILES:
        shutil.copyfile(sample / name, folder / name)
    return folder


def test_goteborg_heights_from_the_dsm_match_the_upper_quartile_per_footprint(goteborg):
    path = goteborg / "territory.toml"
    path.write_text(
        'name = "Göteborg"\n[elevation]\npaths = ["DEM_KRbig.tif"]\n'
        '[land_cover]\npath = "landcover.tif"\npreset = "umep"\n'
        '[buildings]\npath = "buildings.shp"\nmissing_height_m = 10.0\n'
        '[surface]\ndsm = ["DSM_KRbig.tif"]\ncdsm = ["CDSM_KRbig.tif"]\n',
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TwinWarning)
        t = load_territory(path)
    assert t.grid.crs.to_epsg() == 3007
    buildings = t.vectors["buildings"]
    # independently: the upper quartile and the 90th percentile of DSM − DEM over each footprint's cells
    # (rasterio.mask: the cells whose centre lies inside), NaN for a footprint off the rasters
    found = np.full((len(buildings), 2), np.nan)
    with rasterio.open(goteborg / "DSM_KRbig.tif") as dsm, rasterio.open(goteborg / "DEM_KRbig.tif") as dem:
        for i, polygon in enumerate(buildings.geometry):
            try:
                top, _ = rasterio.mask.mask(dsm, [polygon], crop=True, filled=False)
                ground, _ = rasterio.mask.mask(dem, [polygon], crop=True, filled=False)
            except ValueError:  # off the rasters
                continue
            above = (top[0].astype(float) - ground[0]).compressed()
            if above.size:
                found[i] = np.percentile(above, [75, 90])
    measured = np.isfinite(found[:, 0])
    assert measured.sum() >= 30
    assert abs(np.median(buildings["height"]) - np.median(found[measured, 0])) <= 1.0  # issue 18's check
    # and each one is the 90th percentile, floored at 2.5 m (the sample's footprints do not overlap); float32 rasters
    np.testing.assert_allclose(buildings["height"][measured], np.maximum(found[measured, 1], 2.5), atol=1e-3)
    assert np.isfinite(t["tree_height"]).sum() > 1000  # the sample's trees
    assert t.landcover.source.endswith("umep.csv")
