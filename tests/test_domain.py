"""The domain mask: the active cells of a territory, from a polygon file or from the terrain model's own data.

A catchment's terrain model has no data around the catchment; a ``[grid] domain`` outline says the same with
polygons. Outside the domain no elevation is made up, the flood engine closes the cells, the heat engine writes
NaN and no indicator counts them. Hand values: a disc of radius 15 cells on a 50 x 40 grid of 5 m cells; the tiny
town cut at x = 80 m (16 of its 30 columns).

The Carlisle check reads the HiPIMS sample (``tests/samples.py`` finds its wheel): the tests skip where the wheel is
absent, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import carlisle
import geopandas as gpd
import numpy as np
import pytest
import rasterio
import samples
import shapely
import xarray as xr
from conftest import HEATWAVE_2019, make_event
from rasterio.transform import from_origin
from shapely.geometry import Polygon

from twin.errors import DataSourceError, TwinWarning
from twin.flood.model import FloodParams, mass_balance, simulate
from twin.heat.model import simulate as simulate_heat
from twin.impacts.flood import flood_impacts
from twin.impacts.land import land_indicators
from twin.sources import load_territory
from twin.testing import tiny_territory

NY, NX, CELL = 40, 50, 5.0
X0, Y1 = 700_000.0, 6_600_200.0  # the grid's north-west corner, EPSG:2154
RADIUS = 15  # cells
HOLE = (slice(19, 21), slice(24, 26))  # 4 cells without data at the disc's centre, enclosed by data


def _disc() -> np.ndarray:
    rows, cols = np.mgrid[0:NY, 0:NX]
    return (cols - 25) ** 2 + (rows - 20) ** 2 <= RADIUS**2


def _dome() -> np.ndarray:
    """A dome, 20 m at the centre falling 5 cm per metre outwards: rain runs to the domain's edge."""
    rows, cols = np.mgrid[0:NY, 0:NX]
    return (20.0 - 0.05 * CELL * np.hypot(cols - 25, rows - 20)).astype(np.float32)


def _write(path: Path, values: np.ndarray, crs: str = "EPSG:2154") -> None:
    profile = {"driver": "GTiff", "width": NX, "height": NY, "count": 1, "crs": crs,
               "transform": from_origin(X0, Y1, CELL, CELL), "dtype": "float32", "nodata": np.nan}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype(np.float32), 1)


