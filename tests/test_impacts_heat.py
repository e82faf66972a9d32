"""Heat impacts on the tiny territory, with hand-built heat results (twin.impacts.heat).

Tiny territory: Sud (rows 10-19, 100 residents in B1 and B2, 10 % over 75, 5 % under 5) and Nord
(rows 0-9, 40 residents in B4, 20 % over 75, 3 % under 5); the school at row 11, col 20, in Sud.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import Point

from twin.impacts import CATALOGUE, heat_impacts

SUD, NORD = slice(10, 20), slice(0, 10)


def results(territory, *, utci, uhi_day=None, uhi_night=None, t_min=None, t_air=None) -> xr.Dataset:
    shape = territory.grid.shape
    arrays = {
        "utci": utci,
        "uhi_day": np.zeros(shape) if uhi_day is None else uhi_day,
        "uhi_night": np.zeros(shape) if uhi_night is None else uhi_night,
    }
    coords = {"y": territory.layers["y"].values, "x": territory.layers["x"].values}
    ds = xr.Dataset({k: (("y", "x"), np.asarray(v, np.float32)) for k, v in arrays.items()}, coords=coords)
    # the day: the afternoon's UTCI for 10 hours (09:00 to 18:59 legal time), 20 °C the other 14
    local = np.arange(24.0)
    day = (local >= 9) & (local < 19)
    hourly = np.where(day[:, None, None], np.asarray(utci, np.float32)[None], np.float32(20.0))
    ds["utci_hourly"] = (("time", "y", "x"), hourly)
    ds["t_air_min_night"] = (("y", "x"), np.full(shape, 18.0, np.float32) if t_min is None else t_min)
    ds["t_air_hourly"] = (("time", "y", "x"), np.full((24, *shape), 30.0 if t_air is None else 0.0, np.float32))
    if t_air is not None:
        ds["t_air_hourly"].values[:] = t_air
    return ds.assign_coords(local_hour=("time", local), relative_humidity=("time", np.full(24, 50.0)))


def values(impacts, key: str) -> dict:
    return {i.district: i.value for i in impacts.indicators if i.key == key}


def test_a_district_in_strong_stress_counts_all_its_people_the_other_none(tiny):
    utci = np.empty(tiny.grid.shape)
    utci[SUD], utci[NORD] = 34.0, 30.0
    utci[tiny["building_index"] >= 0] = 45.0  # roofs are not where people stand
    out = heat_impacts(tiny, results(tiny, utci=utci), event="canicule")
    assert values(out, "heat.people_strong_stress") == pytest.approx({None: 100.0, "Sud": 100.0, "Nord": 0.0})
    assert values(out, "heat.people_over_75_strong_stress") == pytest.approx({None: 10.0, "Sud": 10.0, "Nord": 0.0})
    assert values(out, "heat.people_under_5_strong_stress") == pytest.approx({None: 5.0, "Sud": 5.0, "Nord": 0.0})
    assert values(out, "heat.people_very_strong_stress") == pytest.approx({None: 0.0, "Sud": 0.0, "Nord": 0.0})
    np.testing.assert_allclose(out.buildings["utci_c"], [34.0, 34.0, 30.0, 30.0])
    assert list(out.buildings["stress"]) == ["strong", "strong", "none", "none"]
    columns = ["id", "use", "district", "population", "utci_c", "stress", "exposed", "hours_strong_stress", "geometry"]
    assert list(out.buildings.columns) == columns
    assert values(out, "heat.sites_strong_stress") == {None: 1.0}
    assert out.sites["strong"].tolist() == [True]
    assert out.sites["utci_c"].tolist() == [pytest.approx(34.0)]
    assert list(out.sites.columns) == ["name", "kind", "utci_c", "strong", "hours_strong_stress", "geometry"]


def test_person_hours_site_hours_tropical_nights_and_degree_hours_by_hand(tiny):
    # Sud (B1, B2: 100 residents, 10 over 75, 5 under 5) at 34 °C and Nord (40 residents) at 30 °C from 09:00 to
    # 18:59, 20 °C the other 14 hours (see results()); the night stays at 21 °C in Sud, 18 °C in Nord.
    utci = np.empty(tiny.grid.shape)
    utci[SUD], utci[NORD] = 34.0, 30.0
    t_min = np.empty(tiny.grid.shape, np.float32)
    t_min[SUD], t_min[NORD] = 21.0, 18.0
    out = heat_impacts(tiny, results(tiny, utci=utci, t_min=t_min), event="e")
    assert values(out, "heat.person_hours_strong_stress") == pytest.approx({None: 1000.0, "Sud": 1000.0, "Nord": 0.0})
    assert values(out, "heat.person_hours_over_75_strong_stress")["Sud"] == pytest.approx(100.0)
    assert values(out, "heat.person_hours_under_5_strong_stress")["Sud"] == pytest.approx(50.0)
    assert values(out, "heat.person_hours_very_strong_stress")[None] == 0.0
    assert values(out, "heat.people_tropical_night") == pytest.approx({None: 100.0, "Sud": 100.0, "Nord": 0.0})
    # 2 K above 32 °C for 10 hours for the 100 of Sud, nothing for the 40 of Nord
    degree_hours = values(out, "heat.utci_degree_hours_per_person")
    assert degree_hours == pytest.approx({None: 100 * 20.0 / 140, "Sud": 20.0, "Nord": 0.0})
    # the school (in Sud) is open 08:00-18:00: 09:00 to 17:59 in stress, 9 hours; 18:00 is after closing
    assert values(out, "heat.site_hours_strong_stress") == {None: 9.0}
    np.testing.assert_allclose(out.buildings["hours_strong_stress"], [10.0, 10.0, 0.0, 0.0])


def test_work_hours_lost_follow_invests_wbgt_thresholds_over_the_working_day(tiny):
    # InVEST: WBGT = 0.567·T + 0.393·e + 3.94 (e in hPa). At 35 °C and 50 % (e = 28.1 hPa) WBGT = 34.83 °C: above
    # every threshold, 75 % of the time lost for light and heavy work; at 30 °C WBGT = 29.26 °C: 0 light,
    # 25 % heavy (27.5 <= WBGT < 29.5). The working day is 08:00-17:59, 10 steps of an hour.
    t_air = np.full((24, *tiny.grid.shape), 30.0, np.float32)
    t_air[12:14] = 35.0  # two hot hours at noon
    out = heat_impacts(tiny, results(tiny, utci=np.full(tiny.grid.shape, 30.0), t_air=t_air), event="e")
    light, heavy = values(out, "heat.work_hours_lost_light"), values(out, "heat.work_hours_lost_heavy")
    assert light[None] == pytest.approx(2 * 0.75)  # h per workplace (B3, the commercial building)
    assert heavy[None] == pytest.approx(2 * 0.75 + 8 * 0.25)
    assert np.isnan(light["Sud"])  # no workplace in Sud


def test_a_care_home_counts_every_hour_of_the_day(tiny):
    care = replace(tiny, vectors={**tiny.vectors, "sites": tiny.vectors["sites"].assign(kind="care_home")})
    utci = np.full(tiny.grid.shape, 34.0)
    out = heat_impacts(care, results(care, utci=utci), event="e")
    assert values(out, "heat.site_hours_strong_stress") == {None: 10.0}


def test_very_strong_stress_counts_also_as_strong_and_thresholds_are_strict(tiny):
    utci = np.empty(tiny.grid.shape)
    utci[SUD], utci[NORD] = 32.0, 39.0  # 32 is not above 32
    out = heat_impacts(tiny, results(tiny, utci=utci), event="e")
    assert values(out, "heat.people_strong_stress") == pytest.approx({None: 40.0, "Sud": 0.0, "Nord": 40.0})
    assert values(out, "heat.people_very_strong_stress") == pytest.approx({None: 40.0, "Sud": 0.0, "Nord": 40.0})
    assert values(out, "heat.people_over_75_very_strong_stress")["Nord"] == pytest.approx(8.0)
    assert values(out, "heat.people_under_5_very_strong_stress")["Nord"] == pytest.approx(1.2)
    assert list(out.buildings["stress"]) == ["none", "none", "very strong", "very strong"]
    assert values(out, "heat.sites_strong_stress") == {None: 0.0}
    out = heat_impacts(tiny, results(tiny, utci=utci), event="e", strong_c=31.0, very_strong_c=40.0)
    assert values(out, "heat.people_strong_stress")[None] == pytest.approx(140.0)
    assert values(out, "heat.people_very_strong_stress")[None] == 0.0


def test_utci_at_a_building_is_the_mean_of_the_open_cells_at_its_door(tiny):
    index = tiny["building_index"]
    utci = np.full(tiny.grid.shape, 30.0)
    utci[index >= 0] = 60.0
    utci[13, 2:6] = 40.0  # the row along B1's north wall (B1: rows 14-17, cols 2-5); its ring has 20 cells
    out = heat_impacts(tiny, results(tiny, utci=utci), event="e")
    assert out.buildings["utci_c"][0] == pytest.approx((4 * 40.0 + 16 * 30.0) / 20)


def test_a_site_in_a_building_takes_the_building_value(tiny):
    x0, y0 = tiny.grid.bounds[:2]
    sites = gpd.GeoDataFrame(
        {"name": ["Mairie", "Crèche"], "kind": ["other", "nursery"]},
        geometry=[Point(x0 + 115, y0 + 70), Point(x0 + 2.5, y0 + 97.5)],  # inside B3; a corner cell
        crs=tiny.grid.crs,
    )
    territory = replace(tiny, vectors={**tiny.vectors, "sites": sites})
    utci = np.full(tiny.grid.shape, 30.0)
    utci[territory["building_index"] == 2] = 50.0  # B3's roof
    utci[8, 19:27] = 36.0  # the row along B3's south wall (rows 4-7, cols 20-25); its ring has 24 cells
    utci[0, 0] = 33.0
    out = heat_impacts(territory, results(territory, utci=utci), event="e")
    np.testing.assert_allclose(out.sites["utci_c"], [(8 * 36.0 + 16 * 30.0) / 24, 33.0])
    assert out.sites["strong"].tolist() == [False, True]  # 32.0 is not above 32


def test_heat_islands_are_averaged_over_open_cells_by_district(tiny):
    open_cells = tiny["building_index"] < 0
    day = np.empty(tiny.grid.shape)
    day[SUD], day[NORD] = 1.0, 2.0
    day[~open_cells] = 100.0
    night = np.arange(600.0).reshape(tiny.grid.shape)
    out = heat_impacts(tiny, results(tiny, utci=np.zeros(tiny.grid.shape), uhi_day=day, uhi_night=night), event="e")
    # 260 open cells in each district
    assert values(out, "heat.uhi_day_mean_k") == pytest.approx({None: 1.5, "Sud": 1.0, "Nord": 2.0})
    assert values(out, "heat.uhi_day_p95_k") == pytest.approx({None: 2.0, "Sud": 1.0, "Nord": 2.0})
    assert values(out, "heat.uhi_night_mean_k")["Nord"] == pytest.approx(night[NORD][open_cells[NORD]].mean(), rel=1e-6)
    p95 = np.percentile(night[open_cells], 95)
    assert values(out, "heat.uhi_night_p95_k")[None] == pytest.approx(p95, rel=1e-6)


def test_every_heat_key_is_catalogued_and_every_district_is_listed(tiny):
    out = heat_impacts(tiny, results(tiny, utci=np.full(tiny.grid.shape, 35.0)), event="e")
    keys = {i.key for i in out.indicators}
    with_a_table = {"heat.energy_saved_kwh", "heat.energy_saved_eur"}  # tests/test_heat_energy.py
    assert keys == {k for k in CATALOGUE if k.startswith("heat.")} - with_a_table
    for key in keys - {"heat.sites_strong_stress", "heat.site_hours_strong_stress"}:
        assert set(values(out, key)) == {None, "Sud", "Nord"}
