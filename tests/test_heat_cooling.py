"""The InVEST Urban Cooling Model steps: a 5 x 6 case by hand, kernels, edge correction and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from conftest import L93, write_raster
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from twin.errors import CRSError, DataSourceError, ModelInputError
from twin.grid import Grid
from twin.heat import cooling
from twin.landcover import LandCoverTable


def test_ucm_by_hand_on_5_x_6_cells():
    # "invest" mode, 100 m cells (1 ha each), d_cool = 200 m (2 pixels), r_mix = 100 m (1 pixel),
    # T_ref = 30 °C, UHI_max = 3 K, weights 0.6 / 0.2 / 0.2 (sum 1). Tolerances: 1e-6 on indices and 1e-5 K on
    # temperatures (the FFTs run in single precision); the green-area count is exact.
    cell, t_ref, uhi_max = 100.0, 30.0, 3.0
    ny, nx = 5, 6
    # Land: a 2 x 2 wood (shade 0.9, albedo 0.15, Kc 1.0) at rows 1-2, columns 1-2; one lawn cell
    # (0, 0.23, 0.9) at (4, 5); paving (0, 0.25, 0.1) elsewhere. Green: the wood and the lawn.
    shade = np.zeros((ny, nx))
    albedo = np.full((ny, nx), 0.25)
    kc = np.full((ny, nx), 0.1)
    green = np.zeros((ny, nx))
    shade[1:3, 1:3], albedo[1:3, 1:3], kc[1:3, 1:3], green[1:3, 1:3] = 0.9, 0.15, 1.0, 1.0
    albedo[4, 5], kc[4, 5], green[4, 5] = 0.23, 0.9, 1.0

    # Step 1: ETI = Kc·ET0/ET0_max with a uniform ET0: ETI = Kc.
    eti = cooling.evapotranspiration_index(kc, et0=np.full((ny, nx), 5.0))
    assert np.allclose(eti, kc)
    # Step 2: CC = 0.6·shade + 0.2·albedo + 0.2·ETI.
    cc = cooling.cooling_capacity_factors(shade, albedo, eti)
    assert cc[1, 1] == pytest.approx(0.6 * 0.9 + 0.2 * 0.15 + 0.2 * 1.0)  # wood: 0.77
    assert cc[4, 5] == pytest.approx(0.2 * 0.23 + 0.2 * 0.9)  # lawn: 0.226
    assert cc[0, 0] == pytest.approx(0.2 * 0.25 + 0.2 * 0.1)  # paving: 0.07

    kernels = cooling.cooling_kernels((ny, nx), cell_size=cell, d_cool_m=200.0, r_mix_m=100.0, mode="invest")
    out = cooling.urban_cooling(cc, green, t_ref_c=t_ref, uhi_max_k=uhi_max, cell_size=cell, kernels=kernels)

    # Step 3: GA = 1 ha × green cells within 2 pixels (centre distance ≤ 2).
    def dist(i, j, k, m):
        return math.hypot(i - k, j - m)

    cells = [(i, j) for i in range(ny) for j in range(nx)]
    ga = np.array(
        [[1e4 * sum(green[k, m] for k, m in cells if dist(i, j, k, m) <= 2) for j in range(nx)] for i in range(ny)]
    )
    assert ga[0, 0] == 1e4 * 1  # only (1, 1), at √2; (1, 2) and (2, 1) are √5 > 2 away
    assert ga[0, 1] == 1e4 * 3  # (1, 1) at 1, (1, 2) at √2, (2, 1) at 2
    np.testing.assert_array_equal(out.green_area_m2, ga)

    # Step 4: CC_park = Σ g·CC·exp(−d/2) / Σ exp(−d/2), both sums over the grid, d ≤ 5·2 = 10 pixels (all).
    def cc_park(i, j):
        num = sum(green[k, m] * cc[k, m] * math.exp(-dist(i, j, k, m) / 2) for k, m in cells)
        den = sum(math.exp(-dist(i, j, k, m) / 2) for k, m in cells)
        return num / den

    park = np.array([[cc_park(i, j) for j in range(nx)] for i in range(ny)])
    np.testing.assert_allclose(out.cc_park, park, rtol=0, atol=1e-6)

    # Step 5: HM = CC if CC ≥ CC_park or GA < 2 ha, else CC_park.
    hm = np.where((cc >= park) | (ga < 2e4), cc, park)
    np.testing.assert_allclose(out.hm, hm, rtol=0, atol=1e-6)
    assert out.hm[0, 1] == pytest.approx(park[0, 1]) and park[0, 1] > cc[0, 1]  # paving next to the wood
    assert out.hm[1, 1] == cc[1, 1]  # the wood keeps its own CC
    assert out.hm[0, 5] == cc[0, 5] and ga[0, 5] < 2e4  # too far from 2 ha of green

    # Step 6: T_nomix = T_ref + (1 − HM)·UHI_max.
    t_nomix = t_ref + (1.0 - hm) * uhi_max
    np.testing.assert_allclose(out.t_nomix, t_nomix, rtol=0, atol=1e-5)

    # Step 7: T_air = Σ T_nomix·exp(−d/1) / Σ exp(−d/1) over the cells within 5 pixels (the corners of the
    # grid are 6.4 pixels apart: the cut-off applies).
    def t_air(i, j):
        near = [(k, m) for k, m in cells if dist(i, j, k, m) <= 5]
        num = sum(t_nomix[k, m] * math.exp(-dist(i, j, k, m)) for k, m in near)
        return num / sum(math.exp(-dist(i, j, k, m)) for k, m in near)

    np.testing.assert_allclose(out.t_air, [[t_air(i, j) for j in range(nx)] for i in range(ny)], rtol=0, atol=1e-5)
    assert t_ref <= out.t_air.min() and out.t_air.max() <= t_ref + uhi_max


def test_exponential_kernel_is_invests_decay_kernel():
    # exp(−d/D) for centre distances d ≤ 5·D pixels, normalised to sum 1 (pygeoprocessing's exponential_decay_kernel).
    k = cooling.exponential_kernel(2.0)
    assert k.shape == (21, 21) and k.sum() == pytest.approx(1.0)
    d = np.hypot(*np.mgrid[-10:11, -10:11])
    expected = np.where(d <= 10, np.exp(-d / 2.0), 0.0)
    np.testing.assert_allclose(k, expected / expected.sum(), rtol=1e-12)
    assert k[0, 0] == 0.0 and k[10, 0] > 0.0  # the corner (14.1 px) is cut, the edge middle (10 px) is not


def test_convolution_and_edge_mass_against_direct_sums():
    # Tolerances: 1e-9 in double precision, 1e-6 in the default single-precision FFT; the edge mass is exact.
    rng = np.random.default_rng(1)
    signal = rng.random((7, 9))
    kernel = cooling.gaussian_kernel(1.5)  # radius 4 px: reaches past the grid's edges
    r = kernel.shape[0] // 2
    direct = np.zeros_like(signal)
    mass = np.zeros_like(signal)
    for i in range(7):
        for j in range(9):
            for k in range(7):
                for m in range(9):
                    if abs(i - k) <= r and abs(j - m) <= r:
                        direct[i, j] += signal[k, m] * kernel[r + i - k, r + j - m]
                        mass[i, j] += kernel[r + i - k, r + j - m]
    np.testing.assert_allclose(cooling.convolve(signal, kernel, double=True), direct, rtol=0, atol=1e-9)
    np.testing.assert_allclose(cooling.convolve(signal, kernel), direct, rtol=0, atol=1e-6)
    np.testing.assert_allclose(cooling.kernel_mass_inside(signal.shape, kernel), mass, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cooling.weighted_mean(signal, kernel), direct / mass, rtol=0, atol=1e-6)
    # two maps stacked on a leading axis give the same as one by one
    both = cooling.convolve(np.stack([signal, 2 * signal]), kernel, double=True)
    np.testing.assert_allclose(both[1], 2 * direct, rtol=0, atol=1e-9)
    # a kernel far larger than the grid is cropped, not an error
    big = cooling.exponential_kernel(50.0)
    np.testing.assert_allclose(cooling.weighted_mean(np.ones((4, 5)), big), 1.0, rtol=0, atol=1e-6)


def test_green_area_counts_cells_within_the_distance():
    green = np.zeros((5, 5))
    green[2, 2] = green[2, 3] = green[0, 0] = 1.0
    ga = cooling.green_area_within(green, cell_size=10.0, distance_px=1.0)  # 100 m² cells, d ≤ 1 px
    assert ga[2, 2] == 200.0 and ga[1, 2] == 100.0 and ga[1, 1] == 0.0 and ga[0, 1] == 100.0


def test_building_intensity_is_the_floor_area_ratio_over_its_maximum():
    # 9 m buildings (3 storeys) on every cell: FAR 3 = far_max -> 1; no building -> 0.
    full = cooling.building_intensity(
        np.full((6, 6), 9.0), cell_size=5.0, storey_height_m=3.0, window_m=10.0, far_max=3.0
    )
    np.testing.assert_allclose(full, 1.0, rtol=0, atol=1e-6)
    half = np.zeros((6, 6))
    half[:, ::2] = 9.0  # every other column: FAR 1.5 -> 0.5 far from the edges (window 1 px: plus shape)
    bi = cooling.building_intensity(half, cell_size=5.0, storey_height_m=3.0, window_m=5.0, far_max=3.0)
    assert bi[2, 2] == pytest.approx((3 * 3 + 0 + 0) / 5 / 3.0)  # the cell and its N/S neighbours are built


def test_theeuwes_weather_term_by_hand():
    # S = 300 W m⁻² / (1.2 kg m⁻³ · 1005 J kg⁻¹ K⁻¹) = 0.24876 K m s⁻¹; DTR = 15 K; U = 2 m s⁻¹.
    s = 300.0 / (1.2 * 1005.0)
    assert cooling.uhi_meteorology_k(mean_ghi_w_m2=300.0, dtr_k=15.0, wind_m_s=2.0) == pytest.approx(
        (s * 15.0**3 / 2.0) ** 0.25
    )
    # (2 − SVF − F_veg) scales it: 2 for a closed, bare street, 0 for open parkland
    uhi = cooling.geometric_uhi_max(
        np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]), meteorology_k=4.0, cell_size=10.0, window_m=1.0
    )
    np.testing.assert_allclose(uhi, [[8.0, 0.0]], rtol=0, atol=1e-5)


# ---------------------------------------------------------------- InVEST parity: ET0, edges, building intensity

ET0_X0, ET0_Y0 = 431_000.0, 6_711_040.0  # upper-left corner of a 4 x 5 grid of 10 m cells (Lambert-93)


def _et0_grid() -> Grid:
    return Grid.from_bounds(crs=L93, bounds=(ET0_X0, ET0_Y0 - 40.0, ET0_X0 + 50.0, ET0_Y0), cell_size=10.0)


def test_et0_raster_on_the_grid_gives_invests_eti_by_hand(tmp_path):
    # A raster on the grid itself is used as is. ETI = Kc·ET0/ET0_max, ET0_max = the largest ET0 of the grid (InVEST:
    # GetStatistics of the aligned ET0 raster). Tolerance 1e-12 (float32 ET0 values that are exact in binary).
    et0 = np.array([[4.0, 4.5, 5.0, 5.5, 6.0], [4.0, 4.5, 5.0, 5.5, 6.0], [3.0, 3.5, 8.0, 2.0, 1.0], [0, 1, 2, 3, 4]])
    path = write_raster(
        tmp_path / "et0.tif", et0.astype("float32"), crs=L93, transform=Affine(10, 0, ET0_X0, 0, -10, ET0_Y0)
    )
    values, notes = cooling.read_reference_et0([path], _et0_grid())
    np.testing.assert_array_equal(values, et0)
    assert notes[-1] == "already on the grid: used as is, no resampling"
    kc = np.full((4, 5), 0.9)
    kc[2, 2] = 1.0
    eti = cooling.evapotranspiration_index(kc, et0=values)
    assert eti[2, 2] == pytest.approx(1.0 * 8.0 / 8.0, abs=1e-12)  # the wettest cell
    assert eti[0, 0] == pytest.approx(0.9 * 4.0 / 8.0, abs=1e-12)  # 0.45
    assert eti[3, 0] == 0.0  # ET0 = 0 mm
    np.testing.assert_allclose(eti, kc * et0 / 8.0, rtol=0, atol=1e-12)


def test_coarser_et0_raster_is_resampled_onto_the_grid(tmp_path):
    # A 2 x 3 raster of 20 m cells over the 4 x 5 grid of 10 m: with "nearest", each 10 m cell takes the value of
    # the 20 m cell its centre falls in (exact).
    coarse = np.array([[2.0, 4.0, 6.0], [1.0, 3.0, 5.0]], dtype="float32")
    path = write_raster(tmp_path / "et0.tif", coarse, crs=L93, transform=Affine(20, 0, ET0_X0, 0, -20, ET0_Y0))
    values, notes = cooling.read_reference_et0([path], _et0_grid(), resampling="nearest")
    np.testing.assert_array_equal(values, np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)[:, :5])
    assert notes[-1].startswith("resampled (nearest) onto the grid")
    np.testing.assert_allclose(cooling.evapotranspiration_index(np.ones((4, 5)), et0=values), values / 6.0, atol=1e-12)


def test_et0_raster_errors_name_the_file_and_the_problem(tmp_path):
    grid = _et0_grid()
    on_grid = Affine(10, 0, ET0_X0, 0, -10, ET0_Y0)
    ok = np.full((4, 5), 5.0, dtype="float32")
    no_crs = write_raster(tmp_path / "nocrs.tif", ok, crs=None, transform=on_grid)
    with pytest.raises(CRSError, match=r"nocrs\.tif: raster has no CRS"):
        cooling.read_reference_et0([no_crs], grid)
    far = write_raster(tmp_path / "far.tif", ok, crs=L93, transform=Affine(10, 0, ET0_X0 + 1e4, 0, -10, ET0_Y0))
    with pytest.raises(DataSourceError, match=r"far\.tif: extent must be overlapping the grid"):
        cooling.read_reference_et0([far], grid)
    holes = ok.copy()
    holes[1, 1] = -9999.0
    nodata = write_raster(tmp_path / "holes.tif", holes, crs=L93, transform=on_grid, nodata=-9999.0)
    with pytest.raises(
        DataSourceError,
        match=r"holes\.tif: reference evapotranspiration must be a value on every "
        r"cell of the grid .*, got '1 of 20 cells without a value'",
    ):
        cooling.read_reference_et0([nodata], grid)
    negative = ok.copy()
    negative[0, 3] = -0.5
    neg = write_raster(tmp_path / "neg.tif", negative, crs=L93, transform=on_grid)
    with pytest.raises(DataSourceError, match=r"neg\.tif: reference evapotranspiration must be ≥ 0 mm, got -0\.5"):
        cooling.read_reference_et0([neg], grid)
    dry = write_raster(tmp_path / "dry.tif", np.zeros((4, 5), "float32"), crs=L93, transform=on_grid)
    with pytest.raises(DataSourceError, match=r"dry\.tif: reference evapotranspiration must be positive somewhere"):
        cooling.read_reference_et0([dry], grid)


def test_eti_maximum_skips_nan_cells_and_refuses_a_zero_maximum():
    et0 = np.array([[2.0, np.nan], [4.0, 1.0]])
    eti = cooling.evapotranspiration_index(np.ones((2, 2)), et0=et0)
    np.testing.assert_array_equal(eti, [[0.5, np.nan], [1.0, 0.25]])
    assert cooling.evapotranspiration_index(np.array([0.8]), et0=3.0, et0_max=6.0)[0] == pytest.approx(0.4)
    with pytest.raises(ModelInputError, match=r"ET0_max must be a positive number of mm, got 0\.0"):
        cooling.evapotranspiration_index(np.ones(2), et0=np.zeros(2))


def test_invest_green_area_scales_the_count_near_edges_to_a_full_disc():
    # d = 2 px: the full disc holds 13 cells (centre distance ≤ 2). InVEST (pygeoprocessing convolve_2d,
    # ignore_nodata_and_edges=True, unnormalised dichotomous kernel) gives count × 13 / (disc cells inside the grid).
    green = np.zeros((5, 6))
    green[0, 1] = green[3, 4] = 1.0
    cell = 100.0  # 1 ha per cell
    plain = cooling.green_area_within(green, cell_size=cell, distance_px=2.0)
    invest = cooling.green_area_within(green, cell_size=cell, distance_px=2.0, edges="full_disc")
    # corner (0, 0): inside the grid, the disc keeps (0,0) (0,1) (0,2) (1,0) (1,1) (2,0): 6 cells; 1 green one
    assert plain[0, 0] == 1e4 and invest[0, 0] == pytest.approx(1e4 * 13 / 6, rel=1e-12)
    # (0, 2), on the top edge: the lower half of the disc, 9 cells (5 in row 0, 3 in row 1, 1 in row 2)
    inside = {
        (i, j): sum(1 for k in range(5) for m in range(6) if math.hypot(i - k, j - m) <= 2)
        for i, j in [(0, 0), (0, 2), (2, 2)]
    }
    assert inside == {(0, 0): 6, (0, 2): 9, (2, 2): 13}
    assert invest[0, 2] == pytest.approx(plain[0, 2] * 13 / 9, rel=1e-12) and plain[0, 2] == 1e4
    assert invest[2, 2] == plain[2, 2]  # the whole disc lies in the grid: no scaling
    # every cell against the direct sums (tolerance 1e-9 m²)
    expected = np.array(
        [
            [
                1e4
                * sum(green[k, m] for k in range(5) for m in range(6) if math.hypot(i - k, j - m) <= 2)
                * 13
                / sum(1 for k in range(5) for m in range(6) if math.hypot(i - k, j - m) <= 2)
                for j in range(6)
            ]
            for i in range(5)
        ]
    )
    np.testing.assert_allclose(invest, expected, rtol=0, atol=1e-9)
    with pytest.raises(ModelInputError, match=r"edges must be one of \['not_green', 'full_disc'\], got 'wrap'"):
        cooling.green_area_within(green, cell_size=cell, distance_px=2.0, edges="wrap")


def test_invest_edge_rule_can_switch_heat_mitigation_to_park_cooling():
    # 100 m cells, d_cool = 200 m (2 px). One green cell at (0, 1) with CC 0.8, CC 0 elsewhere. At the corner (0, 0)
    # the grid holds 1 ha of green: below 2 ha, so HM = CC = 0; InVEST scales it to 13/6 = 2.17 ha, so HM = CC_park.
    green = np.zeros((5, 6))
    green[0, 1] = 1.0
    cc = 0.8 * green
    runs = {}
    for edges in ("not_green", "full_disc"):
        kernels = cooling.cooling_kernels(
            (5, 6), cell_size=100.0, d_cool_m=200.0, r_mix_m=100.0, mode="invest", green_edges=edges
        )
        assert kernels.green_edges == edges
        runs[edges] = cooling.urban_cooling(cc, green, t_ref_c=30.0, uhi_max_k=3.0, cell_size=100.0, kernels=kernels)
    park = runs["full_disc"].cc_park[0, 0]
    assert park > 0.0 and runs["not_green"].cc_park[0, 0] == park  # the park cooling itself does not change
    assert runs["not_green"].hm[0, 0] == 0.0  # tolerance: exact
    assert runs["full_disc"].hm[0, 0] == pytest.approx(park, abs=1e-6)
    with pytest.raises(ModelInputError, match=r"green_edges must be one of"):
        cooling.cooling_kernels((5, 6), cell_size=100.0, d_cool_m=200.0, r_mix_m=100.0, mode="invest", green_edges="x")


def _table_with_intensity(intensity) -> LandCoverTable:
    return LandCoverTable(
        codes=np.array([2, 6, 8]),
        names=("building", "grass", "trees"),
        values={"building_intensity": np.asarray(intensity, dtype=float)},
        source="lc.csv",
    )


def test_building_intensity_per_land_cover_class_gives_the_night_cooling_capacity():
    # InVEST's night mode: CC = 1 − building_intensity of the cell's class (exact).
    land_cover = np.array([[2, 6], [8, 2]], dtype=np.uint8)
    bi = cooling.building_intensity_from_classes(land_cover, _table_with_intensity([0.75, 0.0, 0.1]))
    np.testing.assert_array_equal(bi, [[0.75, 0.0], [0.1, 0.75]])
    np.testing.assert_allclose(cooling.cooling_capacity_intensity(bi), [[0.25, 1.0], [0.9, 0.25]], atol=1e-15)


def test_building_intensity_table_errors_name_the_table_class_and_value():
    land_cover = np.array([[2, 6]], dtype=np.uint8)
    no_column = LandCoverTable(
        codes=np.array([2, 6]), names=("a", "b"), values={"albedo": np.zeros(2)}, source="lc.csv"
    )
    with pytest.raises(DataSourceError, match=r"^lc\.csv: columns must be to include 'building_intensity'"):
        cooling.building_intensity_from_classes(land_cover, no_column)
    with pytest.raises(
        DataSourceError,
        match=r"^lc\.csv, class 6 \(grass\): building_intensity must be within "
        r"\[0, 1\], got 1\.5",
    ):
        cooling.building_intensity_from_classes(land_cover, _table_with_intensity([0.5, 1.5, 0.0]))
    with pytest.raises(
        DataSourceError,
        match=r"^lc\.csv: code must be defined for every land-cover class of the "
        r"grid, got \[9\]",
    ):
        cooling.building_intensity_from_classes(np.array([[2, 9]]), _table_with_intensity([0.5, 0.2, 0.0]))


# ---------------------------------------------------------------- properties (hypothesis)

SHAPE = (6, 7)
unit = arrays(np.float64, SHAPE, elements=st.floats(0.0, 1.0))
binary = arrays(np.float64, SHAPE, elements=st.sampled_from([0.0, 1.0]))


def _t_air(canopy, albedo, kc, green, svf, *, mode: str) -> tuple[np.ndarray, float | np.ndarray]:
    """The UCM on 50 m cells with shade = canopy, as simulate() wires it (default: UHI_max from geometry)."""
    eti = cooling.evapotranspiration_index(kc)
    cc = cooling.cooling_capacity_factors(canopy, albedo, eti)
    if mode == "invest":
        uhi = 3.0
    else:
        f_veg = cooling.vegetation_fraction(canopy, green, np.zeros(SHAPE), np.zeros(SHAPE))
        uhi = cooling.geometric_uhi_max(svf, f_veg, meteorology_k=4.0, cell_size=50.0, window_m=100.0)
    kernels = cooling.cooling_kernels(SHAPE, cell_size=50.0, d_cool_m=450.0, r_mix_m=600.0, mode=mode)
    cc = cc if mode == "invest" else np.clip(cc, 0.0, 1.0)
    out = cooling.urban_cooling(cc, green, t_ref_c=30.0, uhi_max_k=uhi, cell_size=50.0, kernels=kernels)
    return out.t_air, uhi


@settings(max_examples=40, deadline=None)
@given(
    canopy=unit, extra=unit, albedo=unit, kc=unit, green=binary, svf=unit, mode=st.sampled_from(["default", "invest"])
)
def test_more_tree_canopy_never_raises_air_temperature(canopy, extra, albedo, kc, green, svf, mode):
    # Tolerance 1e-5 K (single-precision FFT round-off).
    before, _ = _t_air(canopy, albedo, kc, green, svf, mode=mode)
    after, _ = _t_air(np.clip(canopy + extra, 0, 1), albedo, kc, green, svf, mode=mode)
    assert (after <= before + 1e-5).all()


@settings(max_examples=40, deadline=None)
@given(
    canopy=unit, albedo=unit, extra=unit, kc=unit, green=binary, svf=unit, mode=st.sampled_from(["default", "invest"])
)
def test_higher_albedo_never_raises_air_temperature(canopy, albedo, extra, kc, green, svf, mode):
    before, _ = _t_air(canopy, albedo, kc, green, svf, mode=mode)
    after, _ = _t_air(canopy, np.clip(albedo + extra, 0, 1), kc, green, svf, mode=mode)
    assert (after <= before + 1e-5).all()  # K


@settings(max_examples=40, deadline=None)
@given(canopy=unit, albedo=unit, kc=unit, green=binary, svf=unit)
def test_invest_air_temperature_stays_between_t_ref_and_t_ref_plus_uhi_max(canopy, albedo, kc, green, svf):
    # With Kc ≤ 1 (so ETI ≤ 1 and 0 ≤ HM ≤ 1) a normalised, positive kernel keeps T_air in [T_ref, T_ref + UHI_max].
    t_air, uhi = _t_air(canopy, albedo, kc, green, svf, mode="invest")
    assert t_air.min() >= 30.0 - 1e-5 and t_air.max() <= 30.0 + uhi + 1e-5  # K
