"""The flood engine on the UK Environment Agency's 2D benchmark Test 4, and the inflow it needs: a discharge per
unit width on a segment of an edge.

Test 4 (Néelz & Pender 2013, report SC120002): a flood wave spreading over a flat floodplain from a 20 m breach
in its west edge. The set-up is :func:`twin.flood.validation.ea_test4`; the reference figures are LISFLOOD-FP's DG2
solver at 5 m. Gates, as the case states them: every peak depth within 5 mm, every arrival time (first 1 cm)
within 2 min, the water stored at the end equal to the inflow volume to 1e-6 (relative, float64). The 5-hour
run is marked slow; the unit tests of the segment and of the discharge per unit width run on tiny grids.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_event

from twin.errors import ModelInputError, ScenarioError
from twin.flood.boundaries import inflow_cells
from twin.flood.forcing import summary
from twin.flood.model import FloodParams, simulate
from twin.flood.model import mass_balance as balance_of
from twin.flood.validation import ea_test4
from twin.scenario.io import validate_scenario
from twin.testing import grid_territory

QUIET = {"infiltration": "none", "sewer_return_period_years": None}
CLOSED = {"west": "closed", "east": "closed", "north": "closed", "south": "closed"}
X0, Y0 = 700_000.0, 6_600_000.0  # the south-west corner of grid_territory's grids
SERIES = {"time_h": [0.0, 0.25, 0.5], "discharge": [0.0, 0.2, 0.2]}  # 0 → 0.2 over 15 min, held 15 min


def _river(**fields):
    return make_event(kind="river_flood", name="q", hydrograph_series=SERIES, **fields)


# ---------------------------------------------------------------- EA Test 4 (slow: about 1 to 2 min)


@pytest.fixture(scope="module")
def ea4():
    case = ea_test4()
    ds = case.run()
    return case, ds, case.measure(ds)


@pytest.mark.slow
def test_ea_test4_peak_depths_within_5_mm_of_lisflood_fp(ea4, record_property):
    case, ds, m = ea4
    print(f"\n{case.name}: {ds.attrs['run']}")
    for g in case.gauges:
        print(
            f"{g}: peak {m['peak_m'][g]:.4f} m (reference {case.reference_peak_m[g]:.4f}, "
            f"error {1000 * m['peak_error_m'][g]:+.1f} mm); arrival {m['arrival_min'][g]:.2f} min (reference "
            f"{case.reference_arrival_min[g]:.1f}, error {m['arrival_error_min'][g]:+.2f} min)"
        )
        record_property(f"peak_error_mm_{g}", round(1000 * m["peak_error_m"][g], 2))
    errors = np.array(list(m["peak_error_m"].values()))
    assert np.abs(errors).max() <= case.peak_tolerance_m == 0.005  # acceptance: 5 mm at every gauge


@pytest.mark.slow
def test_ea_test4_arrival_times_within_2_min_of_lisflood_fp(ea4, record_property):
    case, _, m = ea4
    for g, error in m["arrival_error_min"].items():
        record_property(f"arrival_error_min_{g}", round(error, 2))
    errors = np.array(list(m["arrival_error_min"].values()))
    assert np.isfinite(errors).all()  # the water reached every gauge
    assert np.abs(errors).max() <= case.arrival_tolerance_min == 2.0  # acceptance: 2 min at every gauge


@pytest.mark.slow
def test_ea_test4_stores_exactly_the_inflow_volume(ea4, record_property):
    case, ds, m = ea4
    mb = balance_of(ds)
    record_property("volume_error", m["volume_error"])
    assert case.inflow_volume_m3 == 20.0 * 14_250.0  # 20 m × (3300/2 + 10 800 + 3600/2) m²
    assert mb["inflow_m3"] == pytest.approx(case.inflow_volume_m3, rel=1e-12)
    assert mb["outflow_m3"] == 0.0 and mb["edge_inflow_m3"] == 0.0  # closed edges
    assert abs(m["volume_error"]) <= case.volume_tolerance == 1e-6  # acceptance, float64
    assert m["passed"]


# ---------------------------------------------------------------- the case itself (fast)


def test_ea_test4_sets_up_the_published_case():
    case = ea_test4()
    grid = case.territory.grid
    assert grid.shape == (400, 200) and grid.cell_size == 5.0  # 2000 m (y) × 1000 m (x)
    assert float(case.territory["elevation"].max()) == 0.0 == float(case.territory["elevation"].min())
    assert np.allclose(case.territory["manning_n"], 0.05)
    assert (case.territory["building_index"] < 0).all()
    assert case.event.inflow_location == "west" and case.event.inflow_segment_m == [990.0, 1010.0]
    assert case.params.edges == CLOSED and case.params.duration_s == 18_000.0
    # gauges on cell faces are read in the cell to their east, as LISFLOOD-FP does
    assert case.gauge_cells()["P1"] == (200, 10) and case.gauge_cells()["P6"] == (140, 60)
    rows, cols, edge = inflow_cells(case.territory, "west", open_cells=np.ones(grid.shape, bool), where="ea4",
                                    segment=case.event.inflow_segment_m)  # fmt: skip
    assert edge == "west" and cols.tolist() == [0] * 4
    assert sorted(2000.0 - (rows + 0.5) * 5.0) == [992.5, 997.5, 1002.5, 1007.5]  # the centres in [990, 1010]
    with pytest.raises(ValueError, match=r"cell_size must divide 1000 m into whole cells, got 3\.0"):
        ea_test4(3.0)


# ---------------------------------------------------------------- inflow on an edge segment (fast)


@pytest.mark.parametrize(
    ("edge", "segment", "cells"),
    [
        ("west", (10.0, 20.0), [(6, 0), (7, 0)]),  # from the south end: centres 17.5 and 12.5 m
        ("east", (0.0, 5.0), [(9, 5)]),  # the south-east corner cell, centre at 2.5 m
        ("south", (12.5, 22.5), [(9, 2), (9, 3), (9, 4)]),  # from the west end, both ends included
        ("north", (25.0, 30.0), [(0, 5)]),  # the edge's full length is 30 m
    ],
)
def test_a_segment_takes_the_edge_cells_whose_centres_lie_in_it(edge, segment, cells):
    territory = grid_territory(np.zeros((10, 6)), cell_size=5.0)
    rows, cols, got_edge = inflow_cells(
        territory, edge, open_cells=np.ones((10, 6), bool), where="event 'q'", segment=segment
    )
    assert got_edge == edge and sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == cells


def test_a_segment_skips_buildings_and_takes_every_cell_of_it_not_only_the_low_ones():
    z = np.zeros((10, 6))
    z[:, 0] = np.arange(10.0)[::-1]  # the west edge rises 1 m a cell to the north: only its lowest cell is "low"
    open_ = np.ones((10, 6), bool)
    open_[5, 0] = False  # a building on the edge
    territory = grid_territory(z, cell_size=5.0)
    rows, _, _ = inflow_cells(territory, "west", open_cells=open_, where="event 'q'", segment=(5.0, 30.0))
    assert sorted(rows.tolist()) == [4, 6, 7, 8]  # centres 7.5 ... 27.5 m, less the building's row
    rows, _, _ = inflow_cells(territory, "west", open_cells=open_, where="event 'q'")
    assert rows.tolist() == [9]  # without a segment: the edge's low cells, as before


def test_discharge_per_unit_width_enters_over_the_segment_width_on_its_cells():
    """0.2·t/900 m²/s over a 15 m segment (3 cells of 5 m): 15 × 0.1·t²/900 m³ after t ≤ 900 s, to round-off."""
    territory = grid_territory(np.zeros((12, 8)), cell_size=5.0, land_cover=4)
    event = _river(inflow_location="west", inflow_segment_m=[20.0, 35.0], discharge_per_unit_width=True)
    # the first second: 0.1 × 1² / 900 m² per metre, too thin to flow, on the segment's cells only (rows 5, 6, 7
    # from the north: centres 32.5, 27.5 and 22.5 m from the south end)
    ds = simulate(territory, event, params=FloodParams(**QUIET, edges=CLOSED, duration_s=1.0))
    assert balance_of(ds)["inflow_m3"] == pytest.approx(0.1 / 900.0 * 15.0, rel=1e-12)
    wet = np.argwhere(ds.final_depth.values > 0)
    assert wet.tolist() == [[5, 0], [6, 0], [7, 0]]
    ds = simulate(territory, event, params=FloodParams(**QUIET, edges=CLOSED, duration_s=600.0))
    mb = balance_of(ds)
    assert mb["inflow_m3"] == pytest.approx(15.0 * 0.1 * 600.0**2 / 900.0, rel=1e-12)  # 600 m³
    assert mb["stored_m3"] == pytest.approx(mb["inflow_m3"], rel=1e-12) and mb["relative_error"] < 1e-12


def test_a_discharge_per_unit_width_is_the_same_run_as_its_total_discharge():
    """q per metre over a 10 m segment is bit for bit the same run as 10·q m³/s on the same cells."""
    territory = grid_territory(np.zeros((12, 8)), cell_size=5.0, land_cover=4)
    params = FloodParams(**QUIET, edges=CLOSED, duration_s=900.0)
    per_width = _river(inflow_location="south", inflow_segment_m=[10.0, 20.0], discharge_per_unit_width=True)
    total = make_event(
        kind="river_flood", name="q", inflow_location="south", inflow_segment_m=[10.0, 20.0],
        hydrograph_series={"time_h": SERIES["time_h"], "discharge": [10.0 * q for q in SERIES["discharge"]]},
    )  # fmt: skip
    a, b = simulate(territory, per_width, params=params), simulate(territory, total, params=params)
    assert np.array_equal(a.max_depth.values, b.max_depth.values) and balance_of(a) == balance_of(b)


def test_an_inline_series_is_the_same_run_as_its_csv_file(tmp_path):
    territory = grid_territory(np.zeros((12, 8)), cell_size=5.0, land_cover=4)
    csv = tmp_path / "q.csv"
    csv.write_text("time_h,discharge_m2_s\n0,0\n0.25,0.2\n0.5,0.2\n", encoding="utf-8")
    segment = {"inflow_location": "west", "inflow_segment_m": [20.0, 35.0], "discharge_per_unit_width": True}
    from_file = make_event(kind="river_flood", name="q", hydrograph_file=str(csv), **segment)
    params = FloodParams(**QUIET, edges=CLOSED, duration_s=600.0)
    a, b = simulate(territory, _river(**segment), params=params), simulate(territory, from_file, params=params)
    assert np.array_equal(a.max_depth.values, b.max_depth.values) and balance_of(a) == balance_of(b)
    csv.write_text("time_h,discharge_m3_s\n0,0\n0.5,1\n", encoding="utf-8")  # m³/s where m²/s is expected
    with pytest.raises(ScenarioError, match=r"q\.csv: hydrograph per unit width .*: header must be a line naming the "
                                            r"columns \['time_h', 'discharge_m2_s'\]"):  # fmt: skip
        simulate(territory, from_file, params=params)


def test_the_forcing_summary_of_a_discharge_per_unit_width_says_so():
    event = _river(inflow_location="west", inflow_segment_m=[20.0, 35.0], discharge_per_unit_width=True)
    out = summary(event)
    assert out["peak_discharge_m2_s"] == 0.2 and out["inflow_volume_m3_per_m"] == 270.0  # 0.2 × 1350 s
    assert out["inflow_segment_m"] == [20.0, 35.0] and "peak_discharge_m3_s" not in out
    assert summary(_river())["peak_discharge_m3_s"] == 0.2  # a plain series stays in m³/s


# ---------------------------------------------------------------- errors (fast)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"inflow_location": "west", "inflow_segment_m": [30.0, 20.0]},
         r"s\.toml: events\.0\.inflow_segment_m: Value error, must be \[a, b\] with a < b, m along the edge, "
         r"got \[30\.0, 20\.0\]"),
        ({"inflow_location": "west", "inflow_segment_m": [-5.0, 20.0]},
         r"events\.0\.inflow_segment_m\.0: Input should be greater than or equal to 0, got -5\.0"),
        ({"inflow_segment_m": [0.0, 20.0]},
         r"events\.0\.inflow_segment_m: Value error, needs inflow_location to be a grid edge \(north, south, "
         r"east, west\), not 'river_upstream', got \[0\.0, 20\.0\]"),
        ({"inflow_location": [1.0, 2.0], "inflow_segment_m": [0.0, 20.0]},
         r"needs inflow_location to be a grid edge .*, not \[1\.0, 2\.0\], got \[0\.0, 20\.0\]"),
        ({"inflow_location": "west", "discharge_per_unit_width": True},
         r"events\.0\.discharge_per_unit_width: Value error, needs inflow_segment_m: .*, got True"),
        ({"inflow_location": "west", "inflow_segment_m": [0.0, 20.0], "discharge_per_unit_width": True,
          "hydrograph_series": None,
          "hydrograph": {"peak_discharge_m3_s": 1.0, "time_to_peak_h": 1.0, "time_base_h": 2.0}},
         r"discharge_per_unit_width: Value error, needs a hydrograph_series or a hydrograph_file in m2/s "
         r"\(the parametric hydrograph is in m3/s\), got True"),
        ({"hydrograph_series": {"time_h": [0.0, 1.0, 1.0], "discharge": [0.0, 1.0, 2.0]}},
         r"events\.0\.hydrograph_series\.time_h: Value error, must be increasing, h, got \[0\.0, 1\.0, 1\.0\]"),
        ({"hydrograph_series": {"time_h": [0.0, 1.0], "discharge": [0.0, 1.0, 2.0]}},
         r"hydrograph_series\.discharge: Value error, must have one value per time of time_h \(2 times\), not 3"),
        ({"hydrograph_series": {"time_h": [0.0, 1.0], "discharge": [0.0, -1.0]}},
         r"hydrograph_series\.discharge\.1: Input should be greater than or equal to 0, got -1\.0"),
        ({"hydrograph_file": "q.csv"},
         r"events\.0: Value error, give only one of hydrograph, hydrograph_file or hydrograph_series \(this "
         r"event has hydrograph_file and hydrograph_series\)"),
    ],
)  # fmt: skip
def test_a_segment_or_a_series_that_cannot_be_is_refused_with_its_field_and_value(fields, expected):
    event = {"kind": "river_flood", "name": "q", "hydrograph_series": SERIES} | fields
    event = {k: v for k, v in event.items() if v is not None}
    with pytest.raises(ScenarioError, match=expected):
        validate_scenario({"name": "t", "title": "t", "events": [event]}, "s.toml")


@pytest.mark.parametrize(
    ("edge", "segment", "expected"),
    [
        ("west", [40.0, 60.0], r"event 'q' inflow 'river': inflow_segment_m must be within the west edge, 0 to "
                               r"50 m from its south end, got \[40\.0, 60\.0\]"),
        ("north", [20.0, 31.0], r"event 'q' inflow 'river': inflow_segment_m must be within the north edge, 0 to "
                                r"30 m from its west end, got \[20\.0, 31\.0\]"),
        ("east", [11.0, 12.0], r"event 'q' inflow 'river': inflow_segment_m must be wide enough to hold a cell "
                               r"centre of the east edge \(cells of 5 m, centres at 2\.5 m \+ k × 5 m\), got "
                               r"\[11\.0, 12\.0\]"),
        ("south", [0.0, 10.0], r"event 'q' inflow 'river': inflow_segment_m must be on open cells, not only on "
                               r"buildings, got \[0\.0, 10\.0\]"),
    ],
)  # fmt: skip
def test_a_segment_off_its_edge_or_between_cell_centres_stops_the_run_naming_event_field_and_value(
    edge, segment, expected
):
    territory = grid_territory(np.zeros((10, 6)), cell_size=5.0)  # 30 m (x) × 50 m (y)
    index = np.full((10, 6), -1, np.int32)
    index[8:, :2] = 0  # a building in the south-west corner, on the south edge's first two cells
    territory = territory.with_layers(building_index=index, building_height=np.where(index >= 0, 6.0, 0.0))
    event = _river(inflow_location=edge, inflow_segment_m=segment, discharge_per_unit_width=True)
    with pytest.raises(ModelInputError, match=expected):
        simulate(territory, event, params=FloodParams(**QUIET, duration_s=60.0))
