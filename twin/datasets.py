"""Where the shipped data live, and names for territories.

``data/`` and ``scenarios/`` sit at the top of a checkout. A wheel carries them
inside the package as ``twin/data`` and ``twin/scenarios`` (see
``pyproject.toml``), so both layouts are looked up here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from .errors import MissingFileError, TerritoryFileError, message

_PACKAGE = Path(__file__).resolve().parent
DATASETS = {"demo": "demo/territory.toml"}


def _shipped(folder: str) -> Path:
    for candidate in (_PACKAGE / folder, _PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise MissingFileError(_PACKAGE / folder, role=f"shipped {folder}/ folder (is twin installed completely?)")


def data_dir() -> Path:
    """The shipped ``data/`` folder (demo territory, land-cover table)."""
    return _shipped("data")


def scenarios_dir() -> Path:
    """The shipped ``scenarios/`` folder of example scenario files."""
    return _shipped("scenarios")


def resolve_territory(ref: str | Path) -> Path:
    """Path of a territory file from a dataset name (``"demo"``) or a path.

    A folder stands for the ``territory.toml`` inside it.
    """
    if isinstance(ref, str) and ref in DATASETS:
        return data_dir() / DATASETS[ref]
    path = Path(ref)
    if path.is_dir():
        path = path / "territory.toml"
    if not path.exists():
        if isinstance(ref, str) and "/" not in ref and "\\" not in ref and not path.suffix:
            raise TerritoryFileError(message("territory", "name", f"one of {sorted(DATASETS)} or a path", ref))
        raise MissingFileError(path, role="territory file")
    return path


def tiny_territory(*, width: int = 30, height: int = 20, cell_size: float = 5.0, slope: float = 0.01):
    """A small hand-checkable territory for tests and benchmarks.

    A plane tilted down to the east (``slope``, m/m) at 100 m, grass
    everywhere but a road row, two residential buildings of 10 m and 20 m in one
    district of 100 residents, and a school. EPSG:2154.
    """
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString, Point, box

    from .grid import Grid
    from .io import rasterize_buildings
    from .landcover import LandCoverTable
    from .territory import assemble

    x0, y0 = 700_000.0, 6_600_000.0
    grid = Grid.from_bounds(
        crs="EPSG:2154", bounds=(x0, y0, x0 + width * cell_size, y0 + height * cell_size), cell_size=cell_size
    )
    elevation = np.broadcast_to(100.0 - slope * (grid.x - x0), grid.shape).astype(np.float32)
    land_cover = np.full(grid.shape, 6, dtype=np.uint8)  # grass
    land_cover[height // 2, :] = 3  # a road across the middle
    crs = grid.crs
    c = cell_size
    buildings = gpd.GeoDataFrame(
        {
            "id": ["B1", "B2"],
            "height": [10.0, 20.0],
            "floors": [3, 6],
            "use": ["residential", "residential"],
            "dwellings": [2, 6],
        },
        geometry=[
            box(x0 + 2 * c, y0 + 2 * c, x0 + 6 * c, y0 + 6 * c),
            box(x0 + 10 * c, y0 + 2 * c, x0 + 14 * c, y0 + 8 * c),
        ],
        crs=crs,
    )
    land_cover[rasterize_buildings(buildings, grid)[1] >= 0] = 2  # roofs
    districts = gpd.GeoDataFrame(
        {"name": ["Centre"], "population": [100], "share_over_75": [0.1], "share_under_5": [0.05]},
        geometry=[box(*grid.bounds)],
        crs=crs,
    )
    sites = gpd.GeoDataFrame(
        {"name": ["École"], "kind": ["school"]}, geometry=[Point(x0 + 20 * c, y0 + 15 * c)], crs=crs
    )
    ymid = float(grid.y[height // 2])
    roads = gpd.GeoDataFrame(
        {"name": ["Rue"], "kind": ["residential"]}, geometry=[LineString([(x0, ymid), (x0 + width * c, ymid)])], crs=crs
    )
    river = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    return assemble(
        name="tiny",
        grid=grid,
        elevation=elevation,
        land_cover=land_cover,
        vectors={"buildings": buildings, "districts": districts, "sites": sites, "roads": roads, "river": river},
        landcover=LandCoverTable.read(),
    ).check()


def grid_territory(elevation, *, cell_size: float = 5.0, land_cover: int = 6, name: str = "synthetic"):
    """A territory made of a given elevation array (m), one land-cover class and nothing else.

    For engine tests and benchmarks: analytical cases, lakes, basins. No buildings, districts or
    sites; EPSG:2154 with its corner at (700 000, 6 600 000). Change physical layers with
    :meth:`Territory.with_layers`.
    """
    import numpy as np

    from .grid import Grid
    from .landcover import LandCoverTable
    from .territory import assemble

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
