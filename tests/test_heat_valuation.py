"""InVEST's two valuations of heat mitigation: energy savings per building and work productivity, by hand."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from twin.errors import CRSError, DataSourceError, MissingFileError, ModelInputError
from twin.heat import valuation

X0, Y0 = 431_000.0, 6_711_000.0

TABLE = """# consumption: kWh per °C per m² of footprint over the period; cost: EUR per kWh (test values)
type,consumption,cost,source
residential,0.5,0.2,test
commercial,1.2,0.15,test
"""


def _buildings(crs: str = "EPSG:2154") -> gpd.GeoDataFrame:
    # A: 10 m x 20 m = 200 m², residential, 2 floors; B: 5 m x 8 m = 40 m², commercial, 3 floors.
    return gpd.GeoDataFrame(
        {"use": ["residential", "commercial"], "floors": [2, 3]},
        geometry=[box(X0, Y0, X0 + 10, Y0 + 20), box(X0 + 30, Y0, X0 + 35, Y0 + 8)],
        crs=crs,
    )


def _table(tmp_path, text: str = TABLE) -> valuation.EnergyTable:
    path = tmp_path / "energy.csv"
    path.write_text(text, encoding="utf-8")
    return valuation.EnergyTable.read(path)


# ---------------------------------------------------------------- energy savings


def test_energy_savings_by_hand(tmp_path):
    # T_air,MAX = T_ref + UHI_max = 30 + 3 = 33 °C. kWh = consumption · footprint · (T_air,MAX − mean T_air):
    # A: 0.5 · 200 · (33 − 31.2) = 180 kWh, × 0.2 EUR = 36 EUR; B: 1.2 · 40 · (33 − 32.5) = 24 kWh, × 0.15 = 3.6 EUR.
    # Tolerance 1e-9 (relative; the areas come from shapely in double precision).
    table = _table(tmp_path)
    assert table.types == ("residential", "commercial")
    out = valuation.energy_savings(_buildings(), np.array([31.2, 32.5]), t_ref_c=30.0, uhi_max_k=3.0, table=table)
    np.testing.assert_allclose(out.t_air_max_c, [33.0, 33.0], rtol=1e-12)
    np.testing.assert_allclose(out.area_m2, [200.0, 40.0], rtol=1e-12)
    np.testing.assert_allclose(out.kwh, [180.0, 24.0], rtol=1e-9)
    np.testing.assert_allclose(out.value, [36.0, 3.6], rtol=1e-9)
    # floor area instead (consumption per m² of floor): A 2 floors -> 360 kWh, B 3 floors -> 72 kWh
    floor = valuation.energy_savings(
        _buildings(), np.array([31.2, 32.5]), t_ref_c=30.0, uhi_max_k=3.0, table=table, area="floor"
    )
    np.testing.assert_allclose(floor.kwh, [360.0, 72.0], rtol=1e-9)


def test_energy_savings_with_one_price_and_no_temperature(tmp_path):
    # A table without cost: the value is kWh × price_per_kwh; a building with no cell (NaN mean T_air) saves NaN,
    # as InVEST leaves its field empty.
    table = _table(tmp_path, "type,consumption\nresidential,0.5\ncommercial,1.2\n")
    assert table.cost is None
    out = valuation.energy_savings(
        _buildings(), np.array([32.0, np.nan]), t_ref_c=30.0, uhi_max_k=3.0, table=table, price_per_kwh=0.25
    )
    assert out.kwh[0] == pytest.approx(0.5 * 200 * 1.0, rel=1e-9) and math.isnan(out.kwh[1])
    assert out.value[0] == pytest.approx(25.0, rel=1e-9)
    none = valuation.energy_savings(_buildings(), np.array([32.0, 33.0]), t_ref_c=30.0, uhi_max_k=3.0, table=table)
    assert none.value is None and none.kwh[1] == 0.0  # at T_air,MAX nothing is saved


def test_energy_savings_from_a_cooling_map_through_the_footprints(tmp_path):
    # The whole chain: T_air on a 2 x 4 grid, the footprints' cells (building_index), their means, the savings.
    t_air = np.array([[31.0, 31.4, 40.0, 32.5], [np.nan, 31.2, 20.0, 32.5]])
    index = np.array([[0, 0, -1, 1], [0, 0, -1, -1]])
    means = valuation.footprint_mean(t_air, index, 3)
    np.testing.assert_allclose(means[:2], [(31.0 + 31.4 + 31.2) / 3, 32.5], rtol=1e-12)  # NaN cell left out
    assert math.isnan(means[2])  # a building with no cell
    out = valuation.energy_savings(_buildings(), means[:2], t_ref_c=30.0, uhi_max_k=3.0, table=_table(tmp_path))
    np.testing.assert_allclose(out.kwh, [0.5 * 200 * (33 - 31.2), 24.0], rtol=1e-9)


def test_energy_table_errors_name_the_file_line_field_and_value(tmp_path):
    path = tmp_path / "energy.csv"
    with pytest.raises(MissingFileError, match=r"energy\.csv: energy consumption table not found"):
        valuation.EnergyTable.read(path)
    cases = {
        "type,cost\nresidential,0.2\n": r"energy\.csv: columns must be to include \['consumption'\], got",
        "type,consumption\nresidential,0.5\ncommercial,-1.2\n": r"energy\.csv line 3: consumption must be a finite "
        r"number ≥ 0 kWh °C⁻¹ m⁻², got -1\.2",
        "type,consumption\nresidential,lots\n": r"energy\.csv line 2: consumption must be a number of kWh °C⁻¹ m⁻², "
        r"got 'lots'",
        "type,consumption\nresidential,0.5\nresidential,0.7\n": r"energy\.csv line 3: type must be a building type "
        r"not empty and not repeated, got 'residential'",
        "type,consumption,cost\nresidential,0.5,\n": r"energy\.csv line 2: cost must be a number of currency per kWh, "
        r"got ''",
        "type,consumption\n": r"energy\.csv: energy consumption table must be at least one row, got 'no row'",
    }
    for text, match in cases.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DataSourceError, match=match):
            valuation.EnergyTable.read(path)


def test_energy_savings_errors(tmp_path):
    table = _table(tmp_path)
    source = re.escape(table.source)
    unknown = _buildings().assign(use=["residential", "industrial"])
    with pytest.raises(
        DataSourceError,
        match=rf"^buildings row 2: use must be a type of {source} \['residential', 'commercial'\], "
        r"got 'industrial'",
    ):
        valuation.energy_savings(unknown, np.array([31.0, 31.0]), t_ref_c=30.0, uhi_max_k=3.0, table=table)
    with pytest.raises(CRSError, match=r"^buildings: crs must be a projected CRS in metres"):
        valuation.energy_savings(
            _buildings().to_crs("EPSG:4326"), np.array([31.0, 31.0]), t_ref_c=30.0, uhi_max_k=3.0, table=table
        )
    with pytest.raises(ModelInputError, match=r"price_per_kwh must be None, since the table has a cost column"):
        valuation.energy_savings(
            _buildings(), np.array([31.0, 31.0]), t_ref_c=30.0, uhi_max_k=3.0, table=table, price_per_kwh=0.2
        )
    with pytest.raises(ModelInputError, match=r"t_air_mean_c must be one value per building \(2\), got \(3,\)"):
        valuation.energy_savings(_buildings(), np.zeros(3), t_ref_c=30.0, uhi_max_k=3.0, table=table)
    with pytest.raises(ModelInputError, match=r"area must be one of \['footprint', 'floor'\], got 'roof'"):
        valuation.energy_savings(_buildings(), np.zeros(2), t_ref_c=30.0, uhi_max_k=3.0, table=table, area="roof")
    with pytest.raises(DataSourceError, match=r"^buildings: columns must be to include \['floors'\]"):
        valuation.energy_savings(
            _buildings().drop(columns="floors"), np.zeros(2), t_ref_c=30.0, uhi_max_k=3.0, table=table, area="floor"
        )


# ---------------------------------------------------------------- work productivity


def test_wbgt_by_hand():
    # e = RH/100 · 6.105 · exp(17.27 T / (237.7 + T)); WBGT = 0.567 T + 0.393 e + 3.94 (InVEST). Tolerance 1e-9 hPa/°C.
    # 30 °C, 50 %: e = 0.5 · 6.105 · exp(518.1 / 267.7) = 21.14358 hPa; WBGT = 17.01 + 8.30942 + 3.94 = 29.25943 °C.
    assert valuation.vapour_pressure_hpa(30.0, relative_humidity_pct=50.0) == pytest.approx(
        21.143580717522486, abs=1e-9
    )
    wbgt = valuation.wet_bulb_globe_temperature(np.array([30.0, 35.0, 25.0]), relative_humidity_pct=[50.0, 40.0, 80.0])
    np.testing.assert_allclose(wbgt, [29.25942722198634, 32.59079501403527, 28.044683416473795], rtol=0, atol=1e-9)
    with pytest.raises(ModelInputError, match=r"relative_humidity_pct must be within \[0, 100\] %, got 120\.0"):
        valuation.vapour_pressure_hpa(30.0, relative_humidity_pct=120.0)


def test_work_loss_thresholds_are_invests():
    # Light work: 0 below 31.5 °C, 25 % from 31.5, 50 % from 32.0, 75 % from 32.5 (each threshold included above).
    # Heavy work: 27.5, 29.5, 31.5 °C. Exact.
    wbgt = np.array([20.0, 27.49, 27.5, 29.5, 31.49, 31.5, 31.99, 32.0, 32.49, 32.5, 40.0, np.nan])
    light = valuation.work_loss_fraction(wbgt, work="light")
    heavy = valuation.work_loss_fraction(wbgt, work="heavy")
    np.testing.assert_array_equal(light, [0, 0, 0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, np.nan])
    np.testing.assert_array_equal(heavy, [0, 0, 0.25, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, np.nan])
    own = valuation.work_loss_fraction(np.array([28.0, 29.0, 30.0, 31.0]), thresholds_c=(28.5, 29.5, 30.5))
    np.testing.assert_array_equal(own, [0, 0.25, 0.5, 0.75])
    with pytest.raises(ModelInputError, match=r"work must be one of \['light', 'heavy'\], got 'moderate'"):
        valuation.work_loss_fraction(wbgt, work="moderate")
    with pytest.raises(ModelInputError, match=r"thresholds_c must be three increasing temperatures, °C"):
        valuation.work_loss_fraction(wbgt, thresholds_c=(30.0, 29.0, 31.0))


def test_work_productivity_per_cell_and_per_building():
    # 2 x 2 cells at RH 40 %: 30 °C -> WBGT 0.567·30 + 0.393·(0.4·42.287) + 3.94 = 27.60 °C (light 0, heavy 25 %);
    # 35 °C -> 32.59 °C (light and heavy 75 %); 20 °C -> no loss. Building 0 holds a 30 °C and a 35 °C cell.
    t_air = np.array([[30.0, 35.0], [35.0, 20.0]])
    index = np.array([[0, 0], [1, -1]])
    out = valuation.work_productivity(t_air, relative_humidity_pct=40.0, building_index=index, n_buildings=2)
    e30 = 0.4 * 6.105 * math.exp(17.27 * 30 / 267.7)
    assert out.wbgt_c[0, 0] == pytest.approx(0.567 * 30 + 0.393 * e30 + 3.94, abs=1e-9)
    np.testing.assert_array_equal(out.light_loss, [[0, 0.75], [0.75, 0]])
    np.testing.assert_array_equal(out.heavy_loss, [[0.25, 0.75], [0.75, 0]])
    np.testing.assert_allclose(out.light_loss_building, [0.375, 0.75], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.heavy_loss_building, [0.5, 0.75], rtol=0, atol=1e-12)
    assert valuation.work_productivity(t_air, relative_humidity_pct=40.0).light_loss_building.size == 0


def test_cooler_air_never_costs_more_work_time():
    # The loss never falls as T_air rises (20-45 °C, RH 50 %): cooling never costs work time. Exact.
    t = np.linspace(20.0, 45.0, 501)
    for work in ("light", "heavy"):
        loss = valuation.work_loss_fraction(
            valuation.wet_bulb_globe_temperature(t, relative_humidity_pct=50.0), work=work
        )
        assert (np.diff(loss) >= 0).all()
