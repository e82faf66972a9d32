"""A real river for the tests: a crop of HiPIMS's Carlisle sample, written as a twin territory and scenario.

The data: the ``hipims/sample/input/`` files of the ``hipims==2.1.0`` wheel on PyPI (Newcastle University's
HiPIMS; the wheel's licence file is the Python Packaging Authority's MIT template, so the data's licence is unclear
and the files are never committed here). ``.ci/run`` downloads the wheel once into a cache,
where :mod:`samples` finds it.

The sample: the Environment Agency's 5 m terrain model of Carlisle (EPSG:27700, 1813 × 1855 cells), a land cover of
two classes (1: the rivers and open water bodies of the floodplain, 2: the rest), 67 rain zones (``rainMask.tif``)
with their intensities every 5 min (``rainfall_source.txt``, mm/h, its last row cut short), and the inflows of the
Caldew, the Petteril and the Eden (``Q_source.xlsx``: one sheet each, ``Time`` every 30 min, ``qx`` and ``qy`` in
m²/s per metre of the model's boundary).

The crop (:data:`WINDOW`): 440 × 300 cells of 5 m (2.2 km × 1.5 km) around the confluences, x 339 301–341 501,
y 555 802–557 302. The Eden enters by its east edge and leaves by the west one; the Petteril enters by the east edge
south of it, the Caldew by the south edge (segments in :data:`INFLOWS`, each the channel cells of land-cover
class 1 on that edge, checked by the test). Each river's discharge per metre is the magnitude of (qx, qy), given on
its segment with ``discharge_per_unit_width``: the crop's edges are not HiPIMS's boundaries, so the figures are a
plausible forcing, not Carlisle's flows. The hour simulated is the record's second hour (1800 s to 5400 s): the
record's first row (t = 0) is a spike in every river (the Caldew's 1.7 m²/s against 0.3 m²/s 30 min later), an
artefact of HiPIMS's set-up and not a flow to warm a river up with.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from rasterio.windows import Window
from samples import SAMPLES

# the record's hour that is simulated: its second (the first row of Q_source.xlsx is a spike), s
START_S, END_S = 1800.0, 5400.0
# the crop of the sample's 1813 × 1855 grid: first column, first row, columns, rows
WINDOW = (857, 622, 440, 300)
SAMPLE = "hipims/sample/input"


@dataclass(frozen=True)
class Inflow:
    """A river entering the crop: its sheet of ``Q_source.xlsx``, the edge it enters by and the stretch of that edge,
    m from its south end (east and west edges) or its west end (north and south edges): the channel's cells."""

    name: str
    sheet: str
    edge: str
    segment_m: tuple[float, float]


INFLOWS = (
    Inflow("eden", "Eden", "east", (955.0, 1015.0)),  # the 5 m crop's east-edge rows 97-108: ground 10.2-10.8 m
    Inflow("petteril", "Petteril", "east", (445.0, 460.0)),  # rows 208-210: ground 11.1-11.8 m
    Inflow("caldew", "Caldew", "south", (375.0, 395.0)),  # columns 75-78 of the south edge: ground 12.1-12.5 m
)

# The land-cover table of the two classes. Manning's n from Chow (1959, Open-channel hydraulics, table 5-6): class
# 1, the rivers and the floodplain's water bodies, a clean winding natural channel (0.035, normal); class 2, the
# rest, floodplain with light brush and towns (0.050). The other columns are those of data/landcover.csv's water and
# grass; class 1 has the role water (the rivers' inflows enter it). The flood check runs without infiltration and
# sewers, so only Manning's n matters to it.
LANDCOVER_CSV = """code,name,albedo,emissivity,impervious_fraction,tree_canopy_fraction,crop_coefficient,manning_n,\
ks_mm_per_h,psi_mm,delta_theta,curve_number,green_area,soil_texture,role,source
1,water,0.07,0.96,0.0,0.0,1.05,0.035,0.0,0.0,0.0,100,0,none,water,"Chow 1959 table 5-6: natural channel, clean, winding"
2,other,0.23,0.95,0.0,0.0,0.90,0.050,3.4,88.9,0.304,61,1,loam,,"Chow 1959 table 5-6: floodplain, light brush"
"""


def wheel() -> Path | None:
    """The hipims 2.1.0 wheel in the samples' cache, or None where absent."""
    return SAMPLES["hipims"].wheel()


def read_hydrographs(whl: Path) -> dict[str, np.ndarray]:
    """Each river's record from ``Q_source.xlsx``: rows (time s, discharge per metre m²/s, the magnitude of qx, qy)."""

    with zipfile.ZipFile(whl) as z:
        sheets = pd.read_excel(io.BytesIO(z.read(f"{SAMPLE}/Q_source.xlsx")), sheet_name=None)
    return {
        name: np.column_stack(
            [df["Time"].to_numpy(float), np.hypot(df["qx"].to_numpy(float), df["qy"].to_numpy(float))]
        )
        for name, df in sheets.items()
    }


