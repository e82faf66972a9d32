"""Where water enters and leaves the grid: inflow cells, edge conditions.

A river flood enters where the river crosses the upstream edge (the first
vertex of the river line, drawn in the direction of flow as BD TOPO does), on
the low part of a named edge, on a given segment of a named edge, or at a point.
The edge where water comes in is closed so that it cannot leave the way it came;
a downstream water level is held on the edge nearest the river's last vertex.

A segment ``[a, b]`` is in metres along its edge, from the edge's south end for
the west and east edges and from its west end for the north and south edges; it
takes the open cells whose centres lie in ``[a, b]``, ends included.
"""

from __future__ import annotations

import numpy as np
from rasterio.features import geometry_mask

from ..errors import ModelInputError, message
from ..io import read_vector
from ._kernels import EDGE_CLOSED, EDGE_FREE, EDGE_STAGE

EDGES = ("west", "east", "north", "south")  # the order of the kernels' ``modes`` array
EDGE_MODES = {"closed": EDGE_CLOSED, "free": EDGE_FREE, "stage": EDGE_STAGE}
LOW_EDGE_BAND_M = 0.5  # a named edge's inflow spreads over its cells within this of the edge's lowest ground


def edge_cells(edge: str, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the cells along one edge of the grid."""
    ny, nx = shape
    if edge in ("west", "east"):
        rows = np.arange(ny)
        return rows, np.full(ny, 0 if edge == "west" else nx - 1)
    cols = np.arange(nx)
    return np.full(nx, 0 if edge == "north" else ny - 1), cols


def nearest_edge(grid, x: float, y: float) -> str:
    """The edge of the grid closest to a point."""
    xmin, ymin, xmax, ymax = grid.bounds
    distances = {"west": x - xmin, "east": xmax - x, "north": ymax - y, "south": y - ymin}
    return min(distances, key=distances.get)


def cell_of(grid, x: float, y: float, *, where: str, what: str = "point") -> tuple[int, int]:
    """(row, column) of the cell holding a point; a point off the grid is a :class:`ModelInputError`."""
    xmin, ymin, xmax, ymax = grid.bounds
    if not (xmin <= x < xmax and ymin < y <= ymax):
        raise ModelInputError(message(where, what, f"inside the grid {grid.bounds}", (x, y)))
    return int((grid.y0 - y) // grid.cell_size), int((x - grid.x0) // grid.cell_size)


def river_ends(territory) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(upstream, downstream) points of the longest river line, or ``None`` without a river."""
    river = territory.vectors.get("river")
    if river is None or river.empty:
        return None
    line = max(river.geometry, key=lambda g: g.length)
    if line.geom_type == "MultiLineString":
        line = max(line.geoms, key=lambda g: g.length)
    if line.geom_type != "LineString":
        line = line.exterior
    coords = list(line.coords)
    return coords[0][:2], coords[-1][:2]


def edge_positions(edge: str, shape: tuple[int, int], cell_size: float) -> np.ndarray:
    """Where the centres of :func:`edge_cells` lie along their edge, m: from its south end (west and east
    edges) or its west end (north and south edges)."""
    ny, nx = shape
    if edge in ("west", "east"):
        return (ny - np.arange(ny) - 0.5) * cell_size  # row 0 is the north end
    return (np.arange(nx) + 0.5) * cell_size


def segment_cells(grid, edge: str, segment, *, open_cells: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the open cells of ``edge`` whose centres lie in ``segment = [a, b]`` (m along the edge,
    see the module docstring); a segment off the edge, or covering no open cell centre, is a
    :class:`ModelInputError` naming ``where``, the field and the value."""
    a, b = (float(v) for v in segment)
    length = (grid.shape[0] if edge in ("west", "east") else grid.shape[1]) * grid.cell_size
    end = "south" if edge in ("west", "east") else "west"
    if not 0.0 <= a < b <= length:
        raise ModelInputError(
            message(where, "inflow_segment_m", f"within the {edge} edge, 0 to {length:g} m from its {end} end",
                    [a, b])
        )  # fmt: skip
    rows, cols = edge_cells(edge, grid.shape)
    along = edge_positions(edge, grid.shape, grid.cell_size)
    inside = (along >= a) & (along <= b)
    if not inside.any():
        raise ModelInputError(
            message(where, "inflow_segment_m", f"wide enough to hold a cell centre of the {edge} edge (cells of "
                    f"{grid.cell_size:g} m, centres at {grid.cell_size / 2:g} m + k × {grid.cell_size:g} m)", [a, b])
        )  # fmt: skip
    keep = inside & open_cells[rows, cols]
    if not keep.any():
        raise ModelInputError(message(where, "inflow_segment_m", "on open cells, not only on buildings", [a, b]))
    return rows[keep], cols[keep]


def inflow_cells(
    territory, location, *, open_cells: np.ndarray, where: str, segment=None, radius_m: float | None = None,
    area_file=None,
) -> tuple[np.ndarray, np.ndarray, str]:  # fmt: skip
    """Cells receiving an inflow hydrograph, and the edge it enters by ("" for an inner point or an area).

    ``segment`` (m along the edge ``location``, see the module docstring) takes the open cells of that stretch
    instead of the edge's low cells; ``radius_m`` round a point takes the open cells whose centres lie within that
    distance of it (at least the point's own cell); ``area_file`` the open cells whose centres lie in its polygons.
    """
    grid = territory.grid
    if area_file is not None:
        gdf, _ = read_vector(area_file, grid, role="inflow area")
        inside = geometry_mask(gdf.geometry, out_shape=grid.shape, transform=grid.transform, invert=True)
        if not (inside & open_cells).any():
            raise ModelInputError(message(where, "area_file", "polygons holding open cells' centres", str(area_file)))
        rows, cols = np.nonzero(inside & open_cells)
        return rows, cols, ""
    if segment is not None:
        if location not in EDGES:
            raise ModelInputError(message(where, "inflow_location", f"one of {list(EDGES)} with a segment", location))
        return (*segment_cells(grid, location, segment, open_cells=open_cells, where=where), location)
    z = territory["elevation"]
    if isinstance(location, (list, tuple)):
        row, col = cell_of(grid, *location, where=where, what="inflow point")
        if radius_m is not None:
            xx, yy = np.meshgrid(grid.x, grid.y)
            disc = (np.hypot(xx - location[0], yy - location[1]) <= radius_m) & open_cells
            disc[row, col] |= bool(open_cells[row, col])
            if not disc.any():
                raise ModelInputError(message(where, "radius_m", "a disc holding open cells", radius_m))
            rows, cols = np.nonzero(disc)
            return rows, cols, ""
        if not open_cells[row, col]:
            raise ModelInputError(message(where, "inflow point", "on open ground, not on a building", location))
        return np.array([row]), np.array([col]), ""
    if location == "river_upstream":
        ends = river_ends(territory)
        if ends is None:
            raise ModelInputError(
                message(where, "inflow_location", "a grid edge or a point (the territory has no river)", location)
            )
        (x, y), edge = ends[0], nearest_edge(grid, *ends[0])
        rows, cols = edge_cells(edge, grid.shape)
        # the water classes by the table's role column, whatever their codes and names
        water = territory.landcover.mask(territory["land_cover"][rows, cols], "water", where=f"{where} (river inflow)")
        keep = water & open_cells[rows, cols]
        if not keep.any():  # no water class on the edge: the cell nearest the river's end
            d = np.hypot(grid.x[cols] - x, grid.y[rows] - y)
            keep = d == d[open_cells[rows, cols]].min()
        return rows[keep], cols[keep], edge
    rows, cols = edge_cells(location, grid.shape)
    ok = open_cells[rows, cols]
    if not ok.any():
        raise ModelInputError(message(where, "inflow edge", "with open cells", location))
    low = z[rows, cols] <= z[rows, cols][ok].min() + LOW_EDGE_BAND_M
    keep = low & ok
    return rows[keep], cols[keep], location
