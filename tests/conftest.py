"""Shared fixtures: tiny territories and helpers that write real GIS files with their own CRS."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):  # `make test` runs two processes (pytest-xdist), one per core: each
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # takes one thread (two processes x two OpenMP threads on two
    # cores spend their time waiting on each other's barriers); set before numba is imported

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from twin.synthetic.files import RAINFALL
from twin.testing import tiny_territory

L93 = "EPSG:2154"
# A Lambert-93 window in the Loire valley used by the file-based tests.
X0, Y0 = 431_000.0, 6_711_000.0


@pytest.fixture(scope="session", autouse=True)
def territory_cache_of_the_session(tmp_path_factory):
    """The territory cache of this test session, never the user's: one folder shared by the session's processes
    (pytest-xdist workers' temporary folders share a parent; writes are atomic), removed with pytest's old folders."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "territory-cache"
    os.environ["TWIN_CACHE_DIR"] = str(folder)
    os.environ.pop("TWIN_NO_CACHE", None)
    return folder


@pytest.fixture(scope="session")
def tiny():
    """The 30 x 20 hand-checkable territory of :func:`twin.testing.tiny_territory`."""
    return tiny_territory()


def write_raster(
    path: Path, values: np.ndarray, *, crs: str | None, transform: Affine, nodata=None, driver: str = "GTiff"
) -> Path:
    """Write a one-band raster exactly as given (the file is the test input)."""
    profile = {
        "driver": driver,
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype.name,
        "transform": transform,
    }
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    return path


def write_float_land_cover(path: Path, code_at, *, crs: str = "EPSG:27700", cell: float = 4.0) -> Path:
    """Land cover laid out as HiPIMS's Carlisle ``Landcover.tif``: float32 codes, NaN nodata, a CRS and cells of its
    own, over the test town's grid with a margin. ``code_at(x, y)`` gives the value at cell centres in Lambert-93."""
    import pyproj
    import rasterio.warp

    x0, y0, x1, y1 = rasterio.warp.transform_bounds(L93, crs, X0 - 20, Y0 - 20, X0 + 320, Y0 + 220)
    transform = Affine(cell, 0, x0, 0, -cell, y1)
    cols, rows = np.meshgrid(np.arange(np.ceil((x1 - x0) / cell)) + 0.5, np.arange(np.ceil((y1 - y0) / cell)) + 0.5)
    x, y = pyproj.Transformer.from_crs(crs, L93, always_xy=True).transform(*(transform @ (cols, rows)))
    values = np.asarray(code_at(x, y), dtype="float32")
    return write_raster(path, values, crs=crs, transform=transform, nodata=np.nan)


def smooth_terrain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smooth analytic terrain over Lambert-93 coordinates, m: a tilted plane, a hill and a long swell."""
    u, v = (x - X0) / 1000.0, (y - Y0) / 1000.0
    return (
        40.0
        + 8.0 * u
        - 5.0 * v
        + 12.0 * np.exp(-((u - 0.4) ** 2 + (v - 0.3) ** 2) / 0.18)
        + 3.0 * np.sin(2 * np.pi * (u + 0.5 * v) / 0.9)
    )


def write_territory_folder(
    folder: Path,
    *,
    width: int = 60,
    height: int = 40,
    cell: float = 5.0,
    toml_extra: str = "",
    buildings: gpd.GeoDataFrame | None = None,
) -> Path:
    """A complete small territory as files: DEM, land cover, buildings, districts, sites, roads, river."""
    from shapely.geometry import LineString, Point

    folder.mkdir(parents=True, exist_ok=True)
    t = Affine(cell, 0, X0, 0, -cell, Y0 + height * cell)
    xs = X0 + (np.arange(width) + 0.5) * cell
    ys = Y0 + height * cell - (np.arange(height) + 0.5) * cell
    xx, yy = np.meshgrid(xs, ys)
    write_raster(folder / "dem.tif", smooth_terrain(xx, yy).astype("float32"), crs=L93, transform=t)
    lc = np.full((height, width), 6, dtype="uint8")
    lc[:, :5] = 3
    write_raster(folder / "lc.tif", lc, crs=L93, transform=t)
    if buildings is None:
        buildings = gpd.GeoDataFrame(
            {"HAUTEUR": [12.0, None], "NB_ETAGES": [4, 5], "USAGE1": ["Résidentiel", "Industriel"]},
            geometry=[box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 50), box(X0 + 100, Y0 + 100, X0 + 160, Y0 + 140)],
            crs=L93,
        )
    buildings.to_file(folder / "buildings.gpkg")
    gpd.GeoDataFrame(
        {"name": ["Nord", "Sud"], "population": [120, 0], "share_over_75": [0.1, 0.1], "share_under_5": [0.05, 0.05]},
        geometry=[box(X0, Y0, X0 + width * cell, Y0 + 100), box(X0, Y0 + 100, X0 + width * cell, Y0 + height * cell)],
        crs=L93,
    ).to_file(folder / "districts.geojson")
    gpd.GeoDataFrame({"name": ["École"], "kind": ["school"]}, geometry=[Point(X0 + 30, Y0 + 30)], crs=L93).to_file(
        folder / "sites.gpkg"
    )
    gpd.GeoDataFrame({"name": ["Rue"]}, geometry=[LineString([(X0 + 10, Y0), (X0 + 10, Y0 + 200)])], crs=L93).to_file(
        folder / "roads.gpkg"
    )
    shutil.copyfile(RAINFALL, folder / "rainfall.csv")  # the town's rainfall statistics: its storms and sewers
    (folder / "territory.toml").write_text(
        f"""
name = "test town"
rainfall = "rainfall.csv"
[elevation]
paths = ["dem.tif"]
[land_cover]
path = "lc.tif"
preset = "twin"
[buildings]
path = "buildings.gpkg"
columns = {{ height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }}
[districts]
path = "districts.geojson"
[sites]
path = "sites.gpkg"
[roads]
path = "roads.gpkg"
{toml_extra}
""",
        encoding="utf-8",
    )
    return folder / "territory.toml"


BUILDINGS_SECTION = (  # the [buildings] table write_territory_folder writes
    '[buildings]\npath = "buildings.gpkg"\ncolumns = { height = "HAUTEUR", floors = "NB_ETAGES", use = "USAGE1" }\n'
)


def people_without_buildings(folder, *, lc_west: float = 0.0, width: int = 60, north_gardens=(10, 20)):
    """The test town without buildings: districts Nord (the south 100 m, 120 residents) and Sud (45), land cover
    written from ``lc_west`` m west of the grid. Nord has gardens (residential) in the grid's columns
    ``north_gardens``, Sud one roof (residential, rows 0-4, columns 40-44); the rest is grass and road."""
    toml = write_territory_folder(folder)
    assert BUILDINGS_SECTION in toml.read_text()
    toml.write_text(toml.read_text().replace(BUILDINGS_SECTION, ""))
    west = round(lc_west / 5)
    lc = np.full((40, west + width), 6, dtype="uint8")
    lc[:, west : west + 5] = 3
    lc[20:, west + north_gardens[0] : west + north_gardens[1]] = 7
    lc[:5, west + 40 : west + 45] = 2
    write_raster(folder / "lc.tif", lc, crs=L93, transform=Affine(5.0, 0, X0 - lc_west, 0, -5.0, Y0 + 200))
    return toml


def write_districts(folder, rows):
    """Replace the town's districts by ``rows`` of (name, residents, polygon)."""
    names, people, polygons = zip(*rows, strict=True)
    gpd.GeoDataFrame(
        {"name": names, "population": people, "share_over_75": 0.1, "share_under_5": 0.05},
        geometry=list(polygons), crs=L93,
    ).to_file(folder / "districts.geojson")  # fmt: skip


# The test town's two districts as write_territory_folder writes them.
NORD, SUD = box(X0, Y0, X0 + 300, Y0 + 100), box(X0, Y0 + 100, X0 + 300, Y0 + 200)


# The baseline scenario's heatwave (scenarios/baseline.toml): 25 July 2019.
def write_epw(path, days, value, *, latitude=47.47, longitude=-0.55, tz=1.0, years=None, city="Angers"):
    """An EPW file holding ``days`` (dates, in file order); ``value(d, h)`` gives (t, rh, wind) of the row of day
    ``d`` (its index in ``days``) and hour ``h`` (1..24, the hour ending at h:00 standard time)."""
    location = f"LOCATION,{city},-,FRA,SRC-TMYx,071300,{latitude},{longitude},{tz},50.0"
    lines = [location, *(f"HEADER{i}" for i in range(2, 9))]
    for d, day in enumerate(days):
        year = day.year if years is None else years[d]
        for hour in range(1, 25):
            fields = [str(year), str(day.month), str(day.day), str(hour), "60", "?9?9"] + ["0"] * 29
            t, rh, wind = value(d, hour)
            fields[6], fields[8], fields[21] = repr(t), repr(rh), repr(wind)
            lines.append(",".join(fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_heatwave_scenario(folder: Path, territory, body: str = "") -> Path:
    """``folder/s.toml``: a scenario on ``territory`` with ``body`` (tables such as ``[heat]``) and one 36 °C
    heatwave from daily extremes."""
    path = folder / "s.toml"
    path.write_text(
        f'name = "s"\ntitle = "S"\nterritory = "{territory}"\n{body}\n[[events]]\nkind = "heatwave"\n'
        'name = "canicule"\ndate = 2019-07-25\nmax_air_temperature_c = 36.0\nmin_air_temperature_c = 20.0\n',
        encoding="utf-8",
    )
    return path


HEATWAVE_2019 = {
    "kind": "heatwave",
    "name": "heatwave-2019",
    "date": __import__("datetime").date(2019, 7, 25),
    "max_air_temperature_c": 40.0,
    "min_air_temperature_c": 22.0,
    "relative_humidity_pct": 35.0,
    "wind_speed_m_s": 2.0,
}


def make_event(**fields):
    """An event validated exactly as from a scenario file."""
    from twin.scenario.models import Scenario

    return Scenario.model_validate({"name": "t", "title": "t", "events": [fields]}).events[0]


@pytest.fixture
def dry_event(tmp_path):
    """An event with no rain at all: the water comes from initial depths, inflows or edges."""
    path = tmp_path / "dry.csv"
    path.write_text("time_min,intensity_mm_per_h\n0,0\n", encoding="utf-8")
    return make_event(kind="rain_series", name="dry", series_file=str(path), after_min=0)


def write_run_folder(
    folder: Path,
    *,
    scenario: dict,
    events: list[dict],
    indicators: Iterable[tuple],
    measures: list[dict] | None = None,
    provenance: dict | None = None,
    grid=None,
    maps: Mapping[str, tuple[np.ndarray, str]] | None = None,
) -> Path:
    """A results folder written by hand in the layout of :mod:`twin.results`, as ``load_run`` reads it.

    ``indicators`` are ``(key, value, event, district)`` tuples (units and direction from the catalogue);
    ``maps`` are ``"territory/elevation"`` or ``"events/<event>/<var>"`` -> ``(values, units)``, written as COG
    on ``grid`` (NaN is the nodata of float maps).
    """
    from twin.impacts.records import CATALOGUE
    from twin.io import write_cog

    summary = {
        "format_version": 1,
        "scenario": scenario,
        "measures": measures or [],
        "events": events,
        "indicators": [
            {
                "key": k,
                "value": v,
                "event": e,
                "district": d,
                "units": CATALOGUE[k].units,
                "better": CATALOGUE[k].better,
            }
            for k, v, e, d in indicators
        ],
    }
    if provenance is None:
        provenance = {
            "twin_version": "0.1.0",
            "scenario": {"name": scenario["name"], "cost_eur": scenario.get("cost_eur")},
            "territory": {"name": "test town"},
            "events": {e["name"]: {"kind": e["kind"], "forcing": e.get("forcing", {})} for e in events},
            "timings_s": {},
            "format_version": 1,
        }
    folder.mkdir(parents=True)
    (folder / "indicators.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    (folder / "provenance.json").write_text(json.dumps(provenance), encoding="utf-8")
    for name, (values, units) in (maps or {}).items():
        nodata = float("nan") if values.dtype.kind == "f" else None
        write_cog(values, folder / f"{name}.tif", grid, units=units, nodata=nodata)
    return folder


@pytest.fixture(scope="session")
def tiny_runs(tiny, tmp_path_factory):
    """A runs folder with two runs of the tiny territory, both through the 2019 heatwave and a short storm:
    ``baseline`` and ``green-sud`` (trees in the district Sud). Shared: tests read it, never change it."""
    from twin.flood.model import FloodParams
    from twin.runner import run
    from twin.scenario.models import Scenario

    root = tmp_path_factory.mktemp("tiny-runs")
    storm = {"kind": "design_storm", "name": "storm", "return_period_years": 100, "duration_min": 15, "after_min": 5}
    trees = [{"type": "tree_planting", "district": "Sud", "canopy_fraction": 0.5}]
    for name, measures in (("baseline", []), ("green-sud", trees)):
        scenario = Scenario.model_validate({"name": name, "title": name, "measures": measures,
                                            "events": [HEATWAVE_2019, storm]})  # fmt: skip
        run(scenario, out=root / name, territory=tiny, params={"flood": FloodParams(frame_interval_s=300.0)})
    return root


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory):
    """`twin demo` run once for the session (about four minutes): its folder and what it printed.

    Under pytest-xdist (`make test`) the processes share one run: the first to need it runs it in the folder
    above their own temporary folders, under a lock; the others wait for it and read it.
    TWIN_TEST_DEMO=FOLDER reuses the output of an earlier `twin demo` while working on the viewer (never in CI).
    """
    if os.environ.get("TWIN_TEST_DEMO") and os.environ.get("CI") != "true":
        out = Path(os.environ["TWIN_TEST_DEMO"])
        return out, ""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _run_demo(tmp_path_factory.mktemp("demo") / "twin-demo")
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent  # this test session's, shared by its processes
    with open(shared / "demo.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        printed = shared / "demo" / "printed.txt"
        if not printed.exists():
            shutil.rmtree(shared / "demo", ignore_errors=True)  # what a process that died in the run left
            _, output = _run_demo(shared / "demo" / "twin-demo")
            printed.write_text(output, encoding="utf-8")  # written last: the run is whole
        return shared / "demo" / "twin-demo", printed.read_text(encoding="utf-8")


def _run_demo(out: Path) -> tuple[Path, str]:
    from click.testing import CliRunner

    from twin.cli import main

    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@contextmanager
def serving(app):
    """``app`` served by uvicorn on a free loopback port, in a thread; yields its base URL, stops it after."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 30 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright; skipped where it is absent, except in CI (TWIN_REQUIRE_BROWSER=1)."""

    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed: the browser tests need Debian's chromium"
        if os.environ.get("TWIN_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def postgres_server_url():
    """The SQLAlchemy URL of a real PostgreSQL server for the session (see tests/databases.py).

    ``TWIN_TEST_DATABASE_URL`` when set (CI: `.ci/postgres` starts one); else a throwaway server started here from the
    installed PostgreSQL binaries and stopped at the end of the session; else skipped, or failed with
    ``TWIN_REQUIRE_POSTGRES=1``.
    """
    from databases import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A SQLAlchemy URL of an empty database: every test that takes it runs once on each backend.

    - ``sqlite``: a file ``consultation.sqlite`` in the test's tmp_path (a file, as the store uses WAL);
    - ``postgresql``: a new database ``twin_<hex>`` on :func:`postgres_server_url`'s server, dropped after the test
      (``postgresql+psycopg://...``). The server is only started when a PostgreSQL case runs.

    Select one backend with ``-k sqlite`` or ``-k postgresql``.
    """
    if request.param == "sqlite":
        from databases import sqlite_url

        yield sqlite_url(tmp_path)
        return
    from databases import fresh_postgres_database

    with fresh_postgres_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


def table_rows(text: str) -> dict[str, list[str]]:
    """The rows of the command line's tables in ``text`` (rich, no vertical rules: columns stand two spaces or
    more apart): first cell -> the others."""
    import re

    rows = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) > 1 and not set(line.strip()) <= set("─ "):
            rows[cells[0]] = cells[1:]
    return rows
