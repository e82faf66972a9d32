"""The flood engine against analytical solutions, conservation laws and symmetry.

Tolerances are stated in each test. References: Hunter et al. 2005 and de Almeida et al. 2012 (planar
wave); Green & Ampt 1911 (implicit cumulative infiltration); Bates et al. 2010 (lake at rest).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_event

from twin.flood.model import FloodParams, simulate
from twin.flood.model import mass_balance as balance_of
from twin.testing import grid_territory

QUIET = {"infiltration": "none", "sewer_return_period_years": None}
CLOSED = {"west": "closed", "east": "closed", "north": "closed", "south": "closed"}


@pytest.fixture
def steady_rain(tmp_path):
    """100 mm/h for an hour."""
    path = tmp_path / "rain.csv"
    path.write_text("time_min,intensity_mm_per_h\n" + "".join(f"{m},100\n" for m in range(0, 60, 10)), encoding="utf-8")
    return make_event(kind="rain_series", name="rain", series_file=str(path), after_min=0)


def test_planar_wave_front_matches_hunter_2005_within_2_cm(dry_event):
    """h(x, t) = [(7/3)·n²·u²·(u·t − x)]^(3/7) on a flat plane, the upstream depth imposed from it."""
    n, u, dx, t_end = 0.01, 0.4, 25.0, 500.0
    territory = grid_territory(np.zeros((3, 40)), cell_size=dx, land_cover=4)
    territory = territory.with_layers(manning_n=np.full((3, 40), n))
    upstream = lambda t: ((7 / 3) * n**2 * u**3 * t) ** (3 / 7)  # noqa: E731  h(0, t), z = 0
    ds = simulate(
        territory, dry_event, params=FloodParams(**QUIET, duration_s=t_end, edges=CLOSED), edge_stage={"west": upstream}
    )
    x = (np.arange(40) + 0.5) * dx
    exact = ((7 / 3) * n**2 * u**2 * np.clip(u * t_end - x, 0.0, None)) ** (3 / 7)
    assert np.abs(ds.final_depth.values[1] - exact).max() <= 0.02  # acceptance: 0.02 m at t = 500 s


def _lake(with_buildings: bool):
    rng = np.random.default_rng(3)
    z = 5.0 + rng.uniform(0.0, 3.0, (20, 30))
    z[5:9, 5:9] = 14.0  # a block standing out of the water
    z[12:15, 20:26] = 9.5  # a shoal under water
    territory = grid_territory(z, land_cover=4)
    if with_buildings:
        index = np.full(z.shape, -1, np.int32)
        index[14:18, 8:12] = 0  # a building standing in the water
        territory = territory.with_layers(building_index=index, building_height=np.where(index >= 0, 10.0, 0.0))
    # the level is 10 m over the terrain as stored (float32), so the surface is exactly flat
    return territory, np.clip(10.0 - territory["elevation"].astype(np.float64), 0.0, None)


@pytest.mark.parametrize("with_buildings", [False, True])
def test_lake_at_rest_stays_at_rest_for_an_hour(dry_event, with_buildings):
    territory, depth = _lake(with_buildings)
    ds = simulate(
        territory, dry_event, params=FloodParams(**QUIET, duration_s=3600.0, edges=CLOSED), initial_depth=depth
    )
    run = __import__("json").loads(ds.attrs["run"])
    assert run["max_abs_q_end_m2_s"] < 1e-9  # acceptance: |q| < 1e-9 m²/s
    open_ = territory["building_index"] < 0
    np.testing.assert_allclose(ds.final_depth.values[open_], depth[open_], atol=1e-9)  # levels unchanged, m


def test_closed_basin_with_rain_conserves_mass_and_never_goes_negative(steady_rain):
    x, y = np.meshgrid(np.arange(40), np.arange(30))
    z = 0.02 * ((x - 20.0) ** 2 + (y - 15.0) ** 2) ** 0.5 + 0.3 * np.sin(x / 3.0) * np.cos(y / 4.0)
    territory = grid_territory(z, land_cover=6)  # grass: Green-Ampt infiltration on
    params = FloodParams(sewer_return_period_years=None, edges=CLOSED, duration_s=5400.0, frame_interval_s=60.0)
    ds = simulate(territory, steady_rain, params=params)
    mb = balance_of(ds)
    assert mb["relative_error"] < 1e-9  # acceptance, float64
    assert mb["outflow_m3"] == 0.0 and mb["clipped_m3"] < 1e-12 * mb["rain_m3"]
    assert float(ds.depth.min()) >= 0.0 and float(ds.final_depth.min()) >= 0.0  # every stored frame
    assert mb["rain_m3"] == pytest.approx(0.1 * 1200 * 25.0, rel=1e-12)  # 100 mm over 40 x 30 cells of 25 m²


def test_mirror_symmetric_terrain_and_rain_give_mirror_symmetric_depths(steady_rain):
    x, y = np.meshgrid(np.arange(41), np.arange(21))
    z = 0.05 * np.abs(x - 20) + 0.02 * y + 0.2 * np.cos((x - 20) / 2.0)  # symmetric about column 20
    territory = grid_territory(z, land_cover=3)
    pattern = 1.0 + 0.5 * np.cos((x - 20) / 5.0)  # gridded rain, symmetric too
    ds = simulate(territory, steady_rain, params=FloodParams(**QUIET, duration_s=1800.0), rain_pattern=pattern)
    h = ds.max_depth.values
    np.testing.assert_allclose(h, h[:, ::-1], rtol=0, atol=1e-9)  # m
    assert h.max() > 0.01


def test_green_ampt_infiltration_under_ponding_matches_the_implicit_solution(dry_event):
    """F − ψΔθ·ln(1 + F/(ψΔθ)) = Ks·t, within 1 % (bare soil: sandy loam, Rawls et al. 1983)."""
    territory = grid_territory(np.zeros((6, 6)), land_cover=5)
    ks, psi, dtheta = (float(territory[k][0, 0]) for k in ("soil_ks", "soil_psi", "soil_delta_theta"))
    ds = simulate(
        territory,
        dry_event,
        params=FloodParams(infiltration="green_ampt", sewer_return_period_years=None, edges=CLOSED, duration_s=7200.0),
        initial_depth=np.full((6, 6), 0.5),
    )  # ponded all along
    f_model = balance_of(ds)["infiltration_m3"] / (36 * 25.0)  # m
    pd = psi * dtheta
    f = ks * 7200.0
    for _ in range(100):  # Newton on g(F) = F − pd·ln(1 + F/pd) − Ks·t
        f -= (f - pd * np.log1p(f / pd) - ks * 7200.0) / (1.0 - pd / (pd + f))
    assert f_model == pytest.approx(f, rel=0.01)  # acceptance: 1 %
    assert f_model > 0.02  # a real test: more than 2 cm in two hours


def test_inflow_and_drainage_volumes_are_accounted_exactly(dry_event, tmp_path):
    territory = grid_territory(np.zeros((10, 10)), land_cover=4)  # sealed: drains, does not infiltrate
    csv = tmp_path / "q.csv"
    csv.write_text("time_h,discharge_m3_s\n0,0.5\n0.5,0.5\n", encoding="utf-8")
    event = make_event(
        kind="river_flood", name="q", hydrograph_file=str(csv), inflow_location=[700_000.0 + 27.0, 6_600_000.0 + 27.0]
    )
    ds = simulate(territory, event, params=FloodParams(infiltration="none", drainage_mm_per_h=36.0, edges=CLOSED))
    mb = balance_of(ds)
    assert mb["inflow_m3"] == pytest.approx(0.5 * 1800.0, rel=1e-9)  # 0.5 m³/s for 30 min
    # 36 mm/h = 1e-5 m/s on every wet sealed cell; the budget closes to round-off
    assert 0.0 < mb["drainage_m3"] <= 1e-5 * 100 * 25.0 * 1800.0 + 1e-9
    assert mb["relative_error"] < 1e-9


def test_a_storm_on_the_tiny_town_runs_through_the_walls_and_reports_hazards(tiny):
    storm = make_event(kind="design_storm", name="s", return_period_years=100, duration_min=60)
    ds = simulate(tiny, storm, params=FloodParams(frame_interval_s=600.0, gauges={"school": (700_100.0, 6_600_045.0)}))
    walls = tiny["building_index"] >= 0
    assert float(ds.max_depth.values[walls].max()) == 0.0  # buildings stay dry
    for name, units in (
        ("max_depth", "m"),
        ("max_velocity", "m s-1"),
        ("arrival_time", "s"),
        ("hazard_rating", "1"),
        ("ppri_class", "1"),
        ("duration_deep", "s"),
    ):
        assert ds[name].attrs["units"] == units
        assert np.isfinite(ds[name].values[~np.isnan(ds[name].values)]).all()
    assert ds.depth.sizes["time"] == 13  # frames at 0, 600, ..., 7200 s
    assert ds.gauge_depth.sel(gauge="school").size == 121  # one reading a minute, both ends included
    assert ds.rio.crs.to_epsg() == 2154
    assert balance_of(ds)["relative_error"] < 1e-9


@pytest.mark.parametrize("slope", [0.01, 0.1])
def test_rain_on_a_plane_reaches_the_kinematic_steady_state(tmp_path, slope):
    """Steady uniform flow on a plane under rain r: the discharge leaving cell j is q = r·(j + 1)·Δx, carried by
    the upstream depth, so h_j = (n·q / √S)^(3/5) (Manning). Within 2 % on cells 10 to 89 of 100, on a gentle
    and on a steep (10 %) slope, where the time step must bound the flow speed, not only the wave speed."""
    n, rain_mm_h, dx, nx = 0.03, 50.0, 5.0, 100
    z = np.broadcast_to(10.0 + slope * dx * (nx - 1 - np.arange(nx)), (3, nx))
    territory = grid_territory(z, cell_size=dx, land_cover=4).with_layers(manning_n=np.full((3, nx), n))
    rain = tmp_path / "rain.csv"
    rain.write_text(
        "time_min,intensity_mm_per_h\n" + "".join(f"{m},{rain_mm_h}\n" for m in range(0, 180, 10)), encoding="utf-8"
    )
    event = make_event(kind="rain_series", name="r", series_file=str(rain), after_min=0)
    edges = {"west": "closed", "north": "closed", "south": "closed"}  # the east edge lets the water out
    ds = simulate(territory, event, params=FloodParams(**QUIET, edges=edges, duration_s=3 * 3600.0))
    q = rain_mm_h / 3.6e6 * (np.arange(nx) + 1) * dx  # m²/s
    exact = (n * q / np.sqrt(slope)) ** 0.6
    h = ds.final_depth.values[1]
    np.testing.assert_allclose(h[10:90], exact[10:90], rtol=0.02)  # measured: within 0.22 % on both slopes


def test_results_write_as_netcdf_and_cog_that_gdal_reads(tiny, tmp_path):
    import rasterio
    import xarray as xr

    from twin.io import write_cog, write_netcdf

    storm = make_event(kind="design_storm", name="s", return_period_years=10, duration_min=30)
    ds = simulate(tiny, storm, params=FloodParams(duration_s=1800.0))
    nc = write_netcdf(ds, tmp_path / "flood.nc")
    with rasterio.open(f"netcdf:{nc}:max_depth") as src:
        assert src.crs.to_epsg() == 2154
        np.testing.assert_array_equal(src.read(1), ds.max_depth.values)
    tif = write_cog(ds.max_depth.values, tmp_path / "max_depth.tif", tiny.grid, units="m", description="max depth")
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 2154 and src.tags()["units"] == "m"
    with xr.open_dataset(nc) as back:
        assert balance_of(back)["relative_error"] < 1e-9  # the mass balance survives the file


def test_float32_closed_basin_with_rain_conserves_mass_to_1e_5_and_stays_non_negative(steady_rain):
    """The float64 closed-basin test's setup with ``precision="float32"``: the state is float32, the volumes are
    summed in float64, so the budget closes to float32 round-off."""
    x, y = np.meshgrid(np.arange(40), np.arange(30))
    z = 0.02 * ((x - 20.0) ** 2 + (y - 15.0) ** 2) ** 0.5 + 0.3 * np.sin(x / 3.0) * np.cos(y / 4.0)
    territory = grid_territory(z, land_cover=6)  # grass: Green-Ampt infiltration on
    params = FloodParams(
        sewer_return_period_years=None, edges=CLOSED, duration_s=5400.0, frame_interval_s=60.0, precision="float32"
    )
    ds = simulate(territory, steady_rain, params=params)
    mb = balance_of(ds)
    assert mb["relative_error"] < 1e-5  # acceptance, float32
    assert mb["outflow_m3"] == 0.0
    assert float(ds.depth.min()) >= 0.0 and float(ds.final_depth.min()) >= 0.0  # every stored frame
    assert mb["rain_m3"] == pytest.approx(0.1 * 1200 * 25.0, rel=1e-12)  # 100 mm over 40 x 30 cells of 25 m²


def test_float32_planar_wave_front_matches_hunter_2005_within_2_cm(dry_event):
    """The planar-wave test in float32, to the same 0.02 m."""
    n, u, dx, t_end = 0.01, 0.4, 25.0, 500.0
    territory = grid_territory(np.zeros((3, 40)), cell_size=dx, land_cover=4)
    territory = territory.with_layers(manning_n=np.full((3, 40), n))
    upstream = lambda t: ((7 / 3) * n**2 * u**3 * t) ** (3 / 7)  # noqa: E731  h(0, t), z = 0
    params = FloodParams(**QUIET, duration_s=t_end, edges=CLOSED, precision="float32")
    ds = simulate(territory, dry_event, params=params, edge_stage={"west": upstream})
    x = (np.arange(40) + 0.5) * dx
    exact = ((7 / 3) * n**2 * u**2 * np.clip(u * t_end - x, 0.0, None)) ** (3 / 7)
    assert np.abs(ds.final_depth.values[1] - exact).max() <= 0.02  # acceptance: 0.02 m at t = 500 s


OUTPUTS = ("max_depth", "arrival_time", "max_velocity", "max_depth_velocity", "final_depth", "duration_deep", "depth")


def _valley_with_a_town(tmp_path, downstream_level_m: float | None = None):
    """A 48 x 320 valley draining east, free edges (some water leaves by the west one, next to the inflow), a
    river hydrograph entering at a point upstream, a block of buildings on the bank, drainage on sealed
    ground and Green-Ampt elsewhere; ``downstream_level_m`` holds a level on the east edge."""
    ny, nx, dx = 48, 320, 5.0
    x, y = np.meshgrid(np.arange(nx) * dx, np.arange(ny) * dx)
    z = 5.0 + 0.002 * (nx * dx - x) + 0.03 * np.abs(y - 24 * dx) + 0.05 * np.sin(x / 40.0) * np.cos(y / 30.0)
    index = np.full((ny, nx), -1, np.int32)
    index[18:22, 60:75] = 0  # buildings right by the river
    sealed = np.zeros((ny, nx))
    sealed[16:30, 50:90] = 0.8
    territory = grid_territory(z, cell_size=dx, land_cover=6).with_layers(
        building_index=index, building_height=np.where(index >= 0, 8.0, 0.0), imperviousness=sealed
    )
    q = tmp_path / "q.csv"
    q.write_text("time_h,discharge_m3_s\n0,0.5\n0.15,12\n0.6,1\n", encoding="utf-8")
    river = make_event(
        kind="river_flood",
        name="river",
        hydrograph_file=str(q),
        inflow_location=[700_000.0 + 12.5, 6_600_000.0 + 117.5],  # column 2, row 24
        duration_h=0.5,
        downstream_level_m=downstream_level_m,
    )
    return territory, river


def _run_both(monkeypatch, territory, event, params, **kwargs):
    """The run with dry cells skipped and with every step sweeping the whole grid, and the column ranges
    ``(lo, hi)`` of each step of the first one."""
    from twin.flood import _kernels as k
    from twin.flood import model

    ranges = []
    continuity = k.continuity

    def recording(**kwargs):
        ranges.append((kwargs["lo"].copy(), kwargs["hi"].copy()))
        return continuity(**kwargs)

    monkeypatch.setattr(k, "continuity", recording)
    skipped = simulate(territory, event, params=params, **kwargs)
    monkeypatch.setattr(k, "continuity", continuity)
    monkeypatch.setattr(model, "_SKIP_DRY", False)
    full = simulate(territory, event, params=params, **kwargs)
    return skipped, full, ranges


def _assert_identical(skipped, full):
    for name in OUTPUTS:
        assert np.array_equal(skipped[name].values, full[name].values, equal_nan=True), name
    assert balance_of(skipped) == balance_of(full)  # every volume, float for float


@pytest.mark.parametrize(("precision", "level"), [("float32", None), ("float64", None), ("float32", 5.3)])
def test_skipping_dry_cells_changes_no_result_of_a_river_flood(tmp_path, monkeypatch, precision, level):
    """A river flood on a mostly dry grid gives bit for bit the same maxima, arrival times, velocities, final
    depth, frames and mass balance whether the kernels skip the dry cells or sweep the whole grid; also with
    a level held on the east edge, above the ground of its lowest cells (which start dry)."""
    territory, river = _valley_with_a_town(tmp_path, downstream_level_m=level)
    params = FloodParams(precision=precision, frame_interval_s=300.0)
    skipped, full, ranges = _run_both(monkeypatch, territory, river, params)
    _assert_identical(skipped, full)
    lo, hi = ranges[-1]
    assert 0.02 < float((skipped.max_depth > 0).mean()) < 0.5  # water went some way, most of the grid stayed dry
    ny, nx = territory.grid.shape
    assert np.clip(hi - lo, 0, None).sum() < 0.5 * ny * nx  # the last step's ranges: under half the grid
    assert float(skipped.max_depth[22, 60:75].max()) > 0.05  # the water reached the buildings' walls
    mb = balance_of(skipped)
    assert mb["outflow_m3"] > 0.0 and mb["drainage_m3"] > 0.0 and mb["infiltration_m3"] > 0.0
    assert (mb["edge_inflow_m3"] > 0.0) == (level is not None)  # the held level floods in from the east edge


def test_skipping_dry_cells_changes_no_result_when_rain_starts_after_dry_steps(tmp_path, monkeypatch):
    """Dry steps skip, and from the first step with rain every cell is swept: the same results bit for bit."""
    territory, _ = _valley_with_a_town(tmp_path)
    rain = tmp_path / "rain.csv"
    rain.write_text("time_min,intensity_mm_per_h\n0,0\n10,60\n", encoding="utf-8")  # 60 mm/h from 10 to 20 min
    storm = make_event(kind="rain_series", name="rain", series_file=str(rain), after_min=20)
    depth = np.zeros(territory.grid.shape)
    depth[22:27, :40] = 0.3  # a river at its base level upstream
    params = FloodParams(precision="float32", duration_s=1800.0)
    skipped, full, ranges = _run_both(monkeypatch, territory, storm, params, initial_depth=depth)
    _assert_identical(skipped, full)
    (lo, hi), (lo_end, hi_end) = ranges[0], ranges[-1]
    assert (hi <= lo).any()  # dry rows skipped before the rain
    assert (lo_end == 0).all() and (hi_end == territory.grid.shape[1]).all()  # every cell swept under rain
    assert balance_of(skipped)["rain_m3"] > 0.0
