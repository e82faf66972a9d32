"""heat.simulate: the dataset it returns, its bad inputs, and a sanity check on the demo town."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import shapely
from conftest import HEATWAVE_2019, write_raster

from twin.hazards import Climate
from twin.heat.event import Heatwave
from twin.heat.model import INPUTS, HeatParams, simulate
from twin.territory import LAYERS
from twin.testing import demo_park_and_dense_centre, heat_island_p95

HEATWAVE = HEATWAVE_2019
EVENT = Heatwave(**HEATWAVE)

MAPS = {
    "cooling_capacity_day": "1",
    "cooling_capacity_night": "1",
    "heat_mitigation_day": "1",
    "heat_mitigation_night": "1",
    "t_air_day": "degC",
    "t_air_night": "degC",
    "uhi_day": "K",
    "uhi_night": "K",
    "uhi_max": "K",
    "svf": "1",
    "shade_fraction": "1",
    "wall_height": "m",
    "wall_aspect": "degree",
    "tmrt": "degC",
    "utci": "degC",
    "utci_class": "1",
}
PEDESTRIAN = {"tmrt", "utci", "utci_class"}


@pytest.fixture(scope="module")
def tiny_result(tiny):
    return simulate(tiny, EVENT)


def test_inputs_are_registered_layers():
    assert set(INPUTS) <= set(LAYERS)
    assert {"elevation", "building_height", "tree_canopy", "albedo", "crop_coefficient", "green_area"} <= set(INPUTS)


def test_simulate_returns_every_map_on_the_grid_with_units_and_crs(tiny, tiny_result):
    ds = tiny_result
    walk = ~(tiny["building_height"] > 0)
    for name, units in MAPS.items():
        assert ds[name].dims == ("y", "x") and ds[name].shape == tiny.grid.shape, name
        assert ds[name].attrs["units"] == units, name
        cells = walk if name in PEDESTRIAN else np.ones(walk.shape, bool)  # pedestrian maps: NaN on footprints
        assert np.isfinite(ds[name].values[cells]).all(), name
    np.testing.assert_array_equal(ds.x.values, tiny.layers.x.values)
    np.testing.assert_array_equal(ds.y.values, tiny.layers.y.values)
    assert ds.rio.crs == tiny.layers.rio.crs
    assert ds.spatial_ref.attrs["GeoTransform"] == tiny.layers.spatial_ref.attrs["GeoTransform"]
    assert ds.attrs["mode"] == "default" and ds.attrs["date"] == "2019-07-25"
    assert set(ds.utci_class.values[walk].ravel()) <= {0, 1, 2, 3, 4}


def test_maps_are_physically_consistent(tiny, tiny_result):
    ds = tiny_result
    t_ref_day = ds.attrs["t_ref_day_c"]
    assert 39.5 <= t_ref_day <= 40.0  # 15:00 solar is within half an hour of the day's maximum (sunset - 4 h)
    np.testing.assert_allclose(ds.uhi_day.values, ds.t_air_day.values - t_ref_day, atol=1e-4)
    assert (ds.svf.values > 0).all() and (ds.svf.values <= 1).all()
    assert ((ds.shade_fraction.values >= 0) & (ds.shade_fraction.values <= 1)).all()
    roofs = tiny["building_height"] > 0
    # the roofs of the two buildings see more sky than the ground between them
    assert ds.svf.values[roofs].mean() > ds.svf.values[~roofs].mean() - 0.05
    # afternoon sun in the west-south-west: the ground east of the 20 m building is in its shadow
    assert 200 < ds.attrs["sun_azimuth_deg"] < 270
    assert ds.wall_height.values.max() == pytest.approx(20.0, abs=0.5)


def test_invest_mode_keeps_air_temperature_between_t_ref_and_t_ref_plus_uhi_max(tiny):
    ds = simulate(tiny, EVENT, params=HeatParams(mode="invest", uhi_max_k=3.0))
    t_ref = ds.attrs["t_ref_day_c"]
    assert ds.t_air_day.values.min() >= t_ref - 1e-4 and ds.t_air_day.values.max() <= t_ref + 3.0 + 1e-4
    # InVEST's shade is the tree cover: the tiny town has none, so CC is 0.2·albedo + 0.2·Kc
    expected = 0.2 * tiny["albedo"] + 0.2 * tiny["crop_coefficient"]
    np.testing.assert_allclose(ds.cooling_capacity_day.values, expected, atol=1e-6)


def test_invest_mode_reads_the_reference_et0_raster_as_invest_does(tiny, tmp_path):
    # ETI = Kc·ET0/ET0_max (InVEST): ET0 4 mm in the west half of the tiny town, 6 mm in the east; no trees, so
    # CC = 0.2·albedo + 0.2·ETI by hand.
    et0 = np.where(np.arange(tiny.grid.shape[1])[None, :] < 15, 4.0, 6.0) * np.ones(tiny.grid.shape)
    path = write_raster(tmp_path / "et0.tif", et0.astype("float32"), crs="EPSG:2154", transform=tiny.grid.transform)
    event = Heatwave(**HEATWAVE, reference_evapotranspiration_file=str(path))
    ds = simulate(tiny, event, params=HeatParams(mode="invest", uhi_max_k=3.0))
    expected = 0.2 * tiny["albedo"] + 0.2 * tiny["crop_coefficient"] * et0 / 6.0
    np.testing.assert_allclose(ds.cooling_capacity_day.values, expected, atol=1e-6)


def test_invest_night_mode_takes_the_building_intensity_of_each_class(tiny):
    # InVEST's night CC = 1 - building_intensity of the cell's class, when the table has the column.
    table = tiny.landcover
    intensity = np.linspace(0.0, 0.9, len(table.codes))
    classes = replace(table, values={**table.values, "building_intensity": intensity})
    ds = simulate(replace(tiny, landcover=classes), EVENT, params=HeatParams(mode="invest", uhi_max_k=3.0))
    expected = 1.0 - intensity[np.searchsorted(table.codes, tiny["land_cover"])]
    np.testing.assert_allclose(ds.cooling_capacity_night.values, expected, atol=1e-6)


def test_street_trees_lower_utci_and_never_raise_air_temperature(tiny, tiny_result):
    road = tiny["land_cover"] == 3
    planted = tiny.with_layers(tree_canopy=np.where(road, 0.8, tiny["tree_canopy"]))
    after = simulate(planted, EVENT)
    assert (after.t_air_day.values <= tiny_result.t_air_day.values + 1e-4).all()
    assert (after.t_air_night.values <= tiny_result.t_air_night.values + 1e-4).all()
    drop = tiny_result.utci.values[road] - after.utci.values[road]
    assert drop.min() > 0.0 and drop.mean() > 2.0  # K, under 80 % canopy


def test_a_warmer_climate_shifts_the_reference_temperature(tiny, tiny_result):
    warmer = simulate(tiny, EVENT, climate=Climate(delta_t_c=2.0))
    assert warmer.attrs["t_ref_day_c"] == pytest.approx(tiny_result.attrs["t_ref_day_c"] + 2.0)
    np.testing.assert_allclose(warmer.uhi_day.values, tiny_result.uhi_day.values, atol=1e-3)


def test_every_step_of_the_day_has_air_temperature_tmrt_and_utci_with_cf_time(tiny, tiny_result):
    ds = tiny_result
    steps = (24, *tiny.grid.shape)
    for name in ("t_air_hourly", "tmrt_hourly", "utci_hourly"):
        assert ds[name].dims == ("time", "y", "x") and ds[name].shape == steps and ds[name].dtype == np.float32
    assert ds.solar_hour.values.tolist() == list(range(24))
    assert np.issubdtype(ds.time.dtype, np.datetime64)
    # the step at 15:00 solar time is the afternoon map; without the sun (03:00) Tmrt is lower everywhere
    k15 = int(np.flatnonzero(ds.solar_hour.values == 15)[0])
    np.testing.assert_array_equal(ds.tmrt_hourly.values[k15], ds.tmrt.values)
    np.testing.assert_array_equal(ds.t_air_hourly.values[k15], ds.t_air_day.values)
    walk = ~(tiny["building_height"] > 0)
    assert ds.tmrt_hourly.values[3][walk].max() < ds.tmrt_hourly.values[k15][walk].min()
    assert np.isfinite(ds.utci_hourly.values[:, walk]).all()
    # daily maps made of the steps
    np.testing.assert_allclose(ds.utci_max.values[walk], ds.utci_hourly.values[:, walk].max(axis=0))
    hours = sum(ds[f"hours_{c}_stress"].values for c in ("moderate", "strong", "very_strong", "extreme"))
    assert (hours[walk] <= 24.0).all()
    strong = ((ds.utci_hourly.values > 32.0) & (ds.utci_hourly.values <= 38.0)).sum(axis=0)
    np.testing.assert_array_equal(ds.hours_strong_stress.values[walk], strong[walk])
    np.testing.assert_array_equal(ds.tropical_night.values, (ds.t_air_min_night.values >= 20.0).astype(np.uint8))


def test_roofs_are_not_pedestrian_space(tiny, tiny_result):
    # A footprint cell carries no Tmrt, UTCI or anything made of them; its class is the fill value.
    roofs = tiny["building_height"] > 0
    assert roofs.any()
    for name in ("tmrt", "utci", "utci_max", "utci_max_hour", "hours_strong_stress", "tmrt_hourly", "utci_hourly"):
        assert np.isnan(tiny_result[name].values[..., roofs]).all(), name
    assert (tiny_result.utci_class.values[roofs] == 255).all()


def test_a_cool_roof_leaves_street_utci_unchanged_or_cooler(tiny, tiny_result):
    roofs = tiny["building_height"] > 0
    cool = simulate(tiny.with_layers(albedo=np.where(roofs, 0.85, tiny["albedo"])), EVENT)
    walk = ~roofs
    for name in ("utci_hourly", "utci_max"):
        assert (cool[name].values[..., walk] <= tiny_result[name].values[..., walk] + 1e-4).all(), name


def test_steps_per_day_sets_the_steps_and_the_maps_hours_must_be_among_them(tiny):
    ds = simulate(tiny, EVENT, params=HeatParams(steps_per_day=12, day_hour=14, night_hour=22))
    assert ds.solar_hour.values.tolist() == list(range(0, 24, 2))
    assert float(ds.hours_strong_stress.max()) % 2.0 == 0.0  # steps of 2 h
    with pytest.raises(ValueError, match="day_hour must be one of the steps"):
        HeatParams(steps_per_day=12, day_hour=15)


# ---------------------------------------------------------------- the demo town


@pytest.fixture(scope="module")
def demo():
    from twin.sources import load_territory

    return load_territory("demo")


@pytest.fixture(scope="module")
def demo_heat(demo):
    return simulate(demo, EVENT)


@pytest.mark.slow
def test_demo_heat_island_is_a_night_time_effect_with_theeuwes_magnitude(demo, demo_heat):
    # Observations (Oke 1982; Stewart & Oke 2012; Theeuwes et al. 2017): the canopy-layer heat island is mainly
    # a night-time effect, largest 3-5 h after sunset; by day the air-temperature heat island is small.
    ds = demo_heat
    park, dense = demo_park_and_dense_centre(demo)
    assert park.sum() * demo.grid.cell_area >= 20_000.0 and dense.sum() > 100
    p95 = heat_island_p95(ds, dense)
    assert p95["night"] > p95["afternoon"] + 1.0  # K
    uhi = ds.t_air_hourly.values - ds.t_ref.values[:, None, None]
    sunrise, sunset = ds.attrs["sunrise_solar_h"], ds.attrs["sunset_solar_h"]
    # the hour of the largest heat island falls between sunset and sunrise in the dense centre
    peak = ds.uhi_max_hour.values[dense]
    assert ((peak >= sunset) | (peak < sunrise)).all()
    # at that hour it is Theeuwes et al. (2017), written out here: (2 - SVF - F_veg)·(S·DTR³/U)^(1/4), SVF and
    # F_veg averaged within 100 m (uhi_window_m), S the day's mean global irradiance over ρ·c_p
    row, col = (int(v[len(v) // 2]) for v in np.nonzero(dense))
    r = int(100.0 / demo.grid.cell_size)
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disc = (yy**2 + xx**2) <= r**2
    window = (slice(row - r, row + r + 1), slice(col - r, col + r + 1))
    ground = demo["green_area"] * (1.0 - demo["imperviousness"])
    canopy = np.where(demo["building_height"] > 0, 0.0, demo["tree_canopy"])
    f_veg = np.clip(np.maximum.reduce([canopy, ground, demo["green_roof_fraction"]]), 0.0, 1.0)
    svf_mean, veg_mean = ds.svf.values[window][disc].mean(), f_veg[window][disc].mean()
    s = ds.attrs["mean_ghi_w_m2"] / (1.2 * 1005.0)
    dtr = float(ds.t_ref.max() - ds.t_ref.min())
    theeuwes = (2.0 - svf_mean - veg_mean) * (s * dtr**3 / EVENT.wind_speed_m_s) ** 0.25
    assert uhi[:, row, col].max() == pytest.approx(theeuwes, abs=2e-3)  # K; the FFT runs in single precision
    assert ds.uhi_max.values[row, col] == pytest.approx(theeuwes, abs=2e-3)
    # a park of more than 2 ha is cooler than the dense centre at night
    k_peak = int(np.argmax(uhi[:, row, col]))
    t_peak = ds.t_air_hourly.values[k_peak]
    assert t_peak[park].mean() < t_peak[dense].mean() - 1.0  # K
    assert ds.t_air_min_night.values[park].mean() < ds.t_air_min_night.values[dense].mean()


@pytest.mark.slow
def test_demo_street_trees_cool_the_street(demo, demo_heat):
    # Street trees: 80 % canopy over the road cells of the Centre historique lowers UTCI under the canopy.
    ds = demo_heat
    xx, yy = np.meshgrid(demo.layers.x.values, demo.layers.y.values)
    districts = demo.vectors["districts"]
    centre = shapely.contains_xy(districts.geometry[districts["name"] == "Centre historique"].iloc[0], xx, yy)
    streets = centre & (demo["land_cover"] == 3)
    planted = simulate(demo.with_layers(tree_canopy=np.where(streets, 0.8, demo["tree_canopy"])), EVENT)
    drop = ds.utci.values[streets] - planted.utci.values[streets]
    # In a street already in a building's shadow at 15:00, leaves at air temperature replace a clear sky that
    # radiates less, so UTCI may rise by a few tenths of a kelvin: the sunlit streets (Tmrt more than 15 K above
    # the air) carry the test.
    sunlit = ds.tmrt.values[streets] > ds.t_air_day.values[streets] + 15.0
    assert sunlit.mean() > 0.2
    assert drop.mean() > 1.0 and (drop[sunlit] > 1.0).mean() > 0.95 and drop.min() > -0.5
    assert (planted.t_air_day.values <= ds.t_air_day.values + 1e-4).all()
    assert (planted.uhi_max.values <= ds.uhi_max.values + 1e-4).all()  # more vegetation, a smaller night maximum


def test_the_result_writes_as_netcdf_and_cog(tiny, tiny_result, tmp_path):
    import rasterio
    import xarray as xr

    from twin.io import write_cog, write_netcdf

    path = write_netcdf(tiny_result, tmp_path / "heat.nc")
    back = xr.open_dataset(path)
    np.testing.assert_array_equal(back.utci.values, tiny_result.utci.values)
    assert back.t_air_day.attrs["units"] == "degC" and back.attrs["mode"] == "default"
    # the hourly stacks are packed to 0.01 °C (CF scale_factor): back within half a step, NaN kept on the roofs
    np.testing.assert_allclose(back.utci_hourly.values, tiny_result.utci_hourly.values, rtol=0, atol=0.0051)
    assert np.issubdtype(back.time.dtype, np.datetime64) and back.local_time.values[15] == tiny_result.local_time[15]
    back.close()
    cog = write_cog(tiny_result.utci.values, tmp_path / "utci.tif", tiny.grid, units="degC", description="UTCI")
    with rasterio.open(cog) as src:
        assert src.crs == tiny.grid.crs
        np.testing.assert_array_equal(src.read(1), tiny_result.utci.values)
