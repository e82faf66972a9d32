"""The quality of error messages: each bad input names the file, the field and the value.

One test per case of the foundation's acceptance list, plus the CLI contract
(one line on stderr, exit code 1, never a traceback).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from click.testing import CliRunner
from conftest import (
    HEATWAVE_2019,
    L93,
    X0,
    Y0,
    make_event,
    write_float_land_cover,
    write_raster,
    write_territory_folder,
)
from shapely.geometry import box

from twin.cli import main
from twin.errors import (
    CRSError,
    DataSourceError,
    MissingFileError,
    TerritoryError,
    TerritoryFileError,
    TwinError,
    TwinWarning,
)
from twin.sources import load_territory


def _swap_source(toml, old: str, new: str):
    toml.write_text(toml.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return toml


def test_missing_territory_file_names_the_path(tmp_path):
    with pytest.raises(MissingFileError, match=re.escape(str(tmp_path / "nope.toml")) + ": territory file not found"):
        load_territory(tmp_path / "nope.toml")


def test_missing_source_file_names_the_path(tmp_path):
    toml = _swap_source(write_territory_folder(tmp_path), '"dem.tif"', '"missing_dem.tif"')
    with pytest.raises(MissingFileError, match=r"missing_dem\.tif: raster not found"):
        load_territory(toml)


def test_raster_without_crs_is_refused_until_declared(tmp_path):
    toml = write_territory_folder(tmp_path)
    dem = np.full((40, 60), 50.0, dtype="float32")
    write_raster(tmp_path / "nocrs.asc", dem, crs=None, transform=Affine(5, 0, X0, 0, -5, Y0 + 200), driver="AAIGrid")
    _swap_source(toml, 'paths = ["dem.tif"]', 'paths = ["nocrs.asc"]')
    with pytest.raises(CRSError, match=r"nocrs\.asc: raster has no CRS; set `crs = \"EPSG:\.\.\.\"`"):
        load_territory(toml)
    _swap_source(toml, 'paths = ["nocrs.asc"]', 'paths = ["nocrs.asc"]\ncrs = "EPSG:2154"')
    assert load_territory(toml)["elevation"].max() == 50.0


def test_source_outside_the_grid_is_refused(tmp_path):
    toml = write_territory_folder(tmp_path)
    far = np.full((40, 60), 50.0, dtype="float32")
    write_raster(tmp_path / "far.tif", far, crs=L93, transform=Affine(5, 0, X0 + 50_000, 0, -5, Y0 + 200))
    _swap_source(toml, 'path = "lc.tif"', 'path = "far.tif"')
    with pytest.raises(DataSourceError, match=r"far\.tif: extent must be overlapping the grid .*, got \(481000\.0"):
        load_territory(toml)


def test_buildings_with_neither_height_nor_floors_are_refused(tmp_path):
    b = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50)], crs=L93)
    toml = write_territory_folder(tmp_path, buildings=b)
    _swap_source(toml, 'columns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }', "")
    with pytest.raises(
        DataSourceError,
        match=r"buildings\.gpkg: buildings must be given a 'height' \(m\) or a 'floors' "
        r"column .*, got \['name'\]",
    ):
        load_territory(toml)


def test_buildings_with_a_row_lacking_both_are_refused_by_the_files_own_feature_number(tmp_path):
    # The first building lies off the grid and is dropped: the one lacking both is still the file's third.
    b = gpd.GeoDataFrame(
        {"HAUTEUR": [8.0, 10.0, None], "NB_ETAGES": [2, 3, None], "USAGE1": ["Résidentiel"] * 3},
        geometry=[box(X0 - 900, Y0, X0 - 800, Y0 + 50), box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50),
                  box(X0 + 100, Y0 + 20, X0 + 120, Y0 + 50)],
        crs=L93,
    )
    toml = write_territory_folder(tmp_path, buildings=b)
    with pytest.raises(DataSourceError, match=r"buildings\.gpkg row 3: buildings must be given .*, got 'neither \(1 "):
        load_territory(toml)


def test_dem_holes_are_filled_with_a_warning_that_counts_them(tmp_path):
    toml = write_territory_folder(tmp_path)
    import rasterio

    with rasterio.open(tmp_path / "dem.tif") as src:
        dem, transform = src.read(1), src.transform
    dem[10:13, 20:24] = -9999.0
    write_raster(tmp_path / "dem.tif", dem, crs=L93, transform=transform, nodata=-9999.0)
    with pytest.warns(TwinWarning, match=r"elevation: filled 12 cells without data"):
        t = load_territory(toml)
    filled = t["elevation"][10:13, 20:24]
    assert np.all(
        (filled > dem[9:14, 19:25][dem[9:14, 19:25] > 0].min() - 1e-3) & (filled < dem[9:14, 19:25].max() + 1e-3)
    )  # filled from neighbours, within their range
    _swap_source(toml, 'paths = ["dem.tif"]', 'paths = ["dem.tif"]\nnodata = "error"')
    with pytest.raises(DataSourceError, match=r"dem\.tif: elevation must be complete .*got '12 cells without data'"):
        load_territory(toml)


def test_unknown_land_cover_code_is_named_with_the_table(tmp_path):
    toml = write_territory_folder(tmp_path)
    lc = np.full((40, 60), 6, dtype="uint8")
    lc[0, 0] = 42
    write_raster(tmp_path / "lc.tif", lc, crs=L93, transform=Affine(5, 0, X0, 0, -5, Y0 + 200))
    with pytest.raises(
        DataSourceError,
        match=r"lc\.tif: land-cover codes must be codes of the table .*landcover\.csv "
        r"\[1, 2, 3, 4, 5, 6, 7, 8, 9\], got 'unknown codes \[42\]'",
    ):
        load_territory(toml)


def test_float_land_cover_code_that_is_not_whole_is_named_with_its_cell(tmp_path):
    toml = write_territory_folder(tmp_path)
    write_float_land_cover(tmp_path / "lc.tif", lambda x, y: np.where((x > X0 + 150) & (y > Y0 + 100), 2.5, 6.0))
    with pytest.raises(
        DataSourceError,
        match=r"lc\.tif \(band 1, cell at x=-?\d+\.\d, y=-?\d+\.\d; \d+ such cells\): class code must be a whole "
        r"number, got 2\.5$",
    ):
        load_territory(toml)


def test_typo_in_territory_file_names_the_field(tmp_path):
    toml = _swap_source(write_territory_folder(tmp_path), "[sites]", "[sites]\nkolumns = {}")
    with pytest.raises(TerritoryFileError, match=r"territory\.toml: sites\.kolumns: Extra inputs are not permitted"):
        load_territory(toml)


def test_invalid_toml_names_the_file_and_line(tmp_path):
    toml = tmp_path / "territory.toml"
    toml.write_text('name = "x"\n[elevation\n', encoding="utf-8")
    with pytest.raises(TerritoryFileError, match=r"territory\.toml: not valid TOML: .*line 2"):
        load_territory(toml)


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(TerritoryFileError, match=r"territory: name must be one of \['demo'\] or a path, got 'demoo'"):
        load_territory("demoo")


def test_unknown_site_kind_is_named(tmp_path):
    toml = write_territory_folder(tmp_path)
    gpd.GeoDataFrame(
        {"name": ["x"], "kind": ["stadium"]}, geometry=gpd.points_from_xy([X0 + 5], [Y0 + 5]), crs=L93
    ).to_file(tmp_path / "sites.gpkg")
    with pytest.raises(
        DataSourceError,
        match=r"sites\.gpkg row 1 \(name 'x'\) \(the first of the kinds \['stadium'\]\): sites 'kind' must be one of "
        r"\[.*\].*, got 'stadium'",
    ):
        load_territory(toml)


def test_territory_validation_lists_every_problem(tiny):
    broken = tiny.with_layers(elevation=np.full(tiny.grid.shape, np.nan), tree_canopy=np.full(tiny.grid.shape, 2.0))
    with pytest.raises(TerritoryError) as info:
        broken.check()
    assert len(info.value.problems) == 2
    assert "layer 'elevation': values must be finite, got 600 NaN/inf cells" in info.value.problems
    assert "layer 'tree_canopy': values must be within [0.0, 1.0] 1, got [2.0, 2.0]" in info.value.problems


def test_errors_subclass_a_builtin_too():
    assert issubclass(DataSourceError, ValueError) and issubclass(MissingFileError, FileNotFoundError)
    assert all(issubclass(e, TwinError) for e in (CRSError, TerritoryError, TerritoryFileError))


def test_cli_prints_one_line_and_exits_1_without_traceback(tmp_path):
    result = CliRunner().invoke(main, ["info", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'nope.toml'}: territory file not found"
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- scenario files: property tests
# Whatever is wrong in a scenario file, the reader answers with a ScenarioError that names the
# file and the field path: never another exception. A mutation may also produce a valid file (a
# new name, another legal number): then it loads. Strict models refuse numbers written as strings
# and booleans for numbers, so nothing is converted silently.

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import tomli_w  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from twin.errors import ScenarioError  # noqa: E402
from twin.scenario import load_scenario  # noqa: E402
from twin.scenario.models import MEASURE_TYPES  # noqa: E402

VALID = {
    "schema_version": 1,
    "name": "prop",
    "title": "Property test",
    "cost_eur": 1000.0,
    "measures": [
        {"type": "tree_planting", "district": "Centre", "canopy_fraction": 0.3},
        {"type": "retention_basin", "area": "zone.geojson", "volume_m3": 500.0},
        {"type": "dike", "line": "zone.geojson", "height_m": 1.0, "width_m": 5.0},
    ],
    "events": [
        {
            "kind": "heatwave",
            "name": "hot",
            "date": __import__("datetime").date(2019, 7, 25),
            "max_air_temperature_c": 40.0,
            "min_air_temperature_c": 22.0,
        },
        {
            "kind": "design_storm",
            "name": "storm",
            "return_period_years": 100,
            "duration_min": 60.0,
            "montana": {"a": 8.7, "b": 0.6},
        },
        {
            "kind": "river_flood",
            "name": "river",
            "hydrograph": {"peak_discharge_m3_s": 400.0, "time_to_peak_h": 2.0, "time_base_h": 6.0},
        },
    ],
}


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    if path:
        yield path


PATHS = sorted(set(_leaves(VALID)), key=str)
ANY_VALUE = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=3),
    st.dates(),
    st.dictionaries(st.sampled_from(["a", "type", "kind", "x"]), st.integers(0, 9), max_size=2),
)


def _set(doc, path, value):
    import copy

    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _check(text_or_bytes, *, extra_files=()) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "zone.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
        for name, content in extra_files:
            (folder / name).write_text(content, encoding="utf-8")
        path = folder / "s.toml"
        if isinstance(text_or_bytes, bytes):
            path.write_bytes(text_or_bytes)
        else:
            path.write_text(text_or_bytes, encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError as exc:
            assert str(path) in str(exc) or "s.toml" in str(exc)
            return exc
        return None


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_valid_document_is_valid():
    assert _check(tomli_w.dumps(VALID)) is None


@PROPERTY
@given(path=st.sampled_from(PATHS), value=ANY_VALUE)
def test_a_wrong_value_anywhere_is_named_by_its_field_path(path, value):
    exc = _check(tomli_w.dumps(_set(VALID, path, value)))
    if exc is not None:
        dotted = ".".join(str(p) for p in path)
        parent = ".".join(str(p) for p in path[:-1])
        assert dotted in str(exc) or (parent and parent in str(exc)) or "file not found" in str(exc), str(exc)


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


NUMERIC_PATHS = [p for p in PATHS if type(_get(VALID, p)) in (int, float)]


@PROPERTY
@given(
    path=st.sampled_from(NUMERIC_PATHS), value=st.floats(min_value=-1e9, max_value=1e9) | st.integers(-(10**9), 10**9)
)
def test_any_number_in_a_numeric_field_is_accepted_or_named(path, value):
    exc = _check(tomli_w.dumps(_set(VALID, path, value)))
    if exc is not None:
        assert ".".join(str(p) for p in path[:-1]) in str(exc)


@PROPERTY
@given(kind=st.text(min_size=1, max_size=15).filter(lambda k: k not in MEASURE_TYPES))
def test_unknown_measure_type_is_named(kind):
    exc = _check(tomli_w.dumps(_set(VALID, ("measures", 0, "type"), kind)))
    assert exc is not None and "measures.0" in str(exc) and repr(kind) in str(exc)


@PROPERTY
@given(name=st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}\.geojson", fullmatch=True))
def test_missing_polygon_file_is_named(name):
    exc = _check(tomli_w.dumps(_set(VALID, ("measures", 1, "area"), name)))
    assert exc is not None and f"measures.1.area: file not found, got {name!r}" in str(exc)


@PROPERTY
@given(text=st.text(max_size=200))
def test_broken_toml_gets_a_scenario_error(text):
    _check(text)


@PROPERTY
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_get_a_scenario_error(data):
    _check(data)


@PROPERTY
@given(length=st.integers(min_value=1, max_value=4))
def test_extends_cycles_of_any_length_are_named(length):
    files = [
        (f"c{i}.toml", f'name = "c{i}"\ntitle = "C"\nextends = "c{(i + 1) % length}.toml"\n') for i in range(length)
    ]
    exc = _check('name = "s"\ntitle = "S"\nextends = "c0.toml"\n', extra_files=files)
    assert exc is not None and "extends: must not form a cycle" in str(exc)


# ---------------------------------------------------------------- files that are there but unusable


def test_a_corrupt_raster_or_a_folder_is_named(tmp_path):
    toml = write_territory_folder(tmp_path)
    (tmp_path / "dem.tif").write_bytes(b"not a tiff at all")
    with pytest.raises(DataSourceError, match=r"dem\.tif: cannot be read as a raster"):
        load_territory(toml)
    (tmp_path / "dem.tif").unlink()
    (tmp_path / "dem.tif").mkdir()
    with pytest.raises(DataSourceError, match=r"dem\.tif: cannot be read as a raster"):
        load_territory(toml)


def test_a_table_without_geometry_is_not_a_buildings_layer(tmp_path):
    toml = write_territory_folder(tmp_path)
    (tmp_path / "b.csv").write_text("HAUTEUR,NB_ETAGES\n10,3\n", encoding="utf-8")
    _swap_source(toml, 'path = "buildings.gpkg"', 'path = "b.csv"')
    with pytest.raises(
        DataSourceError,
        match=r"b\.csv: buildings must be a file with geometries .*, got 'a table "
        r"without geometry'",
    ):
        load_territory(toml)


def test_a_land_cover_table_not_in_utf8_is_named(tmp_path):
    from twin.datasets import data_dir
    from twin.landcover import LandCoverTable

    text = (data_dir() / "landcover.csv").read_text(encoding="utf-8").replace("meadow", "prairie fauchée")
    (tmp_path / "lc.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(DataSourceError, match=r"lc\.csv: encoding must be UTF-8, got 'byte 0xe9"):
        LandCoverTable.read(tmp_path / "lc.csv")


def test_geojson_without_crs_holding_projected_coordinates_is_explained(tmp_path):
    toml = write_territory_folder(tmp_path)
    (tmp_path / "sites.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"kind": "school"}, '
        f'"geometry": {{"type": "Point", "coordinates": [{X0 + 30}, {Y0 + 30}]}}}}]}}',
        encoding="utf-8",
    )
    _swap_source(toml, 'path = "sites.gpkg"', 'path = "sites.geojson"')
    with pytest.raises(
        CRSError,
        match=r"sites\.geojson: sites coordinates must be longitudes and latitudes, since "
        r"the file says EPSG:4326 \(a GeoJSON without `crs` is read as lon/lat\)",
    ):
        load_territory(toml)


def test_a_dem_covering_too_little_of_the_grid_is_refused_not_filled(tmp_path):
    toml = write_territory_folder(tmp_path)
    toml.write_text(
        toml.read_text() + f'\n[grid]\ncrs = "EPSG:2154"\ncell_size = 5.0\n'
        f"bounds = [{X0}, {Y0}, {X0 + 600}, {Y0 + 400}]\n"
    )  # 4 x the DEM's area
    with pytest.raises(
        DataSourceError,
        match=r"dem\.tif: elevation must be covering at least 75% of the grid .*, "
        r"got '7200 of 9600 cells without data'",
    ):
        load_territory(toml)


def test_a_path_too_long_for_the_system_is_a_scenario_error(tmp_path):
    long_name = "x" * 5000 + ".geojson"
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'name = "s"\ntitle = "S"\n[[measures]]\ntype = "retention_basin"\narea = "{long_name}"\nvolume_m3 = 10.0\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"s\.toml: measures\.0\.area: file not found, got 'xxx"):
        load_scenario(scenario)


def test_an_error_in_an_inherited_measure_names_the_parent_file(tmp_path):
    (tmp_path / "parent.toml").write_text(
        'name = "p"\ntitle = "P"\n[[measures]]\ntype = "tree_planting"\ndistrict = "Nowhere"\ncanopy_fraction = 0.3\n',
        encoding="utf-8",
    )
    (tmp_path / "child.toml").write_text('name = "c"\ntitle = "C"\nextends = "parent.toml"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "child.toml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'parent.toml'}: measures.0 (tree_planting).district: district must be one of" in result.output
    assert "Traceback" not in result.output


def test_validate_catches_what_only_the_territory_knows(tmp_path):
    (tmp_path / "s.toml").write_text(
        'name = "s"\ntitle = "S"\n[[measures]]\ntype = "cool_roofs"\nbuildings = { use = "stadium" }\nalbedo = 0.7\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "s.toml")])
    assert result.exit_code == 1 and "measures.0 (cool_roofs).buildings: the filter must match" in result.output
    assert CliRunner().invoke(main, ["validate", "--quick", str(tmp_path / "s.toml")]).exit_code == 0


# ---------------------------------------------------------------- engine inputs

import datetime as dt  # noqa: E402

from twin.errors import ModelInputError, SimulationError  # noqa: E402
from twin.flood.model import FloodParams  # noqa: E402
from twin.flood.model import simulate as flood_simulate  # noqa: E402
from twin.heat.event import Heatwave  # noqa: E402
from twin.heat.model import simulate as heat_simulate  # noqa: E402
from twin.testing import grid_territory, tiny_territory  # noqa: E402

HEAT_EVENT = Heatwave(**HEATWAVE_2019)
QUIET = {"infiltration": "none", "sewer_return_period_years": None}


@pytest.mark.parametrize(
    ("layer", "value", "error"),
    [
        ("elevation", np.nan, r"flood input 'elevation': values must be finite, got '1 NaN/inf cells'"),
        ("manning_n", -0.01, r"flood input 'manning_n': values must be > 0 s m-1/3, got -0\.01"),
    ],
)
def test_bad_terrain_or_roughness_is_refused_before_the_run(dry_event, layer, value, error):
    territory = tiny_territory()
    values = territory[layer].astype(np.float32).copy()
    values[3, 4] = value
    with pytest.raises(ModelInputError, match=error):
        flood_simulate(territory.with_layers(**{layer: values}), dry_event)


def test_an_inflow_point_outside_the_grid_is_refused(tiny):
    event = make_event(
        kind="river_flood",
        name="q",
        inflow_location=[0.0, 0.0],
        hydrograph={"peak_discharge_m3_s": 5.0, "time_to_peak_h": 0.5, "time_base_h": 1.0},
    )
    with pytest.raises(
        ModelInputError, match=r"event 'q' inflow 'river': inflow point must be inside the grid .*, got \(0\.0, 0\.0\)"
    ):
        flood_simulate(tiny, event)


def test_a_collapsing_time_step_stops_the_run_with_its_cause(dry_event):
    territory = grid_territory(np.zeros((5, 5)), land_cover=4)
    with pytest.raises(SimulationError, match=r"event 'dry': time step must be >= 5\.0 s, got .* at t = 0\.0 s"):
        flood_simulate(
            territory,
            dry_event,
            params=FloodParams(**QUIET, dt_min_s=5.0, duration_s=60.0),
            initial_depth=np.full((5, 5), 10.0),
        )  # 10 m of water: Δt ≈ 0.7·5/√(9.81·10) ≈ 0.35 s


# ---------------------------------------------------------------- heat engine inputs


def test_a_dsm_with_nan_is_refused(tiny):
    z = tiny["elevation"].copy()
    z[3, 4] = np.nan
    with pytest.raises(
        ModelInputError,
        match=r"territory 'tiny': layer 'elevation' must be finite everywhere, got "
        r"'1 NaN/inf cells'",
    ):
        heat_simulate(tiny.with_layers(elevation=z), HEAT_EVENT)


def test_a_missing_layer_is_refused(tiny):
    from dataclasses import replace

    broken = replace(tiny, layers=tiny.layers.drop_vars("albedo"))
    with pytest.raises(ModelInputError, match=r"layers must be complete: .* got \"missing \['albedo'\]\""):
        heat_simulate(broken, HEAT_EVENT)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("relative_humidity_pct", 120.0, r"relative_humidity_pct must be within \[0, 100\] %, got 120.0"),
        ("relative_humidity_pct", -5.0, r"relative_humidity_pct must be within \[0, 100\] %, got -5.0"),
        ("wind_speed_m_s", 0.0, r"wind_speed_m_s must be > 0 m/s .*, got 0.0"),
        ("wind_speed_m_s", -1.0, r"wind_speed_m_s must be > 0 m/s .*, got -1.0"),
        ("date", "2019-02-30", r"date must be a calendar date \(YYYY-MM-DD\) between 1900 and 2100, got '2019-02-30'"),
        ("date", dt.date(1700, 7, 1), r"date must be a calendar date .*, got datetime.date\(1700, 7, 1\)"),
    ],
)
def test_bad_weather_and_dates_are_refused_with_a_clear_message(tiny, field, value, match):
    # model_construct skips pydantic, as an event built in code or read by another tool may
    event = Heatwave.model_construct(**{**HEATWAVE_2019, field: value})
    with pytest.raises(ModelInputError, match=r"^heatwave 'heatwave-2019': " + match):
        heat_simulate(tiny, event)


def test_other_events_and_bad_params_are_refused(tiny):
    from twin.flood.events import RainSeries

    rain = RainSeries(kind="rain_series", name="r", series_file="rain.csv")
    with pytest.raises(ModelInputError, match=r"event kind must be 'heatwave', got 'rain_series'"):
        heat_simulate(tiny, rain)
    with pytest.raises(ModelInputError, match=r"heat params: d_cool_m"):
        heat_simulate(tiny, HEAT_EVENT, params={"d_cool_m": -1})
    assert issubclass(ModelInputError, TwinError) and issubclass(ModelInputError, ValueError)


# ---------------------------------------------------------------- impacts


def _impacts_results(territory, shape=None, **arrays):
    import xarray as xr

    shape = shape or territory.grid.shape
    return xr.Dataset({k: (("y", "x"), np.full(shape, v)) for k, v in arrays.items()})


def test_impacts_an_unknown_building_use_names_the_damage_table(tmp_path, tiny):
    from twin.impacts import DamageModel, flood_impacts

    shipped = DamageModel.read()
    costs = tmp_path / "max_damage.csv"
    text = Path(shipped.sources[1]).read_text(encoding="utf-8")
    costs.write_text("".join(line for line in text.splitlines(True) if not line.startswith("commercial,")), "utf-8")
    model = DamageModel.read((shipped.sources[0], costs))
    expected = (
        re.escape(str(costs))
        + r": building use must be one of \['industrial', 'other', 'public', 'residential'\], got 'commercial'"
    )
    with pytest.raises(DataSourceError, match="^" + expected + "$"):
        model.damage_fraction("commercial", 0.5)
    flood = _impacts_results(tiny, max_depth=0.2, ppri_class=np.uint8(1))
    with pytest.raises(DataSourceError, match=expected):  # B3 is commercial
        flood_impacts(tiny, flood, event="T30", damage=model)


def test_impacts_results_on_another_grid_are_refused(tiny):
    from twin.errors import ModelInputError
    from twin.impacts import flood_impacts

    flood = _impacts_results(tiny, (10, 10), max_depth=0.2, ppri_class=np.uint8(1))
    with pytest.raises(
        ModelInputError,
        match=r"^flood results of event 'T30': variable 'max_depth' must be on the territory's grid, "
        r"dims \(\.\.\., 'y', 'x'\) and shape \(\.\.\., 20, 30\), got \"dims \('y', 'x'\), shape \(10, 10\)\"$",
    ):
        flood_impacts(tiny, flood, event="T30")
    shifted = _impacts_results(tiny, max_depth=0.2, ppri_class=np.uint8(1)).assign_coords(
        x=tiny.layers["x"].values + 1000.0, y=tiny.layers["y"].values
    )
    with pytest.raises(ModelInputError, match=r"x coordinates must be the territory's cell centres \(700002.50 to"):
        flood_impacts(tiny, shifted, event="T30")


def test_impacts_a_missing_variable_is_named(tiny):
    from twin.errors import ModelInputError
    from twin.impacts import heat_impacts

    heat = _impacts_results(tiny, utci=30.0, uhi_day=1.0)
    with pytest.raises(
        ModelInputError,
        match=r"^heat results of event 'canicule': variables must be complete \(utci, utci_hourly, t_air_hourly, "
        r"t_air_min_night, uhi_day, uhi_night\), got \"missing \['utci_hourly', 't_air_hourly', 't_air_min_night', "
        r"'uhi_night'\]\"$",
    ):
        heat_impacts(tiny, heat, event="canicule")
    assert issubclass(ModelInputError, TwinError)


def test_impacts_expected_annual_damage_needs_two_events():
    from twin.errors import ModelInputError
    from twin.impacts import expected_annual_damage

    with pytest.raises(ModelInputError, match=r"^expected annual damage: events must be at least 2 return periods"):
        expected_annual_damage({100: 1e6})


@pytest.mark.parametrize(
    ("call", "match"),
    [
        ("flood", r"^flood results of event 'e': exposure_depth_m must be a positive number of metres, got -0.1$"),
        (
            "heat",
            r"^heat results of event 'e': thresholds must be strong_c < very_strong_c < extreme_c, "
            r"got \[32.0, 30.0, 46.0\]$",
        ),
        ("land", r"^cool islands: min_area_ha must be a number of hectares >= 0, got 'big'$"),
    ],
)
def test_impacts_bad_options_are_named(tiny, call, match):
    from twin.errors import ModelInputError
    from twin.impacts import flood_impacts, heat_impacts, land_indicators

    with pytest.raises(ModelInputError, match=match):
        if call == "flood":
            flood_impacts(
                tiny, _impacts_results(tiny, max_depth=0.0, ppri_class=np.uint8(0)), event="e", exposure_depth_m=-0.1
            )
        elif call == "heat":
            heat = _impacts_results(tiny, utci=30.0, uhi_day=1.0, uhi_night=1.0, t_air_min_night=18.0)
            heat["utci_hourly"] = heat["utci"].expand_dims(time=24)
            heat["t_air_hourly"] = heat["utci"].expand_dims(time=24)
            heat = heat.assign_coords(relative_humidity=("time", np.full(24, 40.0)))
            heat_impacts(tiny, heat, event="e", very_strong_c=30.0)
        else:
            land_indicators(tiny, min_area_ha="big")


# ---------------------------------------------------------------- comparison weights and `twin compare`
# Weights of the scorecard come from a TOML file (`--weights`), from `--weight KEY=W` or from Python: each bad
# one is named with where it comes from, the key and the value.

_SCORED = r"an indicator key with a better direction \(flood\.area_ppri_high_ha, .*, value\.people_relieved_per_meur\)"


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({"unknown.key": 1}, rf"^weights: unknown\.key must be {_SCORED}, got 'unknown\.key'$"),
        ({"land.population": 1}, rf"^weights: land\.population must be {_SCORED}, got 'land\.population'$"),
        ({"flood.damage_eur": -1}, r"^weights: flood\.damage_eur must be a finite weight >= 0, got -1$"),
        ({"flood.damage_eur": float("nan")}, r"^weights: flood\.damage_eur must be a finite weight >= 0, got nan$"),
        ({"flood.damage_eur": float("inf")}, r"^weights: flood\.damage_eur must be a finite weight >= 0, got inf$"),
        ({"flood.damage_eur": True}, r"^weights: flood\.damage_eur must be a finite weight >= 0, got True$"),
        ({"flood.damage_eur": "2"}, r"^weights: flood\.damage_eur must be a finite weight >= 0, got '2'$"),
        (
            {"flood.damage_eur": 0, "land.canopy_share": 0.0},
            r"^weights: weights must be at least one weight above 0, got \{'flood\.damage_eur': 0, "
            r"'land\.canopy_share': 0\.0\}$",
        ),
        ({}, r"^weights: weights must be at least one weight above 0, got \{\}$"),
    ],
)
def test_compare_weights_are_named(weights, match):
    from twin.compare import check_weights
    from twin.errors import ScenarioError

    with pytest.raises(ScenarioError, match=match):
        check_weights(weights, where="weights")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("[weights\n", r"content must be TOML, got [\"'].*\(at line 1, column 9\)[\"']$"),
        (b"[weights]\n\xff = 1\n", r"content must be TOML, got [\"']'utf-8' codec can't decode byte 0xff.*[\"']$"),
        ("", r"weights must be a table of indicator key = weight, got None$"),
        ("weights = 3\n", r"weights must be a table of indicator key = weight, got 3$"),
        ('weights = ["flood.damage_eur"]\n', r"weights must be a table .*, got \['flood\.damage_eur'\]$"),
        ('[weights]\n"unknown.key" = 1\n', rf"unknown\.key must be {_SCORED}, got 'unknown\.key'$"),
        ("[weights]\nflood.nonsense = 1\n", rf"flood\.nonsense must be {_SCORED}, got 'flood\.nonsense'$"),
        ('[weights]\n"flood.damage_eur" = -2\n', r"flood\.damage_eur must be a finite weight >= 0, got -2$"),
        ('[weights]\n"flood.damage_eur" = nan\n', r"flood\.damage_eur must be a finite weight >= 0, got nan$"),
        ('[weights]\n"flood.damage_eur" = true\n', r"flood\.damage_eur must be a finite weight >= 0, got True$"),
        ('[weights]\n"flood.damage_eur" = "2"\n', r"flood\.damage_eur must be a finite weight >= 0, got '2'$"),
        ('[weights]\n"flood.damage_eur" = 0\n', r"weights must be at least one weight above 0, got \{'flood\.dam"),
    ],
)
def test_compare_weights_file_errors_name_the_file_key_and_value(tmp_path, content, match):
    from twin.compare import read_weights
    from twin.errors import ScenarioError

    path = tmp_path / "weights.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError, match="^" + re.escape(str(path)) + ": " + match):
        read_weights(path)


def test_compare_weights_file_missing_or_a_folder(tmp_path):
    from twin.compare import read_weights
    from twin.errors import ScenarioError

    with pytest.raises(MissingFileError, match="^" + re.escape(str(tmp_path / "w.toml")) + ": weights file not found$"):
        read_weights(tmp_path / "w.toml")
    with pytest.raises(
        ScenarioError,
        match="^" + re.escape(str(tmp_path)) + r": weights file must be a readable file, got [\"']IsADirectoryError: ",
    ):
        read_weights(tmp_path)


def _two_runs(tmp_path) -> None:
    """Two minimal run folders, base and a (no maps: every case here fails before they are read)."""
    from conftest import write_run_folder

    for name, cost in (("base", 0.0), ("a", 1000.0)):
        write_run_folder(
            tmp_path / name,
            scenario={"name": name, "title": name, "cost_eur": cost, "lifetime_years": None},
            events=[{"name": "storm", "kind": "design_storm"}],
            indicators=[("flood.damage_eur", 1000.0 - cost / 2, "storm", None)],
        )


def _compare_cli(tmp_path, *extra):
    _two_runs(tmp_path)
    args = ["compare", str(tmp_path / "a"), "--baseline", str(tmp_path / "base"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, *extra])
    assert "Traceback" not in result.output and not isinstance(result.exception, (TypeError, KeyError, OSError))
    assert not (tmp_path / "out").exists()
    return result


@pytest.mark.parametrize(
    ("extra", "code", "line"),
    [
        (["--weight", "nonsense"], 2, "Error: Invalid value for --weight: must read KEY=WEIGHT, got 'nonsense'"),
        (["--weight", "flood.damage_eur=lots"], 2, "Error: Invalid value for --weight: must read KEY=WEIGHT, got "),
        (["--weight", "unknown.key=1"], 1, "error: weights: unknown.key must be an indicator key with a better "),
        (["--weight", "flood.damage_eur=-1"], 1, "error: weights: flood.damage_eur must be a finite weight >= 0, got"),
    ],
)
def test_cli_compare_bad_weight_is_one_line(tmp_path, extra, code, line):
    result = _compare_cli(tmp_path, *extra)
    assert result.exit_code == code
    errors = [s for s in result.stderr.splitlines() if s.lower().startswith("error")]
    assert len(errors) == 1 and errors[0].startswith(line), result.stderr


def test_cli_compare_weights_file_that_is_a_folder_is_one_line(tmp_path):
    result = _compare_cli(tmp_path, "--weights", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f'error: {tmp_path}: weights file must be a readable file, got "IsADirectoryError')
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_compare_a_folder_that_is_not_a_run(tmp_path):
    not_a_run = tmp_path / "notes"
    not_a_run.mkdir()
    _two_runs(tmp_path)
    args = ["compare", str(not_a_run), "--baseline", str(tmp_path / "base"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {not_a_run}: indicators.json must be present in a run folder (written by `twin run`), got 'missing'"
    )
    assert not (tmp_path / "out").exists()
