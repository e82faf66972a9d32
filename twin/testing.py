"""Small territories for tests, examples and benchmarks, as :mod:`xarray.testing` serves xarray's own tests.

:func:`tiny_territory` is a hand-checkable town of four buildings; :func:`grid_territory` wraps a given
elevation array for the engines' analytical cases (the flood engine's public validation cases are in
:mod:`twin.flood.validation`).
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import shapely
from rasterio.features import geometry_mask
from scipy import ndimage
from shapely.geometry import LineString, Point, box

from .grid import Grid
from .landcover import LandCoverTable
from .rasterize import rasterize_buildings
from .synthetic.files import RAINFALL
from .territory import assemble


def tiny_territory(*, width: int = 30, height: int = 20, cell_size: float = 5.0, slope: float = 0.01):
    """A small hand-checkable territory for tests and benchmarks.

    A plane tilted down to the east (``slope``, m/m) at 100 m; grass with a road across row
    ``height // 2`` and two paved yards; two districts, "Sud" (the south half, 100 residents) and
    "Nord" (40 residents); residential buildings B1 and B2 (10 m, 20 m; 2 and 6 dwellings) in Sud,
    a commercial B3 and a residential B4 (4 dwellings) in Nord; a school. EPSG:2154.

    Parameters
    ----------
    width, height : int
        Number of columns and rows. The buildings and yards lie within 130 m (east) × 90 m (north) of the
        south-west corner, whatever the grid.
    cell_size : float
        Cell size, m.
    slope : float
        Slope of the plane down to the east, m m-1.

    Returns
    -------
    Territory
        Checked.

    Raises
    ------
    twin.errors.CRSError
        A cell size that is not a positive number.
    """
    x0, y0 = 700_000.0, 6_600_000.0
    w, h = width * cell_size, height * cell_size
    grid = Grid.from_bounds(crs="EPSG:2154", bounds=(x0, y0, x0 + w, y0 + h), cell_size=cell_size)
    elevation = np.broadcast_to(100.0 - slope * (grid.x - x0), grid.shape).astype(np.float32)
    crs = grid.crs
    buildings = gpd.GeoDataFrame(
        {
            "id": ["B1", "B2", "B3", "B4"],
            "height": [10.0, 20.0, 8.0, 6.0],
            "floors": [3, 6, 2, 2],
            "use": ["residential", "residential", "commercial", "residential"],
            "dwellings": [2, 6, 0, 4],
        },
        geometry=[
            box(x0 + 10, y0 + 10, x0 + 30, y0 + 30),
            box(x0 + 50, y0 + 10, x0 + 70, y0 + 40),
            box(x0 + 100, y0 + 60, x0 + 130, y0 + 80),
            box(x0 + 20, y0 + 70, x0 + 40, y0 + 90),
        ],
        crs=crs,
    )
    land_cover = np.full(grid.shape, 6, dtype=np.uint8)  # grass
    land_cover[height // 2, :] = 3  # a road across the middle (in Sud)
    yards = gpd.GeoSeries([box(x0 + 60, y0 + 60, x0 + 90, y0 + 90), box(x0 + 100, y0 + 10, x0 + 130, y0 + 30)])
    land_cover[geometry_mask(list(yards), out_shape=grid.shape, transform=grid.transform, invert=True)] = 4
    land_cover[rasterize_buildings(buildings, grid)[1] >= 0] = 2  # roofs
    districts = gpd.GeoDataFrame(
        {"name": ["Sud", "Nord"], "population": [100, 40], "share_over_75": [0.1, 0.2], "share_under_5": [0.05, 0.03]},
        geometry=[box(x0, y0, x0 + w, y0 + h / 2), box(x0, y0 + h / 2, x0 + w, y0 + h)],
        crs=crs,
    )
    sites = gpd.GeoDataFrame({"name": ["École"], "kind": ["school"]}, geometry=[Point(x0 + 100, y0 + 45)], crs=crs)
    ymid = float(grid.y[height // 2])
    roads = gpd.GeoDataFrame(
        {"name": ["Rue"], "kind": ["residential"]}, geometry=[LineString([(x0, ymid), (x0 + w, ymid)])], crs=crs
    )
    river = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    town = assemble(
        name="tiny",
        grid=grid,
        elevation=elevation,
        land_cover=land_cover,
        vectors={"buildings": buildings, "districts": districts, "sites": sites, "roads": roads, "river": river},
        landcover=LandCoverTable.read(),
    )
    return replace(town, rainfall_statistics=RAINFALL).check()  # the demo town's rainfall: its storms and sewers


def grid_territory(elevation, *, cell_size: float = 5.0, land_cover: int = 6, name: str = "synthetic"):
    """A territory made of a given elevation array (m), one land-cover class and nothing else.

    For engine tests and benchmarks: analytical cases, lakes, basins. No buildings, districts or
    sites; EPSG:2154 with its corner at (700 000, 6 600 000). Change physical layers with
    :meth:`~twin.territory.Territory.with_layers`.

    Parameters
    ----------
    elevation : array_like
        Ground elevation, m, of shape ``(rows, columns)``; row 0 is the north edge.
    cell_size : float
        Cell size, m.
    land_cover : int
        The land-cover code of every cell (6, grass, in the shipped table).
    name : str
        The territory's name.

    Returns
    -------
    Territory
        Not validated.

    Raises
    ------
    twin.errors.CRSError
        A cell size that is not a positive number.
    """
    elevation = np.asarray(elevation, dtype=np.float32)
    ny, nx = elevation.shape
    x0, y0 = 700_000.0, 6_600_000.0
    grid = Grid.from_bounds(
        crs="EPSG:2154", bounds=(x0, y0, x0 + nx * cell_size, y0 + ny * cell_size), cell_size=cell_size
    )
    return assemble(
        name=name,
        grid=grid,
        elevation=elevation,
        land_cover=np.full((ny, nx), land_cover, np.uint8),
        vectors={},
        landcover=LandCoverTable.read(),
    )


def demo_park_and_dense_centre(territory) -> tuple[np.ndarray, np.ndarray]:
    """Two places of the demo town the heat checks look at, as cell masks: the Jardin du Mail (≥ 2 ha of green,
    ``twin.synthetic.plan``) and the open ground of the densest part of the Centre historique (building cover
    above 50 % within 50 m)."""
    x0, y0 = 431_000.0, 6_711_000.0
    xx, yy = np.meshgrid(territory.layers.x.values, territory.layers.y.values)
    park = (xx > x0 + 1180) & (xx < x0 + 1352) & (yy > y0 + 815) & (yy < y0 + 950) & (territory["green_area"] > 0)
    districts = territory.vectors["districts"]
    centre = shapely.contains_xy(districts.geometry[districts["name"] == "Centre historique"].iloc[0], xx, yy)
    built = territory["building_height"] > 0
    kernel = np.hypot(*np.mgrid[-10:11, -10:11]) <= 50.0 / territory.grid.cell_size
    cover = ndimage.convolve(built.astype(float), kernel.astype(float), mode="constant") / ndimage.convolve(
        np.ones(built.shape), kernel.astype(float), mode="constant"
    )
    return park, centre & ~built & (cover > 0.5)


def heat_island_p95(ds, cells: np.ndarray) -> dict[str, float]:
    """The 95th percentile over ``cells`` of the heat island (T_air − T_ref, K) averaged over the night (sun down)
    and over 14:00–16:00 solar time, from a heat run's hourly air temperature."""
    uhi = ds.t_air_hourly.values - ds.t_ref.values[:, None, None]
    solar = ds.solar_hour.values
    dark = (solar < ds.attrs["sunrise_solar_h"]) | (solar >= ds.attrs["sunset_solar_h"])
    afternoon = (solar >= 14) & (solar <= 16)
    return {
        "night": float(np.percentile(uhi[dark].mean(axis=0)[cells], 95)),
        "afternoon": float(np.percentile(uhi[afternoon].mean(axis=0)[cells], 95)),
    }
