"""A real city end to end, the way a new user brings it (issue 18's acceptance): UMEP's Göteborg tile read through
the ``umep`` land-cover preset, its buildings' heights from the DSM and its trees from the canopy DSM, then a heat
run driven by an EPW heatwave file, whose provenance lists every input file with its SHA-256.

The files: the ``umep==0.0.1b47`` wheel on PyPI (:mod:`samples`; skipped without it, failed in CI). The tile:
EPSG:3007 (SWEREF99 12 00), 1 m, 234 × 223 cells, footprints without heights. The EPW: a hot day at Göteborg's
position (57.7° N, 11.97° E, standard time UTC+1), 22 °C at 05:00 and 33 °C at 15:00 standard time on a cosine,
written by the test (a real weather file is not among the sample's files).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import shutil

import pytest
import samples
from click.testing import CliRunner
from conftest import write_epw

from twin.cli import main
from twin.errors import TwinWarning
from twin.sources import load_territory, source_files

FILES = ("DEM_KRbig.tif", "DSM_KRbig.tif", "CDSM_KRbig.tif", "landcover.tif",
         *(f"buildings.{ext}" for ext in ("shp", "shx", "dbf", "prj")))  # fmt: skip
DAY = dt.date(2023, 7, 20)
T_MIN_C, T_MAX_C = 22.0, 33.0  # at 05:00 and 15:00 standard time

TERRITORY = """schema_version = 1
name = "Göteborg, Kronoberg (UMEP's demo tile)"
[elevation]
paths = ["DEM_KRbig.tif"]
[land_cover]
path = "landcover.tif"
preset = "umep"
[buildings]
path = "buildings.shp"
[surface]
dsm = ["DSM_KRbig.tif"]
cdsm = ["CDSM_KRbig.tif"]
"""

SCENARIO = f"""schema_version = 1
name = "today"
title = "Göteborg today"
territory = "territory.toml"
[[events]]
kind = "heatwave"
name = "hot-day"
title = "A hot day from an EPW file"
date = {DAY.isoformat()}
weather_file = "hot-day.epw"
time_zone = "Europe/Stockholm"
"""


def _hot_day(d: int, hour: int) -> tuple[float, float, float]:
    """(T °C, RH %, wind m/s) of the hour ending at ``hour`` standard time: T rises on a half cosine from 05:00 to
    15:00 and falls on another from 15:00 to 05:00; RH falls as T rises."""
    since_peak = (hour - 15) % 24  # h after 15:00
    rise = since_peak >= 14  # from 05:00 to 15:00
    share = (
        (1 - math.cos(math.pi * (since_peak - 14) / 10)) / 2 if rise else (1 + math.cos(math.pi * since_peak / 14)) / 2
    )
    t = T_MIN_C + (T_MAX_C - T_MIN_C) * share
    return t, 40.0 + (T_MAX_C - t) * 2.0, 2.5


@pytest.fixture(scope="module")
def goteborg(tmp_path_factory):
    source = samples.folder("umep", *FILES)
    folder = tmp_path_factory.mktemp("goteborg")
    for name in FILES:
        shutil.copyfile(source / name, folder / name)
    (folder / "territory.toml").write_text(TERRITORY, encoding="utf-8")
    (folder / "today.toml").write_text(SCENARIO, encoding="utf-8")
    days = [DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1)]
    write_epw(folder / "hot-day.epw", days, _hot_day, latitude=57.7, longitude=11.97, tz=1.0, city="Goteborg")
    return folder


def test_goteborg_loads_through_the_umep_preset_and_the_surface_models(goteborg):
    with pytest.warns(TwinWarning) as caught:
        t = load_territory(goteborg / "territory.toml", cache=False)
    said = " ".join(str(w.message) for w in caught)
    assert "repaired 2 invalid polygons" in said  # two footprints' rings cross themselves
    assert "no 'use' column" in said  # the file says nothing of uses: all taken as residential, with a warning
    assert t.grid.crs.to_epsg() == 3007 and t.grid.shape == (223, 234)
    assert t.landcover.preset == "umep"
    heights = t.vectors["buildings"]["height"].to_numpy()
    assert len(heights) > 0 and (heights >= 2.5).all()  # every footprint measured on the DSM, floored at 2.5 m
    notes = " ".join(t.provenance["notes"])
    assert "DSM" in notes and "canopy" in notes


def test_goteborg_heat_run_from_an_epw_lists_every_input_with_its_hash(goteborg, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(goteborg / "today.toml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    listed = {item["path"]: item for item in provenance["inputs"]}
    expected = [*source_files(goteborg / "territory.toml"), goteborg / "today.toml", goteborg / "hot-day.epw"]
    for path in expected:
        item = listed.get(str(path.resolve()))
        assert item is not None, f"{path.name} missing from provenance inputs: {sorted(listed)}"
        assert item["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), path.name
    names = {p.name for p in expected}
    assert {"DSM_KRbig.tif", "CDSM_KRbig.tif", "umep.csv", "buildings.dbf", "hot-day.epw"} <= names
    assert (out / "events" / "hot-day" / "utci_max.tif").is_file()
