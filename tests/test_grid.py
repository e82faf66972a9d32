"""The analysis grid: construction, coordinates and refusals."""

from __future__ import annotations

import re

import pytest
from affine import Affine
from conftest import X0, Y0, write_territory_folder

from twin.errors import CRSError, DataSourceError, TwinWarning
from twin.grid import Grid
from twin.sources import load_territory


def test_from_bounds_snaps_outward_and_places_cell_centres():
    g = Grid.from_bounds(crs="EPSG:2154", bounds=(0, 0, 101, 50), cell_size=5)
    assert g.shape == (10, 21) and g.bounds == (0.0, 0.0, 105.0, 50.0)
    assert g.x[0] == 2.5 and g.y[0] == 47.5 and g.cell_area == 25.0
    assert g.transform @ (0, 0) == (0.0, 50.0)


def test_geographic_crs_is_refused():
    with pytest.raises(CRSError, match=r"grid: crs must be a projected CRS in metres .*, got 'EPSG:4326'"):
        Grid.from_bounds(crs="EPSG:4326", bounds=(0, 0, 1, 1), cell_size=0.1)


def test_non_square_or_rotated_cells_are_refused():
    with pytest.raises(CRSError, match="north-up with square cells"):
        Grid.from_transform(crs="EPSG:2154", transform=Affine(5, 0, 0, 0, -4, 0), width=2, height=2)


@pytest.mark.parametrize("bad", [0, -5, float("nan")])
def test_cell_size_must_be_positive(bad):
    with pytest.raises(CRSError, match="cell_size must be a positive number of metres"):
        Grid.from_bounds(crs="EPSG:2154", bounds=(0, 0, 10, 10), cell_size=bad)


def test_centre_lonlat_of_a_lambert93_grid():
    # Lambert-93's projection origin (700 000, 6 600 000) is 3° E, 46.5° N by definition of EPSG:2154.
    g = Grid.from_bounds(crs="EPSG:2154", bounds=(699_000, 6_599_000, 701_000, 6_601_000), cell_size=5)
    lon, lat = g.centre_lonlat()
    assert lon == pytest.approx(3.0, abs=1e-6) and lat == pytest.approx(46.5, abs=1e-6)


def test_a_territory_grid_too_large_for_memory_is_refused_before_anything_is_read(tmp_path):
    """A cell size of 1 mm over the test town (300 x 200 m) is 6e10 cells: more than any machine here holds, so
    the territory is refused naming its file, the fields and the grid, instead of numpy's allocation traceback."""
    toml = write_territory_folder(tmp_path, toml_extra='[grid]\ncrs = "EPSG:2154"\ncell_size = 0.001\n')
    with pytest.raises(DataSourceError) as err:
        load_territory(toml, cache=False)
    text = str(err.value)
    assert text.startswith(f"{toml} [grid]: bounds and cell_size must be a grid this machine's ")
    assert "got '300,000 x 200,000 = 60,000,000,000 cells'" in text


def test_grid_errors_name_the_territory_file(tmp_path):
    toml = write_territory_folder(tmp_path, toml_extra='[grid]\ncrs = "EPSG:2154"\nbounds = [10, 10, 0, 0]\n')
    with pytest.raises(CRSError, match=rf"^{re.escape(str(toml))} \[grid\]: bounds must be"):
        load_territory(toml, cache=False)


def test_bounds_that_are_not_whole_cells_are_extended_with_a_warning(tmp_path):
    """The grid is snapped outward to whole cells; the strip it adds must have data too, so it is said first."""
    grid = f'[grid]\ncrs = "EPSG:2154"\ncell_size = 5.0\nbounds = [{X0}, {Y0 + 1}, {X0 + 297}, {Y0 + 200}]\n'
    toml = write_territory_folder(tmp_path, toml_extra=grid)
    with pytest.warns(TwinWarning, match=r"grid: the bounds are not whole cells of 5 m: the grid reaches 3 m past "
                                         r"their east edge and 1 m past their south edge"):  # fmt: skip
        territory = load_territory(toml, cache=False)
    assert territory.grid.shape == (40, 60)
