"""Real files in: reprojection, mosaics, rasterized footprints, heights from floors; standard files out."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.warp
import xarray as xr
from affine import Affine
from conftest import L93, X0, Y0, smooth_terrain, write_raster
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import box

from twin.grid import Grid
from twin.io import read_raster, write_cog, write_netcdf, write_vector
from twin.rasterize import rasterize_buildings

GRID = Grid.from_bounds(crs=L93, bounds=(X0, Y0, X0 + 1000.0, Y0 + 800.0), cell_size=5.0)


def _dem_in(crs: str, res: float, pad_m: float = 200.0) -> tuple[np.ndarray, Affine]:
    """The smooth terrain sampled at the cell centres of a grid in ``crs`` covering GRID with a margin."""
    to_src = Transformer.from_crs(L93, crs, always_xy=True)
    xmin, ymin, xmax, ymax = rasterio.warp.transform_bounds(
        L93, crs, X0 - pad_m, Y0 - pad_m, X0 + 1000 + pad_m, Y0 + 800 + pad_m
    )
    width, height = int(np.ceil((xmax - xmin) / res)), int(np.ceil((ymax - ymin) / res))
    transform = Affine(res, 0, xmin, 0, -res, ymax)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    sx, sy = transform @ (cols, rows)
    lx, ly = to_src.transform(sx, sy, direction="INVERSE")
    return smooth_terrain(lx, ly).astype("float64"), transform


def _expected() -> np.ndarray:
    xx, yy = np.meshgrid(GRID.x, GRID.y)
    return smooth_terrain(xx, yy)


@pytest.mark.parametrize(("crs", "res"), [("EPSG:32630", 2.0), ("EPSG:32631", 10.0), ("EPSG:4326", 2e-5)])
def test_reprojected_dem_keeps_elevations_within_10_cm(tmp_path, crs, res):
    """Acceptance: a DEM in UTM or EPSG:4326 at another resolution stays within 0.1 m on smooth terrain."""
    values, transform = _dem_in(crs, res)
    path = write_raster(tmp_path / "dem.tif", values.astype("float32"), crs=crs, transform=transform)
    got, notes = read_raster([path], GRID, resampling="bilinear")
    assert not np.isnan(got).any()
    assert np.abs(got - _expected()).max() < 0.1  # tolerance from the acceptance list, m
    assert any(crs in n for n in notes)


def test_tiles_in_one_crs_are_mosaicked_without_seams(tmp_path):
    values, transform = _dem_in("EPSG:32630", 4.0)
    half = values.shape[1] // 2
    west = write_raster(
        tmp_path / "w.asc", values[:, :half].astype("float32"), crs="EPSG:32630", transform=transform, driver="AAIGrid"
    )
    east = write_raster(
        tmp_path / "e.tif",
        values[:, half:].astype("float32"),
        crs="EPSG:32630",
        transform=transform @ Affine.translation(half, 0),
    )
    got, _ = read_raster([west, east], GRID)
    assert not np.isnan(got).any()
    assert np.abs(got - _expected()).max() < 0.1


def test_tiles_in_different_crs_fill_each_other(tmp_path):
    a, ta = _dem_in("EPSG:32630", 5.0)
    b, tb = _dem_in(L93, 5.0)
    a[:, a.shape[1] // 2 :] = -9999.0  # the UTM tile only covers the west half
    pa = write_raster(tmp_path / "a.tif", a.astype("float32"), crs="EPSG:32630", transform=ta, nodata=-9999.0)
    pb = write_raster(tmp_path / "b.tif", b.astype("float32"), crs=L93, transform=tb)
    got, _ = read_raster([pa, pb], GRID)
    assert not np.isnan(got).any()
    assert np.abs(got - _expected()).max() < 0.1


def test_class_codes_use_mode_and_never_invent_classes(tmp_path):
    codes = np.where(np.arange(400)[None, :] < 200, 3, 8).repeat(400, axis=0).astype("uint8")
    t = Affine(2.5, 0, X0, 0, -2.5, Y0 + 1000.0)
    path = write_raster(tmp_path / "lc.tif", codes, crs=L93, transform=t)
    got, _ = read_raster([path], GRID, resampling="mode", dtype="int32")
    assert set(np.unique(got)) <= {3, 8, -1}
    assert (got[:, :100] == 3).all() and (got[:, 100:200] == 8).all()  # x < 500 m is class 3
    assert (got[:, 200:] == -1).all()  # beyond the source's extent: no data, never a guessed class


def _random_buildings(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    polys = []
    for _ in range(n):
        w, h = rng.uniform(8, 60, size=2)
        cx, cy = rng.uniform(X0 + 80, X0 + 920), rng.uniform(Y0 + 80, Y0 + 720)
        polys.append(affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), rng.uniform(0, 90)))
    return gpd.GeoDataFrame({"height": rng.uniform(3, 30, n)}, geometry=polys, crs=L93)


def test_rasterized_footprints_keep_their_area_within_half_a_cell():
    buildings = _random_buildings(60, seed=1)
    touching = gpd.sjoin(buildings, buildings, predicate="intersects").index.value_counts()
    alone = (touching.reindex(buildings.index) == 1).to_numpy()  # only intersects itself
    _, index = rasterize_buildings(buildings, GRID)
    cells = np.bincount(index[index >= 0], minlength=len(buildings)) * GRID.cell_area
    exact = buildings.geometry.area.to_numpy()
    assert alone.sum() >= 20
    # round(area / 25 m²) cells each: within half a cell (12.5 m²), whatever the footprint's angle
    assert np.all(np.abs(cells[alone] - exact[alone]) <= 12.5 + 1e-6)
    big = alone & (exact >= 250.0)  # 10 cells or more: within 5 %
    assert np.all(np.abs(cells[big] - exact[big]) / exact[big] < 0.05)
    covered = buildings.geometry.union_all().area
    assert abs(cells.sum() - covered) / covered < 0.05  # overlapping ones share cells: the union's area, 5 %


def test_taller_building_wins_where_footprints_overlap():
    b = gpd.GeoDataFrame(
        {"height": [30.0, 10.0]}, geometry=[box(X0, Y0, X0 + 50, Y0 + 50), box(X0 + 25, Y0, X0 + 75, Y0 + 50)], crs=L93
    )
    height, index = rasterize_buildings(b, GRID)
    row = GRID.height - 1
    assert height[row, 6] == 30.0 and index[row, 6] == 0  # the overlap (x 25..50 m) goes to the 30 m one
    assert height[row, 12] == 10.0 and index[row, 12] == 1


def test_written_files_carry_crs_units_and_cog_layout(tmp_path):
    values = _expected().astype("float32")
    tif = write_cog(values, tmp_path / "elev.tif", GRID, units="m", description="ground elevation")
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 2154
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.tags()["units"] == "m"
        assert src.transform == GRID.transform
        np.testing.assert_array_equal(src.read(1), values)
    ds = xr.Dataset({"elevation": (("y", "x"), values, {"units": "m"})}, coords={"y": GRID.y, "x": GRID.x})
    nc = write_netcdf(ds.rio.write_crs(GRID.crs), tmp_path / "t.nc")
    with rasterio.open(f"netcdf:{nc}:elevation") as src:  # what QGIS does through GDAL
        assert src.crs.to_epsg() == 2154
        assert src.transform.almost_equals(GRID.transform)
        np.testing.assert_array_equal(src.read(1), values)
    gpkg = write_vector(_random_buildings(3, seed=2), tmp_path / "b.gpkg")
    assert gpd.read_file(gpkg).crs.to_epsg() == 2154
