"""River inflow hydrographs: the parametric shape and CSV files."""

from __future__ import annotations

import numpy as np
import pytest

from twin.errors import ScenarioError
from twin.flood.inflow import parametric_hydrograph, read_hydrograph, river_inflow
from twin.scenario.models import Scenario


def test_parametric_hydrograph_peak_and_volume():
    q = parametric_hydrograph(peak_m3_s=450.0, base_m3_s=60.0, time_to_peak_h=2.0, time_base_h=6.0, step_s=60.0)
    assert q.at(0.0) == pytest.approx(60.0) and q.at(2 * 3600.0) == pytest.approx(450.0)
    assert q.at(6 * 3600.0) == pytest.approx(60.0) and q.discharge_m3_s.max() == pytest.approx(450.0)
    # half cosines: volume = Qb·Tb + (Qp − Qb)·Tb/2, trapezoidal rule on 1-minute steps within 0.01 %
    assert q.volume_m3 == pytest.approx(60.0 * 6 * 3600 + 390.0 * 6 * 3600 / 2, rel=1e-4)
    assert np.all(np.diff(q.discharge_m3_s[q.time_s <= 7200]) >= 0)


def test_csv_hydrograph_and_climate_multiplier(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("time_h,discharge_m3_s\n0,50\n3,300\n8,50\n", encoding="utf-8")
    event = Scenario.model_validate(
        {"name": "x", "title": "x", "events": [{"kind": "river_flood", "name": "r", "hydrograph_file": str(path)}]}
    ).events[0]
    q = river_inflow(event, multiplier=1.1)
    assert q.at(3 * 3600) == pytest.approx(330.0) and q.at(1.5 * 3600) == pytest.approx(1.1 * 175.0)
    path.write_text("time_h,discharge_m3_s\n0,50\n0,300\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"q\.csv: time_h must be at least two increasing times"):
        read_hydrograph(path)


def test_the_river_enters_by_the_cells_of_the_water_role_whatever_the_code_and_name():
    # The demo's water is code 1; a table that gives code 9 (meadow) the role water moves the inflow to those cells
    # (issue 18: the class was found by the code number 1, then by the name "water"). A name alone moves nothing.
    from dataclasses import replace

    from twin.flood.boundaries import inflow_cells
    from twin.sources import load_territory

    demo = load_territory("demo")
    open_cells = demo["building_index"] < 0
    rows, cols, edge = inflow_cells(demo, "river_upstream", open_cells=open_cells, where="t")
    assert edge == "west" and rows.size > 1 and (demo["land_cover"][rows, cols] == 1).all()  # column 0
    table = demo.landcover
    meadow = table.code_of("meadow")
    pairs = zip(table.codes, table.roles, strict=True)
    roles = tuple("water" if c == meadow else "" if r == "water" else r for c, r in pairs)
    swapped = replace(demo, landcover=replace(table, roles=roles))
    rows2, cols2, _ = inflow_cells(swapped, "river_upstream", open_cells=open_cells, where="t")
    assert rows2.size > rows.size and (demo["land_cover"][rows2, cols2] == meadow).all()  # the edge's meadow cells
    assert ((demo["land_cover"][:, 0] == meadow) & open_cells[:, 0]).sum() == rows2.size  # all of them
    names = ["meadow" if n == "water" else "water" if n == "meadow" else n for n in table.names]
    renamed = replace(demo, landcover=replace(table, names=tuple(names)))
    rows3, cols3, _ = inflow_cells(renamed, "river_upstream", open_cells=open_cells, where="t")
    assert np.array_equal(rows3, rows) and np.array_equal(cols3, cols)  # the role, not the name


def test_a_river_inflow_on_a_table_without_roles_is_refused_naming_the_table():
    from dataclasses import replace

    from twin.errors import DataSourceError
    from twin.flood.boundaries import inflow_cells
    from twin.sources import load_territory

    demo = load_territory("demo")
    bare = replace(demo, landcover=replace(demo.landcover, roles=None))
    with pytest.raises(DataSourceError, match=r"landcover\.csv: column 'role' must be in the table: .*'water'"):
        inflow_cells(bare, "river_upstream", open_cells=demo["building_index"] < 0, where="t")