def read_zone_rain(whl: Path) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """``rainfall_source.txt``: times (s), intensities (mm/h, one column per zone) and the zone numbers. The header is
    the first time then ``station_N``; a row cut short (the file's last) is dropped."""
    with zipfile.ZipFile(whl) as z:
        lines = z.read(f"{SAMPLE}/rainfall_source.txt").decode("utf-8").splitlines()
    header = lines[0].split("\t")
    zones = [int(h.removeprefix("station_")) for h in header[1:]]
    rows = [line.split("\t") for line in lines[1:]]
    table = np.array([[float(v) for v in r] for r in rows if len(r) == len(header) and all(r)], dtype=float)
    return table[:, 0], table[:, 1:], zones


def build(folder: Path, whl: Path, *, cell_size: float = 5.0) -> tuple[Path, Path]:
    """Write the crop as a territory folder and its hour as a scenario: returns (territory.toml, scenario.toml).

    The scenario: a ``river_flood`` with the three inflows (their records from :data:`START_S` on, shifted to start
    at 0, m²/s per metre of their segments), the zonal rain of the same hour, a warm start (the base flow run to
    steady first), one hour, no infiltration and no sewers (the check is of the water's budget, not of losses).
    The files keep the sample's 5 m cells; ``cell_size`` is the territory's analysis grid (``[grid]``), onto which
    the loader resamples them (the terrain bilinearly, the classes and zones by mode and nearest cell).
    """

    digest = hashlib.sha256(whl.read_bytes()).hexdigest()
    if digest != SAMPLES["hipims"].sha256:
        raise ValueError(f"{whl}: SHA-256 {digest}, not that of PyPI's hipims 2.1.0 wheel")
    folder.mkdir(parents=True, exist_ok=True)
    col, row, width, height = WINDOW
    window = Window(col, row, width, height)
    for name, out, dtype in (("DEM", "dem.tif", "float32"), ("Landcover", "landcover.tif", "uint8"),
                             ("rainMask", "rain_zones.tif", "int16")):  # fmt: skip
        with zipfile.ZipFile(whl) as z, rasterio.MemoryFile(z.read(f"{SAMPLE}/{name}.tif")) as mem, mem.open() as src:
            values = src.read(1, window=window)
            profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": dtype,
                       "crs": src.crs, "transform": src.transform @ Affine.translation(col, row)}  # fmt: skip
        if not np.isfinite(values).all():
            raise ValueError(f"{name}.tif: cells without data in the crop {WINDOW}")
        with rasterio.open(folder / out, "w", **profile) as dst:
            dst.write(values.astype(dtype), 1)
    (folder / "landcover.csv").write_text(LANDCOVER_CSV, encoding="utf-8")
    (folder / "territory.toml").write_text(
        'name = "Carlisle (HiPIMS sample crop)"\n'
        f'description = "The Eden, Caldew and Petteril at Carlisle, 2.2 km x 1.5 km, {cell_size:g} m grid"\n'
        f"[grid]\ncell_size = {cell_size}\n"
        '[elevation]\npaths = ["dem.tif"]\nnodata = "error"\n'
        '[land_cover]\npath = "landcover.tif"\ntable = "landcover.csv"\n',
        encoding="utf-8",
    )
    records = read_hydrographs(whl)
    inflows = []
    for inflow in INFLOWS:
        t, q = records[inflow.sheet].T
        keep = (t >= START_S) & (t <= END_S)
        with (folder / f"{inflow.name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["time_h", "discharge_m2_s"])
            w.writerows(zip(((t[keep] - START_S) / 3600.0).tolist(), q[keep].tolist(), strict=True))
        inflows.append(
            f'[[events.inflows]]\nname = "{inflow.name}"\nlocation = "{inflow.edge}"\n'
            f"segment_m = [{inflow.segment_m[0]}, {inflow.segment_m[1]}]\n"
            f'hydrograph_file = "{inflow.name}.csv"\ndischarge_per_unit_width = true\n'
        )
    times, rates, zones = read_zone_rain(whl)
    keep = (times >= START_S) & (times < END_S)
    with (folder / "rain.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["time_min", *zones])
        for t, r in zip(times[keep], rates[keep], strict=True):
            w.writerow([(t - START_S) / 60.0, *r.tolist()])
    scenario = folder / "carlisle.toml"
    scenario.write_text(
        'name = "carlisle"\ntitle = "Carlisle: the Eden, Caldew and Petteril for an hour"\n'
        'territory = "territory.toml"\n'
        '[flood]\ninfiltration = "none"\ndrainage_mm_per_h = 0.0\n'
        '[[events]]\nkind = "river_flood"\nname = "carlisle-hour"\nduration_h = 1.0\n'
        '[events.rain]\nzones_file = "rain_zones.tif"\nzone_series_file = "rain.csv"\n'
        "[events.warm_start]\ntolerance_per_h = 0.001\nwindow_min = 10.0\nmax_h = 12.0\n" + "".join(inflows),
        encoding="utf-8",
    )
    return folder / "territory.toml", scenario