def _territory_file(folder: Path, *, nodata: str, grid: str = "", land_cover_fill: str = "") -> Path:
    path = folder / "territory.toml"
    path.write_text(
        f'name = "disc"\n[grid]\n{grid}[elevation]\npaths = ["dem.tif"]\nnodata = "{nodata}"\n'
        f'[land_cover]\npath = "land_cover.tif"\ntable = "landcover.csv"\n{land_cover_fill}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def catchment(tmp_path) -> Path:
    """A terrain model and a land cover with no data outside a disc (and a hole of 4 cells in the terrain's
    middle), as a catchment's files come."""
    disc = _disc()
    dem = np.where(disc, _dome(), np.nan)
    dem[HOLE] = np.nan
    _write(tmp_path / "dem.tif", dem)
    _write(tmp_path / "land_cover.tif", np.where(disc, 6.0, np.nan))  # grass in the shipped table
    (tmp_path / "landcover.csv").write_text(
        (Path(__file__).parents[1] / "data" / "landcover.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp_path


def _load(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TwinWarning)  # the hole filled: a warning, checked below by its note
        return load_territory(path)


def test_a_catchment_dem_gives_the_domain_of_its_data_and_no_elevation_is_made_up_outside(catchment):
    disc = _disc()
    refused = _territory_file(catchment, nodata="fill")
    with pytest.raises(DataSourceError, match=r"dem\.tif: elevation must be covering at least 75% of the grid"):
        load_territory(refused)  # 64 % of the grid without data: refused without a domain, as before

    territory = _load(_territory_file(catchment, nodata="domain"))
    np.testing.assert_array_equal(territory["domain"], disc)  # the data and the hole they enclose
    assert np.isnan(territory["elevation"][~disc]).all()  # nothing filled outside
    inside = disc.copy()
    inside[HOLE] = False
    np.testing.assert_array_equal(territory["elevation"][inside], _dome()[inside])  # the data as written
    hole = territory["elevation"][HOLE]
    assert np.isfinite(hole).all() and (hole <= 20.0).all() and (hole >= 19.5).all()  # filled from the dome's top
    notes = territory.summary()["notes"]
    assert "elevation: filled 4 cells without data inside the domain from their neighbours" in " ".join(notes)
    share = disc.sum() / disc.size
    line = next(n for n in notes if n.startswith("domain:"))
    assert "elevation data" in line and f"{disc.sum()} of {disc.size} cells ({share:.1%} of the grid)" in line
    assert territory.summary()["land_cover"]["share_by_class"] == {"grass": 1.0}  # the domain's cells only
    assert territory.validate() == []


def test_a_hole_inside_the_domain_still_counts_against_the_filled_share(catchment):
    disc = _disc()
    dem = np.where(disc, _dome(), np.nan)
    dem[10:30, 15:35] = np.nan  # 400 of the disc's 709 cells: over a quarter of the domain, enclosed by data
    dem[10:30, 15:35][:, [0, -1]] = 19.0
    dem[10:30, 15:35][[0, -1], :] = 19.0  # a rim of data round it: a hole, not outside
    _write(catchment / "dem.tif", dem)
    with pytest.raises(DataSourceError, match=r"covering at least 75% of the domain.*324 of 709 cells of the domain"):
        load_territory(_territory_file(catchment, nodata="domain"))


def test_land_cover_needs_no_class_outside_the_domain_but_every_class_inside(catchment):
    disc = _disc()
    territory = _load(_territory_file(catchment, nodata="domain"))  # land cover NaN outside, no fill_code
    assert (territory["land_cover"][disc] == 6).all()
    assert any("outside the domain without a class" in n for n in territory.summary()["notes"])
    gap = np.where(disc, 6.0, np.nan)
    gap[20, 20] = np.nan  # one cell of the domain without a class
    _write(catchment / "land_cover.tif", gap)
    with pytest.raises(
        DataSourceError, match=r"land_cover\.tif: land cover must be complete over the domain .*got '1 cells"
    ):
        _load(_territory_file(catchment, nodata="domain"))


@pytest.mark.parametrize("precision, tolerance", [("float64", 1e-9), ("float32", 1e-5)])  # FloodParams' figures
def test_a_flood_keeps_its_water_inside_the_domain_and_its_balance_closes(catchment, tmp_path, precision, tolerance):
    """Rain on a dome runs to the domain's edge and stands there: the edge is a wall. No rain falls outside: the
    rain counted is 100 mm over the domain's cells alone, whatever the rain pattern says outside."""
    disc = _disc()
    territory = _load(_territory_file(catchment, nodata="domain"))
    rain = tmp_path / "rain.csv"
    rain.write_text("time_min,intensity_mm_per_h\n0,200\n30,0\n", encoding="utf-8")
    event = make_event(kind="rain_series", name="rain", series_file=str(rain), after_min=0)
    params = FloodParams(infiltration="none", sewer_return_period_years=None, duration_s=2400.0,
                         frame_interval_s=120.0, precision=precision)  # fmt: skip
    for pattern in (None, np.where(disc, 1.0, 3.0)):  # uniform rain, and a pattern that rains outside too
        ds = simulate(territory, event, params=params, rain_pattern=pattern)
        balance = mass_balance(ds)
        assert balance["relative_error"] < tolerance
        assert balance["rain_m3"] == pytest.approx(0.1 * disc.sum() * CELL**2, rel=1e-12)
        assert balance["outflow_m3"] == 0.0  # the disc touches no edge of the grid
        assert (ds["depth"].values[:, ~disc] == 0.0).all()  # every frame
        assert (ds["max_depth"].values[~disc] == 0.0).all() and (ds["final_depth"].values[~disc] == 0.0).all()
        rim = disc & ~np.pad(disc, 1)[2:, 1:-1] | disc & ~np.pad(disc, 1)[:-2, 1:-1]  # cells on the disc's edge
        assert ds["final_depth"].values[rim].mean() > ds["final_depth"].values[disc & ~rim].mean()  # against the wall
        assert (ds["blocked"].values[~disc] == 1).all()


def _polygon_4326() -> gpd.GeoDataFrame:
    """An irregular outline in longitude and latitude over the grid (Lambert 93), its vertices off the cells'
    centres."""
    lambert = [(X0 + 13.3, Y1 - 11.7), (X0 + 221.9, Y1 - 27.1), (X0 + 238.6, Y1 - 181.4), (X0 + 97.2, Y1 - 163.3),
               (X0 + 61.1, Y1 - 96.8)]  # fmt: skip
    gdf = gpd.GeoDataFrame({"name": ["catchment"]}, geometry=[Polygon(lambert)], crs="EPSG:2154")
    return gdf.to_crs("EPSG:4326")


def test_a_domain_polygon_file_gives_the_cells_whose_centres_it_holds(catchment):
    """The mask from the file (in EPSG:4326, reprojected) equals the test's own: each cell centre tested against
    the polygon brought back to Lambert 93 with shapely. Holes of the terrain outside the polygon are not filled
    and do not count against the share (they are 64 % of the grid)."""
    _polygon_4326().to_file(catchment / "outline.gpkg", layer="outline", driver="GPKG")
    back = _polygon_4326().to_crs("EPSG:2154").geometry.iloc[0]
    xx, yy = np.meshgrid(X0 + CELL * (np.arange(NX) + 0.5), Y1 - CELL * (np.arange(NY) + 0.5))
    expected = shapely.contains_xy(back, xx, yy)
    assert 0 < expected.sum() < expected.size
    full = _dome()
    full[~expected & (xx > X0 + 60.0)] = np.nan  # no data outside the outline east of x = 60 m: kept there
    full[20, 30] = np.nan  # a hole inside it
    holes = np.isnan(full)
    assert holes.mean() > 0.25
    _write(catchment / "dem.tif", full)
    _write(catchment / "land_cover.tif", np.full((NY, NX), 6.0))
    with pytest.raises(DataSourceError, match="75% of the grid"):
        load_territory(_territory_file(catchment, nodata="fill"))  # without the outline: too many holes
    grid = '[grid.domain]\npath = "outline.gpkg"\nlayer = "outline"\n'
    territory = _load(_territory_file(catchment, nodata="fill", grid=grid))

    np.testing.assert_array_equal(territory["domain"], expected)
    np.testing.assert_array_equal(np.isnan(territory["elevation"]), holes & ~expected)  # the hole inside filled
    data = ~holes
    np.testing.assert_array_equal(territory["elevation"][data], full[data])  # data outside kept as it is
    line = next(n for n in territory.summary()["notes"] if n.startswith("domain: the polygons"))
    assert "outline.gpkg" in line and f"({expected.mean():.1%} of the grid)" in line


def test_the_heat_engine_writes_nan_outside_the_domain(catchment):
    disc = _disc()
    territory = _load(_territory_file(catchment, nodata="domain"))
    ds = simulate_heat(territory, make_event(**HEATWAVE_2019))
    for name, var in ds.data_vars.items():
        if var.dims[-2:] != ("y", "x"):
            continue
        outside = var.values[..., ~disc]
        if var.dtype.kind == "f":
            assert np.isnan(outside).all(), name
        else:
            assert (outside == (255 if name == "utci_class" else 0)).all(), name
    assert np.isfinite(ds["utci"].values[disc]).all() and np.isfinite(ds["t_air_night"].values[disc]).all()


def test_what_lies_outside_the_domain_changes_no_heat_map_inside_it(catchment):
    """The heat engine's neighbourhoods (green areas, park cooling, air mixing, building intensity, the night's
    sky and vegetation) see the domain only, as if its edge were the grid's: towers, a park and white ground outside
    it leave every map inside as it was, to the single-precision FFT's rounding (1e-4 K)."""
    disc = _disc()
    territory = _load(_territory_file(catchment, nodata="domain"))
    outside = ~disc

    def outside_as(value, layer):
        return np.where(outside, value, territory[layer])

    other = territory.with_layers(
        building_height=outside_as(30.0, "building_height"), tree_canopy=outside_as(1.0, "tree_canopy"),
        green_area=outside_as(1.0, "green_area"), imperviousness=outside_as(0.0, "imperviousness"),
        albedo=outside_as(0.9, "albedo"), crop_coefficient=outside_as(1.0, "crop_coefficient"),
    )  # fmt: skip
    event = make_event(**HEATWAVE_2019)
    base, changed = simulate_heat(territory, event), simulate_heat(other, event)
    for name in ("green_area_nearby", "heat_mitigation_day", "heat_mitigation_night", "uhi_max", "t_air_day",
                 "t_air_night", "tmrt", "utci", "utci_max", "t_air_min_night"):  # fmt: skip
        np.testing.assert_allclose(changed[name].values[disc], base[name].values[disc], atol=1e-4, err_msg=name)
    assert base["green_area_nearby"].values[disc].max() > 0  # the disc is grass: its own green counts


def test_indicators_count_nothing_outside_the_domain():
    """The tiny town cut at x = 80 m: B1, B2, B4 inside, B3 and the school outside. A metre of water everywhere, in
    the high hazard class: 3 buildings, no site, 80 m of the 150 m road and 16 × 20 cells of 25 m² count."""
    town = tiny_territory()
    inside = np.broadcast_to(town.grid.x < town.grid.x0 + 80.0, town.grid.shape).copy()
    cut = town.with_layers(domain=inside)
    grid = town.grid
    flood = xr.Dataset(
        {"max_depth": (("y", "x"), np.ones(grid.shape)), "ppri_class": (("y", "x"), np.full(grid.shape, 3, "int8"))},
        coords={"y": grid.y, "x": grid.x},
    )
    got = {(i.key, i.district): i.value for i in flood_impacts(cut, flood, event="e").indicators}
    assert got[("flood.buildings_over_0.5m", None)] == 3.0
    assert got[("flood.sites_flooded", None)] == 0.0
    assert got[("flood.road_km_cut_0.05m", None)] == pytest.approx(0.080, abs=1e-9)
    assert got[("flood.area_ppri_high_ha", None)] == pytest.approx(16 * 20 * 25.0 / 1e4, rel=1e-12)
    whole = {(i.key, i.district): i.value for i in flood_impacts(town, flood, event="e").indicators}
    assert whole[("flood.buildings_over_0.5m", None)] == 4.0 and whole[("flood.sites_flooded", None)] == 1.0
    land = {(i.key, i.district): i.value for i in land_indicators(cut)}
    people = town["population"].astype(np.float64)
    assert land[("land.population", None)] == pytest.approx(people[inside].sum(), rel=1e-12)
    assert land[("land.canopy_share", None)] == pytest.approx(town["tree_canopy"][inside].mean(), rel=1e-6)


# ---------------------------------------------------------------- Carlisle: the domain of a real catchment

# A window of the sample's 1813 × 1855 cells across the catchment's edge: first column, first row, columns, rows
WINDOW = (1350, 300, 200, 200)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample's DEM, land cover and outline, taken out of the wheel into a folder."""
    names = ("DEM.tif", "Landcover.tif", *(f"outline.{s}" for s in ("shp", "shx", "dbf", "prj")))
    source = samples.folder("hipims", *names)
    folder = tmp_path_factory.mktemp("carlisle-domain")
    for name in names:
        shutil.copyfile(source / name, folder / name)
    (folder / "landcover.csv").write_text(carlisle.LANDCOVER_CSV, encoding="utf-8")
    return folder


def _window_bounds(folder: Path) -> tuple[float, float, float, float]:
    col, row, width, height = WINDOW
    with rasterio.open(folder / "DEM.tif") as src:
        left, top = src.transform.c + col * src.res[0], src.transform.f - row * src.res[1]  # north-up
        return left, top - height * src.res[1], left + width * src.res[0], top


def test_carlisle_takes_its_domain_from_the_dem_and_it_agrees_with_the_outline(sample):
    """The window is 39 % outside the catchment: refused without a domain, loaded with the DEM's own mask, in the
    sample's EPSG:27700; its domain and ``outline.shp`` (each cell centre tested with shapely) agree on at least 98 %
    of the cells (they agree on all of them on the sample's own grid; resampling may move the edge by a cell)."""
    bounds = list(_window_bounds(sample))
    (sample / "territory.toml").write_text(
        f'name = "Carlisle window"\n[grid]\ncell_size = 5.0\nbounds = {bounds}\n'
        '[elevation]\npaths = ["DEM.tif"]\nnodata = "domain"\n'
        '[land_cover]\npath = "Landcover.tif"\ntable = "landcover.csv"\n',
        encoding="utf-8",
    )
    territory = _load(sample / "territory.toml")
    assert territory.grid.crs.to_epsg() == 27700 and territory.grid.shape == (WINDOW[3], WINDOW[2])
    domain = territory["domain"]
    assert 0.3 < 1.0 - domain.mean() < 0.5  # the window crosses the catchment's edge
    outline = gpd.read_file(sample / "outline.shp").to_crs(27700).union_all()
    xx, yy = np.meshgrid(territory.grid.x, territory.grid.y)
    inside = shapely.contains_xy(outline, xx, yy)
    agreement = (domain == inside).mean()
    print(f"Carlisle window: {1 - domain.mean():.1%} outside the domain, agreement with outline.shp {agreement:.4f}")
    assert agreement >= 0.98
    assert np.isnan(territory["elevation"][~domain]).all() and np.isfinite(territory["elevation"][domain]).all()
    assert territory.validate() == []

    (sample / "territory.toml").write_text(
        (sample / "territory.toml").read_text(encoding="utf-8").replace('nodata = "domain"', 'nodata = "fill"'),
        encoding="utf-8",
    )
    with pytest.raises(DataSourceError, match="75% of the grid"):
        load_territory(sample / "territory.toml")  # the refusal of issue 18, without a domain


def test_carlisle_outline_as_the_domain_polygon(sample):
    """``[grid] domain = "outline.shp"`` over the same window: the domain is the outline's cells, the DEM's holes
    outside it are neither filled nor refused."""
    bounds = list(_window_bounds(sample))
    (sample / "outlined.toml").write_text(
        f'name = "Carlisle window"\n[grid]\ncell_size = 5.0\nbounds = {bounds}\ndomain = "outline.shp"\n'
        '[elevation]\npaths = ["DEM.tif"]\n'
        '[land_cover]\npath = "Landcover.tif"\ntable = "landcover.csv"\n',
        encoding="utf-8",
    )
    territory = _load(sample / "outlined.toml")
    outline = gpd.read_file(sample / "outline.shp").union_all()
    xx, yy = np.meshgrid(territory.grid.x, territory.grid.y)
    np.testing.assert_array_equal(territory["domain"], shapely.contains_xy(outline, xx, yy))
    assert territory.grid.crs.to_epsg() == 27700
